// The forward sweep: the primal code, with pushes of the values the reverse sweep needs
// before they are overwritten, callees called through their vjps, and loop trip counts.
import { line, loopBlock, type Code } from "../emit/index.js";
import { readsOf, type Expr, type Operand, type Stmt } from "../ir/index.js";
import { callVariant } from "../analyze/summaries.js";
import { methodForward, saveWhole } from "./array-methods.js";
import { checkpointedForward, isCheckpointed } from "./checkpoint.js";
import { assignment, code, exprCode } from "./code.js";
import { reservation, tripCount } from "./reserve.js";
import { openSlots, saveCode, slottedSaves } from "./slots.js";
import type { CountedLoop } from "../analyze/counters.js";
import type { CalleeVjp } from "./index.js";
import type { Reverser } from "./reverser.js";

export function forwardSweep(r: Reverser, stmts: Stmt[], then?: Operand): Code[] {
  const out: Code[] = [];
  stmts.forEach((s, i) => {
    if (s.kind === "assign" && inlinable(r, s, i + 1 < stmts.length ? stmts[i + 1] : then)) {
      r.inlined.set(s.target, exprCode(r, s.expr));
      return;
    }
    switch (s.kind) {
      case "assign":
        if (r.a.saves.has(s)) out.push(line(`${saveCode(r, s, s.target, r.pushed(s.target))};`, s.loc));
        if (r.a.activeStmts.has(s) && s.expr.kind === "call") {
          out.push(...activeCall(r, s, s.expr));
        } else if (s.expr.kind === "leaf") {
          // attachGrad(): the array from here on is a leaf whose gradient the pullback returns.
          const value = code(r, s.expr.arg);
          out.push(line(`${r.leafValues}[${s.expr.index}] = ${value};`, s.loc));
          if (value !== s.target) out.push(line(`${s.target} = ${value};`, s.loc));
        } else {
          out.push(...snapshots(r, s), line(assignment(r, s.target, s.expr), s.loc));
        }
        // A new array that carries gradient gets its adjoint array beside it (a callee's result
        // that is one of the arrays it was given has that array's).
        if (r.directArrays.has(s.target)) {
          out.push(line(`${r.adjoint(s.target)} = ${r.zerosLike(s.target, r.fn.body.includes(s))};`, s.loc));
        } else if (r.arrayAdjoints && r.isArray(s.target) && r.a.active.has(s.target) && (s.expr.kind === "alloc" || (s.expr.kind === "call" && !r.a.returnsArgument.has(s)))) {
          out.push(line(`${r.arrayAdjoints}.set(${s.target}, ${r.zerosLike(s.target, r.fn.body.includes(s))});`, s.loc));
        }
        break;
      case "effect":
        if (r.a.activeStmts.has(s) && s.expr.kind === "call") out.push(...activeCall(r, s, s.expr));
        else out.push(...snapshots(r, s), line(`${exprCode(r, s.expr)};`, s.loc));
        break;
      case "store": {
        const element = `${s.array}[${code(r, s.index)}]`;
        if (r.a.saves.has(s)) out.push(line(`${saveCode(r, s, element, `${r.stack}.push(${element})`)};`, s.loc));
        out.push(line(`${element} = ${code(r, s.value)};`, s.loc));
        break;
      }
      case "fill":
        if (r.a.saves.has(s)) out.push(saveWhole(r, s.array, s.loc));
        out.push(line(`${s.array}.fill(${code(r, s.value)});`, s.loc));
        break;
      case "method":
        out.push(...methodForward(r, s));
        break;
      case "throw":
        out.push(line(`throw ${code(r, s.arg)};`, s.loc));
        break;
      case "if": {
        const then = forwardSweep(r, s.then);
        // The iteration's number from 1, so 0 says the branch never ran.
        const taken = r.takenAt.get(s);
        if (taken) then.push(line(`${taken.at} = ${oneMore(taken.iteration)};`, s.loc));
        out.push({ kind: "if", cond: code(r, s.cond), then, else: forwardSweep(r, s.else), loc: s.loc });
        break;
      }
      case "loop": {
        if (isCheckpointed(r, s)) {
          out.push(...checkpointedForward(r, s, (stmts, then) => forwardSweep(r, stmts, then)));
          break;
        }
        const counted = r.a.reversed.has(s);
        const taken = [...r.a.lastTaken].filter(([, loop]) => loop === s).map(([branch]) => branch);
        // A loop with a last-taken branch names its trip count first: the branch reads it.
        let trips = counted && taken.length > 0 ? r.fresh("trips") : "";
        // A counter stepped once per iteration by a constant, as the body's last statement, from a
        // constant (counters.ts) gives the trip count after the loop: no increment per iteration.
        const stepped = counted && !r.options.plainStack ? r.a.countedLoops.get(s) : undefined;
        for (const branch of taken) {
          const at = r.fresh("taken");
          r.takenAt.set(branch, { at, iteration: stepped ? tripsOf(stepped) : trips });
          r.forwardLocals.push(at);
          out.push(line(`${at} = 0;`, s.loc));
        }
        // Saves at the iteration's slot (slots.ts): the iteration counted from 0 is the trips so far.
        const slotted = slottedSaves(r, s);
        if (slotted && !stepped && !trips) trips = r.fresh("trips");
        const slots = slotted && openSlots(r, slotted, stepped ? tripsOf(stepped) : trips, s.loc);
        const pre = forwardSweep(r, s.pre, s.cond);
        const body = forwardSweep(r, s.body);
        // Room for an exact trip count needs no check per iteration.
        const readable = (name: string) => !r.inlined.has(name);
        const exact = slots ? tripCount(s, readable, true) : undefined;
        if (slots && !exact) body.unshift(slots.check);
        const cond = code(r, s.cond);
        if (counted && !trips) trips = r.fresh("trips");
        if (counted) {
          r.tripCounters.set(s, trips);
          r.forwardLocals.push(trips);
          if (!stepped) {
            out.push(line(`${trips} = 0;`, s.loc));
            body.push(line(`${trips}++;`));
          }
        }
        // Arrays the loop overwrites element by element, copied once before it (loop-snapshots.ts).
        for (const array of r.a.loopSnapshots.get(s)?.arrays ?? []) out.push(line(`${r.stack}.pushElements(${array});`, s.loc));
        out.push(...(slots ? slots.before(exact ?? tripCount(s, readable), exact !== undefined) : reservation(r, s)), loopBlock(pre, cond, body, s.loc));
        if (stepped) out.push(line(`${trips} = ${tripsOf(stepped)};`));
        if (slots) out.push(slots.hold(trips));
        if (counted && r.a.nestedLoops.has(s)) out.push(line(`${r.stack}.push${r.intKind()}(${trips});`));
        break;
      }
    }
  });
  return out;
}

