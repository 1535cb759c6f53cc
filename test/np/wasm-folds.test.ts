// Reductions of contiguous runs on the Wasm backend (wasm/reduce.ts' pmax/pmin folds, copied
// in a block at a time by backend/wasm.ts' foldRuns) against the JS kernels: max and min bit
// for bit (NaN, ±Infinity, signed zeros, sizes around the vector steps and the block), sums
// within a stated bound, along every axis; gradients through them by central differences.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as np from "adjoint/np";
import { wasmBackend, wasmOptions, wasmSupported } from "../../runtime/np/backend/wasm.js";
import { checkVjp, rng } from "./helpers.js";

type DT = "float64" | "float32";
const EPS: Record<DT, number> = { float64: 2 ** -52, float32: 2 ** -23 };
// A block is 2^17 bytes: 16384 float64 or 32768 float32 elements.
const SIZES = [1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 1000, 4099, 16383, 16384, 16385, 32767, 32768, 32769, 70001];

function onBoth<T>(f: () => T): [T, T] {
  np.setBackend("wasm");
  const w = f();
  np.setBackend("js");
  return [w, f()];
}
function expectSameBits(w: np.NDArray, j: np.NDArray, what: string) {
  expect(w.shape, what).toEqual(j.shape);
  const [a, b] = [Array.from(np.ravel(w).data as Float64Array), Array.from(np.ravel(j).data as Float64Array)];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect([what, i, a[i]]).toEqual([what, i, b[i]]);
}
/** NaN where j is NaN; elsewhere |w - j| <= 4 eps Σ|x| per output element. */
function expectSumClose(w: np.NDArray, j: np.NDArray, scale: np.NDArray, dt: DT, what: string) {
  const nan = (a: np.NDArray) => np.notEqual(a, a);
  expect(nan(w).toArray(), what).toEqual(nan(j).toArray());
  const [a, b] = [np.where(nan(w), 0, w).astype("float64"), np.where(nan(j), 0, j).astype("float64")];
  const err = np.sub(np.abs(np.sub(a, b)), np.mul(np.where(nan(scale), 0, scale).astype("float64"), 4 * EPS[dt]));
  expect(np.max(err).item(), what).toBeLessThanOrEqual(0);
}

/** n values in [-2, 2), with `specials` written at the given positions. */
function values(n: number, dt: DT, next: () => number, specials: [number, number][] = []): np.NDArray {
  const x = new Float64Array(n).map(() => 4 * next() - 2);
  for (const [at, v] of specials) if (at < n) x[at] = v;
  return new np.NDArray(x, [n]).astype(dt);
}

