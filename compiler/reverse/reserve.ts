// Stacks sized from a loop's trip count: before a loop whose body pushes numbers on every
// iteration, `stack.reserve(p * trips)` grows the stack once instead of doubling it as it
// fills (a first call, or a longer run than the pooled stack has seen). The count is read
// from the loop's condition where it compares a counter stepped by a constant with a bound
// the loop does not change (`i < n`, `i < a.length - 1`, `i >= 0`); it is only a capacity
// hint, so an early exit or a wrong guess costs memory, never a value.
import { line, type Code } from "../emit/index.js";
import { forEachStmt, type Loop, type Operand, type Stmt } from "../ir/index.js";
import type { Reverser } from "./reverser.js";

export function reservation(r: Reverser, loop: Loop): Code[] {
  if (r.options.plainStack) return [];
  const pushes = loop.body.filter((s) => r.a.saves.has(s) && (s.kind === "store" || (s.kind === "assign" && r.a.types.get(s.target) === "number"))).length;
  // A name the forward sweep writes as its expression (an inlined temporary) is not there to read.
  const trips = pushes > 0 ? tripCount(loop, (name) => !r.inlined.has(name)) : undefined;
  return trips ? [line(`${r.stack}.reserve(${pushes === 1 ? "" : `${pushes} * `}(${trips}));`, loop.loc)] : [];
}

/**
 * The loop's trip count as code evaluated before it, where its condition gives one. `exact`:
 * only where it is certainly the count (or more), so room for it needs no check per iteration:
 * the test the loop's one exit (its pre plain arithmetic), no array whose length bounds it
 * written in the loop (a store past a number[]'s end lengthens it).
 */
export function tripCount(loop: Loop, readable: (name: string) => boolean, exact = false): string | undefined {
  const assigned = new Set<string>();
  forEachStmt([...loop.pre, ...loop.body], (s) => {
    if (s.kind === "assign" || (s.kind === "method" && s.target)) assigned.add(s.kind === "assign" ? s.target : s.target!);
    if (s.kind === "method" || (exact && (s.kind === "store" || s.kind === "fill"))) assigned.add(s.array);
    if (exact && (s.kind === "assign" || s.kind === "effect") && (s.expr.kind === "call" || s.expr.kind === "opaque")) for (const a of s.expr.args) if (a.kind === "var") assigned.add(a.name);
  });
  if (exact && !loop.pre.every((s) => s.kind === "assign" && (s.expr.kind === "prim" || s.expr.kind === "copy"))) return undefined;
  const defined = (name: string) => loop.pre.find((s): s is Extract<Stmt, { kind: "assign" }> => s.kind === "assign" && s.target === name);
  if (loop.cond.kind !== "var") return undefined;
  const test = defined(loop.cond.name);
  if (!test || test.expr.kind !== "prim" || !["lt", "le", "gt", "ge"].includes(test.expr.op)) return undefined;
  const [counter, limit] = test.expr.args;
  if (counter.kind !== "var" || !readable(counter.name)) return undefined;
  const last = loop.body[loop.body.length - 1];
  if (last?.kind !== "assign" || last.target !== counter.name || last.expr.kind !== "prim" || (last.expr.op !== "add" && last.expr.op !== "sub")) return undefined;
  const [self, by] = last.expr.args;
  if (self.kind !== "var" || self.name !== counter.name || by.kind !== "const" || typeof by.value !== "number" || by.value <= 0) return undefined;
  let writes = 0;
  forEachStmt([...loop.pre, ...loop.body], (s) => void (s.kind === "assign" && s.target === counter.name && writes++));
  const up = last.expr.op === "add";
  if (writes !== 1 || up !== (test.expr.op === "lt" || test.expr.op === "le")) return undefined;
  /** The bound as code before the loop: a constant, a name the loop does not assign, an array's length, plus or minus a constant. */
  const bound = (op: Operand, depth = 0): string | undefined => {
    if (op.kind === "const") return typeof op.value === "number" ? String(op.value) : undefined;
    if (op.kind !== "var" || depth > 2) return undefined;
    if (!assigned.has(op.name)) return readable(op.name) ? op.name : undefined;
    const def = defined(op.name);
    if (!def || def.expr.kind !== "prim") return undefined;
    const [a, b] = def.expr.args;
    if (def.expr.op === "length" && a.kind === "var" && !assigned.has(a.name) && readable(a.name)) return `${a.name}.length`;
    if ((def.expr.op === "add" || def.expr.op === "sub") && b?.kind === "const" && typeof b.value === "number") {
      const base = bound(a, depth + 1);
      return base && `${base} ${def.expr.op === "add" ? "+" : "-"} ${b.value}`;
    }
    return undefined;
  };
  const end = bound(limit);
  if (!end) return undefined;
  const span = up ? `${end} - ${counter.name}` : end === "0" ? counter.name : `${counter.name} - ${end}`;
  const inclusive = test.expr.op === "le" || test.expr.op === "ge" ? " + 1" : "";
  return by.value === 1 ? `${span}${inclusive}` : `(${span}) / ${by.value}${inclusive}`;
}
