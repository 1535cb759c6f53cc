// argmax/argmin scan long rows with four running bests: the first best (and the first NaN)
// must still win, as a one-at-a-time scan finds it.
import { describe, expect, it } from "vitest";
import * as np from "../../runtime/np/index.js";
import { rng } from "./helpers.js";

function reference(values: number[], better: (v: number, best: number) => boolean): number {
  let at = 0;
  for (let j = 0; j < values.length; j++) {
    if (values[j] !== values[j]) return j;
    if (better(values[j], values[at])) at = j;
  }
  return at;
}
const above = (v: number, best: number) => v > best;
const below = (v: number, best: number) => v < best;

describe("argmax and argmin over long rows", () => {
  it("match a one-at-a-time scan: ties, NaNs, signed zeros, every length to 70", () => {
    const next = rng(7);
    const pool = [0, -0, 1, -1, 2, 2, -2, 3, NaN, Infinity, -Infinity, 0.5];
    for (let n = 1; n <= 70; n++) {
      for (let trial = 0; trial < 40; trial++) {
        const nanFree = trial % 2 === 0;
        const values = Array.from({ length: n }, () => {
          const v = pool[Math.floor(next() * pool.length)];
          return nanFree && v !== v ? 1 : v;
        });
        for (const dtype of ["float64", "float32"] as const) {
          const x = np.array(values, dtype);
          expect(np.argmax(x).item(), `argmax of [${values}]`).toBe(reference(values, above));
          expect(np.argmin(x).item(), `argmin of [${values}]`).toBe(reference(values, below));
        }
      }
    }
  });

  it("along an axis, one row at a time", () => {
    const next = rng(11);
    const rows = Array.from({ length: 5 }, () => Array.from({ length: 37 }, () => Math.floor(next() * 6)));
    const x = np.array(rows);
    expect(np.argmax(x, 1).toArray()).toEqual(rows.map((r) => reference(r, above)));
    expect(np.argmin(x, 1).toArray()).toEqual(rows.map((r) => reference(r, below)));
    expect(np.argmax(x.T, 0).toArray()).toEqual(rows.map((r) => reference(r, above)));
  });
});
