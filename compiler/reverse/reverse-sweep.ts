// The reverse sweep: the statements backwards, each active assignment's adjoint (the
// contributions to its arguments' adjoints, then its target's reset), and the saved values
// popped back so every variable reads as it did in the forward sweep.
import { line, type Code } from "../emit/index.js";
import type { Assign, Operand, Stmt } from "../ir/index.js";
import { allocAdjoint, fillReverse, incrementReverse, loadAdjoint, npAdjoint, storeReverse } from "./arrays.js";
import { addInto, methodReverse, restoreWhole } from "./array-methods.js";
import { checkpointedReverse, isCheckpointed } from "./checkpoint.js";
import { code, rcode } from "./code.js";
import { readSlots, restoreCode, slottedSaves } from "./slots.js";
import type { AdjointSite, Reverser } from "./reverser.js";
import { callAdjoint, leafAdjoint, primAdjoint } from "./scalar.js";

export function reverseSweep(r: Reverser, stmts: Stmt[]): Code[] {
  const out: Code[] = [];
  for (const s of [...stmts].reverse()) {
    if (!r.a.reversed.has(s)) continue;
    switch (s.kind) {
      case "effect":
        if (r.a.activeStmts.has(s) && s.expr.kind === "call") {
          const out2: Code[] = [];
          callAdjoint(r, { s, d: "undefined", out: out2, contribute: contributor(r, s, out2, null), isActive: (op): op is { kind: "var"; name: string } => op.kind === "var" && r.a.active.has(op.name) }, s.expr);
          out.push(...out2);
        }
        out.push(...restoreSnapshots(r, s));
        if (r.a.savedPullbacks.has(s)) out.push(line(`${r.a.pullbacks.get(s)} = ${r.stack}.popRef();`, s.loc));
        break;
      case "assign":
        // The load and add of an increment: the store's reverse stands for them.
        if (r.a.activeStmts.has(s) && !r.a.incrementParts.has(s)) out.push(...adjointOf(r, s));
        else if (r.a.resets.has(s) && !r.a.firstAssignments.has(s)) out.push(line(`${r.adjoint(s.target)} = ${r.zero(s.target)};`, s.loc));
        out.push(...restoreSnapshots(r, s));
        // Pops mirror the forward sweep's pushes: the target's old value, then the old pullback.
        if (r.a.savedPullbacks.has(s)) out.push(line(`${r.a.pullbacks.get(s)} = ${r.stack}.popRef();`, s.loc));
        if (r.a.saves.has(s)) {
          out.push(line(`${s.target} = ${restoreCode(r, s, r.popped(s.target))};`, s.loc));
          out.push(...r.relookup(s.target, s.loc));
        } else if (r.a.inverted.has(s) && s.expr.kind === "prim") {
          const step = code(r, s.expr.args[1]);
          const inverse = s.expr.op === "add" ? "-" : "+";
          out.push(line(step === "1" ? `${s.target}${inverse}${inverse};` : `${s.target} ${inverse}= ${step};`, s.loc));
        }
        break;
      case "store":
        out.push(...(r.a.increments.has(s) ? incrementReverse(r, s, contributor(r, s, out, null)) : storeReverse(r, s)));
        break;
      case "fill":
        out.push(...fillReverse(r, s));
        break;
      case "method":
        out.push(...methodReverse(r, s));
        break;
      case "if": {
        const taken = r.takenAt.get(s);
        const cond = taken ? `${taken.k} === ${taken.at}` : rcode(r, s.cond);
        out.push({ kind: "if", cond, then: reverseSweep(r, s.then), else: reverseSweep(r, s.else), loc: s.loc });
        break;
      }
      case "loop": {
        if (isCheckpointed(r, s)) {
          out.push(...checkpointedReverse(r, s, (stmts) => reverseSweep(r, stmts)));
          break;
        }
        const trips = r.tripCounters.get(s)!;
        if (r.a.nestedLoops.has(s)) out.push(line(`${trips} = ${r.stack}.pop${r.intKind()}();`, s.loc));
        const counted = r.a.countedLoops.get(s);
        if (counted?.reset) out.push(line(`${counted.counter} = ${counterEnd(trips, counted.start, counted.step)};`, s.loc));
        // A last-taken branch compares the reverse loop's counter (its iteration's number) with the one kept.
        const taken = [...r.takenAt].filter(([branch]) => r.a.lastTaken.get(branch) === s);
        const slotted = slottedSaves(r, s);
        let k = taken.length > 0 || slotted ? r.fresh("k") : "";
        for (const [, t] of taken) t.k = k;
        if (slotted) out.push(readSlots(r, slotted, trips, k, s.loc));
        const pre = reverseSweep(r, s.pre);
        const body = reverseSweep(r, s.body);
        if (!k) k = r.fresh("k");
        if (pre.length === 0) {
          out.push({ kind: "block", head: `for (let ${k} = ${trips}; ${k} > 0; ${k}--)`, body, loc: s.loc });
        } else if (body.length === 0) {
          out.push({ kind: "block", head: `for (let ${k} = ${trips}; ${k} >= 0; ${k}--)`, body: pre, loc: s.loc });
        } else {
          out.push({ kind: "block", head: `for (let ${k} = ${trips}; ; ${k}--)`, body: [...pre, line(`if (${k} === 0) break;`), ...body], loc: s.loc });
        }
        for (const array of [...(r.a.loopSnapshots.get(s)?.arrays ?? [])].reverse()) out.push(line(`${r.stack}.popElements(${array});`, s.loc));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** A counter's value after `trips` steps of `step` from `start`. */
function counterEnd(trips: string, start: number, step: number): string {
  const steps = step === 1 ? trips : step === -1 ? `-${trips}` : `${trips} * ${step}`;
  if (start === 0) return steps;
  return step < 0 ? `${start} - ${step === -1 ? trips : `${trips} * ${-step}`}` : `${start} + ${steps}`;
}

/** The arrays a call overwrote, put back as they were before it. */
function restoreSnapshots(r: Reverser, s: Stmt): Code[] {
  return [...(r.a.snapshots.get(s) ?? [])].reverse().map((array) => restoreWhole(r, array, s.loc));
}

/**
 * How an argument of `s` gets its share of the adjoint: added into its adjoint by its kind.
 * Contributions to the target itself (`self`, when it is also an argument) are collected.
 */
function contributor(r: Reverser, s: Stmt, out: Code[], self: { target: string; d: string; own?: (string | null)[] } | null) {
  const isActive = (op: Operand): op is { kind: "var"; name: string } => op.kind === "var" && r.a.active.has(op.name);
  const target = self?.target;
  return (op: Operand, contribution: string | null) => {
    if (self && op.kind === "var" && op.name === target) {
      (self.own ??= []).push(contribution);
      return;
    }
    if (contribution === null || !isActive(op)) return;
    const dop = r.adjoint(op.name);
    if (r.isArray(op.name)) out.push(addInto(r, dop, contribution, s.loc));
    // An NDArray temporary's one contribution is its adjoint as it is (undefined: none).
    else if (r.accumulates(op.name) && r.a.directAdjoints.has(op.name)) out.push(line(`${dop} = ${contribution};`, s.loc));
    // NDArray adjoints add through the runtime, which knows which arrays it may write;
    // so do contributions from such a value (they may be undefined).
    else if (r.accumulates(op.name) || (target !== undefined && r.accumulates(target))) out.push(line(`${dop} = ${r.options.runtime}.accumulate(${dop}, ${contribution});`, s.loc));
    else if (r.a.directAdjoints.has(op.name)) out.push(line(`${dop} = ${contribution};`, s.loc));
    else if (self && contribution === `-${self.d}`) out.push(line(`${dop} -= ${self.d};`, s.loc));
    else out.push(line(`${dop} += ${contribution};`, s.loc));
  };
}

/**
 * The adjoint of one assignment: each active argument's contribution, then the target's
 * reset. When the target is also an argument (`b = b * 2`), its adjoint is replaced by
 * its own contribution instead (`db = db * 2`), after the others have read it.
 */
export function adjointOf(r: Reverser, s: Assign): Code[] {
  const { expr, target } = s;
  const d = r.adjoint(target);
  const out: Code[] = [];
  const isActive = (op: Operand): op is { kind: "var"; name: string } => op.kind === "var" && r.a.active.has(op.name);
  // The target's own contributions when it is also an argument, maybe more than once (`s = g(s, s)`).
  const selfShare: { target: string; d: string; own?: (string | null)[] } = { target, d };
  const contribute = contributor(r, s, out, selfShare);
  const site: AdjointSite = { s, d, out, contribute, isActive };
  if (expr.kind === "np") {
    npAdjoint(r, site, expr);
  } else if (expr.kind === "load") {
    loadAdjoint(r, site, expr);
  } else if (expr.kind === "alloc") {
    allocAdjoint(r, site, expr);
    return out;
  } else if (expr.kind === "copy") {
    contribute(expr.arg, d);
  } else if (expr.kind === "leaf") {
    leafAdjoint(r, site, expr);
  } else if (expr.kind === "prim") {
    primAdjoint(r, site, expr);
  } else if (expr.kind === "call") {
    callAdjoint(r, site, expr);
  }
  const self = selfShare.own;
  if (r.isArray(target)) {
    // An array a call returned: its adjoint is spent (unless it is an argument's, which goes on).
    if (!r.a.returnsArgument.has(s)) out.push(line(`${d}.fill(0);`, s.loc));
  } else if (self === undefined) {
    // The value this assignment overwrote has an adjoint of its own; none if there was none.
    const assignedOnce = r.a.directAdjoints.has(target) && !r.accumulates(target);
    if (!r.a.firstAssignments.has(s) && !assignedOnce) out.push(line(`${d} = ${r.zero(target)};`, s.loc));
  } else {
    const own = self.filter((c): c is string => c !== null);
    if (own.length === 0) out.push(line(`${d} = ${r.zero(target)};`, s.loc));
    else if (own.length > 1 || own[0] !== d) out.push(line(`${d} = ${own.join(" + ")};`, s.loc));
  }
  return out;
}
