// Loop counters the reverse sweep steps back rather than saves. `j = c; while (j < n) { ...; j += k }`
// ends with j = c + trips * k: if j is read nowhere but in such loops, the reverse of each
// sets j from the loop's trip count, so `j = c` needs no save (one push per loop run fewer,
// in nested loops one per outer iteration).
import { forEachStmt, readsOf, type Assign, type IRFunction, type Operand, type Stmt } from "../ir/index.js";

export interface CountedLoop {
  counter: string;
  /** The counter's value before the first iteration, and its step per iteration. */
  start: number;
  step: number;
  init: Assign;
  /** The counter is left at another value when the loop's reverse starts (a later loop, or a later iteration of an enclosing one, set it): set it there. */
  reset: boolean;
}

/**
 * Variables that only ever hold integers: every assignment is an integer constant, an array's
 * length, or a sum, difference or product of such values and integer variables (`i = 0`,
 * `i = a.length - 1`, `i += 2`). Stepping one back (`i -= 2` for `i += 2`) gives exactly
 * the value it had, so it is restored that way rather than saved.
 */
export function integerCounters(stmts: Stmt[], params: string[]): Set<string> {
  const assigns = stmts.filter((s): s is Assign => s.kind === "assign");
  // A parameter starts from whatever the caller passed, which need not be an integer.
  const integers = new Set(assigns.map((s) => s.target).filter((name) => !params.includes(name)));
  const isInteger = (op: Operand) => (op.kind === "const" ? typeof op.value === "number" && Number.isInteger(op.value) : op.kind === "var" && integers.has(op.name));
  const integerValued = (s: Assign) => {
    const { expr } = s;
    if (expr.kind === "copy") return isInteger(expr.arg);
    if (expr.kind !== "prim") return false;
    if (expr.op === "length") return true;
    return (expr.op === "add" || expr.op === "sub" || expr.op === "mul") && expr.args.every(isInteger);
  };
  // The largest such set: drop what some assignment disproves until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of assigns) {
      if (integers.has(s.target) && !integerValued(s)) {
        integers.delete(s.target);
        changed = true;
      }
    }
  }
  return integers;
}

/** The loops whose counter the reverse sweep sets from the trip count, by loop. */
export function countedLoops(fn: IRFunction, counters: Set<string>): Map<Stmt, CountedLoop> {
  const candidates: (Omit<CountedLoop, "reset"> & { loop: Stmt; nested: boolean })[] = [];
  const visit = (block: Stmt[], nested: boolean) => {
    block.forEach((s, at) => {
      if (s.kind === "if") {
        visit(s.then, nested);
        visit(s.else, nested);
      }
      if (s.kind !== "loop") return;
      visit(s.pre, true);
      visit(s.body, true);
      const init = block[at - 1];
      if (init?.kind !== "assign" || !counters.has(init.target) || init.expr.kind !== "copy" || init.expr.arg.kind !== "const") return;
      const counter = init.target;
      const last = s.body[s.body.length - 1];
      if (last?.kind !== "assign" || last.target !== counter || last.expr.kind !== "prim" || (last.expr.op !== "add" && last.expr.op !== "sub")) return;
      let assigned = 0;
      forEachStmt([...s.pre, ...s.body], (inner) => {
        if (inner.kind === "assign" && inner.target === counter) assigned++;
      });
      if (assigned !== 1) return;
      const by = last.expr.args[1];
      if (by.kind !== "const" || typeof by.value !== "number" || typeof init.expr.arg.value !== "number") return;
      candidates.push({ loop: s, counter, start: init.expr.arg.value, step: last.expr.op === "sub" ? -by.value : by.value, init, nested });
    });
  };
  visit(fn.body, false);
  // Each counter qualifies only if nothing outside its loops reads it.
  const found = new Map<Stmt, CountedLoop>();
  for (const counter of new Set(candidates.map((c) => c.counter))) {
    const mine = candidates.filter((c) => c.counter === counter);
    const inside = new Set<Stmt>(mine.map((c) => c.init));
    forEachStmt(
      mine.map((c) => c.loop),
      (s) => inside.add(s),
    );
    let readOutside = false;
    forEachStmt(fn.body, (s) => {
      if (!inside.has(s) && readsOf(s).includes(counter)) readOutside = true;
    });
    if (readOutside || fn.result === counter) continue;
    for (const { loop, nested, ...counted } of mine) found.set(loop, { ...counted, reset: nested || mine.length > 1 });
  }
  return found;
}
