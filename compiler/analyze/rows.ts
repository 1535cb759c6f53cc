// What analysis refuses of rows (lower/rows.ts reads arrays of arrays as data): rows read
// where the function writes an array that carries a gradient, and rows given to a module
// function that writes or returns them.
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import type { IRFunction, Stmt } from "../ir/index.js";
import { callOf, writtenByCall, type Summaries } from "./summaries.js";

interface Written {
  involved: Set<string>;
  node: (name: string) => string;
  isArray: (name: string) => boolean;
  summaries: Summaries;
}

/**
 * A row of an array of arrays is read as data, its values kept as read. A function that also
 * writes into an array that carries a gradient may be writing one of those rows (`f(w, [w])`):
 * the rows' values would change with no derivative to show it. An attached callee (customGrad,
 * another module's differentiable) does not count: its rule cannot express a write, and
 * another module's function that writes an argument is refused at run time (vjpOf).
 */
export function rowsUnderWrites(fn: IRFunction, stmts: Stmt[], { involved, node, isArray, summaries }: Written, filename: string): Diagnostic[] {
  const writes = (s: Stmt): string[] => {
    if (s.kind === "store" || s.kind === "fill" || s.kind === "method") return [s.array];
    return callOf(s)?.callee.kind === "local" ? writtenByCall(s, summaries, isArray) : [];
  };
  const writtenNodes = new Set(stmts.flatMap(writes).map(node));
  const written = fn.params.find((p) => isArray(p) && involved.has(p) && writtenNodes.has(node(p)));
  const read = stmts.find((s) => s.kind === "assign" && s.expr.kind === "opaque" && s.expr.row && !s.expr.constant && s.loc);
  if (written === undefined || !read?.loc) return [];
  const at = { start: read.loc.start ?? 0, end: read.loc.end ?? 0, line: read.loc.line, column: read.loc.column };
  const name = fn.locals.get(written)?.source ?? written;
  return [diagnostic("ADJ016", filename, at, `a row of an array of arrays, read where the function writes into '${name}', which one of the rows may be: adjoint reads rows as data and would miss that write (copy '${name}' before writing into it)`)];
}

/** A row given to a module function that writes into it or returns it: the row is data, read only. */
export function rowsPassedOn(stmts: Stmt[], summaries: Summaries, filename: string): Diagnostic[] {
  const rows = new Set(stmts.flatMap((s) => (s.kind === "assign" && s.expr.kind === "opaque" && s.expr.row && s.expr.result === "other" ? [s.target] : [])));
  const out: Diagnostic[] = [];
  for (const s of stmts) {
    const call = callOf(s);
    if (!call || call.callee.kind !== "local" || !s.loc) continue;
    const summary = summaries(call.callee);
    const result = summary?.result;
    const misused = call.args.findIndex((arg, i) => arg.kind === "var" && rows.has(arg.name) && (!summary || summary.writes.includes(i) || (result?.kind === "param" && result.index === i) || (result?.kind === "mixed" && result.params.includes(i))));
    if (misused < 0) continue;
    const at = { start: s.loc.start ?? 0, end: s.loc.end ?? 0, line: s.loc.line, column: s.loc.column };
    const callee = /Target\d*$|\$/.test(call.callee.key) ? "a function" : `'${call.callee.key}'`;
    out.push(diagnostic("ADJ016", filename, at, `a row of an array of arrays, given to ${callee}, which writes into it or returns it: adjoint reads an array of arrays as data (copy the row first)`));
  }
  return out;
}
