// Revolve's schedule (runtime/checkpoint.ts) on a loop whose state is its step number: every
// step is reversed once, newest first, from the state it ran in; no more snapshots are held
// than allowed; and the advances are exactly revolve's theoretical count t·n − β(s + 1, t − 1).
import { describe, expect, it } from "vitest";
import { beta, Checkpoints, checkpointTotals, resetCheckpointTotals, revolveAdvances } from "../runtime/checkpoint.js";

/** Runs the schedule for `steps` steps with `snapshots`; returns the advances and the most snapshots held. */
function run(steps: number, snapshots?: number): { advances: number; held: number } {
  resetCheckpointTotals();
  const plan = new Checkpoints(snapshots);
  let state = 0;
  plan.save([state]);
  state = steps; // the loop ran to its end
  const reversed: number[] = [];
  plan.reverse(steps);
  while (plan.next()) {
    if (plan.restoring) [state] = plan.restore() as [number];
    if (plan.saving) plan.save([state]);
    const ran = state++;
    if (plan.turning) {
      reversed.push(ran);
      state = -1; // a step's reverse leaves nothing to rely on
    }
  }
  expect(reversed).toEqual(Array.from({ length: steps }, (_, i) => steps - 1 - i));
  return { advances: checkpointTotals.advances, held: checkpointTotals.snapshots };
}

describe("revolve's schedule", () => {
  it("β(s, t) is the binomial coefficient C(s + t, s)", () => {
    expect([beta(1, 1), beta(2, 2), beta(3, 2), beta(5, 0), beta(0, 4), beta(2, -1)]).toEqual([2, 6, 10, 1, 1, 0]);
  });

  it("reverses every step from its own state with the fewest advances revolve proves possible", () => {
    for (let snapshots = 1; snapshots <= 6; snapshots++) {
      for (let steps = 1; steps <= 120; steps++) {
        const { advances, held } = run(steps, snapshots);
        expect(advances, `${steps} steps, ${snapshots} snapshots`).toBe(revolveAdvances(steps, snapshots));
        expect(held).toBeLessThanOrEqual(snapshots);
      }
    }
  });

  it("matches the closed forms: one snapshot is quadratic, n snapshots advance n - 1 steps", () => {
    expect(revolveAdvances(10, 1)).toBe(45);
    expect(run(10, 1).advances).toBe(45);
    expect(run(10, 10).advances).toBe(9);
  });

  it("long loops: 10^5 steps with 10 snapshots, and √n by default", () => {
    const long = run(100000, 10);
    expect(long.advances).toBe(revolveAdvances(100000, 10));
    expect(long.held).toBeLessThanOrEqual(10);
    const sqrt = run(10000);
    expect(sqrt.held).toBeLessThanOrEqual(100);
    expect(sqrt.advances).toBe(revolveAdvances(10000, 100));
  });

  it("a pullback run twice replays the schedule from the start's snapshot", () => {
    const plan = new Checkpoints(3);
    let state = 0;
    plan.save([state]);
    for (let round = 0; round < 2; round++) {
      state = 7;
      const reversed: number[] = [];
      plan.reverse(7);
      while (plan.next()) {
        if (plan.restoring) [state] = plan.restore() as [number];
        if (plan.saving) plan.save([state]);
        if (plan.turning) reversed.push(state);
        state++;
      }
      expect(reversed).toEqual([6, 5, 4, 3, 2, 1, 0]);
    }
  });

  it("puts back the elements of the arrays a snapshot keeps, number[] lengths included", () => {
    const plan = new Checkpoints(2);
    const typed = new Float64Array([1, 2]);
    const list = [1, 2, 3];
    plan.save([], [typed, list, typed, undefined]);
    typed[0] = 9;
    list.push(4);
    plan.reverse(1);
    expect(plan.next()).toBe(true);
    expect(plan.restoring).toBe(true);
    plan.restore();
    expect([...typed]).toEqual([1, 2]);
    expect(list).toEqual([1, 2, 3]);
  });
});
