// The engine as adjoint/compiler's transform() runs it in Node, here in the page: TypeScript
// in, the module with generated adjoint code out, or the catalogue's diagnostics.
import { catalogue, transform, type Diagnostic } from "adjoint/compiler";

export const FILENAME = "playground.ts";

/** A diagnostic, a syntax error or a failure of the engine, at a range of the source. */
export interface Problem {
  from: number;
  to: number;
  line: number;
  column: number;
  code: string;
  message: string;
  hint: string;
}

export interface Compiled {
  code: string;
  problems: Problem[];
}

export function compile(source: string): Compiled {
  try {
    const result = transform(source, { filename: FILENAME, sourceMaps: false });
    return { code: result.code, problems: result.diagnostics.map(fromDiagnostic) };
  } catch (error) {
    return { code: "", problems: [fromError(error, source)] };
  }
}

function fromDiagnostic(d: Diagnostic): Problem {
  return { from: d.start, to: Math.max(d.end, d.start + 1), line: d.line, column: d.column, code: d.code, message: d.message, hint: d.hint };
}

/** Babel's parse errors carry a position; anything else is the engine's own failure. */
function fromError(error: unknown, source: string): Problem {
  const { pos, loc, message } = error as { pos?: number; loc?: { line: number; column: number }; message?: string };
  if (typeof pos === "number" && loc) {
    const text = String(message).replace(/^[^:]*: /, "").split("\n")[0];
    return { from: pos, to: Math.min(pos + 1, source.length), line: loc.line, column: loc.column, code: "syntax", message: text, hint: "fix the syntax: TypeScript as tsc accepts it" };
  }
  const internal = catalogue.ADJ000;
  return { from: 0, to: Math.min(1, source.length), line: 1, column: 0, code: "ADJ000", message: `${internal.message}: ${String(message ?? error)}`, hint: internal.hint };
}
