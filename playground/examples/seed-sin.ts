import { grad } from "adjoint";

// In [27]: sin and its gradient, plotted against cos. grad(grad(f)) is -sin.
function f(x: number): number {
  return Math.sin(x);
}

export const df = grad(f);
export const d2f = grad(grad(f));
