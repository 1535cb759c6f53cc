// What the reverse sweep reads and how it gets it back: values it computes again
// (rematerialisation), assignments that save what they overwrite, counters it steps back,
// callees' pullbacks, and which statements have reverse code at all.
import { exprArgs, forEachStmt, npParam, readsOf, type Assign, type IRFunction, type Operand, type Stmt } from "../ir/index.js";
import { argForRule, scalarRules } from "../rules/scalar.js";
import { fusedReads, ruleReads } from "../rules/np.js";
import { methodReads, methodSavesOf } from "./array-methods.js";
import { fixpoint, type UnionFind } from "./dataflow.js";
import { countedLoops, integerCounters } from "./counters.js";
import { loopSnapshotsOf } from "./loop-snapshots.js";
import { dropInvariantSaves } from "./invariants.js";
import type { Activity } from "./activity.js";
import { callOf, callVariant, resizedClasses, writtenByCall } from "./summaries.js";
import type { AnalysisOptions } from "./activity.js";
import type { Analysis } from "./index.js";
import type { InferredType } from "./types.js";

/**
 * A temporary the reverse sweep computes again from its operands instead of saving it:
 * a loaded element (`a[i]`) or cheap arithmetic on integers and flags (`i - 1`, `b > 0`).
 */
export interface Rematerialized {
  assign: Assign;
}

/** Primitives cheap enough to compute again rather than save. */
const CHEAP = new Set(["add", "sub", "mul", "mod", "neg", "pos", "lt", "le", "gt", "ge", "eq", "ne", "seq", "sne", "not", "and", "or", "length"]);
/** Of those, the ones a gradient flows through: recomputed even when active. */
const ARITHMETIC = new Set(["add", "sub", "mul", "neg", "pos"]);

/**
 * For each active call of an attached callee, the variable that will hold its pullback. A
 * module function's call needs none: its forward and reverse halves share the caller's stack.
 */
export function pullbackNames(fn: IRFunction, activeStmts: Set<Stmt>, types: Map<string, InferredType>): Map<Stmt, string> {
  const pullbacks = new Map<Stmt, string>();
  const taken = new Set([...fn.locals.keys(), ...fn.params]);
  for (const s of activeStmts) {
    const call = callOf(s);
    if (call?.callee.kind === "attached") {
      // A call made for its effect is named after its callee (`axpy_pullback`).
      const base = s.kind === "assign" ? s.target : call.callee.binding;
      let name = `${base}_pullback`;
      for (let i = 1; taken.has(name) || fn.reserved.has(name); i++) name = `${base}_pullback${i}`;
      taken.add(name);
      pullbacks.set(s, name);
      types.set(name, "other");
    }
  }
  return pullbacks;
}

export type Saves = Pick<
  Analysis,
  "needed" | "saves" | "reversed" | "nestedLoops" | "firstAssignments" | "savedPullbacks" | "rematerialized" | "restoresElements" | "restoredParams" | "inverted" | "directAdjoints" | "snapshots" | "loopSnapshots" | "paramsRead" | "countedLoops"
>;

