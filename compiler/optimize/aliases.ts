// Array copies propagated: `const w = p` where neither name is given another array names
// the same array as p wherever w is read, so w is renamed p and the copy dropped. One name per
// array lets the reverse sweep keep the array's adjoint in a variable instead of finding it
// through the array at run time (the runtime's ArrayAdjoints), which a derivative to be
// differentiated again cannot call. Runs after analysis has found which names are arrays.
import type { Analysis } from "../analyze/index.js";
import { forEachStmt, readsOf, type IRFunction, type Stmt } from "../ir/index.js";
import { renameExpr } from "./loads.js";

/** fn analysed, and where it has array copies to propagate, analysed again without them. */
export function analyzedWithoutCopies(fn: IRFunction, analyze: (fn: IRFunction) => Analysis): { ir: IRFunction; analysis: Analysis } {
  const analysis = analyze(fn);
  const ir = analysis.diagnostics.length === 0 ? propagateArrayCopies(fn, analysis.types) : fn;
  return ir === fn ? { ir, analysis } : { ir, analysis: analyze(ir) };
}

/** fn with each array name that only ever holds another's array renamed to it (fn itself where there is none). */
function propagateArrayCopies(fn: IRFunction, types: ReadonlyMap<string, string>): IRFunction {
  if (fn.outputs) return fn;
  const assignments = new Map<string, number>();
  forEachStmt(fn.body, (s) => {
    const target = s.kind === "assign" ? s.target : s.kind === "method" ? s.target : undefined;
    if (target) assignments.set(target, (assignments.get(target) ?? 0) + 1);
  });
  const isArray = (name: string) => types.get(name) === "array";
  const renames = new Map<string, string>();
  const resolve = (name: string) => renames.get(name) ?? name;
  // A source stable from `at` on: a parameter never assigned, or a local assigned once at the top level before `at`.
  const stableFrom = new Map<string, number>(fn.params.filter((p) => !assignments.has(p)).map((p) => [p, -1]));
  fn.body.forEach((s, i) => {
    if (s.kind === "assign" && assignments.get(s.target) === 1 && !fn.params.includes(s.target)) stableFrom.set(s.target, i);
  });
  // Each block's copies, in order: a copy applies to what follows it in its block.
  const visit = (stmts: Stmt[], top: number | null) => {
    stmts.forEach((s, i) => {
      const at = top ?? i;
      if (s.kind === "if") {
        visit(s.then, at);
        visit(s.else, at);
      } else if (s.kind === "loop") {
        visit(s.pre, at);
        visit(s.body, at);
      }
      if (s.kind !== "assign" || s.expr.kind !== "copy" || s.expr.arg.kind !== "var") return;
      const [w, p] = [s.target, resolve(s.expr.arg.name)];
      const from = stableFrom.get(p);
      // The result may be renamed to the local array it returns (`return out`), never to a parameter.
      const result = w === fn.result;
      if (!isArray(w) || !isArray(p) || (result && fn.params.includes(p)) || fn.params.includes(w) || assignments.get(w) !== 1 || from === undefined || from >= at) return;
      // Every use of w follows the copy in its block: read elsewhere, w would be undefined or another array.
      if (usesOutside(fn.body, w, stmts, i)) return;
      // The user's name is kept where the array is a temporary's the lowering made (`const all = [...xs]`).
      const temporary = !result && !fn.params.includes(p) && fn.locals.get(p)?.temp && !fn.locals.get(w)?.temp && ![...renames.values()].includes(p);
      if (temporary) renames.set(p, w);
      else renames.set(w, p);
    });
  };
  visit(fn.body, null);
  if (renames.size === 0) return fn;
  const body = renameAll(fn.body, renames);
  const locals = new Map([...fn.locals].filter(([name]) => !renames.has(name)));
  return { ...fn, body, locals, result: resolve(fn.result) };
}

/** Whether `name` is used (read or written) anywhere but in the statements of `block` after index `at`. */
function usesOutside(body: Stmt[], name: string, block: Stmt[], at: number): boolean {
  const after = new Set<Stmt>();
  forEachStmt(block.slice(at + 1), (s) => after.add(s));
  let outside = false;
  forEachStmt(body, (s) => {
    if (after.has(s) || s === block[at]) return;
    const written = s.kind === "store" || s.kind === "fill" || s.kind === "method" ? s.array === name : false;
    if (written || readsOf(s).includes(name)) outside = true;
  });
  return outside;
}

/** The statements with every name of `renames` (read, written through or assigned) renamed, and the copies it names dropped. */
export function renameAll(stmts: Stmt[], renames: Map<string, string>): Stmt[] {
  const name = (n: string) => renames.get(n) ?? n;
  const op = <T extends { kind: string }>(o: T): T => (o.kind === "var" ? ({ ...o, name: name((o as unknown as { name: string }).name) } as T) : o);
  const ops = <T extends { kind: string }>(list: T[]) => list.map(op);
  const out: Stmt[] = [];
  for (const s of stmts) {
    switch (s.kind) {
      case "assign": {
        const target = name(s.target);
        const expr = renameExpr(s.expr, op, ops);
        // The copies renamed away: `w = p` is now `p = p`.
        if (expr.kind === "copy" && expr.arg.kind === "var" && expr.arg.name === target) continue;
        out.push({ ...s, target, expr });
        break;
      }
      case "effect":
        out.push({ ...s, expr: renameExpr(s.expr, op, ops) });
        break;
      case "if":
        out.push({ ...s, cond: op(s.cond), then: renameAll(s.then, renames), else: renameAll(s.else, renames) });
        break;
      case "loop":
        out.push({ ...s, cond: op(s.cond), pre: renameAll(s.pre, renames), body: renameAll(s.body, renames) });
        break;
      case "throw":
        out.push({ ...s, arg: op(s.arg) });
        break;
      case "store":
        out.push({ ...s, array: name(s.array), index: op(s.index), value: op(s.value) });
        break;
      case "fill":
        out.push({ ...s, array: name(s.array), value: op(s.value) });
        break;
      case "method":
        out.push({ ...s, array: name(s.array), args: ops(s.args), ...(s.target && { target: name(s.target) }) });
        break;
    }
  }
  return out;
}
