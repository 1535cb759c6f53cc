// softmax, logSoftmax and logsumexp: values against a naive float64 reference (exp and sum
// over each lane, for inputs where that does not overflow), the edge values (-Infinity lanes,
// NaN, Infinity, 1e3-sized inputs), layouts (axes, keepdims, views), dtypes, and the Wasm
// kernels against the JS kernels. Tolerances: the reference 1e-14 relative to max(1, |v|) in
// float64 and 4e-7 (3 float32 ulps) in float32; Wasm vs JS, the ops and their adjoint kernels,
// 8 ulps of max(|v|, 1) in the array's type (different exp code, another order of additions;
// logSoftmax's adjoint, g - exp(l) sum(g): 8 ulps of max(|v|, 1, exp(l) sum|g|)).
import * as np from "adjoint/np";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wasmOptions, wasmSupported } from "../../runtime/np/backend/wasm.js";
import { indices, rng, viewOf, type ViewKind } from "./helpers.js";

type Op = "softmax" | "logSoftmax" | "logsumexp";
const ops: Op[] = ["softmax", "logSoftmax", "logsumexp"];
const call = (op: Op, x: np.NDArray, axis?: np.Axis, keepdims = false) =>
  op === "logsumexp" ? np.logsumexp(x, axis, keepdims) : axis === undefined ? np[op](x) : np[op](x, axis);

/** The naive reference by multi-index: exp and sums in float64, no shift. */
function reference(op: Op, x: np.NDArray, axis: np.Axis | undefined, keepdims: boolean): { shape: number[]; values: number[] } {
  const ndim = x.ndim;
  const given = axis === undefined ? (op === "logsumexp" ? null : -1) : axis;
  const axes = given === null ? [...Array(ndim).keys()] : (typeof given === "number" ? [given] : given).map((a) => (a + ndim) % ndim);
  const xs = x.astype("float64");
  const lane = (index: number[]) => index.map((v, d) => (axes.includes(d) ? 0 : v)).join(",");
  const sums = new Map<string, number>();
  for (const index of indices(x.shape)) sums.set(lane(index), (sums.get(lane(index)) ?? 0) + Math.exp(xs.get(...index).item()));
  if (op === "logsumexp") {
    const shape = x.shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]));
    return { shape, values: indices(x.shape).filter((ix) => axes.every((a) => ix[a] === 0)).map((ix) => Math.log(sums.get(lane(ix))!)) };
  }
  const values = indices(x.shape).map((ix) => {
    const v = xs.get(...ix).item();
    return op === "softmax" ? Math.exp(v) / sums.get(lane(ix))! : v - Math.log(sums.get(lane(ix))!);
  });
  return { shape: [...x.shape], values };
}