export function savesOf(fn: IRFunction, stmts: Stmt[], assigns: Assign[], types: Map<string, InferredType>, activity: Activity, pullbacks: Map<Stmt, string>, options: AnalysisOptions): Saves {
  const { summaries, calleeReads } = options;
  const { classes, node, active, activeStmts, resets } = activity;
  const isArray = (name: string) => types.get(name) === "array";
  /** The arrays a statement writes into: its own store, fill or method, a callee's writes through its arguments. */
  const writes = (s: Stmt): string[] => (s.kind === "store" || s.kind === "fill" || s.kind === "method" ? [s.array] : writtenByCall(s, summaries, isArray));
  const rematerialized = rematerializable(fn, stmts, classes, isArray, active, writes);
  const resized = resizedClasses(stmts, node, summaries, isArray);
  const needed = new Set<string>();
  const methodSaves = methodSavesOf(fn, active, needed);
  /** Array classes whose elements the reverse sweep reads: their overwritten elements are saved. */
  const elementsNeeded = new Set<string>();
  /** For each such class, the statements whose reverse reads its elements. */
  const elementReaders = new Map<string, Set<Stmt>>();
  /** For each such statement, the arrays whose elements its reverse reads, by name. */
  const elementReads = new Map<Stmt, Set<string>>();
  const readsElements = (array: string, reader: Stmt) => {
    elementReads.set(reader, (elementReads.get(reader) ?? new Set()).add(array));
    elementsNeeded.add(node(array));
    elementReaders.set(node(array), (elementReaders.get(node(array)) ?? new Set()).add(reader));
  };
  /** For each needed variable, the statements whose reverse reads it. */
  const readers = new Map<string, Set<Stmt>>();
  const need = (op: Operand | string, reader: Stmt) => {
    const name = typeof op === "string" ? op : op.kind === "var" ? op.name : null;
    if (name === null) return;
    const remat = rematerialized.get(name);
    if (!remat) {
      needed.add(name);
      readers.set(name, (readers.get(name) ?? new Set()).add(reader));
      return;
    }
    const { expr } = remat.assign;
    if (expr.kind === "load" && expr.array.kind === "var") readsElements(expr.array.name, reader);
    // A length computed again reads the array as it was: a method that resized it is undone first.
    if (expr.kind === "prim" && expr.op === "length" && expr.args[0].kind === "var" && resized.has(node(expr.args[0].name))) readsElements(expr.args[0].name, reader);
    for (const arg of exprArgs(expr)) need(arg, reader);
  };
  for (const s of activeStmts) for (const name of readByAdjoint(s, active, pullbacks, isArray, (name) => types.get(name) === "ndarray")) need(name, s);
  // A callee's reverse sweep reads the arrays it was given as they were after the call: writes
  // the caller makes after it are undone before the reverse sweep reaches the call. Which of
  // them it reads, a module function's analysis says; another's may read any.
  for (const s of activeStmts) {
    const call = callOf(s);
    if (!call) continue;
    const { activeArgs, aliases } = callVariant(call, (name) => active.has(name), isArray, node);
    const read = call.callee.kind === "local" ? calleeReads?.(call.callee, activeArgs, aliases) : undefined;
    call.args.forEach((arg, i) => {
      if (arg.kind === "var" && isArray(arg.name) && (read === undefined || read.includes(i))) readsElements(arg.name, s);
    });
  }
  const runsBefore = mayRunBefore(fn.body);

  const nestedLoops = new Set<Stmt>();
  const inLoopAssigns = new Set<Stmt>();
  forEachStmt(fn.body, (stmt, inLoop) => {
    if (stmt.kind === "loop" && inLoop) nestedLoops.add(stmt);
    if ((stmt.kind === "assign" || stmt.kind === "effect") && inLoop) inLoopAssigns.add(stmt);
  });
  const firstAssignments = definitelyFirstAssignments(fn);
  const savedPullbacks = new Set([...pullbacks.keys()].filter((stmt) => inLoopAssigns.has(stmt)));

  // An integer counter stepped by a constant (`i++`) is restored by stepping back, not saved.
  const counters = integerCounters(stmts, fn.params);
  const counted = countedLoops(fn, counters);
  const countedInits = new Set([...counted.values()].map((c) => c.init));
  const inverted = new Set<Stmt>(
    assigns.filter(
      (s) =>
        counters.has(s.target) &&
        s.expr.kind === "prim" &&
        (s.expr.op === "add" || s.expr.op === "sub") &&
        s.expr.args[0].kind === "var" &&
        s.expr.args[0].name === s.target &&
        s.expr.args[1].kind === "const",
    ),
  );

  // A checkpointed loop's steps run again in the reverse sweep: what they read and do not
  // assign (a snapshot keeps that) must be as it was, like what an adjoint reads.
  const replayReads = (loop: Extract<Stmt, { kind: "loop" }>): boolean => {
    const before = needed.size + elementsNeeded.size;
    const assigned = new Set<string>();
    const written = new Set<string>();
    const reads: string[] = [];
    forEachStmt([loop], (inner) => {
      if (inner.kind === "assign") assigned.add(inner.target);
      for (const array of writes(inner)) written.add(node(array));
      reads.push(...readsOf(inner));
    });
    for (const name of reads) {
      if (isArray(name) && !written.has(node(name))) readsElements(name, loop);
      else if (!isArray(name) && !assigned.has(name)) need(name, loop);
    }
    return needed.size + elementsNeeded.size !== before;
  };

  // Saving a value makes the statement reversed, which makes enclosing branch conditions
  // needed, which may need saving in turn: iterate to a fixpoint.
  const saves = new Set<Stmt>();
  const snapshots = new Map<Stmt, string[]>();
  const reversed = new Set<Stmt>();
  const conditionsNeeded = new Set<string>();
  fixpoint(() => {
    let changed = false;
    for (const s of stmts) {
      // A call writing arrays the reverse sweep reads: they are copied before it, put back after.
      // Only readers that may run before it need that: the call's own pullback reads what it
      // left, but in a loop its previous iteration's reads what this one overwrites.
      const readBefore = (a: string) => [...(elementReaders.get(node(a)) ?? [])].some((reader) => runsBefore(reader, s));
      const copied = callOf(s) ? [...new Set(writes(s).filter(readBefore))] : [];
      if (copied.length > (snapshots.get(s)?.length ?? 0)) {
        snapshots.set(s, copied);
        changed = true;
      }
      // What an assignment overwrites is read back only by readers that ran before it, or by
      // its own reverse (the old value as an operand).
      const readFirst = (target: string) => [...(readers.get(target) ?? [])].some((reader) => reader === s || runsBefore(reader, s));
      const saving =
        s.kind === "assign"
          ? needed.has(s.target) && readFirst(s.target) && !firstAssignments.has(s) && !inverted.has(s) && !countedInits.has(s)
          : s.kind === "method"
            ? (activeStmts.has(s) || elementsNeeded.has(node(s.array))) && methodSaves(s)
            : // What a store overwrites is read back only by readers that ran before it.
              (s.kind === "store" || s.kind === "fill") && elementsNeeded.has(node(s.array)) && readBefore(s.array);
      if (saving && !saves.has(s)) {
        saves.add(s);
        changed = true;
      }
    }
    const mark = (list: Stmt[]): boolean => {
      let any = false;
      for (const s of list) {
        let has = false;
        if (s.kind === "assign") has = activeStmts.has(s) || saves.has(s) || snapshots.has(s) || (resets.has(s) && !firstAssignments.has(s)) || (inverted.has(s) && needed.has(s.target));
        else if (s.kind === "effect") has = activeStmts.has(s) || snapshots.has(s);
        else if (s.kind === "store" || s.kind === "fill") {
          has = activeStmts.has(s) || saves.has(s);
          // Putting the element back reads its index and its array, whether or not a gradient goes through it.
          const before = needed.size + elementsNeeded.size;
          if (saves.has(s)) for (const op of s.kind === "store" ? [s.index, s.array] : [s.array]) need(op, s);
          if (needed.size + elementsNeeded.size !== before) changed = true;
        }
        else if (s.kind === "method") {
          has = activeStmts.has(s) || elementsNeeded.has(node(s.array));
          // Undoing it reads its indices and its array, whether or not a gradient goes through it.
          const before = needed.size + elementsNeeded.size;
          if (has) for (const op of methodReads(s)) need(op, s);
          if (needed.size + elementsNeeded.size !== before) changed = true;
        }
        else if (s.kind === "if") {
          const a = mark(s.then);
          const b = mark(s.else);
          has = a || b;
          if (has && s.cond.kind === "var" && !conditionsNeeded.has(s.cond.name)) {
            conditionsNeeded.add(s.cond.name);
            need(s.cond, s);
            changed = true;
          }
        } else if (s.kind === "loop") {
          const a = mark(s.pre);
          const b = mark(s.body);
          has = a || b;
          if (has && s.checkpoint && replayReads(s)) changed = true;
        }
        if (has && !reversed.has(s)) {
          reversed.add(s);
          changed = true;
        }
        any ||= has;
      }
      return any;
    };
    mark(fn.body);
    return changed;
  });

  dropRestoredLater(fn.body, saves, readers, (name) => types.get(name) === "number" || types.get(name) === "boolean");
  dropInvariantSaves(fn, saves, types);
  const loopSnapshots = loopSnapshotsOf(fn, saves, elementReads, counted, isArray, (name) => types.get(name) === "number", node, resized);

  // A method's reverse always puts its array back (a push is undone by a pop, saving nothing).
  const restores = [...saves, ...[...reversed].filter((s) => s.kind === "method")];
  const restoresElements = snapshots.size > 0 || restores.some((s) => s.kind === "store" || s.kind === "fill" || s.kind === "method");
  const restored = [...restores.flatMap((s) => (s.kind === "store" || s.kind === "fill" || s.kind === "method" ? [s.array] : [])), ...[...snapshots.values()].flat()];
  const restoredParams = fn.params.filter((p) => isArray(p) && restored.some((a) => node(a) === node(p)));
  return {
    needed,
    saves,
    reversed,
    nestedLoops,
    firstAssignments,
    savedPullbacks,
    rematerialized,
    restoresElements,
    restoredParams,
    inverted: new Set([...inverted].filter((s) => s.kind === "assign" && needed.has(s.target))),
    directAdjoints: singleUseTemporaries(fn, stmts),
    snapshots,
    loopSnapshots,
    countedLoops: new Map([...counted].filter(([, c]) => needed.has(c.counter))),
    paramsRead: fn.params.flatMap((p, i) => (isArray(p) && elementsNeeded.has(node(p)) ? [i] : [])),
  };
}

