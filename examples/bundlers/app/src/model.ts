import { differentiable } from "adjoint";

/** A damped oscillation: the model the fit adjusts. Marked so other modules can differentiate through it. */
export const curve = differentiable((amplitude: number, decay: number, t: number): number => {
  return amplitude * Math.exp(-decay * t) * Math.cos(3 * t);
});
