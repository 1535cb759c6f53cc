import { grad } from "adjoint";

// adjoint refuses what it cannot differentiate, at compile time, with a hint.
function safeLog(x: number): number {
  try {
    return Math.log(x);
  } catch {
    return 0;
  }
}

export const dsafeLog = grad(safeLog);
