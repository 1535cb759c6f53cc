import { grad } from "adjoint";

// y += a x, in place. Its adjoint takes y's adjoint and adds into a's and x's.
function axpy(y: Float64Array, a: number, x: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

function energy(a: number, x: Float64Array): number {
  const y = new Float64Array(x.length);
  axpy(y, a, x);
  axpy(y, a * a, x);
  let e = 0;
  for (let i = 0; i < y.length; i++) e += y[i] * y[i];
  return e;
}

export const denergy = grad(energy);
