// Linear algebra: matmul (batched, NumPy semantics), dot, outer, linalg.norm; and
// their adjoints.
import { allocate, floatOf, promote } from "./dtype.js";
import { abs, elementwise, mul, pow, rules as elementwiseRules, sign } from "./elementwise.js";
import { gemm } from "./backend/index.js";
import { NDArray, operand, type ArrayOrScalar, type Axis } from "./ndarray.js";
import { expandBack, laneTangent, max, min, onesOf, reduce, rules as reduceRules, sum } from "./reduce.js";
import { broadcastShapes, broadcastStrides, formatShape, normalizeAxes, normalizeAxis, sizeOf } from "./shape.js";
import { broadcastTo, expandDims, reshape, transpose, squeeze } from "./shapeops.js";
import { addInto, fresh, rule, scalarOperands, unbroadcast, withJvp, type AdjointRule, type Jvp } from "./vjp.js";

/** The matrix product with NumPy's `matmul` rules: 1-D operands are promoted to a
 * row (left) or column (right) and that axis removed; leading axes broadcast. */
export function matmul(a: NDArray, b: NDArray): NDArray {
  if (!(a instanceof NDArray) || !(b instanceof NDArray) || a.ndim === 0 || b.ndim === 0) {
    throw new Error(`matmul: operands must be arrays of at least one dimension, got ${describe(a)} and ${describe(b)}`);
  }
  const a2 = a.ndim === 1 ? expandDims(a, 0) : a;
  const b2 = b.ndim === 1 ? expandDims(b, 1) : b;
  const [m, k] = a2.shape.slice(-2);
  const [k2, n] = b2.shape.slice(-2);
  if (k !== k2) {
    throw new Error(`matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not align on ${k} != ${k2}`);
  }
  const batch = broadcastShapes("matmul", a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const out = new NDArray(allocate(promote(a.dtype, b.dtype), sizeOf(batch) * m * n), [...batch, m, n]);
  const aStrides = broadcastStrides(a2.shape.slice(0, -2), a2.strides.slice(0, -2), batch);
  const bStrides = broadcastStrides(b2.shape.slice(0, -2), b2.strides.slice(0, -2), batch);
  const [ars, acs] = a2.strides.slice(-2);
  const [brs, bcs] = b2.strides.slice(-2);
  const count = sizeOf(batch);
  for (let t = 0; t < count; t++) {
    let ao = a2.offset;
    let bo = b2.offset;
    for (let d = batch.length - 1, r = t; d >= 0; d--) {
      const i = r % batch[d];
      r = (r - i) / batch[d];
      ao += i * aStrides[d];
      bo += i * bStrides[d];
    }
    gemm(m, n, k, a2.data, ao, ars, acs, b2.data, bo, brs, bcs, out.data, t * m * n, n, 1);
  }
  const shape = out.shape.slice();
  if (b.ndim === 1) shape.splice(-1, 1);
  if (a.ndim === 1) shape.splice(-2, 1);
  return shape.length === out.ndim ? out : reshape(out, shape);
}

const describe = (x: unknown) => (x instanceof NDArray ? `shape ${formatShape(x.shape)}` : typeof x);
const swap = (x: NDArray) => (x.ndim < 2 ? x : transpose(x, [...x.shape.keys()].map((i) => (i < x.ndim - 2 ? i : 2 * x.ndim - 3 - i))));

/** How `dot` maps onto `matmul`: the right operand of an N-D . M-D product (M > 2)
 * has its contracted axis moved first and the rest flattened. */
function dotPlan(a: NDArray, b: NDArray): { b2: NDArray; perm?: number[]; shape: number[] } | undefined {
  if (a.ndim === 0 || b.ndim === 0) return undefined;
  const k = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (a.shape[a.ndim - 1] !== k) {
    throw new Error(`dot: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} not aligned: ${a.shape[a.ndim - 1]} (dim ${a.ndim - 1}) != ${k} (dim ${Math.max(0, b.ndim - 2)})`);
  }
  const shape = b.ndim === 1 ? a.shape.slice(0, -1) : [...a.shape.slice(0, -1), ...b.shape.slice(0, -2), ...b.shape.slice(-1)];
  if (b.ndim <= 2 || a.ndim === 1) return { b2: b, shape };
  const perm = [b.ndim - 2, ...[...b.shape.keys()].filter((i) => i !== b.ndim - 2)];
  return { b2: reshape(transpose(b, perm), [k, -1]), perm, shape };
}

/** NumPy's `dot`: a product with a scalar, the inner product of vectors (a 0-d
 * array), and otherwise a sum over the last axis of `a` and the second-to-last of `b`. */
export function dot(a: ArrayOrScalar, b: ArrayOrScalar): NDArray {
  if (typeof a === "number" || typeof b === "number") return mul(a, b);
  if (a.ndim === 1 && b.ndim === 1 && a.shape[0] === b.shape[0]) return inner(a, b);
  const plan = dotPlan(a, b);
  if (plan === undefined) return mul(a, b);
  if (a.ndim === 1 && b.ndim >= 2) return matmul(a, plan.b2); // (k) . (..., k, n)
  return reshape(matmul(a.ndim > 2 && plan.perm ? reshape(a, [-1, a.shape[a.ndim - 1]]) : a, plan.b2), plan.shape);
}

/** The inner product of two vectors of one length, a 0-d array: the sum taken in order, as
 * the matrix product of a row and a column computes it, without building either. */
function inner(a: NDArray, b: NDArray): NDArray {
  const out = new NDArray(allocate(promote(a.dtype, b.dtype), 1), []);
  const x = a.data;
  const y = b.data;
  const n = a.shape[0];
  const as = a.strides[0];
  const bs = b.strides[0];
  let s = 0;
  for (let p = 0, i = a.offset, j = b.offset; p < n; p++, i += as, j += bs) s += x[i] * y[j];
  out.data[0] += s;
  return out;
}

/** The outer product of the flattened operands. */
export function outer(a: NDArray, b: NDArray): NDArray {
  return mul(reshape(a, [-1, 1]), reshape(b, [1, -1]));
}

type Ord = number | "fro" | null | undefined;
const add = (p: number, q: number) => p + q;
const addSquare = (acc: number, a: number) => acc + a * a;
const squarePartials = { lift: (a: number) => a * a, combine: add };
const addAbs = (acc: number, a: number) => acc + Math.abs(a);
const absPartials = { lift: (a: number) => Math.abs(a), combine: add };
/** `linalg.norm`: the 2-norm of the flattened array by default; vector norms of any
 * order `ord` (`Infinity`, `1`, `2`, `p`) along one axis; Frobenius and 1/inf norms
 * of matrices. */
export function norm(value: ArrayOrScalar, ord?: Ord, axis?: Axis, keepdims = false): NDArray {
  const x = operand("norm", value);
  const axes = normalizeAxes("norm", axis, x.ndim);
  const matrix = axes.length === 2 && ord !== undefined && ord !== null;
  if (ord === undefined || ord === null || ord === "fro" || (!matrix && ord === 2)) {
    if (ord === "fro" && axes.length !== 2) throw new Error("norm: ord 'fro' is for matrices (two axes)");
    const squares = reduce("norm", addSquare, 0, floatOf(x.dtype), x, axis ?? null, keepdims, squarePartials);
    return elementwise("norm", Math.sqrt, [squares], squares.dtype, squares);
  }
  if (matrix) {
    if (ord !== 1 && ord !== Infinity) throw new Error(`norm: matrix norm ord=${ord} is not supported; use 'fro', 1 or Infinity`);
    const [r, c] = rowsThenColumns(axis, axes, x.ndim);
    const inner = ord === 1 ? r : c;
    const s = sum(abs(x), inner, true);
    const out = max(s, ord === 1 ? c : r, true);
    return keepdims ? out : squeeze(out, axes);
  }
  if (axes.length !== 1) throw new Error(`norm: vector norms take one axis, got ${JSON.stringify(axis)}`);
  if (typeof ord !== "number") throw new Error(`norm: ord ${JSON.stringify(ord)} is not a vector norm`);
  if (ord === Infinity) return max(abs(x), axes, keepdims);
  if (ord === -Infinity) return min(abs(x), axes, keepdims);
  if (ord === 0) return sum(elementwise("norm", (v) => (v !== 0 ? 1 : 0), [x], floatOf(x.dtype)), axes, keepdims);
  if (ord === 1) return reduce("norm", addAbs, 0, floatOf(x.dtype), x, axes, keepdims, absPartials);
  return pow(sum(pow(abs(x), ord), axes, keepdims), 1 / ord);
}

/** A matrix norm's (row axis, column axis), in the order given (NumPy: `axis=(1, 0)`
 * is the norm of the transpose). */
function rowsThenColumns(axis: Axis, sorted: number[], ndim: number): number[] {
  return Array.isArray(axis) ? (axis as number[]).map((a) => normalizeAxis("norm", a, ndim)) : sorted;
}

export const linalg = { norm };

// ------------------------------------------------------------------ adjoints

function matmulVjp(g: NDArray, a: NDArray, b: NDArray, need?: readonly boolean[]): [NDArray | undefined, NDArray | undefined] {
  const a2 = a.ndim === 1 ? expandDims(a, 0) : a;
  const b2 = b.ndim === 1 ? expandDims(b, 1) : b;
  let g2 = g;
  if (a.ndim === 1) g2 = expandDims(g2, g2.ndim - (b.ndim === 1 ? 0 : 1));
  if (b.ndim === 1) g2 = expandDims(g2, g2.ndim);
  // New arrays (reshape gives a view of the product, which nothing else holds).
  const da = need?.[0] === false ? undefined : fresh(reshape(unbroadcast(matmul(g2, swap(b2)), a2.shape) as NDArray, a.shape));
  const db = need?.[1] === false ? undefined : fresh(reshape(unbroadcast(matmul(swap(a2), g2), b2.shape) as NDArray, b.shape));
  return [da, db];
}

const product = (g: number, x: number) => g * x;
const twiceProduct = (g: number, x: number) => 2 * g * x;
const safeRatio = (g: number, x: number, n: number) => (n === 0 ? 0 : (g * x) / n);
const pNormGrad = (g: number, x: number, n: number, p: number) =>
  n === 0 ? 0 : (g * Math.sign(x) * Math.pow(Math.abs(x), p - 1)) / Math.pow(n, p - 1);

export function normVjp(g: NDArray, x: NDArray, ord: Ord, axis: Axis, out: NDArray): NDArray {
  const axes = normalizeAxes("norm", axis, x.ndim);
  const ge = expandBack(g, x, axes);
  const oe = expandBack(out, x, axes);
  const type = floatOf(x.dtype);
  if (ord === undefined || ord === null || ord === "fro" || ord === 2) return elementwise("vjp", safeRatio, [ge, x, oe], type);
  if (axes.length === 2) {
    // max over one axis of the sums of |x| over the other, as the forward computes it
    const [r, c] = rowsThenColumns(axis, axes, x.ndim);
    const [inner, outerAxis] = ord === 1 ? [r, c] : [c, r];
    const s = sum(abs(x), inner, true);
    const ds = reduceRules.max.vjp(g, s, outerAxis, true, max(s, outerAxis, true))[0] as NDArray;
    return mul(broadcastTo(ds, x.shape), sign(x));
  }
  if (ord === 1) return mul(ge, sign(x));
  if (ord === Infinity || ord === -Infinity) {
    const rule = ord === Infinity ? reduceRules.max : reduceRules.min;
    return mul(rule.vjp(g, abs(x), axes, undefined, out)[0] as NDArray, sign(x));
  }
  if (ord === 0) return mul(ge, 0);
  return elementwise("vjp", (gg: number, xx: number, nn: number) => pNormGrad(gg, xx, nn, ord), [ge, x, oe], type);
}

/** The tangent of a bilinear product `f`: `f(da, b) + f(a, db)` (each a new array). */
const bilinear = (f: (a: any, b: any) => NDArray): Jvp => ([da, db], a, b) => { // eslint-disable-line @typescript-eslint/no-explicit-any
  const left = da === undefined ? undefined : f(da, b);
  const right = db === undefined ? undefined : f(a, db);
  return fresh(left === undefined ? right : right === undefined ? left : addInto(left, right));
};

export const rules: Record<string, AdjointRule> = {
  matmul: withJvp(rule(["a", "b"], [0, 1], (g, a, b, _out, need) => matmulVjp(g, a, b, need), [0, 1]), bilinear(matmul)),
  dot: withJvp(rule(["a", "b"], [0, 1], (g, a: ArrayOrScalar, b: ArrayOrScalar, out, need) => {
    // The inner product of vectors: g is 0-d, d/da = g b and d/db = g a (one pass each, not
    // a k = 1 matrix product); dot(x, x) gives 2 g x once, at the first position.
    if (typeof a !== "number" && typeof b !== "number" && a.ndim === 1 && b.ndim === 1 && a.shape[0] === b.shape[0]) {
      const [A, B] = [a, b];
      if (A === B && need?.[0] !== false && need?.[1] !== false) return [fresh(elementwise("vjp", twiceProduct, [g, A], promote(g.dtype, A.dtype))), undefined];
      return [
        need?.[0] === false ? undefined : fresh(elementwise("vjp", product, [g, B], promote(g.dtype, B.dtype))),
        need?.[1] === false ? undefined : fresh(elementwise("vjp", product, [g, A], promote(g.dtype, A.dtype))),
      ];
    }
    const plan = typeof a === "number" || typeof b === "number" ? undefined : dotPlan(a, b);
    if (plan === undefined) return elementwiseRules.mul.vjp(g, a, b, out, need);
    const [A, B] = [a as NDArray, b as NDArray];
    if (!plan.perm) return matmulVjp(g, A, plan.b2, need);
    const a2 = A.ndim > 2 ? reshape(A, [-1, A.shape[A.ndim - 1]]) : A;
    const [da, db2] = matmulVjp(reshape(g, [a2.shape[0], -1]), a2, plan.b2, need);
    const permuted = plan.perm.map((p) => B.shape[p]);
    const db = db2 && transpose(reshape(db2, permuted), plan.perm.map((_, i) => plan.perm!.indexOf(i)));
    return [da && fresh(reshape(da, A.shape)), fresh(db)];
  }), bilinear(dot)),
  outer: withJvp(rule(["a", "b"], [0, 1], (g, a: NDArray, b: NDArray) => [
    fresh(reshape(matmul(g, reshape(b, [-1])), a.shape)),
    fresh(reshape(matmul(swap(g), reshape(a, [-1])), b.shape)),
  ]), bilinear(outer)),
};
Object.assign(rules, scalarOperands({
  // Each output element is a norm of its own lane: the lane's sum of the adjoint's weights times dx.
  norm: withJvp(rule(["x", "ord", "axis", "keepdims"], [0], (g, x, ord, axis, _k, out) => [fresh(normVjp(g, x, ord, axis, out)), undefined, undefined, undefined]),
    ([dx], x, ord, axis, keepdims = false, out) => laneTangent(normVjp(onesOf(out), x, ord, axis, out), dx as NDArray | undefined, axis, keepdims)),
}));
