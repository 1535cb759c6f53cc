// softmax, logSoftmax and logsumexp over axes (as jax.nn.softmax, jax.nn.log_softmax and
// jax.scipy.special.logsumexp), max-shifted so no lane overflows; their adjoints, tangents and
// second-order terms. Each runs on a contiguous [outer, n, inner] layout (n: the reduced
// elements of a lane), on the backend's kernel above its minSize, else on the JS kernel here.
import { backend, type SoftmaxOp } from "./backend/index.js";
import { allocate, type TypedArray } from "./dtype.js";
import { astype, copy, elementwise, exp, mul, sub } from "./elementwise.js";
import { freshCopy } from "./kernels.js";
import { NDArray, operand, type ArrayOrScalar, type Axis } from "./ndarray.js";
import { expandBack, laneTangent, sum } from "./reduce.js";
import type { CurvedTerm } from "./second-order-terms.js";
import { normalizeAxes, reducedShape } from "./shape.js";
import { transpose } from "./shapeops.js";
import { fresh, rule, scalarOperands, sumToNumber, tangentArray, withJvp, type AdjointRule, type Tangent } from "./vjp.js";

const CODES: Record<SoftmaxOp, number> = { softmax: 0, logSoftmax: 1, logsumexp: 2 };

/** The JS kernel: `op` (a code of CODES) along the middle axis of `x[xo..]` as [outer, n, inner]
 * into `out` ([outer, n, inner], or [outer, inner] for logsumexp). The shift is the lane's max
 * where finite, else 0 (a lane of -Infinity: logsumexp -Infinity); Math.max keeps NaN. */
function kernelTemplate(op: number, outer: number, n: number, inner: number, x: any, xo: number, out: any): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  const shifts = new Float64Array(inner);
  const sums = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const p = xo + o * n * inner;
    const d = op === 2 ? o * inner : o * n * inner;
    shifts.fill(-Infinity);
    sums.fill(0);
    for (let j = 0; j < n; j++) for (let k = 0; k < inner; k++) shifts[k] = Math.max(shifts[k], x[p + j * inner + k]);
    for (let k = 0; k < inner; k++) if (shifts[k] - shifts[k] !== 0) shifts[k] = 0;
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < inner; k++) {
        const e = Math.exp(x[p + j * inner + k] - shifts[k]);
        if (op === 0) out[d + j * inner + k] = e;
        sums[k] += e;
      }
    }
    if (op === 2) {
      for (let k = 0; k < inner; k++) out[d + k] = Math.log(sums[k]) + shifts[k];
    } else if (op === 0) {
      for (let j = 0; j < n; j++) for (let k = 0; k < inner; k++) out[d + j * inner + k] /= sums[k];
    } else {
      for (let k = 0; k < inner; k++) sums[k] = Math.log(sums[k]);
      for (let j = 0; j < n; j++) for (let k = 0; k < inner; k++) out[d + j * inner + k] = x[p + j * inner + k] - shifts[k] - sums[k];
    }
  }
}
type Kernel = typeof kernelTemplate;
const kernels = new Map<string, Kernel>();
/** One compiled copy per pair of storage types, so each loop sees one element type. */
function kernelFor(x: TypedArray, out: TypedArray): Kernel {
  const key = x.constructor.name + out.constructor.name;
  let k = kernels.get(key);
  if (k === undefined) kernels.set(key, (k = freshCopy(kernelTemplate)));
  return k;
}

/** `op` of `value` over `axis` (a number, a list, or null: all), in float32 for float32, else float64. */
function run(op: SoftmaxOp, value: ArrayOrScalar, axis: Axis, keepdims: boolean): NDArray {
  let x = operand(op, value);
  if (x.dtype !== "float64" && x.dtype !== "float32") x = astype(x, "float64");
  const axes = normalizeAxes(op, axis, x.ndim);
  const consecutive = axes.every((a, i) => a === axes[0] + i);
  // The lanes laid out as [outer, n, inner]: x itself, a copy, or a copy with the axes moved last.
  let y = x;
  let perm: number[] | undefined;
  if (!consecutive) {
    perm = [...x.shape.keys()].filter((i) => !axes.includes(i));
    perm.push(...axes);
    y = copy(transpose(x, perm));
  } else if (!x.isContiguous) y = copy(x);
  const first = axes.length === 0 ? y.ndim : perm ? y.ndim - axes.length : axes[0];
  const dims = (from: number, to: number) => y.shape.slice(from, to).reduce((p, d) => p * d, 1);
  const [outer, n, inner] = [dims(0, first), dims(first, first + axes.length), dims(first + axes.length, y.ndim)];
  const shape = op === "logsumexp" ? reducedShape(x.shape, axes, keepdims) : y.shape;
  const out = new NDArray(allocate(x.dtype, op === "logsumexp" ? outer * inner : y.size), shape);
  const b = backend();
  if (y.size < b.minSize || !b.softmax(op, outer, n, inner, out.data, y.data, y.offset)) {
    kernelFor(y.data, out.data)(CODES[op], outer, n, inner, y.data, y.offset, out.data);
  }
  return perm && op !== "logsumexp" ? copy(transpose(out, perm.map((_, i) => perm.indexOf(i)))) : out;
}

/** exp(x) / sum(exp(x)) along `axis` (default the last; a list, or null for all). */
export const softmax = (x: ArrayOrScalar, axis: Axis = -1): NDArray => run("softmax", x, axis, false);
/** x - logsumexp(x) along `axis` (default the last), without rounding through softmax. */
export const logSoftmax = (x: ArrayOrScalar, axis: Axis = -1): NDArray => run("logSoftmax", x, axis, false);
/** log(sum(exp(x))) over `axis` (default all), with `keepdims`; -Infinity for a lane of -Infinity. */
export const logsumexp = (x: ArrayOrScalar, axis?: Axis, keepdims = false): NDArray => run("logsumexp", x, axis, keepdims);

