// argmax/argmin scan long rows with four running bests (the JS scan) or lanes (the Wasm
// kernel, float32): the first best (and the first NaN) must still win, as a one-at-a-time
// scan finds it.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as np from "../../runtime/np/index.js";
import { wasmBackend, wasmOptions, wasmSupported } from "../../runtime/np/backend/wasm.js";
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

// The Wasm backend's float32 kernel (wasm/argreduce.ts: lanes of bests and their indices)
// against the JS scan on the same rows; float64 must stay on the JS scan and agree too.
describe.skipIf(!wasmSupported())("argmax and argmin on the wasm backend", () => {
  beforeAll(() => void (wasmOptions.minSize = 1));
  afterAll(() => {
    wasmOptions.minSize = 2048;
    np.setBackend("wasm");
  });
  const on = (name: "js" | "wasm", f: () => np.NDArray) => {
    np.setBackend(name);
    return f().toArray();
  };
  const agree = (f: () => np.NDArray, what: string) => expect(on("wasm", f), what).toEqual(on("js", f));

  it("agrees with the JS scan: every length to 70 and long rows, NaN in the lanes and the tail, ties across lanes, infinities", () => {
    const next = rng(13);
    const pool = [0, -0, 1, -1, 2, 2, -2, 3, NaN, Infinity, -Infinity, 0.5];
    const lengths = [...Array.from({ length: 70 }, (_, i) => i + 1), 1023, 4099];
    const kernel = vi.spyOn(wasmBackend(), "argReduce");
    for (const n of lengths) {
      for (let trial = 0; trial < 12; trial++) {
        const kind = trial % 4; // 0: no NaN, 1: pool, 2: ties of a few values, 3: all -Infinity but one spot
        const values = Array.from({ length: n }, () => {
          if (kind === 2) return Math.floor(next() * 3);
          if (kind === 3) return -Infinity;
          const v = pool[Math.floor(next() * pool.length)];
          return kind === 0 && v !== v ? 1 : v;
        });
        if (kind === 3) values[Math.floor(next() * n)] = next() < 0.5 ? NaN : -1;
        for (const dtype of ["float32", "float64"] as const) {
          const x = np.array(values, dtype);
          agree(() => np.argmax(x), `argmax ${dtype} of [${values}]`);
          agree(() => np.argmin(x), `argmin ${dtype} of [${values}]`);
          // The first best must win over a later equal in another lane.
          expect(on("wasm", () => np.argmax(x)), `reference ${dtype}`).toBe(reference(Array.from(x.data), above));
        }
      }
    }
    const ran = kernel.mock.calls.filter((c) => c[4] instanceof Float32Array).length;
    expect(ran).toBeGreaterThan(0);
    expect(kernel.mock.results.every((r, i) => r.value === (kernel.mock.calls[i][4] instanceof Float32Array))).toBe(true);
    kernel.mockRestore();
  });

  it("agrees along each axis, on strided and transposed views, and on all-NaN and one-element rows", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const x = np.random.uniform(-1, 1, [37, 53]).astype(dtype);
      for (const v of [x, np.transpose(x), np.getItem(x, ["::2", "::-3"])]) {
        for (const axis of [undefined, 0, 1]) {
          agree(() => np.argmax(v, axis), `argmax ${dtype} axis ${axis}`);
          agree(() => np.argmin(v, axis, true), `argmin ${dtype} axis ${axis}`);
        }
      }
      agree(() => np.argmax(np.full([5, 9], NaN, dtype), 1), "all NaN");
      agree(() => np.argmin(np.array([[3], [-1]], dtype), 1), "one-element rows");
      agree(() => np.argmax(np.array([7], dtype)), "one element");
    }
  });
});