describe.skipIf(!wasmSupported())("folds of contiguous runs on the wasm backend", () => {
  beforeAll(() => void (wasmOptions.minSize = 1));
  afterAll(() => {
    wasmOptions.minSize = 2048;
    np.setBackend("wasm");
  });

  for (const dt of ["float64", "float32"] as const) {
    it(`max and min bit for bit, ${dt}: every size around the vector steps and the block, with NaN, ±Infinity and signed zeros`, () => {
      const next = rng(dt === "float64" ? 11 : 12);
      for (const n of SIZES) {
        const cases: [string, np.NDArray][] = [
          ["random", values(n, dt, next)],
          ["NaN first", values(n, dt, next, [[0, NaN]])],
          ["NaN in the vector loop", values(n, dt, next, [[Math.floor(n / 2), NaN]])],
          ["NaN last", values(n, dt, next, [[n - 1, NaN]])],
          ["±Infinity", values(n, dt, next, [[n >> 2, Infinity], [n >> 1, -Infinity]])],
          ["zeros of both signs", np.mul(np.abs(values(n, dt, next, [[n >> 1, -0], [n - 1, 0]])), -1)],
          ["-0 only among zeros", np.mul(np.abs(values(n, dt, next, [[n >> 1, 0]])), -1)],
          ["+0 among negatives", np.concat([np.zeros([1], dt), np.mul(np.abs(values(n, dt, next)), -1)])],
          ["all -0", np.mul(np.zeros([n], dt), -1)],
        ];
        for (const [what, x] of cases) {
          for (const op of ["max", "min"] as const) {
            expectSameBits(...onBoth(() => np[op](x)), `${op} ${what} n=${n}`);
            expectSameBits(...onBoth(() => np[op](np.neg(x))), `${op} of -x ${what} n=${n}`);
            // Two rows: the rows kernel, where one short float64 run stays on the JS fold.
            expectSameBits(...onBoth(() => np[op](np.stack([x, np.neg(x)]), 1)), `${op} rows ${what} n=${n}`);
          }
        }
      }
    });

    it(`rows along the last axis, ${dt}: max/min bit for bit, sum within 4 ulps of Σ|x|, rows shorter and longer than a block, views`, () => {
      const next = rng(dt === "float64" ? 21 : 22);
      for (const [m, n] of [[1, 5], [3, 17], [64, 256], [37, 1001], [5, 16385], [3, 40000], [2, 70001]]) {
        const x = values(m * n, dt, next, [[n + 3, NaN], [2 * n + 1, -0]]).reshape([m, n]);
        const offset = np.getItem(values((m + 1) * n, dt, next).reshape([m + 1, n]), ["1:"]);
        for (const [kind, a] of [["contiguous", x], ["offset", offset]] as const) {
          for (const op of ["max", "min"] as const) expectSameBits(...onBoth(() => np[op](a, 1)), `${op} axis 1 (${m},${n}) ${kind}`);
          for (const op of ["sum", "mean"] as const) {
            expectSumClose(...onBoth(() => np[op](a, -1, true)), np[op](np.abs(a), -1, true), dt, `${op} (${m},${n}) ${kind}`);
          }
          expectSumClose(...onBoth(() => np.sum(a)), np.sum(np.abs(a)), dt, `sum of all (${m},${n}) ${kind}`);
        }
      }
    });

    it(`sums of one run longer than a block, ${dt}: float64 carried across blocks (float32 rounded once)`, () => {
      const next = rng(31);
      for (const n of [32769, 100003, 262147]) {
        const x = values(n, dt, next);
        const [w, j] = onBoth(() => np.sum(x));
        expectSumClose(w, j, np.sum(np.abs(x)), dt, `sum n=${n}`);
        // The exact sum of the float32 values, rounded once: the fold adds in float64.
        if (dt === "float32") {
          const exact = Array.from(x.data).reduce((p, v) => p + v, 0);
          expect(Math.abs(w.item() - Math.fround(exact))).toBeLessThanOrEqual(Math.abs(Math.fround(exact)) * EPS.float32);
        }
      }
    });

    it(`gradients through max, min, sum and mean on the fold, ${dt === "float64" ? "by central differences" : "float32 against float64's"}`, () => {
      const next = rng(41);
      np.setBackend("wasm");
      if (dt === "float64") {
        // Distinct values, so max and min are differentiable where they are checked.
        const x = np.add(values(17 * 37, "float64", next).reshape([17, 37]), np.mul(np.arange(17 * 37).reshape([17, 37]), 1e-3));
        for (const name of ["max", "min", "sum", "mean"]) {
          const f = (np as never as Record<string, (a: np.NDArray, axis?: number) => np.NDArray>)[name];
          for (const axis of [undefined, 1, -1]) checkVjp(name, f, [x, axis], next, 1e-6);
        }
        // A long run: the directional derivative of sum(w * max(x, axis 1)) by central differences.
        const big = values(6 * 40001, "float64", next).reshape([6, 40001]);
        const v = values(6 * 40001, "float64", next).reshape([6, 40001]);
        const w = values(6, "float64", next);
        const loss = (a: np.NDArray) => np.sum(np.mul(w, np.max(a, 1))).item();
        const g = np.adjoints.max.vjp(w, big, 1, false, np.max(big, 1))[0] as np.NDArray;
        const h = 1e-6;
        const fd = (loss(np.add(big, np.mul(v, h))) - loss(np.sub(big, np.mul(v, h)))) / (2 * h);
        expect(Math.abs(np.sum(np.mul(g, v)).item() - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      } else {
        const x64 = values(9 * 4099, "float64", next).reshape([9, 4099]);
        const x32 = x64.astype("float32");
        for (const name of ["max", "sum"] as const) {
          const g = np.ones([9], "float32");
          const [d32, d64] = [np.adjoints[name].vjp(g, x32, 1, false, np[name](x32, 1))[0], np.adjoints[name].vjp(g.astype("float64"), x64, 1, false, np[name](x64, 1))[0]] as np.NDArray[];
          expect(d32.dtype).toBe("float32");
          expect(np.max(np.abs(np.sub(d32.astype("float64"), d64))).item()).toBeLessThanOrEqual(1e-7);
        }
      }
    });
  }

  it("contiguous folds run in wasm (one float64 run below 2^15 elements stays on the JS fold); other layouts take the strided kernels", () => {
    const w = wasmBackend();
    const x = (dt: DT) => ({ data: np.arange(32).astype(dt).data, offset: 0, strides: [8, 1] });
    const out = (dt: DT, strides: number[]) => ({ data: np.zeros([8], dt).data, offset: 0, strides });
    expect(w.reduce("sum", [4, 8], out("float64", [0, 0]), x("float64"))).toBe(false);
    const long = { data: np.ones([1 << 15]).data, offset: 0, strides: [1] };
    const total = out("float64", [0]);
    expect(w.reduce("sum", [1 << 15], total, long)).toBe(true);
    expect(total.data[0]).toBe(1 << 15);
    for (const dt of ["float64", "float32"] as const) {
      const all = out(dt, [0, 0]);
      expect(w.reduce("sum", [4, 8], all, x(dt))).toBe(dt === "float32");
      if (dt === "float32") expect(all.data[0]).toBe(496);
      const rows = out(dt, [1, 0]);
      rows.data.fill(-Infinity);
      expect(w.reduce("max", [4, 8], rows, x(dt))).toBe(true);
      expect(Array.from(rows.data.subarray(0, 4))).toEqual([7, 15, 23, 31]);
      const axis0 = out(dt, [0, 1]);
      expect(w.reduce("sum", [4, 8], axis0, x(dt))).toBe(true);
      expect(Array.from(axis0.data)).toEqual([48, 52, 56, 60, 64, 68, 72, 76]);
    }
  });
});
