import { grad } from "adjoint";

// p(x) = c[0] x^(n-1) + ... + c[n-1], one multiply-add per coefficient.
function horner(x: number, c: number[]): number {
  let p = 0;
  for (const ci of c) p = p * x + ci;
  return p;
}

export const dp = grad(horner);
export const d2p = grad(grad(horner));
