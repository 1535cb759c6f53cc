import { grad, vjp } from "adjoint";
import * as np from "adjoint/np";

// The seed notebook's cells (../../shared/seed/autograd-notebook.txt), written with grad
// and vjp. (examples/seed-notebook.ts is the same notebook in its own attachGrad/record/backward style.)
const show = (cell: string, value: unknown) => console.log(`In [${cell}]:\n${String(value)}\n`);

const x = np.arange(4);
show("2", x);

// y = 2 x.x, dy/dx = 4x
const twiceDot = (v: np.NDArray) => np.mul(2, np.dot(v, v));
show("6", twiceDot(x));
const dx = grad(twiceDot)(x);
show("8", dx);
show("9", np.equal(dx, np.mul(4, x)));

// y = x.sum()
show("10", grad((v: np.NDArray) => v.sum())(x));

// y = x * x, a vector: the gradient of its sum, 2x; the same as for (u*u).sum()
const square = (v: np.NDArray) => np.mul(v, v);
const u = x.copy();
show("11", np.equal(grad(square)(x), grad((w: np.NDArray) => np.mul(w, w).sum())(u)));

// u = y.detach(): a constant; z = u * x, dz/dx = u
function detached(v: np.NDArray): np.NDArray {
  const y = np.mul(v, v);
  const c = y.detach();
  return np.mul(c, v);
}
const dz = grad(detached)(x);
console.log(`In [12]:\n${np.equal(dz, np.mul(x, x)).str()}\n${dz.str()}\n`);
show("13", np.equal(grad(square)(x), np.mul(2, x)).str());

// Control flow: the loop's trip count and the branch depend on a; f is linear in a.
function f(a: np.NDArray): np.NDArray {
  let b = np.mul(a, 2);
  while (np.linalg.norm(b).item() < 1000) b = np.mul(b, 2);
  let c: np.NDArray;
  if (b.sum().item() > 0) c = b;
  else c = np.mul(100, b);
  return c;
}
np.random.seed(0);
const a = np.random.normal(0, 1, [1]).reshape([]);
const [d, pullback] = vjp(f)(a);
show("17", np.equal(pullback(np.onesLike(d)), np.div(d, a)));

// Exercise 3: the same with a (3, 2) input
const a32 = np.random.normal(0, 1, [3, 2]);
show("20", np.equal(grad(f)(a32), np.div(f(a32), a32)));

// Exercise 5: d/dx sum(sin(x)) is cos(x)
const grid = np.linspace(0, 10, 200);
const dsin = grad((v: np.NDArray) => np.sum(np.sin(v)))(grid);
show("29", `max |grad - cos| = ${np.max(np.abs(np.sub(dsin, np.cos(grid)))).item()}`);
