// float32 softmax/logSoftmax/logsumexp rows on the Wasm backend: the row max by pmax and the
// shorter exp for x − max in [-87.33, 0] (wasm/math-f32.ts' expShifted_v128_f32), other rows
// on exp_v128_f32. Against a float64 reference of each element: softmax within |x − max| + 4
// ulps (x − max is rounded to float32 before the exp: |x − max| ulps of the result), the log
// ops within 2 ulps of max(|v|, 1); rows that cross the short exp's range, subnormal results, NaN, ±Infinity,
// odd lengths; gradients through them by central differences.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as np from "adjoint/np";
import { wasmOptions, wasmSupported } from "../../runtime/np/backend/wasm.js";
import { rng } from "./helpers.js";

const ulpOf = (v: number) => 2 ** (Math.max(Math.floor(Math.log2(Math.abs(v))), -126) - 23);

/** Reference values of one row, in float64 from the float32 inputs. */
function reference(op: string, row: number[]): number[] {
  const m = Math.max(...row);
  const shift = Number.isFinite(m) ? m : 0;
  const s = row.reduce((a, v) => a + Math.exp(v - shift), 0);
  if (op === "logsumexp") return [Math.log(s) + shift];
  return row.map((v) => (op === "softmax" ? Math.exp(v - shift) / s : v - shift - Math.log(s)));
}

describe.skipIf(!wasmSupported())("float32 softmax rows on the wasm backend", () => {
  beforeAll(() => {
    wasmOptions.minSize = 1;
    np.setBackend("wasm");
  });
  afterAll(() => void (wasmOptions.minSize = 2048));

  it("every element within its bound of a float64 reference: ranges inside and across the short exp's, odd lengths, subnormal results", () => {
    const next = rng(5);
    for (const [lo, hi, n] of [[-5, 5, 1000], [-40, 0, 1001], [-87, 0, 17], [-100, 0, 999], [-104, 0, 64], [-1, 1, 1], [-1, 1, 8], [-1, 1, 15]]) {
      const rows = 16;
      const x = new np.NDArray(new Float64Array(rows * n).map(() => lo + (hi - lo) * next()), [rows, n]).astype("float32");
      for (const op of ["softmax", "logSoftmax", "logsumexp"]) {
        const got = op === "logsumexp" ? np.logsumexp(x, 1) : (np as never as Record<string, (a: np.NDArray, axis: number) => np.NDArray>)[op](x, 1);
        const xs = Array.from(x.data);
        for (let r = 0; r < rows; r++) {
          const row = xs.slice(r * n, r * n + n);
          const m = Math.max(...row);
          reference(op, row).forEach((ref, j) => {
            const v = got.data[op === "logsumexp" ? r : r * n + j];
            const bound = op === "softmax" ? (Math.abs(row[j] - m) + 4) * ulpOf(ref) : 2 * ulpOf(Math.max(Math.abs(ref), 1));
            expect(Math.abs(v - ref), `${op} [${lo}, ${hi}] n=${n} row ${r} [${j}]: ${v} vs ${ref}`).toBeLessThanOrEqual(bound);
          });
        }
      }
    }
  });

  it("NaN, ±Infinity and signed zeros give what the JS kernels give", () => {
    const rows: number[][] = [
      [NaN, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
      [1, 2, Infinity, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
      [Infinity, -Infinity, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
      Array(17).fill(-Infinity),
      [-Infinity, ...Array(16).fill(1)],
      [-0, 0, -0, 0, -0, 0, -0, 0, -0, 0, -0, 0, -0, 0, -0, 0, -0],
      Array(17).fill(-0),
      [0, -200, -90, -88, -87.3, -50, -1, -0, -100, -120, -150, -3, -4, -5, -6, -7, -8],
    ];
    const x = np.array(rows).astype("float32");
    for (const op of ["softmax", "logSoftmax"] as const) {
      np.setBackend("wasm");
      const w = np[op](x, 1);
      np.setBackend("js");
      const j = np[op](x, 1);
      np.setBackend("wasm");
      Array.from(j.data).forEach((b, i) => {
        const a = w.data[i];
        if (!Number.isFinite(b)) expect(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)), `${op} [${i}]: ${a} vs ${b}`).toBe(true);
        else expect(Math.abs(a - b), `${op} [${i}]: ${a} vs ${b}`).toBeLessThanOrEqual(8 * 2 ** -23 * Math.max(1, Math.abs(b)));
      });
    }
  });

  it("gradients through softmax and logSoftmax rows: float32 within float32 precision of float64's, float64 by central differences", () => {
    const next = rng(9);
    const x64 = new np.NDArray(new Float64Array(6 * 33).map(() => 10 * next() - 5), [6, 33]);
    const g64 = new np.NDArray(new Float64Array(6 * 33).map(() => 2 * next() - 1), [6, 33]);
    for (const op of ["softmax", "logSoftmax"] as const) {
      const rule = np.adjoints[op];
      const d64 = rule.vjp(g64, x64, 1, np[op](x64, 1))[0] as np.NDArray;
      const x32 = x64.astype("float32");
      const d32 = rule.vjp(g64.astype("float32"), x32, 1, np[op](x32, 1))[0] as np.NDArray;
      expect(np.max(np.abs(np.sub(d32.astype("float64"), d64))).item()).toBeLessThanOrEqual(1e-5);
      const v = new np.NDArray(new Float64Array(6 * 33).map(() => 2 * next() - 1), [6, 33]);
      const loss = (a: np.NDArray) => np.sum(np.mul(g64, np[op](a, 1))).item();
      const h = 1e-6;
      const fd = (loss(np.add(x64, np.mul(v, h))) - loss(np.sub(x64, np.mul(v, h)))) / (2 * h);
      expect(Math.abs(np.sum(np.mul(d64, v)).item() - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
  });
});
