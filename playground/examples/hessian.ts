import { grad, hessian } from "adjoint";

function rosenbrock(p: Float64Array): number {
  let s = 0;
  for (let i = 0; i + 1 < p.length; i++) {
    s += 100 * (p[i + 1] - p[i] * p[i]) ** 2 + (1 - p[i]) ** 2;
  }
  return s;
}

export const g = grad(rosenbrock);
export const H = hessian(rosenbrock);