// ------------------------------------------------------------------ adjoints and tangents

/** A vjp's or jvp's `axis` argument as the lane axes (`undefined`: the op's default). */
const lanesOf = (op: string, axis: Axis, ndim: number, byDefault: Axis) => normalizeAxes(op, axis === undefined ? byDefault : axis, ndim);

/** float32 when every array is, else float64. */
const floatType = (...xs: NDArray[]) => (xs.every((x) => x.dtype === "float32") ? "float32" : "float64");

/** s (v - sum(s v)): softmax's Jacobian (symmetric) applied to `v`. */
function throughSoftmax(s: NDArray, v: NDArray, axes: number[]): NDArray {
  const t = sum(mul(s, v), axes, true);
  return elementwise("softmax", (a, b, c) => a * (b - c), [s, v, t], floatType(s, v));
}
/** v - exp(l) sum(v): logSoftmax's adjoint of `v` (the transpose of its Jacobian). */
const logSoftmaxBack = (l: NDArray, v: NDArray, axes: number[]): NDArray => sub(v, mul(exp(l), sum(v, axes, true)));
/** exp(x - logsumexp): the weights of each lane's elements (softmax along the lanes). */
const weights = (x: NDArray, out: NDArray, axis: Axis): NDArray => exp(sub(x, expandBack(out, x, axis)));

export const rules: Record<string, AdjointRule> = scalarOperands({
  softmax: withJvp(
    rule(["x", "axis"], [0], (g, _x, axis, out: NDArray) => [fresh(throughSoftmax(out, g, lanesOf("softmax", axis, out.ndim, -1))), undefined], ["out"]),
    ([dx], _x, axis, out: NDArray) => (dx === undefined ? undefined : fresh(throughSoftmax(out, dx as NDArray, lanesOf("softmax", axis, out.ndim, -1)))),
  ),
  logSoftmax: withJvp(
    rule(["x", "axis"], [0], (g, _x, axis, out: NDArray) => [fresh(logSoftmaxBack(out, g, lanesOf("logSoftmax", axis, out.ndim, -1))), undefined], ["out"]),
    ([dx], _x, axis, out: NDArray) => {
      if (dx === undefined) return undefined;
      const d = dx as NDArray;
      return fresh(sub(d, sum(mul(exp(out), d), lanesOf("logSoftmax", axis, out.ndim, -1), true)));
    },
  ),
  logsumexp: withJvp(
    rule(["x", "axis", "keepdims"], [0], (g, x: NDArray, axis, _k, out: NDArray) => [fresh(mul(expandBack(g, x, axis), weights(x, out, axis))), undefined, undefined], [0, "out"]),
    ([dx], x: NDArray, axis, keepdims = false, out: NDArray) => laneTangent(weights(x, out, axis), dx as NDArray | undefined, axis, keepdims),
  ),
});

// ------------------------------------------------------------------ second-order terms
// How each vjp moves with its output (and logsumexp's with x): g's part is the vjp itself.
const none = (n: number): Tangent[] => new Array<Tangent>(n).fill(undefined);

/** d[s (g - sum(g s))] = ds (g - sum(g s)) - s sum(g ds). */
const softmaxTerm: CurvedTerm = {
  reads: ["out"],
  term(g, _t, [, axis], out, dOut) {
    if (dOut === undefined) return none(2);
    const axes = lanesOf("softmax", axis as Axis, out.ndim, -1);
    const ds = dOut as NDArray;
    const gs = sum(mul(g, out), axes, true);
    const gds = sum(mul(g, ds), axes, true);
    return [fresh(elementwise("vjpJvp", (d, a, s, b) => d * a - s * b, [ds, sub(g, gs), out, gds], floatType(ds, g, out))), undefined];
  },
};

/** d[g - exp(l) sum(g)] = -exp(l) dl sum(g). */
const logSoftmaxTerm: CurvedTerm = {
  reads: ["out"],
  term(g, _t, [, axis], out, dOut) {
    if (dOut === undefined) return none(2);
    const total = sum(g, lanesOf("logSoftmax", axis as Axis, out.ndim, -1), true);
    const dl = dOut as NDArray;
    return [fresh(elementwise("vjpJvp", (l, d, s) => -Math.exp(l) * d * s, [out, dl, total], floatType(dl, g, out))), undefined];
  },
};

/** d[g exp(x - r)] = g exp(x - r) (dx - dr). */
const logsumexpTerm: CurvedTerm = {
  reads: [0, "out"],
  term(g, [dx], [x, axis], out, dOut) {
    if (dx === undefined && dOut === undefined) return none(3);
    // A number operand (scalarOperands): a 0-d array here, its tangent a number again.
    const X = typeof x === "number" ? new NDArray(Float64Array.of(x), []) : (x as NDArray);
    const along = (t: Tangent) => (typeof t === "number" ? t : (t as NDArray));
    const move = dOut === undefined ? along(dx) : sub(dx === undefined ? 0 : along(dx), expandBack(tangentArray(dOut)!, X, axis as Axis));
    const t = mul(mul(expandBack(g, X, axis as Axis), weights(X, out, axis as Axis)), move);
    return [typeof x === "number" ? sumToNumber(t) : fresh(t), undefined, undefined];
  },
};

export const softmaxTerms: Readonly<Record<string, CurvedTerm>> = { softmax: softmaxTerm, logSoftmax: logSoftmaxTerm, logsumexp: logsumexpTerm };
