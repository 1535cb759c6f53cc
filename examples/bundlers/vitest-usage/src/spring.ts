import { grad, valueAndGrad } from "adjoint";

/** Energy of a spring of stiffness k stretched from rest length 1 to length x. */
export function energy(x: number, k: number): number {
  const stretch = x - 1;
  return 0.5 * k * stretch * stretch;
}

/** The force is minus the energy's derivative in x. */
export const force = (x: number, k: number): number => -grad(energy)(x, k);
export const energyAndGradients = valueAndGrad(energy, { wrt: [0, 1] });