/**
 * An assignment to a number need not save what it overwrites where an earlier saving
 * assignment to it runs first in every iteration and nothing between them is read back: the
 * reverse sweep passes no reader of it before that earlier assignment's pop puts back the
 * value they all read (`y = y * x + c[i]; if (y > 2) y = y * 0.5;`). Only assignments in
 * one loop iteration's straight line or its branches; an assignment that does not save, or
 * whose own reverse reads its target, ends the run.
 */
function dropRestoredLater(body: Stmt[], saves: Set<Stmt>, readers: Map<string, Set<Stmt>>, scalar: (name: string) => boolean): void {
  const reads = (s: Stmt, name: string) => readers.get(name)?.has(s) ?? false;
  /** `covered`: numbers a saving assignment earlier in this iteration left unread since. */
  const visit = (stmts: Stmt[], covered: Set<string>): Set<string> => {
    for (const s of stmts) {
      for (const name of [...covered]) if (reads(s, name)) covered.delete(name);
      if (s.kind === "assign") {
        // One whose reverse reads its own target may read the value it wrote (Math.min's result).
        if (!saves.has(s) || !scalar(s.target) || reads(s, s.target)) covered.delete(s.target);
        else if (covered.has(s.target)) saves.delete(s);
        else covered.add(s.target);
      } else if (s.kind === "method" && s.target) covered.delete(s.target);
      else if (s.kind === "if") {
        const then = visit(s.then, new Set(covered));
        const otherwise = visit(s.else, new Set(covered));
        for (const name of [...covered]) if (!then.has(name) || !otherwise.has(name)) covered.delete(name);
      } else if (s.kind === "loop") {
        covered.clear();
        if (!s.checkpoint) {
          visit(s.pre, new Set());
          visit(s.body, new Set());
        }
      }
    }
    return covered;
  };
  visit(body, new Set());
}

