// A value a loop computes again each iteration from what no loop changes (`t = -9.81 / length`
// in an RK4 step) is the same every time: what each iteration's assignment overwrites is the
// value it writes, so nothing needs pushing; the reverse sweep reads the variable as it is.
import { forEachStmt, type IRFunction, type Stmt } from "../ir/index.js";
import type { InferredType } from "./types.js";

/** Operations whose result their operands decide (no Math.random, no array's length: arrays resize). */
const impure = new Set(["Math.random", "length"]);

/** Drops from `saves` the assignments in loops of values that are the same every iteration. */
export function dropInvariantSaves(fn: IRFunction, saves: Set<Stmt>, types: Map<string, InferredType>): void {
  const assignCount = new Map<string, number>();
  const inLoops = new Set<string>();
  const replayed = new Set<Stmt>();
  forEachStmt(fn.body, (s, inLoop) => {
    // A method's result (`t = a.pop()`) is an assignment too.
    const target = s.kind === "assign" || s.kind === "method" ? s.target : undefined;
    if (target !== undefined) {
      assignCount.set(target, (assignCount.get(target) ?? 0) + 1);
      if (inLoop) inLoops.add(target);
    }
    // A checkpointed loop's replay keeps its own state.
    if (s.kind === "loop" && s.checkpoint) forEachStmt([...s.pre, ...s.body], (inner) => replayed.add(inner));
  });
  const scalar = (name: string) => types.get(name) === "number" || types.get(name) === "boolean";
  // Assigned once: a parameter never assigned, a variable assigned once outside every loop, or an invariant.
  const invariant = new Set<string>();
  const fixed = (name: string) => scalar(name) && (invariant.has(name) || (!inLoops.has(name) && (assignCount.get(name) ?? 0) <= 1 && (fn.params.includes(name) ? !assignCount.has(name) : true)));
  for (let changed = true; changed; ) {
    changed = false;
    forEachStmt(fn.body, (s, inLoop) => {
      // A temporary: read only after its one assignment, never its stale value.
      if (!inLoop || s.kind !== "assign" || !fn.locals.get(s.target)?.temp || replayed.has(s) || invariant.has(s.target) || assignCount.get(s.target) !== 1 || !scalar(s.target)) return;
      const { expr } = s;
      const pure = expr.kind === "copy" || (expr.kind === "prim" && !impure.has(expr.op));
      const args = expr.kind === "copy" ? [expr.arg] : expr.kind === "prim" ? expr.args : [];
      if (!pure || !args.every((op) => op.kind === "const" || (op.kind === "var" && fixed(op.name)))) return;
      invariant.add(s.target);
      changed = true;
    });
  }
  forEachStmt(fn.body, (s) => {
    if (s.kind === "assign" && invariant.has(s.target)) saves.delete(s);
  });
}
