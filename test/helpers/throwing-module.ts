// A module whose gradient throws inside generated code (at line 5 of the user's source):
// every front end's source-map test checks that the error is reported at that line.
export const THROWING_MODULE = [
  'import { grad } from "adjoint";',
  "",
  "function f(x: number): number {",
  "  const y = x * 2;",
  '  if (y > 10) throw new RangeError("too big");',
  "  return y * y;",
  "}",
  "",
  "export const df = grad(f);",
  "",
].join("\n");
