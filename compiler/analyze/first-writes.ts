// Element adjoints whose one contribution is their first write. If a parameter's elements are
// read by one load `t = a[i]` and nothing else mentions the array, and that load sits in a loop
// (in no other loop) whose counter steps once per iteration and is the index, each element of
// the adjoint gets at most one contribution: into an adjoint made fresh for the call it is
// assigned (`da[i] = dt`), with no read of the zeros it overwrites (at n = 1e6, a stream).
import { forEachStmt, readsOf, type IRFunction, type Loop, type Operand, type Stmt } from "../ir/index.js";

export function firstWriteLoads(fn: IRFunction): Set<Stmt> {
  /** Every statement that mentions each parameter, and the loads of it found in a single loop. */
  const mentions = new Map<string, number>();
  const loads = new Map<string, Stmt>();
  const assigned = new Set<string>();
  const visit = (stmts: Stmt[], loop: Loop | null, depth: number) => {
    for (const s of stmts) {
      if (s.kind === "assign") assigned.add(s.target);
      const mentioned = new Set(readsOf(s).filter((name) => fn.params.includes(name)));
      // A length read passes no adjoint: it is not a use.
      const lengthOnly = s.kind === "assign" && s.expr.kind === "prim" && s.expr.op === "length";
      if (!lengthOnly) for (const name of mentioned) mentions.set(name, (mentions.get(name) ?? 0) + 1);
      if (s.kind === "assign" && s.expr.kind === "load" && s.expr.array.kind === "var" && depth === 1 && loop && steppedCounter(loop, s.expr.index)) {
        loads.set(s.expr.array.name, s);
      }
      if (s.kind === "if") {
        visit(s.then, loop, depth);
        visit(s.else, loop, depth);
      } else if (s.kind === "loop") {
        visit(s.pre, s, depth + 1);
        visit(s.body, s, depth + 1);
      }
    }
  };
  visit(fn.body, null, 0);
  return new Set([...loads].filter(([array]) => mentions.get(array) === 1 && !assigned.has(array)).map(([, load]) => load));
}

/**
 * Whether `index` is a variable the loop assigns exactly once, by a step of a nonzero integer
 * constant at the top of its body (so every iteration steps it: no two see one value).
 */
function steppedCounter(loop: Loop, index: Operand): boolean {
  if (index.kind !== "var") return false;
  const isStep = (s: Stmt) =>
    s.kind === "assign" &&
    s.expr.kind === "prim" &&
    (s.expr.op === "add" || s.expr.op === "sub") &&
    s.expr.args[0].kind === "var" &&
    s.expr.args[0].name === index.name &&
    s.expr.args[1].kind === "const" &&
    typeof s.expr.args[1].value === "number" &&
    Number.isInteger(s.expr.args[1].value) &&
    s.expr.args[1].value !== 0;
  const writes: Stmt[] = [];
  forEachStmt([...loop.pre, ...loop.body], (s) => {
    if (s.kind === "assign" && s.target === index.name) writes.push(s);
  });
  return writes.length === 1 && loop.body.includes(writes[0]) && isStep(writes[0]);
}
