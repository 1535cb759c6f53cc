// Element adjoints whose one contribution is their first write. If a parameter's elements (or
// those of an array made once as zeros, which may also be stored into) are read by one load
// `t = a[i]` and nothing else mentions the array but loads before its loop (whose reverses
// come after its reverse: logsumexp's max before its exps), and that load sits in a loop
// (in no other loop) whose counter steps once per iteration and is the index, each element of
// the adjoint gets at most one contribution: into an adjoint made fresh for the call it is
// assigned (`da[i] = dt`), with no read of the zeros it overwrites (at n = 1e6, a stream).
// The same shape, a store into a fresh local array, means its element's adjoint is read by
// no reverse after the store's: the reverse need not zero it once spent.
import { forEachStmt, readsOf, type IRFunction, type Loop, type Operand, type Stmt } from "../ir/index.js";

export function firstWriteLoads(fn: IRFunction, madeOnce: Set<string>): Set<Stmt> {
  /** Each array's mentions in forward order (their place, whether a load), and its loads found in a single loop (with that loop's span). */
  const mentions = new Map<string, { at: number; load: boolean; s: Stmt }[]>();
  const loads: { array: string; s: Stmt; from: number; to: number }[] = [];
  const assigned = new Set<string>();
  let at = 0;
  const visit = (stmts: Stmt[], loop: { s: Loop; from: number } | null, depth: number) => {
    for (const s of stmts) {
      at++;
      if (s.kind === "assign") assigned.add(s.target);
      const mentioned = new Set(readsOf(s));
      // A length read passes no adjoint: it is not a use. Nor is a store into an array made
      // once as zeros: its reverse reads the element's adjoint and zeroes it, adding nothing.
      const lengthOnly = s.kind === "assign" && s.expr.kind === "prim" && s.expr.op === "length";
      if (s.kind === "store" && madeOnce.has(s.array) && s.value.kind === "var" && s.value.name !== s.array && (s.index.kind !== "var" || s.index.name !== s.array)) mentioned.delete(s.array);
      const isLoad = s.kind === "assign" && s.expr.kind === "load";
      if (!lengthOnly) for (const name of mentioned) mentions.set(name, [...(mentions.get(name) ?? []), { at, load: isLoad && s.expr.kind === "load" && s.expr.array.kind === "var" && s.expr.array.name === name, s }]);
      if (s.kind === "assign" && s.expr.kind === "load" && s.expr.array.kind === "var" && depth === 1 && loop && !loop.s.checkpoint && steppedCounter(loop.s, s.expr.index)) {
        loads.push({ array: s.expr.array.name, s, from: loop.from, to: -1 });
      }
      if (s.kind === "if") {
        visit(s.then, loop, depth);
        visit(s.else, loop, depth);
      } else if (s.kind === "loop") {
        const from = at;
        visit(s.pre, { s, from }, depth + 1);
        visit(s.body, { s, from }, depth + 1);
        for (const l of loads) if (l.to === -1 && l.from === from) l.to = at;
      }
    }
  };
  visit(fn.body, null, 0);
  const fresh = (array: string) => (fn.params.includes(array) && !assigned.has(array)) || madeOnce.has(array);
  // The load is the element's first contribution in the reverse sweep where every other mention
  // of the array is a load before its loop (reversed after it: those add into what it assigned).
  const first = (l: (typeof loads)[number]) => (mentions.get(l.array) ?? []).every((m) => m.s === l.s || (m.load && m.at < l.from));
  return new Set(loads.filter((l) => fresh(l.array) && first(l)).map((l) => l.s));
}

/**
 * Stores whose element adjoint no later reverse reads: the only store into an array made once
 * by `new Float64Array(n)` (not a copy, outside loops), at the counter of the one loop it is
 * in, with the array otherwise only loaded from. Once the store's reverse has taken the
 * element's adjoint, nothing reads it again, so it need not be zeroed. Also the arrays made
 * once so: in a sweep that runs once, no reverse reads their adjoint after their allocation's.
 */
export function unreadSpentStores(fn: IRFunction, isArray: (name: string) => boolean): { stores: Set<Stmt>; arrays: Set<string> } {
  const mentions = new Map<string, Stmt[]>();
  const assignments = new Map<string, Stmt[]>();
  const stores = new Map<string, Stmt>();
  const visit = (stmts: Stmt[], loop: Loop | null, depth: number) => {
    for (const s of stmts) {
      // A load reads the array's elements, not its adjoint's; a length reads neither.
      const elementsOnly = s.kind === "assign" && (s.expr.kind === "load" || (s.expr.kind === "prim" && s.expr.op === "length"));
      if (!elementsOnly) for (const name of readsOf(s)) mentions.set(name, [...(mentions.get(name) ?? []), s]);
      if (s.kind === "assign") {
        const zeros = depth === 0 && s.expr.kind === "alloc" && s.expr.ctor !== "same" && !(s.expr.arg.kind === "var" && isArray(s.expr.arg.name));
        assignments.set(s.target, [...(assignments.get(s.target) ?? []), ...(zeros ? [] : [s, s])]);
        if (zeros) assignments.get(s.target)!.push(s);
      }
      if (s.kind === "store" && depth === 1 && loop && !loop.checkpoint && steppedCounter(loop, s.index)) stores.set(s.array, s);
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
  const kept = new Set([fn.result, ...(fn.outputs ?? []), ...fn.params]);
  // Made once as zeros (an assignment of any other kind counts twice).
  const arrays = new Set([...assignments].filter(([array, list]) => !kept.has(array) && list.length === 1).map(([array]) => array));
  // Written by that store alone.
  const unread = [...stores].filter(([array, store]) => arrays.has(array) && (mentions.get(array) ?? []).every((m) => m === store));
  return { stores: new Set(unread.map(([, store]) => store)), arrays };
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
