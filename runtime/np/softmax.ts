// softmax, logSoftmax and logsumexp over axes (as jax.nn.softmax, jax.nn.log_softmax and
// jax.scipy.special.logsumexp), max-shifted so no lane overflows; their adjoints, tangents and
// second-order terms. Each runs on a contiguous [outer, n, inner] layout (n: the reduced
// elements of a lane), on the kernels of softmax-kernels.ts (the backend's or JS).
import type { SoftmaxOp } from "./backend/index.js";
import { allocate } from "./dtype.js";
import { astype, copy, elementwise, exp, mul, sub } from "./elementwise.js";
import { NDArray, operand, type ArrayOrScalar, type Axis } from "./ndarray.js";
import { expandBack, laneTangent, sum } from "./reduce.js";
import type { CurvedTerm } from "./second-order-terms.js";
import { normalizeAxes, reducedShape } from "./shape.js";
import { transpose } from "./shapeops.js";
import { backward, forward } from "./softmax-kernels.js";
import { fresh, rule, scalarOperands, sumToNumber, tangentArray, withJvp, type AdjointRule, type Tangent } from "./vjp.js";

/** [outer, n, inner] of `shape` with the lanes along `axes`, consecutive (none: lanes of one). */
function lanes(shape: readonly number[], axes: readonly number[]): [number, number, number] {
  const first = axes.length === 0 ? shape.length : axes[0];
  const dims = (from: number, to: number) => shape.slice(from, to).reduce((p, d) => p * d, 1);
  return [dims(0, first), dims(first, first + axes.length), dims(first + axes.length, shape.length)];
}
const consecutive = (axes: readonly number[]) => axes.every((a, i) => a === axes[0] + i);

/** `op` of `value` over `axis` (a number, a list, or null: all), in float32 for float32, else float64. */
function run(op: SoftmaxOp, value: ArrayOrScalar, axis: Axis, keepdims: boolean): NDArray {
  let x = operand(op, value);
  if (x.dtype !== "float64" && x.dtype !== "float32") x = astype(x, "float64");
  const axes = normalizeAxes(op, axis, x.ndim);
  // The lanes laid out as [outer, n, inner]: x itself, a copy, or a copy with the axes moved last.
  let y = x;
  let perm: number[] | undefined;
  if (!consecutive(axes)) {
    perm = [...x.shape.keys()].filter((i) => !axes.includes(i));
    perm.push(...axes);
    y = copy(transpose(x, perm));
  } else if (!x.isContiguous) y = copy(x);
  const [outer, n, inner] = lanes(y.shape, perm ? axes.map((_, i) => y.ndim - axes.length + i) : axes);
  const shape = op === "logsumexp" ? reducedShape(x.shape, axes, keepdims) : y.shape;
  const out = new NDArray(allocate(x.dtype, op === "logsumexp" ? outer * inner : y.size), shape);
  forward(op, outer, n, inner, out.data, y.data, y.offset);
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
/** softmax's Jacobian applied to `v`, fused where it can be. */
function softmaxProduct(s: NDArray, v: NDArray, axis: Axis): NDArray {
  const axes = lanesOf("softmax", axis, s.ndim, -1);
  return fusedVjp("softmax", v, s, undefined, axes) ?? throughSoftmax(s, v, axes);
}
/** v - exp(l) sum(v): logSoftmax's adjoint of `v` (the transpose of its Jacobian). */
const logSoftmaxBack = (l: NDArray, v: NDArray, axes: number[]): NDArray => sub(v, mul(exp(l), sum(v, axes, true)));
/** `op`'s adjoint on the fused kernels (softmax-kernels.ts) when the lane axes are consecutive,
 * else undefined: `a` the output (logsumexp: the input x, `r` the output), `g` the output's adjoint. */
function fusedVjp(op: SoftmaxOp, g: NDArray, a: NDArray, r: NDArray | undefined, axes: number[]): NDArray | undefined {
  if (!consecutive(axes)) return undefined;
  const dtype = r === undefined ? floatType(g, a) : floatType(g, a, r);
  const dense = (x: NDArray) => {
    const y = x.dtype === dtype ? x : astype(x, dtype);
    return y.isContiguous && y.offset === 0 ? y : copy(y);
  };
  const dx = new NDArray(allocate(dtype, a.size), a.shape);
  backward(op, ...lanes(a.shape, axes), dx.data, dense(g).data, dense(a).data, r && dense(r).data);
  return dx;
}

/** exp(x - logsumexp): the weights of each lane's elements (softmax along the lanes). */
const weights = (x: NDArray, out: NDArray, axis: Axis): NDArray => exp(sub(x, expandBack(out, x, axis)));

export const rules: Record<string, AdjointRule> = scalarOperands({
  softmax: withJvp(
    rule(["x", "axis"], [0], (g, _x, axis, out: NDArray) => [fresh(softmaxProduct(out, g, axis)), undefined], ["out"]),
    // Its Jacobian is symmetric: the tangent is the adjoint of dx.
    ([dx], _x, axis, out: NDArray) => (dx === undefined ? undefined : fresh(softmaxProduct(out, dx as NDArray, axis))),
  ),
  logSoftmax: withJvp(
    rule(["x", "axis"], [0], (g, _x, axis, out: NDArray) => {
      const axes = lanesOf("logSoftmax", axis, out.ndim, -1);
      return [fresh(fusedVjp("logSoftmax", g, out, undefined, axes) ?? logSoftmaxBack(out, g, axes)), undefined];
    }, ["out"]),
    ([dx], _x, axis, out: NDArray) => {
      if (dx === undefined) return undefined;
      const d = dx as NDArray;
      return fresh(sub(d, sum(mul(exp(out), d), lanesOf("logSoftmax", axis, out.ndim, -1), true)));
    },
  ),
  logsumexp: withJvp(
    rule(["x", "axis", "keepdims"], [0], (g, x: NDArray, axis, _k, out: NDArray) => {
      const fused = fusedVjp("logsumexp", g, x, out, lanesOf("logsumexp", axis, x.ndim, null));
      return [fresh(fused ?? mul(expandBack(g, x, axis), weights(x, out, axis))), undefined, undefined];
    }, [0, "out"]),
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
