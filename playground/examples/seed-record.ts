import { autograd } from "adjoint";
import * as np from "adjoint/np";

// In [2]-[9]: attach a gradient, record y = 2 x.x, backward: dy/dx = 4x.
const x = np.arange(4);
x.attachGrad();
let y!: np.NDArray;
autograd.record(() => {
  y = np.mul(2, np.dot(x, x));
});
y.backward();
console.log("y =", y.toString());
console.log("x.grad =", x.grad.toString());
console.log("x.grad == 4x:", np.equal(x.grad, np.mul(4, x)).toString());

// In [12]: detach. u is a constant, so dz/dx = u.
let u!: np.NDArray;
let z!: np.NDArray;
autograd.record(() => {
  y = np.mul(x, x);
  u = y.detach();
  z = np.mul(u, x);
});
z.backward();
console.log("x.grad == u:", np.equal(x.grad, u).toString());