/** Whether statement `a` may run before statement `b`: it comes first, or a loop holds both (`a` may be `b`, an earlier iteration). */
function mayRunBefore(body: Stmt[]): (a: Stmt, b: Stmt) => boolean {
  const position = new Map<Stmt, number>();
  const loops: [number, number][] = [];
  const visit = (stmts: Stmt[]) => {
    for (const s of stmts) {
      const start = position.size;
      position.set(s, start);
      if (s.kind === "if") {
        visit(s.then);
        visit(s.else);
      } else if (s.kind === "loop") {
        visit(s.pre);
        visit(s.body);
        loops.push([start, position.size - 1]);
      }
    }
  };
  visit(body);
  return (a, b) => {
    const [pa, pb] = [position.get(a)!, position.get(b)!];
    return pa < pb || loops.some(([start, end]) => start <= pa && pa <= end && start <= pb && pb <= end);
  };
}

/** The variables an active statement's adjoint reads: operands its rule uses, indices, arrays, pullbacks. */
function readByAdjoint(s: Stmt, active: Set<string>, pullbacks: Map<Stmt, string>, isArray: (name: string) => boolean, isNdarray: (name: string) => boolean): (Operand | string)[] {
  if (s.kind === "store") return [s.array, s.index];
  if (s.kind === "fill") return [s.array];
  if (s.kind === "method") return methodReads(s);
  const arrays = (ops: Operand[]) => ops.filter((op) => op.kind === "var" && isArray(op.name));
  const pullback = pullbacks.has(s) ? [pullbacks.get(s)!] : [];
  if (s.kind === "effect" && s.expr.kind === "call") return [...pullback, ...arrays(s.expr.args)];
  if (s.kind !== "assign") return [];
  const { expr } = s;
  if (expr.kind === "call") return [...pullback, ...arrays(expr.args), ...(isArray(s.target) ? [s.target] : [])];
  if (expr.kind === "load") return [expr.array, expr.index];
  // An adjoint/np rule is given the arguments and the result it reads (all, unless it says),
  // or their stand-ins where it reads only the shape.
  if (expr.kind === "np") {
    const reads = (i: number | "out") => (expr.fused ? fusedReads(expr.fused, i) : ruleReads(expr.rule!, i));
    const kept = (op: Operand | string, i: number | "out") => expr.rule === null || reads(i) || !isNdarray(typeof op === "string" ? op : op.kind === "var" ? op.name : "");
    const args = expr.reverseArgs ?? expr.args;
    return [...args.filter((arg, i) => kept(arg, npParam(expr, i))), ...(kept(s.target, "out") ? [s.target] : [])];
  }
  if (expr.kind === "alloc") return [s.target, ...arrays([expr.arg]), ...(expr.range?.[0]?.kind === "var" ? [expr.range[0].name] : [])];
  if (expr.kind !== "prim") return [];
  const rule = scalarRules[expr.op];
  const operandNames = expr.args.map((a) => (a.kind === "var" ? a.name : null));
  const contributions = rule.adjoint!("G", expr.args.map(argForRule), s.target);
  const reads = new Set<string>();
  contributions.forEach((code, i) => {
    const arg = expr.args[i];
    if (code === null || arg.kind !== "var" || !active.has(arg.name)) return;
    for (const id of code.match(/[A-Za-z_$][\w$]*/g) ?? []) {
      if (id === s.target || operandNames.includes(id)) reads.add(id);
    }
  });
  return [...reads];
}

