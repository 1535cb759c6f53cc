// Checkpointed loops: the state a snapshot keeps (every variable the loop assigns, and the
// elements of every array of a region it writes), and what cannot be replayed. A replayed step
// must do what it did the first time, so a step may change nothing but that state.
import { diagnostic, type Diagnostic, type Span } from "../diagnostics.js";
import { forEachStmt, type IRFunction, type Loop, type SourceLoc, type Stmt } from "../ir/index.js";
import { methodArrays } from "./array-methods.js";
import { writtenByCall, type Summaries } from "./summaries.js";

export interface CheckpointState {
  /** The variables the loop assigns, whose values a snapshot keeps. */
  values: string[];
  /** The array variables of regions the loop writes, whose elements a snapshot keeps. */
  arrays: string[];
}

/** Each checkpointed loop with reverse code, with its state; and what is refused. */
export function checkpointsOf(
  fn: IRFunction,
  reversed: Set<Stmt>,
  isArray: (name: string) => boolean,
  active: Set<string>,
  returnsArgument: Set<Stmt>,
  region: (name: string) => string,
  summaries: Summaries,
  filename: string,
): { states: Map<Loop, CheckpointState>; diagnostics: Diagnostic[] } {
  const states = new Map<Loop, CheckpointState>();
  const diagnostics: Diagnostic[] = [];
  const refuse = (at: Span, detail: string) => diagnostics.push(diagnostic("ADJ030", filename, at, detail));
  forEachStmt(fn.body, (s, inLoop) => {
    if (s.kind !== "loop" || !s.checkpoint || !reversed.has(s)) return;
    if (inLoop) return refuse(s.checkpoint.at, "it is inside another loop (checkpoint the outer loop)");
    const values = new Set<string>();
    const written = new Set<string>();
    forEachStmt([...s.pre, ...s.body], (inner) => {
      if (inner.kind === "assign") values.add(inner.target);
      if (inner.kind === "method" && inner.target) values.add(inner.target);
      const writes = inner.kind === "store" || inner.kind === "fill" ? [inner.array] : inner.kind === "method" ? methodArrays(inner).slice(0, 1) : writtenByCall(inner, summaries, isArray);
      for (const array of writes) written.add(region(array));
      const problem = unreplayable(inner);
      if (problem) refuse(problem.at ?? s.checkpoint!.at, problem.detail);
      // A replayed step makes another array, which has not the adjoint the first one got.
      const made = inner.kind === "assign" && isArray(inner.target) && active.has(inner.target) && (inner.expr.kind === "alloc" || (inner.expr.kind === "call" && !returnsArgument.has(inner)));
      if (made && inner.loc) refuse(spanOfLoc(inner.loc), `an array with a gradient is made in the loop's step, and a replayed step would make another (make it before the loop and write into it)`);
      if ((inner.kind === "assign" || inner.kind === "effect") && inner.expr.kind === "opaque" && inner.expr.writesReceiver && inner.expr.args[0]?.kind === "var") written.add(region(inner.expr.args[0].name));
    });
    const names = [...new Set([...fn.params, ...fn.locals.keys()])];
    const arrays = names.filter((name) => isArray(name) && written.has(region(name))).sort();
    states.set(s, { values: [...values].sort(), arrays });
  });
  return { states, diagnostics };
}

function spanOfLoc(loc: SourceLoc): Span {
  return { start: loc.start ?? 0, end: loc.end ?? 0, line: loc.line, column: loc.column };
}

/** Why a statement would act differently, or act outside the loop's state, when its step is replayed. */
function unreplayable(s: Stmt): { at?: Span; detail: string } | null {
  if (s.kind !== "assign" && s.kind !== "effect") return null;
  const { expr } = s;
  const at = s.loc && spanOfLoc(s.loc);
  if (expr.kind === "prim" && expr.op === "Math.random") return { at, detail: "Math.random() gives other numbers when a step is replayed" };
  if (expr.kind === "np" && /\brandom\b/.test(expr.render(expr.args.map((_, i) => `a${i}`)))) return { at, detail: "a random number generator gives other numbers when a step is replayed" };
  if (expr.kind === "opaque" && !expr.constant && !expr.writesReceiver && expr.result === undefined) return { at: expr.at, detail: `${expr.describe} may act outside the loop's state (I/O, a clock, state of its own), and a replayed step would do it again` };
  return null;
}
