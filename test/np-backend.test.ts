// The Wasm SIMD backend against the JS kernels, on the same operands: every operation it
// has, float64 and float32, broadcasting, odd sizes, strided and reversed views. Exact
// where both do the same IEEE operation per element (elementwise arithmetic, max/min, and
// float32 through doubles rounds the same as in float32); a stated tolerance where the
// order of additions differs (sums, gemm) or the functions are different code (exp...).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as np from "../runtime/np/index.js";
import { wasmBackend, wasmOptions, wasmSupported } from "../runtime/np/backend/wasm.js";
import type { NDArray } from "../runtime/np/index.js";

type DT = "float64" | "float32";
const EPS: Record<DT, number> = { float64: 2 ** -52, float32: 2 ** -23 };

/** Runs `f` on both backends; returns [wasm, js]. */
function both(f: () => NDArray): [NDArray, NDArray] {
  np.setBackend("wasm");
  const w = f();
  np.setBackend("js");
  return [w, f()];
}
function expectExact(w: NDArray, j: NDArray) {
  expect(w.shape).toEqual(j.shape);
  expect(w.dtype).toBe(j.dtype);
  const [a, b] = [np.ravel(w).toArray() as number[], np.ravel(j).toArray() as number[]];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) expect([i, a[i]]).toEqual([i, b[i]]);
}
/** |w - j| <= ulps * eps * scale, elementwise. */
function expectClose(w: NDArray, j: NDArray, ulps: number, scale: number | NDArray = np.abs(j)) {
  expect(w.shape).toEqual(j.shape);
  const err = np.sub(np.abs(np.sub(w.astype("float64"), j.astype("float64"))), np.mul(np.add(scale, 1e-300), ulps * EPS[j.dtype as DT]));
  expect(np.max(err).item()).toBeLessThanOrEqual(0);
}

const data = (shape: number[], dt: DT) => np.random.uniform(-2, 2, shape).astype(dt);