/**
 * Temporaries (a load `t = a[i]`, or cheap arithmetic `t = i - 1`) whose every reader
 * follows in the same block with nothing in between that changes what they were computed
 * from: the reverse sweep computes them again where it needs them instead of saving them.
 */
function rematerializable(fn: IRFunction, stmts: Stmt[], classes: UnionFind, isArray: (name: string) => boolean, active: Set<string>, writes: (s: Stmt) => string[]): Map<string, Rematerialized> {
  const found = new Map<string, Rematerialized>();
  const assignCount = new Map<string, number>();
  for (const s of stmts) if (s.kind === "assign") assignCount.set(s.target, (assignCount.get(s.target) ?? 0) + 1);
  const readers = new Map<string, number>();
  for (const s of stmts) for (const name of readsOf(s)) readers.set(name, (readers.get(name) ?? 0) + 1);
  // Outside loops a temporary is never overwritten, so keeping it costs nothing. A variable of
  // the user's assigned once (`const d = x[i] - m` in a loop body) is one too, but for the
  // function's result and a record block's outputs, which are read after the sweep.
  // Such a variable is computed again only from what needs no saving of its own: rematerialized
  // temporaries, values no loop assigns, integer counters (else `r = call() - y` would trade
  // saving r for saving the call's result).
  const kept = new Set([fn.result, ...(fn.outputs ?? [])]);
  const assignedInLoops = new Set<string>();
  forEachStmt(fn.body, (s, inLoop) => {
    if (inLoop && s.kind === "assign") assignedInLoops.add(s.target);
  });
  const counters = integerCounters(stmts, fn.params);
  const cheapSources = (expr: Assign["expr"]) =>
    exprArgs(expr).every((op) => op.kind !== "var" || found.has(op.name) || !assignedInLoops.has(op.name) || counters.has(op.name));
  const candidate = (s: Stmt, inLoop: boolean): s is Assign => {
    if (!inLoop || s.kind !== "assign" || !fn.locals.has(s.target) || kept.has(s.target) || assignCount.get(s.target) !== 1) return false;
    if (!fn.locals.get(s.target)!.temp && !cheapSources(s.expr)) return false;
    if (s.expr.kind === "load") return s.expr.array.kind === "var";
    return s.expr.kind === "prim" && CHEAP.has(s.expr.op) && (!active.has(s.target) || ARITHMETIC.has(s.expr.op));
  };
  const visitBlock = (block: Stmt[], inLoop: boolean) => {
    block.forEach((s, at) => {
      if (s.kind === "if") {
        visitBlock(s.then, inLoop);
        visitBlock(s.else, inLoop);
      } else if (s.kind === "loop") {
        visitBlock(s.pre, true);
        visitBlock(s.body, true);
      }
      if (!candidate(s, inLoop)) return;
      const { expr } = s;
      // What it is computed from, through temporaries that are themselves computed again.
      const sourcesOf = (op: Operand): string[] => {
        if (op.kind !== "var") return [];
        const inner = found.get(op.name);
        return inner ? [op.name, ...exprArgs(inner.assign.expr).flatMap(sourcesOf)] : [op.name];
      };
      const sources = [s.target, ...exprArgs(expr).flatMap(sourcesOf)];
      // The arrays it reads elements of, directly or through such temporaries.
      const arrayClasses = new Set(
        sources.flatMap((name) => {
          const load = name === s.target ? s : found.get(name)?.assign;
          return load?.expr.kind === "load" && load.expr.array.kind === "var" ? [classes.find(load.expr.array.name)] : [];
        }),
      );
      const clobbers = (inner: Stmt) =>
        writes(inner).some((a) => arrayClasses.has(classes.find(a))) ||
        (inner.kind === "method" && sources.some((name) => (isArray(name) && classes.find(name) === classes.find(inner.array)) || name === inner.target)) ||
        (inner.kind === "assign" && inner.target !== s.target && (sources.includes(inner.target) || (isArray(inner.target) && arrayClasses.has(classes.find(inner.target)))));
      let remaining = readers.get(s.target) ?? 0;
      for (const later of block.slice(at + 1)) {
        if (remaining === 0) break;
        // The reverse sweep tests an if's condition after undoing its branches, so branches
        // that change what the condition was computed from rule it out like any other write.
        let reads = 0;
        let clobbered = false;
        forEachStmt([later], (inner) => {
          reads += readsOf(inner).filter((name) => name === s.target).length;
          clobbered ||= clobbers(inner);
        });
        // A store may write what t was computed from as t's last reader: undoing a store
        // never reads the value stored. Any other writer's adjoint might read t first.
        const storesT = later.kind === "store" && later.value.kind === "var" && later.value.name === s.target && !(later.index.kind === "var" && later.index.name === s.target);
        if (clobbered && !(storesT && reads === remaining)) return;
        remaining -= reads;
      }
      if (remaining === 0) found.set(s.target, { assign: s });
    });
  };
  visitBlock(fn.body, false);
  return found;
}

