// IR clean-up before analysis: drop assignments nobody reads (the break/continue/return
// flags lowering adds defensively, temporaries of dropped branches) and empty branches,
// to a fixed point, after sharing repeated loads of one element (loads.ts); then stand-ins
// for arrays rules read only the shape of (shapes.ts).
import { exprArgs, readsOf, type IRFunction, type Stmt } from "../ir/index.js";
import { shareLoads } from "./loads.js";
import { shapeStandIns } from "./shapes.js";

/** `shapes: false` keeps the arrays a rule reads only for their shape (no stand-ins): for a gradient to be differentiated again, whose plain stack holds numbers and NDArrays. */
export function optimize(fn: IRFunction, { shapes = true }: { shapes?: boolean } = {}): IRFunction {
  let body = shareLoads(fn);
  for (;;) {
    const read = new Set<string>([fn.result]);
    collectReads(body, read);
    const next = prune(body, read);
    if (size(next) === size(body)) {
      const pruned = { ...fn, body: next, locals: liveLocals(fn, next) };
      return shapes ? shapeStandIns(pruned) : pruned;
    }
    body = next;
  }
}

function collectReads(stmts: Stmt[], read: Set<string>): void {
  for (const s of stmts) {
    for (const name of readsOf(s)) read.add(name);
    if (s.kind === "if") {
      collectReads(s.then, read);
      collectReads(s.else, read);
    } else if (s.kind === "loop") {
      collectReads(s.pre, read);
      collectReads(s.body, read);
    }
  }
}

function prune(stmts: Stmt[], read: Set<string>): Stmt[] {
  const out: Stmt[] = [];
  for (const s of stmts) {
    if (s.kind === "assign" && !read.has(s.target) && (s.expr.kind === "copy" || s.expr.kind === "prim" || s.expr.kind === "stop")) continue;
    // What a method returns and nobody reads is not assigned (`stack.pop();`).
    if (s.kind === "method" && s.target && !read.has(s.target)) {
      out.push({ ...s, target: undefined });
      continue;
    }
    if (s.kind === "if") {
      const then = prune(s.then, read);
      const otherwise = prune(s.else, read);
      if (then.length === 0 && otherwise.length === 0) continue;
      out.push({ ...s, then, else: otherwise });
    } else if (s.kind === "loop") {
      out.push({ ...s, pre: prune(s.pre, read), body: prune(s.body, read) });
    } else {
      out.push(s);
    }
  }
  return out;
}

function size(stmts: Stmt[]): number {
  let n = 0;
  for (const s of stmts) {
    n++;
    if (s.kind === "if") n += size(s.then) + size(s.else);
    else if (s.kind === "loop") n += size(s.pre) + size(s.body);
  }
  return n;
}

/** Locals still assigned or read after pruning. */
function liveLocals(fn: IRFunction, body: Stmt[]): IRFunction["locals"] {
  const used = new Set<string>([fn.result]);
  collectReads(body, used);
  const visit = (stmts: Stmt[]) => {
    for (const s of stmts) {
      if (s.kind === "assign") {
        used.add(s.target);
        for (const a of exprArgs(s.expr)) if (a.kind === "var") used.add(a.name);
      } else if (s.kind === "method" && s.target) {
        used.add(s.target);
      } else if (s.kind === "if") {
        visit(s.then);
        visit(s.else);
      } else if (s.kind === "loop") {
        visit(s.pre);
        visit(s.body);
      }
    }
  };
  visit(body);
  return new Map([...fn.locals].filter(([name]) => used.has(name)));
}
