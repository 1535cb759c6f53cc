// A loop keeping the last of something (`if (x[i] > m) m = x[i]`: a running max) saves its
// branch's flag every iteration. Only the last iteration that took the branch has reverse work:
// there the branch's reverse passes its targets' adjoints on and zeroes them, and nothing else in
// the loop adds to them, so every earlier taken iteration adds zeros. The forward sweep keeps
// that iteration's number instead of the flags; the reverse runs the branch there only.
import { exprArgs, forEachStmt, readsOf, type Assign, type IRFunction, type Loop, type Stmt } from "../ir/index.js";
import type { InferredType } from "./types.js";

export interface LastTakenFacts {
  types: Map<string, InferredType>;
  activeStmts: Set<Stmt>;
  saves: Set<Stmt>;
  needed: Set<string>;
  reversed: Set<Stmt>;
  snapshots: Map<Stmt, string[]>;
  inverted: Set<Stmt>;
  firstAssignments: Set<Stmt>;
  firstWriteLoads: Set<Stmt>;
}

/** For each such branch (an `if` at the top of a loop body), its loop. */
export function lastTakenBranches(fn: IRFunction, facts: LastTakenFacts): Map<Stmt, Loop> {
  const found = new Map<Stmt, Loop>();
  const assignCount = new Map<string, number>();
  const readCount = new Map<string, number>();
  forEachStmt(fn.body, (s) => {
    const target = s.kind === "assign" || s.kind === "method" ? s.target : undefined;
    if (target !== undefined) assignCount.set(target, (assignCount.get(target) ?? 0) + 1);
    for (const name of readsOf(s)) readCount.set(name, (readCount.get(name) ?? 0) + 1);
  });
  // Loops in no other loop: one last iteration per call, kept in one variable.
  forEachStmt(fn.body, (loop, inLoop) => {
    if (inLoop || loop.kind !== "loop" || loop.checkpoint || !facts.reversed.has(loop)) return;
    for (const s of loop.body) if (s.kind === "if" && qualifies(fn, loop, s, facts, assignCount, readCount)) found.set(s, loop);
  });
  return found;
}

function qualifies(fn: IRFunction, loop: Loop, s: Extract<Stmt, { kind: "if" }>, facts: LastTakenFacts, assignCount: Map<string, number>, readCount: Map<string, number>): boolean {
  if (s.cond.kind !== "var" || s.else.length > 0 || s.then.length === 0 || fn.params.includes(s.cond.name)) return false;
  const flag = s.cond.name;
  // The flag is made once, in this iteration, and read by this branch only.
  const flagAssign = [...loop.pre, ...loop.body].find((t): t is Assign => t.kind === "assign" && t.target === flag);
  if (!flagAssign || !facts.saves.has(flagAssign) || assignCount.get(flag) !== 1 || readCount.get(flag) !== 1) return false;
  // The branch: assignments of numbers whose reverse only adds to others' adjoints and zeroes its
  // target's (a temporary's direct adjoint is assigned by its one reader, in the branch too).
  const targets = new Set<string>();
  for (const t of s.then) {
    if (t.kind !== "assign" || !["load", "prim", "copy"].includes(t.expr.kind) || facts.types.get(t.target) !== "number") return false;
    if (facts.saves.has(t) || facts.snapshots.has(t) || facts.inverted.has(t) || facts.firstAssignments.has(t) || facts.firstWriteLoads.has(t)) return false;
    // A target read before the branch assigns it (`m = m * 0.5 + x[i]`) keeps an adjoint.
    if (exprArgs(t.expr).some((op) => op.kind === "var" && !targets.has(op.name) && s.then.some((u) => u.kind === "assign" && u.target === op.name))) return false;
    targets.add(t.target);
  }
  // Elsewhere in the loop the targets are neither assigned nor read by code with an adjoint.
  let alone = true;
  forEachStmt([...loop.pre, ...loop.body], (u) => {
    if (s.then.includes(u) || u === s) return;
    if ((u.kind === "assign" || u.kind === "method") && u.target !== undefined && targets.has(u.target)) alone = false;
    const readsTarget = readsOf(u).some((name) => targets.has(name));
    if (readsTarget && (facts.activeStmts.has(u) || (u.kind !== "assign" && u.kind !== "if" && u.kind !== "loop"))) alone = false;
  });
  return alone;
}

/** The flags the branches no longer need: their assignments save nothing, the reverse reads none. */
export function dropTakenFlags(branches: Map<Stmt, Loop>, saves: Set<Stmt>, needed: Set<string>): void {
  for (const [s, loop] of branches) {
    if (s.kind !== "if" || s.cond.kind !== "var") continue;
    const flag = s.cond.name;
    for (const t of [...loop.pre, ...loop.body]) if (t.kind === "assign" && t.target === flag) saves.delete(t);
    needed.delete(flag);
  }
}
