// One load per element: `t4 = u[i]` after `t1 = u[i]` in the same block, with nothing in
// between that writes memory or changes u or i, reads t1 instead. The reverse sweep then adds
// the element's adjoint once (`du[i] += dt1`) where it added each load's share into memory.
import { forEachStmt, readsOf, type Expr, type IRFunction, type Operand, type Stmt } from "../ir/index.js";

export function shareLoads(fn: IRFunction): Stmt[] {
  const assigned = new Map<string, number>();
  const reads = new Map<string, number>();
  forEachStmt(fn.body, (s) => {
    if (s.kind === "assign") assigned.set(s.target, (assigned.get(s.target) ?? 0) + 1);
    for (const name of readsOf(s)) reads.set(name, (reads.get(name) ?? 0) + 1);
  });
  const once = (name: string) => fn.locals.get(name)?.temp === true && assigned.get(name) === 1;
  const key = (op: Operand) => (op.kind === "const" ? `c:${op.code}` : `${op.kind}:${op.name}`);

  const block = (stmts: Stmt[], renames: Map<string, string>): Stmt[] => {
    /** Loaded elements by array and index, and the temporary holding each. */
    const loaded = new Map<string, { array: Operand; index: Operand; held: string }>();
    const out: Stmt[] = [];
    stmts.forEach((original, at) => {
      const s = renameStmt(original, renames);
      if (s.kind === "assign" && s.expr.kind === "load" && s.expr.array.kind !== "const") {
        const k = `${key(s.expr.array)}[${key(s.expr.index)}]`;
        const earlier = loaded.get(k);
        // Its every reader is later in this block, so renaming them there renames them all.
        if (earlier && once(s.target) && reads.get(s.target) === readsIn(stmts.slice(at + 1), s.target)) {
          renames.set(s.target, earlier.held);
          return;
        }
        if (!earlier && once(s.target)) loaded.set(k, { array: s.expr.array, index: s.expr.index, held: s.target });
      }
      if (s.kind === "if") out.push({ ...s, then: block(s.then, renames), else: block(s.else, renames) });
      else if (s.kind === "loop") out.push({ ...s, pre: block(s.pre, renames), body: block(s.body, renames) });
      else out.push(s);
      if (s.kind === "assign" && PURE.has(s.expr.kind)) {
        // A new value of an array variable or an index: loads through it are other elements now.
        for (const [k, entry] of loaded) if ([entry.array, entry.index].some((op) => op.kind === "var" && op.name === s.target)) loaded.delete(k);
      } else {
        // A write to memory, a call, a branch or a loop: any element may have changed.
        loaded.clear();
      }
    });
    return out;
  };
  return block(fn.body, new Map());
}

/** Expressions that write no memory. */
const PURE = new Set<Expr["kind"]>(["load", "prim", "copy", "stop", "leaf", "shape", "alloc", "view"]);

function readsIn(stmts: Stmt[], name: string): number {
  let n = 0;
  forEachStmt(stmts, (s) => {
    n += readsOf(s).filter((r) => r === name).length;
  });
  return n;
}

function renameStmt(s: Stmt, renames: Map<string, string>): Stmt {
  if (renames.size === 0) return s;
  const op = (o: Operand): Operand => (o.kind === "var" && renames.has(o.name) ? { kind: "var", name: renames.get(o.name)! } : o);
  const ops = (list: Operand[]) => list.map(op);
  switch (s.kind) {
    case "assign":
    case "effect":
      return { ...s, expr: renameExpr(s.expr, op, ops) };
    case "if":
      return { ...s, cond: op(s.cond), then: s.then.map((t) => renameStmt(t, renames)), else: s.else.map((t) => renameStmt(t, renames)) };
    case "loop":
      return { ...s, cond: op(s.cond), pre: s.pre.map((t) => renameStmt(t, renames)), body: s.body.map((t) => renameStmt(t, renames)) };
    case "throw":
      return { ...s, arg: op(s.arg) };
    case "store":
      return { ...s, index: op(s.index), value: op(s.value) };
    case "fill":
      return { ...s, value: op(s.value) };
    case "method":
      return { ...s, args: ops(s.args) };
  }
}

export function renameExpr(expr: Expr, op: (o: Operand) => Operand, ops: (list: Operand[]) => Operand[]): Expr {
  switch (expr.kind) {
    case "copy":
    case "stop":
    case "leaf":
    case "shape":
      return { ...expr, arg: op(expr.arg) };
    case "prim":
    case "call":
    case "opaque":
      return { ...expr, args: ops(expr.args) };
    case "np":
      return { ...expr, args: ops(expr.args), ...(expr.reverseArgs ? { reverseArgs: ops(expr.reverseArgs) } : {}) };
    case "load":
      return { ...expr, array: op(expr.array), index: op(expr.index) };
    case "alloc":
      return { ...expr, arg: op(expr.arg), ...(expr.range ? { range: ops(expr.range) } : {}) };
    case "view":
      return { ...expr, arg: op(expr.arg), args: ops(expr.args) };
  }
}