describe.skipIf(!wasmSupported())("the wasm backend computes what the JS kernels compute", () => {
  beforeAll(() => {
    wasmOptions.minSize = 1;
    np.random.seed(7);
  });
  afterAll(() => {
    wasmOptions.minSize = 2048;
    np.setBackend("wasm");
  });

  for (const dt of ["float64", "float32"] as const) {
    const a = data([37, 53], dt);
    const withSpecials = np.concat([np.ravel(a), np.array([NaN, -0, 0, Infinity, -Infinity, 0.5, -1.5, 2.5], dt)]);
    const b = data([37, 53], dt);
    const row = data([53], dt);
    const col = data([37, 1], dt);
    const strided = np.getItem(data([74, 106], dt), ["::2", "::-2"]); // every other row, columns reversed
    const transposed = np.transpose(data([53, 37], dt));

    it(`unary ops, ${dt}: contiguous, strided, odd sizes, NaN and signed zeros`, () => {
      for (const op of ["neg", "abs", "square", "relu", "sqrt", "floor", "ceil"] as const) {
        for (const x of [withSpecials, strided, transposed, np.getItem(withSpecials, "3:10")]) expectExact(...both(() => np[op](x)));
      }
    });

    it(`binary ops, ${dt}: same shape, broadcast row and column, numbers, views, out=`, () => {
      for (const op of ["add", "sub", "mul", "div", "maximum", "minimum"] as const) {
        for (const [x, y] of [[a, b], [a, row], [col, a], [row, col], [strided, transposed], [a, 0.25], [-1.5, strided], [withSpecials, withSpecials]] as const) {
          expectExact(...both(() => np[op](x as NDArray, y as NDArray)));
        }
        expectExact(...both(() => np[op](withSpecials, np.getItem(withSpecials, "::-1"))));
        expectExact(...both(() => np[op](a, b, np.zerosLike(a))));
      }
    });

    it(`results written over an operand's copy, ${dt}: out= the input itself, a reversed view of it (wasm), a strided out`, () => {
      for (const op of ["neg", "square"] as const) {
        expectExact(...both(() => { const x = np.copy(withSpecials); np[op](x, x); return x; }));
        // Overlapping another way: the Wasm backend reads every operand before writing (as NumPy
        // does), the JS kernels row by row, so only the Wasm result has a reference.
        np.setBackend("wasm");
        const x = np.copy(a);
        np[op](x, np.getItem(x, ["::-1", ":"]));
        expectExact(x, np.getItem(np[op](a), ["::-1", ":"]));
        expectExact(...both(() => { const o = np.zeros([74, 106], dt); np[op](strided, np.getItem(o, ["::2", "::-2"])); return o; }));
      }
      const [w, j] = both(() => { const x = np.copy(a); np.tanh(x, x); return x; });
      expectClose(w, j, 4, np.add(np.abs(j), dt === "float32" ? 1e-7 : 1e-16));
      expectExact(...both(() => { const x = np.copy(a); np.add(x, b, x); np.mul(row, x, x); return x; }));
    });

    it(`a float32 array with a number not representable in float32 differs by at most one rounding, ${dt}`, () => {
      const [w, j] = both(() => np.mul(a, 0.1));
      expectClose(w, j, 1);
    });

    it(`reductions, ${dt}: sum (reordered, stated tolerance), max and min exact, over every axis`, () => {
      const big = data([3, 41, 67], dt);
      for (const axis of [undefined, 0, 1, 2, [0, 2], [1, 2]]) {
        for (const x of [big, np.transpose(big, [2, 0, 1])]) {
          const [w, j] = both(() => np.sum(x, axis as number));
          expectClose(w, j, 64, np.sum(np.abs(x), axis as number));
          expectClose(...both(() => np.mean(x, axis as number)), 64, np.mean(np.abs(x), axis as number));
          expectExact(...both(() => np.max(x, axis as number)));
          expectExact(...both(() => np.min(x, axis as number, true)));
        }
      }
      expectExact(...both(() => np.max(withSpecials)));
    });

    it(`gemm, ${dt}: odd sizes, transposed and strided operands, batched matmul; error within k ulps of |A||B|`, () => {
      for (const [m, k, n] of [[37, 53, 29], [5, 300, 7], [130, 260, 67]]) {
        const x = data([m, k], dt), y = data([k, n], dt);
        const bound = np.matmul(np.abs(x), np.abs(y));
        expectClose(...both(() => np.matmul(x, y)), 2 * k, bound);
        expectClose(...both(() => np.matmul(np.transpose(np.transpose(x).astype(dt)), y)), 2 * k, bound);
      }
      const bound = np.matmul(np.abs(strided), np.abs(np.transpose(strided)));
      expectClose(...both(() => np.matmul(strided, np.transpose(strided))), 2 * 53, bound);
      const batch = data([3, 17, 19], dt);
      expectClose(...both(() => np.matmul(batch, np.transpose(batch, [0, 2, 1]))), 40, np.matmul(np.abs(batch), np.transpose(np.abs(batch), [0, 2, 1])));
    });

    it(`adjoint accumulation on the backend, ${dt}: addInto/subInto/mulInto broadcast exact, unbroadcast sums within n ulps of Σ|x|`, () => {
      const w = wasmBackend();
      const [binary, reduce] = [vi.spyOn(w, "binary"), vi.spyOn(w, "reduce")];
      const acc = () => np.copy(a);
      for (const [op, f] of [["add", np.addInto], ["sub", np.subInto], ["mul", np.mulInto]] as const) {
        for (const x of [b, row, col, strided, transposed, 0.5]) expectExact(...both(() => f(acc(), x as NDArray)));
        expectExact(...both(() => f(np.transpose(np.copy(np.transpose(a))), b)));
        expect(binary.mock.calls.some((c) => c[0] === op)).toBe(true);
      }
      expectExact(...both(() => np.accumulate(np.accumulate(undefined, a), b)));
      for (const x of [a, strided, transposed]) {
        for (const target of [row, col, np.zeros([1, 53], dt), np.zeros([], dt)]) {
          const n = x.size / target.size;
          const scale = np.sum(np.abs(x), [0, 1].filter((d) => target.ndim < 2 - d || target.shape[d - (2 - target.ndim)] === 1), true);
          expectClose(...both(() => np.unbroadcast(x, target) as NDArray), n, np.reshape(scale, target.shape));
          expectClose(...both(() => np.addInto(np.copy(target), x)), n, np.add(np.reshape(scale, target.shape), np.abs(target)));
        }
        const [sw, sj] = both(() => np.array(np.sumToNumber(x)));
        expectClose(sw, sj, x.size, np.sum(np.abs(x)));
      }
      expect(reduce).toHaveBeenCalled();
      binary.mockRestore();
      reduce.mockRestore();
    });

    it(`transcendentals route to wasm/math.ts, ${dt}`, () => {
      const pos = np.abs(a);
      for (const op of ["exp", "tanh", "sigmoid", "sin", "cos"] as const) expectClose(...both(() => np[op](a)), 4, np.add(np.abs(np[op](a)), dt === "float32" ? 1e-7 : 1e-16));
      expectClose(...both(() => np.log(pos)), 4, np.add(np.abs(np.log(pos)), 1));
    });
  }

  it("float32 gradients of a small network agree with float64's within float32 precision", () => {
    const f = (w: NDArray, x: NDArray, y: NDArray) => np.sum(np.square(np.sub(np.relu(np.matmul(x, w)), y)));
    const [w, x, y] = [data([64, 32], "float64"), data([128, 64], "float64"), data([128, 32], "float64")];
    np.setBackend("wasm");
    const grads = (dt: DT) => {
      const [W, X, Y] = [w, x, y].map((v) => v.astype(dt));
      const h = np.matmul(X, W);
      const r = np.sub(np.relu(h), Y);
      const dh = np.mul(np.mul(r, 2), np.greater(h, 0).astype(dt));
      return np.adjoints.matmul.vjp(dh, X, W, h)[1] as NDArray;
    };
    expect(f(w, x, y).item()).toBeGreaterThan(0);
    const [g32, g64] = [grads("float32"), grads("float64")];
    expect(g32.dtype).toBe("float32");
    // float32 rounding of the inputs alone moves each term by ~eps32; the sums have 128 terms
    const scale = np.max(np.abs(g64)).item();
    expect(np.max(np.abs(np.sub(g32.astype("float64"), g64))).item()).toBeLessThan(scale * 128 * EPS.float32 * 4);
  });
});

describe("choosing the backend", () => {
  it("defaults to wasm where SIMD validates, and setBackend switches or refuses", () => {
    np.setBackend("js");
    expect(np.getBackend()).toBe("js");
    if (wasmSupported()) {
      np.setBackend("wasm");
      expect(np.getBackend()).toBe("wasm");
    }
    expect(() => np.setBackend("gpu" as "js")).toThrow(/unknown backend "gpu"/);
  });
});