function singleUseTemporaries(fn: IRFunction, stmts: Stmt[]): Set<string> {
  const assignCount = new Map<string, number>();
  const readCount = new Map<string, number>();
  // A shape stand-in's read of an array passes no adjoint on: it is not a use here.
  const uses = (s: Stmt) => (s.kind === "assign" && s.expr.kind === "shape" ? [] : readsOf(s));
  for (const s of stmts) {
    if (s.kind === "assign") assignCount.set(s.target, (assignCount.get(s.target) ?? 0) + 1);
    for (const name of uses(s)) readCount.set(name, (readCount.get(name) ?? 0) + 1);
  }
  const found = new Set<string>();
  const visit = (block: Stmt[]) => {
    block.forEach((s, at) => {
      if (s.kind === "if") {
        visit(s.then);
        visit(s.else);
      } else if (s.kind === "loop") {
        visit(s.pre);
        visit(s.body);
      }
      if (s.kind !== "assign" || !fn.locals.get(s.target)?.temp || assignCount.get(s.target) !== 1 || readCount.get(s.target) !== 1) return;
      const reader = block.slice(at + 1).find((later) => uses(later).includes(s.target));
      if (reader && (reader.kind === "assign" || reader.kind === "store")) found.add(s.target);
    });
  };
  visit(fn.body);
  return found;
}

/** Variables only ever set to integer literals or stepped by them (`i = 0`, `i++`, `i -= 2`). */
/**
 * Assignments that certainly run before anything else assigns their target, outside
 * any loop: the value they overwrite is undefined and need not be saved.
 */
function definitelyFirstAssignments(fn: IRFunction): Set<Stmt> {
  const first = new Set<Stmt>();
  const walk = (stmts: Stmt[], maybeAssigned: Set<string>): Set<string> => {
    let assigned = maybeAssigned;
    for (const s of stmts) {
      if (s.kind === "assign") {
        if (!assigned.has(s.target)) first.add(s);
        assigned = new Set(assigned).add(s.target);
      } else if (s.kind === "if") {
        const a = walk(s.then, assigned);
        const b = walk(s.else, assigned);
        assigned = new Set([...a, ...b]);
      } else if (s.kind === "loop") {
        forEachStmt([s], (inner) => {
          if (inner.kind === "assign") assigned = new Set(assigned).add(inner.target);
        });
      }
    }
    return assigned;
  };
  walk(fn.body, new Set(fn.params));
  return first;
}
