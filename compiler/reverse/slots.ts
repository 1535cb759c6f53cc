// Slotted loops: a loop whose saves are numbers and flags writes each at its iteration's slot,
// `slots[base + stride * iteration + j]` of a block of the stack's slot array, instead of
// pushing it, and its reverse reads iteration k - 1 back: no cursor moves per value (a moving
// cursor is a field written every push), as a hand-written adjoint keeps `saved[i]`. The block
// is opened before the loop with room for its trip count where the condition gives one, grown
// by a check per iteration where the loop runs longer (an early exit only leaves room unused),
// and held for the trips it ran; the reverse sweep gives it back before reading it.
// Not where anything in the loop may open a block of its own (an inner loop, a call: a callee's
// half runs on this stack), where the loop's test saves (it runs once more than the body), in
// functions with checkpointed loops (their steps replay on a tape) and in plain code.
import { line, type Code } from "../emit/index.js";
import { forEachStmt, type Loop, type Stmt } from "../ir/index.js";
import type { Reverser } from "./reverser.js";

/** The statements of `loop` whose saves go to slots, in forward order, or undefined where the loop is not slotted. */
export function slottedSaves(r: Reverser, loop: Loop): Stmt[] | undefined {
  if (r.options.plainStack || !r.stack || r.a.checkpoints.size > 0 || !r.a.reversed.has(loop)) return undefined;
  let preSaves = false;
  forEachStmt(loop.pre, (s) => void (preSaves ||= r.a.saves.has(s) || s.kind === "loop" || s.kind === "method" || hasCall(s) || r.a.savedPullbacks.has(s)));
  if (preSaves) return undefined;
  const saves: Stmt[] = [];
  const slottable = (stmts: Stmt[]): boolean =>
    stmts.every((s) => {
      if (s.kind === "loop" || s.kind === "method" || hasCall(s) || r.a.savedPullbacks.has(s)) return false;
      if (s.kind === "if") return slottable(s.then) && slottable(s.else);
      if (!r.a.saves.has(s)) return true;
      if (s.kind === "store" || (s.kind === "assign" && r.stackKind(s.target) !== "Ref" && r.stackKind(s.target) !== "Int")) {
        saves.push(s);
        return true;
      }
      return s.kind === "fill";
    });
  return slottable(loop.body) && saves.length > 0 ? saves : undefined;
}

function hasCall(s: Stmt): boolean {
  return (s.kind === "assign" || s.kind === "effect") && s.expr.kind === "call";
}

/** `base + stride * iteration + j` as it reads best. */
function slotIndex(base: string, stride: number, iteration: string, j: number): string {
  const step = stride === 1 ? iteration : `${stride} * ${/[ /]/.test(iteration) ? `(${iteration})` : iteration}`;
  return `${base} + ${step}${j > 0 ? ` + ${j}` : ""}`;
}

/**
 * The forward sweep's side: each save's slot (`r.slots`) at `iteration` (code the body reads as
 * the iteration's number from 0); the block opened before the loop, with room for `room` trips
 * (code, where the condition gives a count; `exact`, where that is certainly enough: all of
 * it, and no check); the check at the top of the body otherwise; its hold after the loop.
 */
export function openSlots(r: Reverser, saves: Stmt[], iteration: string, loc: Stmt["loc"]): { before: (room: string | undefined, exact: boolean) => Code[]; check: Code; hold: (trips: string) => Code } {
  const base = r.fresh("base");
  const slots = r.fresh("slots");
  const stride = saves.length;
  saves.forEach((s, j) => r.slots.set(s, { ...r.slots.get(s), write: `${slots}[${slotIndex(base, stride, iteration, j)}]` }));
  const times = (count: string) => (stride === 1 ? count : `${stride} * ${/[ /]/.test(count) ? `(${count})` : count}`);
  return {
    before: (room, exact) =>
      exact && room !== undefined
        ? [line(`const ${base} = ${r.stack}.openAllSlots(${times(room)}),`, loc), line(`  ${slots} = ${r.stack}.slots;`, loc)]
        : [line(`const ${base} = ${r.stack}.openSlots(${room === undefined ? 0 : times(room)});`, loc), line(`let ${slots} = ${r.stack}.slots;`, loc)],
    check: line(`if (${slotIndex(base, stride, iteration, stride)} > ${slots}.length) ${slots} = ${r.stack}.moreSlots(${slotIndex(base, stride, iteration, stride)});`, loc),
    hold: (trips) => line(`${r.stack}.holdSlots(${times(trips)});`),
  };
}

/** The reverse sweep's side: the block given back before the reverse loop, whose counter `k` runs from the trips down to 1. */
export function readSlots(r: Reverser, saves: Stmt[], trips: string, k: string, loc: Stmt["loc"]): Code {
  const base = r.fresh("base");
  const slots = r.fresh("slots");
  const stride = saves.length;
  const at = (j: number) => (stride === 1 ? `${base} + ${k} - 1` : `${base} + ${stride} * ${k} - ${stride - j}`);
  saves.forEach((s, j) => r.slots.set(s, { ...r.slots.get(s), read: `${slots}[${at(j)}]` }));
  return line(`const ${base} = ${r.stack}.popSlots(${stride === 1 ? trips : `${stride} * ${trips}`}), ${slots} = ${r.stack}.slots;`, loc);
}

/** The save of `s` (before it overwrites `value`): its slot written, or the push. */
export function saveCode(r: Reverser, s: Stmt, value: string, push: string): string {
  const slot = r.slots.get(s)?.write;
  if (!slot) return push;
  return `${slot} = ${s.kind === "assign" && r.stackKind(s.target) === "Bit" ? `${value} ? 1 : 0` : value}`;
}

/** The restore of what `saveCode` saved: its slot read, or the pop. */
export function restoreCode(r: Reverser, s: Stmt, pop: string): string {
  const slot = r.slots.get(s)?.read;
  if (!slot) return pop;
  return s.kind === "assign" && r.stackKind(s.target) === "Bit" ? `${slot} === 1` : slot;
}
