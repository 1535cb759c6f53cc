// A module outside the differentiable subset: `try` inside a differentiated function.
// Every bundler's build of it fails with adjoint's diagnostic ADJ001 (file, line, column, code frame).
import { grad } from "adjoint";

function safeLog(x: number): number {
  try {
    return Math.log(x);
  } catch {
    return 0;
  }
}

export const dSafeLog = grad(safeLog);
console.log(dSafeLog(2));