function expectNear(got: np.NDArray, want: { shape: number[]; values: number[] }, tol: number, label: string) {
  expect(got.shape, label).toEqual(want.shape);
  const values = Array.from(np.ravel(got).astype("float64").data);
  values.forEach((v, i) => expect(Math.abs(v - want.values[i]), `${label} [${i}]: ${v} vs ${want.values[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want.values[i]))));
}

const next = rng(1907);
const layouts: [number[], np.Axis | undefined, boolean][] = [
  [[7], undefined, false], [[7], 0, true], [[3, 5], undefined, false], [[3, 5], 0, false], [[3, 5], 1, true], [[3, 5], -2, true],
  [[2, 3, 4], 1, false], [[2, 3, 4], -1, true], [[2, 3, 4], [0, 2], false], [[2, 3, 4], [0, 2], true], [[2, 3, 4], [1, 2], false],
  [[2, 3, 4], null, false], [[2, 3, 4], [], false], [[4, 1, 3], 1, false],
];

describe("softmax, logSoftmax, logsumexp: values", () => {
  for (const kind of ["contiguous", "transposed", "strided", "offset"] as ViewKind[]) {
    it(`every layout and axis, ${kind} operands, float64 and float32`, () => {
      for (const [shape, axis, keepdims] of layouts) {
        const x = viewOf(kind, shape, next, -3, 3);
        for (const op of ops) {
          if (op !== "logsumexp" && keepdims) continue;
          const want = reference(op, x, axis, keepdims);
          const label = `${op}(${kind} ${JSON.stringify(shape)}, ${JSON.stringify(axis)}, ${keepdims})`;
          const got = call(op, x, axis, keepdims);
          expect(got.dtype).toBe("float64");
          expect(got.isContiguous).toBe(true);
          expectNear(got, want, 1e-14, label);
          const got32 = call(op, x.astype("float32"), axis, keepdims);
          expect(got32.dtype, label).toBe("float32");
          expectNear(got32, reference(op, x.astype("float32"), axis, keepdims), 4e-7, `${label} float32`);
        }
      }
    });
  }

  it("defaults: softmax over the last axis, logsumexp over all; integer inputs give float64", () => {
    const x = np.array([[1, 2, 3], [4, 5, 7]], "int32");
    expect(np.softmax(x).dtype).toBe("float64");
    expectNear(np.softmax(x), reference("softmax", x.astype("float64"), -1, false), 1e-15, "softmax int32");
    expect(np.logsumexp(x).shape).toEqual([]);
    expectNear(np.logsumexp(x), reference("logsumexp", x.astype("float64"), null, false), 1e-15, "logsumexp int32");
    expect(np.logsumexp(2.5).item()).toBe(2.5);
  });

  it("large inputs do not overflow: 1e3 and -1e3 shifted by the lane's max", () => {
    const x = np.array([[1000, 1000, 999], [-1000, -1001, -1002]]);
    const l = Math.log(2 + Math.exp(-1));
    expectNear(np.logsumexp(x, 1), { shape: [2], values: [1000 + l, -1000 + Math.log(1 + Math.exp(-1) + Math.exp(-2))] }, 1e-15, "logsumexp");
    expectNear(np.softmax(x), { shape: [2, 3], values: [1, 1, Math.exp(-1)].map((v) => v / (2 + Math.exp(-1))).concat([1, Math.exp(-1), Math.exp(-2)].map((v) => v / (1 + Math.exp(-1) + Math.exp(-2)))) }, 1e-15, "softmax");
    expectNear(np.logSoftmax(x.astype("float32")), { shape: [2, 3], values: [-l, -l, -1 - l, ...[0, -1, -2].map((v) => v - Math.log(1 + Math.exp(-1) + Math.exp(-2)))] }, 4e-7, "logSoftmax float32");
  });

  it("-Infinity, Infinity and NaN", () => {
    const inf = Infinity;
    const x = np.array([[-inf, -inf, -inf], [-inf, 2, -inf], [1, NaN, 2], [0, inf, 1], [-inf, 0, 0]]);
    expect(Array.from(np.logsumexp(x, 1).data)).toEqual([-inf, 2, NaN, inf, Math.log(2)]);
    const s = np.softmax(x).toArray() as number[][];
    expect(s[0].every(Number.isNaN)).toBe(true); // 0 / 0, as jax.nn.softmax
    expect(s[1]).toEqual([0, 1, 0]);
    expect(s[2].every(Number.isNaN)).toBe(true);
    expect(s[4]).toEqual([0, 0.5, 0.5]);
    const l = np.logSoftmax(x).toArray() as number[][];
    expect(l[1]).toEqual([-inf, 0, -inf]);
    expect(l[4]).toEqual([-inf, -Math.log(2), -Math.log(2)]);
    // An empty lane: logsumexp -Infinity (the log of an empty sum); softmax of nothing is empty.
    expect(Array.from(np.logsumexp(np.zeros([2, 0]), 1).data)).toEqual([-inf, -inf]);
    expect(np.softmax(np.zeros([2, 0])).shape).toEqual([2, 0]);
  });
});

describe.skipIf(!wasmSupported())("the Wasm softmax kernels against the JS kernels", () => {
  beforeAll(() => {
    wasmOptions.minSize = 1;
  });
  afterAll(() => {
    wasmOptions.minSize = 2048;
    np.setBackend("wasm");
  });
  const EPS = { float64: 2 ** -52, float32: 2 ** -23 };
  /** [wasm, js] results of `f`. */
  const both = (f: () => np.NDArray): [np.NDArray, np.NDArray] => {
    np.setBackend("wasm");
    const w = f();
    np.setBackend("js");
    return [w, f()];
  };
  /** Equal non-finite values; finite ones within 8 ulps of max(1, |js|, scale). */
  function expectAgree(w: np.NDArray, j: np.NDArray, label: string, scale?: np.NDArray) {
    expect(w.shape, label).toEqual(j.shape);
    const [a, b] = [Array.from(w.data), Array.from(j.data)];
    const s = scale && Array.from(np.ravel(np.broadcastTo(scale, [...j.shape])).data);
    const eps = EPS[j.dtype as "float64" | "float32"];
    a.forEach((v, i) => {
      const at = `${label} [${i}]: wasm ${v}, js ${b[i]}`;
      if (!Number.isFinite(b[i])) expect(Object.is(v, b[i]) || (Number.isNaN(v) && Number.isNaN(b[i])), at).toBe(true);
      else expect(Math.abs(v - b[i]), at).toBeLessThanOrEqual(8 * eps * Math.max(1, Math.abs(b[i]), s?.[i] ?? 0));
    });
  }
  /** Each lane of the row path and of the column path, with odd sizes for the vector tails. */
  const shapes: [number[], np.Axis][] = [[[1], -1], [[5, 1001], -1], [[3, 7], -1], [[2, 9], 0], [[1001, 7], 0], [[3, 5, 9], 1], [[2, 3, 8], [0, 2]], [[64, 130], -1], [[130, 64], 0], [[4097], 0]];
  for (const dtype of ["float64", "float32"] as const) {
    it(`${dtype}: every op and its adjoint, row and column lanes, odd sizes, views, -Infinity, NaN and Infinity`, () => {
      for (const [shape, axis] of shapes) {
        for (const kind of ["contiguous", "transposed"] as ViewKind[]) {
          let x = viewOf(kind, shape, next, -30, 30).astype(dtype);
          if (x.size > 20) {
            // Specials in a few lanes: NaN, Infinity, -Infinity.
            const flat = np.ravel(x);
            flat.data[3] = NaN;
            flat.data[11] = Infinity;
            flat.data[17] = -Infinity;
            x = flat.reshape(shape);
          }
          for (const op of ops) {
            const label = `${op} ${dtype} ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} ${kind}`;
            const [w, j] = both(() => call(op, x, axis));
            expect(w.dtype).toBe(dtype);
            expectAgree(w, j, label);
            // The adjoint kernels, from the JS forward's output, with an adjoint of the output's shape.
            const g = np.random.uniform(-1, 1, [...j.shape]).astype(dtype);
            const rule = np.adjoints[op];
            const args = op === "logsumexp" ? [x, axis, false, j] : [undefined, axis, j];
            const [dw, dj] = both(() => rule.vjp(g, ...args)[0] as np.NDArray);
            expect(dw.dtype).toBe(dtype);
            // logSoftmax's adjoint subtracts exp(l) sum(g): its error is that of the lane's sum, ulps of exp(l) sum |g|.
            const terms = op === "logSoftmax" ? np.mul(np.exp(j), np.sum(np.abs(g), axis, true)) : undefined;
            expectAgree(dw, dj, `${label} vjp`, terms);
          }
        }
      }
    });
  }
});