/**
 * An active call: a module function's forward half on this function's stack; an attached
 * callee's vjp, its previous pullback saved in a loop. The arrays it overwrites are copied first.
 */
function activeCall(r: Reverser, s: Stmt, expr: CallExpr): Code[] {
  const { name, reverse } = calleeVjp(r, expr);
  const out: Code[] = [];
  if (r.a.savedPullbacks.has(s)) out.push(line(`${r.stack}.pushRef(${r.a.pullbacks.get(s)});`, s.loc));
  out.push(...snapshots(r, s));
  const args = expr.args.map((a) => code(r, a));
  const target = s.kind === "assign" ? s.target : null;
  if (reverse) {
    const call = `${name}(${[r.stack, ...args].join(", ")})`;
    out.push(line(target ? `${target} = ${call};` : `${call};`, s.loc));
  } else {
    const call = `${name}(${args.join(", ")})`;
    const pullback = r.a.pullbacks.get(s);
    out.push(line(target ? `[${target}, ${pullback}] = ${call};` : `${pullback} = ${call}[1];`, s.loc));
  }
  return out;
}

/** The trips of a counted loop from where its counter ended: (counter - start) / step. */
function tripsOf({ counter, start, step }: CountedLoop): string {
  const moved = step > 0 ? (start === 0 ? counter : `${counter} - ${start}`) : `${start} - ${counter}`;
  return Math.abs(step) === 1 ? moved : `(${moved}) / ${Math.abs(step)}`;
}

/** The arrays a call writes that the reverse sweep reads as they were: copied before it. */
function snapshots(r: Reverser, s: Stmt): Code[] {
  return (r.a.snapshots.get(s) ?? []).map((array) => saveWhole(r, array, s.loc));
}

type CallExpr = Extract<Expr, { kind: "call" }>;

/**
 * The vjp of a call's callee for its active arguments, and the arguments whose adjoints its
 * pullback adds into in place. Arguments of one region (`axpy(x, 2, x)`) get the variant of
 * the callee that knows they are one array.
 */
export function calleeVjp(r: Reverser, expr: CallExpr): CalleeVjp {
  const { activeArgs, aliases } = callVariant(expr, (name) => r.a.active.has(name), (name) => r.isArray(name), r.a.region);
  return r.options.calleeVjp(expr.callee, activeArgs, aliases);
}

/**
 * An inactive temporary read once, by the very next statement, and never by the reverse sweep is
 * not stored: its expression is written where it is read (`while (i < n)`, `s += t2 * y`).
 */
export function inlinable(r: Reverser, s: Stmt, next: Stmt | Operand | undefined): boolean {
  // A stand-in of an inactive operation's operand: read by no code at all.
  if (s.kind === "assign" && s.expr.kind === "shape") return !r.a.needed.has(s.target);
  if (s.kind !== "assign" || !r.fn.locals.get(s.target)?.temp || s.target === r.fn.result) return false;
  if (r.readCounts.get(s.target) !== 1 || r.assignCounts.get(s.target) !== 1) return false;
  if (r.a.needed.has(s.target) || r.a.saves.has(s) || r.a.snapshots.has(s)) return false;
  // Active temporaries stay, so each adjoint (dt1) has its variable (t1) in the forward sweep.
  if (r.a.active.has(s.target)) return false;
  if (next === undefined) return false;
  if ("kind" in next && (next.kind === "var" || next.kind === "const" || next.kind === "outer")) return next.kind === "var" && next.name === s.target;
  return readsOf(next as Stmt).includes(s.target);
}

/** `iteration + 1` as it reads best: `i - 1 + 1` is `i`, `i - 3 + 1` is `i - 2`. */
function oneMore(iteration: string): string {
  const less = /^([\w$]+) - (\d+)$/.exec(iteration);
  if (less) return Number(less[2]) === 1 ? less[1] : `${less[1]} - ${Number(less[2]) - 1}`;
  return `${/[ /]/.test(iteration) ? `(${iteration})` : iteration} + 1`;
}
