// Binomial checkpointing (revolve, Griewank & Walther) for a loop marked `checkpoint`: the
// forward sweep keeps the loop's state at its start and learns its trip count; the reverse
// sweep then runs revolve's schedule, one step per `next()`: restore a snapshot, advance,
// save a snapshot, or run a step onto the tape and reverse it. The tape holds one step.
import { putBack } from "./array-methods.js";
import { ValueStack } from "./stack.js";

type NumericArray = Float64Array | Float32Array | number[];

/** β(s, t) = C(s + t, s): the most steps s snapshots can reverse advancing no step more than t times. */
export function beta(s: number, t: number): number {
  if (s < 0 || t < 0) return 0;
  let b = 1;
  for (let i = 1; i <= t; i++) b = (b * (s + i)) / i;
  return Math.round(b);
}

/** The repetition number: the least t with β(s, t) ≥ steps. */
function repetitions(steps: number, s: number): number {
  let t = 0;
  for (let b = 1; b < steps; ) b = (b * (s + ++t)) / t;
  return t;
}

/** The fewest advances revolve needs to reverse `steps` steps with `s` snapshots (the start's included). */
export function revolveAdvances(steps: number, s: number): number {
  if (steps <= 1) return 0;
  const t = repetitions(steps, s);
  return t * steps - beta(s + 1, t - 1);
}

/**
 * Where the next snapshot goes, `steps` after the current one, with `s` snapshots free
 * counting the current: any point where the left part needs t - 1 repetitions and the right
 * part (one snapshot fewer) t is optimal; this is the first such point.
 */
function split(steps: number, s: number): number {
  const t = repetitions(steps, s);
  return Math.min(steps - 1, Math.max(1, beta(s, t - 2), steps - beta(s - 1, t)));
}

/** What every checkpointed loop did, summed over runs since the last reset (for the benchmarks). */
export const checkpointTotals = { advances: 0, turns: 0, forward: 0, snapshots: 0 };

export function resetCheckpointTotals(): void {
  checkpointTotals.advances = checkpointTotals.turns = checkpointTotals.forward = checkpointTotals.snapshots = 0;
}

export class Checkpoints {
  /** Where the steps run between snapshots push and the reverse of one step pops. */
  readonly tape = new ValueStack();
  /** Set by next(): put the newest snapshot back first, save one first, reverse the step after running it. */
  restoring = false;
  saving = false;
  turning = false;
  /** The step each snapshot was taken at; slot 0 is the loop's start. */
  private positions: number[] = [0];
  private values: unknown[][] = [];
  private arrays: NumericArray[][] = [];
  private contents: NumericArray[][] = [];
  private count = 1;
  private budget = 1;
  /** The steps before `end` remain to be reversed; the state is that before step `position` (-1: none). */
  private end = 0;
  private position = -1;
  private target = -1;

  /** `snapshots`: how many states to keep at most, the start's included; undefined: √n, n known at run time. */
  constructor(private readonly snapshots?: number) {}

  /** Keeps the loop's state: its variables' values, and the elements of the arrays it writes. */
  save(values: unknown[], arrays: unknown[] = NONE): void {
    const slot = this.count - 1;
    this.values[slot] = values;
    if (arrays.length === 0) {
      this.arrays[slot] = NONE;
      return;
    }
    const kept: NumericArray[] = (this.arrays[slot] = []);
    const copies = (this.contents[slot] ??= []);
    for (const array of arrays) {
      if (!isNumericArray(array) || kept.includes(array)) continue;
      const old = copies[kept.length];
      copies[kept.length] = old && !Array.isArray(old) && old.constructor === array.constructor && old.length === array.length ? (old.set(array), old) : array.slice();
      kept.push(array);
    }
  }

  /** The newest snapshot's values; its arrays get their elements back. */
  restore(): unknown[] {
    const slot = this.count - 1;
    const copies = this.contents[slot];
    this.arrays[slot].forEach((array, i) => putBack(array, copies[i]));
    return this.values[slot];
  }

  /** Starts the reverse sweep of a loop that ran `steps` steps (a pullback may start it again). */
  reverse(steps: number): void {
    checkpointTotals.forward += steps;
    this.budget = Math.max(1, Math.floor(this.snapshots ?? Math.ceil(Math.sqrt(steps))));
    this.end = steps;
    this.count = 1;
    this.position = this.target = -1;
  }

  /** The next step to run, with what to do around it; false when every step is reversed. */
  next(): boolean {
    this.tape.clear();
    // Most steps only advance: the state moves on towards the next snapshot or turn.
    if (this.target >= 0 && this.position < this.target) {
      this.restoring = this.saving = false;
      this.position++;
      checkpointTotals.advances++;
      return true;
    }
    this.restoring = this.saving = this.turning = false;
    // The snapshots of ranges reversed by now (kept until now: the step just run may have restored one).
    while (this.count > 1 && this.positions[this.count - 1] >= this.end) this.count--;
    for (;;) {
      if (this.target < 0) {
        if (this.end === 0) return this.finish();
        const start = this.positions[this.count - 1];
        if (this.position !== start) {
          this.restoring = true;
          this.position = start;
        }
        const free = this.budget - this.count;
        const steps = this.end - start;
        this.target = steps === 1 || free <= 0 ? this.end - 1 : start + split(steps, free + 1);
      }
      if (this.position < this.target) {
        this.position++;
        checkpointTotals.advances++;
        return true;
      }
      if (this.target === this.end - 1) {
        this.turning = true;
        checkpointTotals.turns++;
        this.end--;
        this.position = this.target = -1;
        return true;
      }
      this.saving = true;
      this.positions[this.count++] = this.position;
      if (this.count > checkpointTotals.snapshots) checkpointTotals.snapshots = this.count;
      this.target = -1;
    }
  }

  private finish(): false {
    // The start's snapshot stays, for a pullback run again; the others let go of their arrays.
    this.values.length = this.arrays.length = this.contents.length = 1;
    return false;
  }
}

const NONE: never[] = [];

function isNumericArray(x: unknown): x is NumericArray {
  return Array.isArray(x) || x instanceof Float64Array || x instanceof Float32Array;
}
