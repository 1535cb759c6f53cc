// A loop that overwrites an array element by element (`next[i] = …` for each i) saves the
// array once, its elements copied onto the stack in one block before the loop and put back
// after the loop's reverse (`pushElements`, `popElements`), instead of a push
// and a pop per element. Heat's `next`, which `u` and `next` swap, is the case.
import { forEachStmt, type IRFunction, type Stmt } from "../ir/index.js";
import type { CountedLoop } from "./counters.js";
import { distinctArrays } from "./distinct.js";

/** The arrays a loop copies before it runs, and the stores whose own saves that copy replaces. */
export interface LoopSnapshot {
  arrays: string[];
  stores: Set<Stmt>;
}

/**
 * Per-element saves of X's stores in loop L become one copy of X before L when:
 * - each such store is in L's body (not in a branch) at L's counter, stepped by ±1, so it
 *   writes about one element per step (the copy costs X's length, the pushes the trip count);
 * - L never reassigns X and nothing in L or anywhere resizes X's region (the copy fits);
 * - no reverse sweep of a statement in L reads an array that may be X (`distinctArrays`):
 *   with per-element pops those readers saw X as it was in their iteration, with the copy
 *   they would see it as L left it. Readers before L run their reverse after the copy is
 *   put back, readers after L before either puts anything back: both see what they did.
 * Checkpointed loops replay steps from their own snapshots: functions with one are left alone.
 */
export function loopSnapshotsOf(
  fn: IRFunction,
  saves: Set<Stmt>,
  elementReads: Map<Stmt, Set<string>>,
  counted: Map<Stmt, CountedLoop>,
  isArray: (name: string) => boolean,
  isNumber: (name: string) => boolean,
  node: (name: string) => string,
  resized: Set<string>,
): Map<Stmt, LoopSnapshot> {
  const found = new Map<Stmt, LoopSnapshot>();
  let checkpointed = false;
  forEachStmt(fn.body, (s) => {
    if (s.kind === "loop" && s.checkpoint) checkpointed = true;
  });
  if (checkpointed) return found;
  let distinct: ReturnType<typeof distinctArrays> | undefined;
  forEachStmt(fn.body, (loop) => {
    if (loop.kind !== "loop") return;
    const counter = counted.get(loop);
    if (!counter || Math.abs(counter.step) !== 1) return;
    const byArray = new Map<string, Set<Stmt>>();
    for (const s of loop.body) {
      if (s.kind === "store" && saves.has(s) && s.index.kind === "var" && s.index.name === counter.counter && isArray(s.array)) {
        byArray.set(s.array, (byArray.get(s.array) ?? new Set()).add(s));
      }
    }
    if (byArray.size === 0) return;
    const inside: Stmt[] = [];
    forEachStmt([...loop.pre, ...loop.body], (s) => inside.push(s));
    for (const [array, stores] of byArray) {
      const region = node(array);
      if (resized.has(region)) continue;
      const rebound = inside.some((s) => (s.kind === "assign" && s.target === array) || (s.kind === "method" && (node(s.array) === region || s.target === array)));
      if (rebound) continue;
      distinct ??= distinctArrays(fn, isArray, isNumber);
      const proven = distinct;
      const readsIt = inside.some((s) => [...(elementReads.get(s) ?? [])].some((read) => node(read) === region && !proven(read, array, s)));
      if (readsIt) continue;
      const snapshot = found.get(loop) ?? { arrays: [], stores: new Set<Stmt>() };
      snapshot.arrays.push(array);
      for (const s of stores) snapshot.stores.add(s);
      found.set(loop, snapshot);
    }
  });
  return found;
}
