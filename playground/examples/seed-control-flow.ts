import { grad } from "adjoint";
import * as np from "adjoint/np";

// In [15]-[17]: a while loop and a branch that depend on the value. f(a) = k * a,
// so the gradient of its sum is k everywhere: the loop and branch taken decide k.
function f(a: np.NDArray): np.NDArray {
  let b = np.mul(a, 2);
  while (np.linalg.norm(b).item() < 1000) {
    b = np.mul(b, 2);
  }
  let c: np.NDArray;
  if (b.sum().item() > 0) {
    c = b;
  } else {
    c = np.mul(100, b);
  }
  return c;
}

export const df = grad(f);
