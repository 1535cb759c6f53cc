// Reductions over axes (a number, a list, or all), with keepdims; and their adjoints.
import { backend, type ArgOp, type ReduceOp } from "./backend/index.js";
import { allocate, dtypeOf, floatOf, type DType, type TypedArray } from "./dtype.js";
import { copy, div, elementwise, equal, mul } from "./elementwise.js";
import { freshCopy, intoKey, iterate, kernelFor, type Operand, type Partials } from "./kernels.js";
import { NDArray, operand, type ArrayOrScalar, type Axis } from "./ndarray.js";
import { formatShape, normalizeAxes, normalizeAxis, reducedShape, sizeOf } from "./shape.js";
import { broadcastTo, reshape, transpose } from "./shapeops.js";
import { fresh, rule, scalarOperands, withJvp, type AdjointRule, type ArrayMeta, type Jvp } from "./vjp.js";

const addF = (acc: number, a: number) => acc + a;
const mulF = (acc: number, a: number) => acc * a;
// Math.max/min propagate NaN as NumPy does, and V8 compiles them to one instruction.
const maxF = (acc: number, a: number) => Math.max(acc, a);
const minF = (acc: number, a: number) => Math.min(acc, a);
const allF = (acc: number, a: number) => (acc !== 0 && a !== 0 ? 1 : 0);
const anyF = (acc: number, a: number) => (acc !== 0 || a !== 0 ? 1 : 0);

/** Folds `f` (with `partials`, see kernels.ts) over the `axis` of `x` into a new array initialised to `init`. */
export function reduce(op: string, f: (acc: number, a: number) => number, init: number, dtype: DType, value: ArrayOrScalar, axis: Axis, keepdims: boolean, partials?: Partials): NDArray {
  const x = operand(op, value);
  const kernel = kernelFor("into", f, intoKey(dtype, x.dtype), partials);
  if ((axis === undefined || axis === null) && x.isContiguous) {
    // Everything into one element: one kernel call.
    const out = new NDArray(allocate(dtype, 1), keepdims ? x.shape.map(() => 1) : []);
    if (init !== 0) out.data[0] = init;
    if (!onBackend(op, dtype, [x.size], out, { data: x.data, offset: x.offset, strides: [1] }, [0])) kernel(x.size, out.data, 0, 0, x.data, x.offset, 1);
    return out;
  }
  const axes = normalizeAxes(op, axis, x.ndim);
  const shape = reducedShape(x.shape, axes, keepdims);
  const out = new NDArray(allocate(dtype, sizeOf(shape)), shape);
  if (init !== 0) out.data.fill(init);
  // The output's strides over x's shape: 0 along reduced axes.
  const outStrides: number[] = [];
  let s = out.size;
  x.shape.forEach((d, i) => {
    if (axes.includes(i)) return void outStrides.push(0);
    s /= d;
    outStrides.push(d === 1 ? 0 : s);
  });
  if (!onBackend(op, dtype, x.shape, out, x, outStrides)) iterate(kernel, x.shape, [{ data: out.data, offset: 0, strides: outStrides }, x]);
  return out;
}

const onBackendOps: Record<string, ReduceOp> = { sum: "sum", mean: "sum", max: "max", min: "min" };
/** The reduction by the active backend (see backend/index.ts) where it has one for `x`: false otherwise. */
function onBackend(op: string, dtype: DType, shape: readonly number[], out: NDArray, x: Operand, outStrides: readonly number[]): boolean {
  const kind = onBackendOps[op];
  const b = backend();
  if (kind === undefined || dtype !== dtypeOf(x.data) || (dtype !== "float64" && dtype !== "float32") || sizeOf(shape) < b.minSize) return false;
  return b.reduce(kind, shape, { data: out.data, offset: 0, strides: outStrides }, x);
}

function noIdentity(op: string, x: NDArray, axis: Axis): void {
  const axes = normalizeAxes(op, axis, x.ndim);
  if (axes.some((a) => x.shape[a] === 0)) {
    throw new Error(`${op}: zero-size array ${formatShape(x.shape)} to reduction operation ${op}, which has no identity`);
  }
}

const accType = (x: ArrayOrScalar): DType => (typeof x === "number" ? "float64" : x.dtype === "bool" ? "int32" : x.dtype);
const typeOf = (x: ArrayOrScalar): DType => (typeof x === "number" ? "float64" : x.dtype);

export const sum = (x: ArrayOrScalar, axis?: Axis, keepdims = false): NDArray =>
  reduce("sum", addF, 0, accType(x), x, axis, keepdims);
export const prod = (x: ArrayOrScalar, axis?: Axis, keepdims = false): NDArray =>
  reduce("prod", mulF, 1, accType(x), x, axis, keepdims);
export function mean(x: ArrayOrScalar, axis?: Axis, keepdims = false): NDArray {
  const out = reduce("mean", addF, 0, floatOf(typeOf(x)), x, axis, keepdims);
  return div(out, (typeof x === "number" ? 1 : x.size) / Math.max(out.size, 1) || 0, out);
}
export function max(x: ArrayOrScalar, axis?: Axis, keepdims = false): NDArray {
  noIdentity("max", operand("max", x), axis);
  return reduce("max", maxF, -Infinity, typeOf(x), x, axis, keepdims);
}
export function min(x: ArrayOrScalar, axis?: Axis, keepdims = false): NDArray {
  noIdentity("min", operand("min", x), axis);
  return reduce("min", minF, Infinity, typeOf(x), x, axis, keepdims);
}
export const all = (x: ArrayOrScalar, axis?: Axis, keepdims = false): NDArray => reduce("all", allF, 1, "bool", x, axis, keepdims);
export const any = (x: ArrayOrScalar, axis?: Axis, keepdims = false): NDArray => reduce("any", anyF, 0, "bool", x, axis, keepdims);

/** `x` with `axis` moved last, as a contiguous (rows, length) array. */
function lanes(x: NDArray, axis: number): NDArray {
  const perm = x.shape.map((_, i) => i).filter((i) => i !== axis);
  return reshape(copy(transpose(x, [...perm, axis])), [-1, x.shape[axis]]);
}

/** The index of the first best of `n` contiguous elements; a NaN is best of all. Four
 * running bests (elements j, j+1, j+2, j+3), so the comparisons do not wait on each other. */
function scanTemplate(better: (v: number, best: number) => boolean) {
  return function scan(data: any, start: number, n: number): number { // eslint-disable-line @typescript-eslint/no-explicit-any
    let best = data[start];
    if (best !== best) return 0;
    let at = 0;
    let j = 1;
    if (n >= 16) {
      for (let k = 1; k < 4; k++) if (data[start + k] !== data[start + k]) return k;
      let b1 = data[start + 1], b2 = data[start + 2], b3 = data[start + 3];
      let i1 = 1, i2 = 2, i3 = 3;
      const end = n - 3;
      for (j = 4; j < end; j += 4) {
        // In index order, so the first NaN met is the first NaN.
        const v0 = data[start + j], v1 = data[start + j + 1], v2 = data[start + j + 2], v3 = data[start + j + 3];
        if (better(v0, best)) {
          if (v0 !== v0) return j;
          best = v0;
          at = j;
        }
        if (better(v1, b1)) {
          if (v1 !== v1) return j + 1;
          b1 = v1;
          i1 = j + 1;
        }
        if (better(v2, b2)) {
          if (v2 !== v2) return j + 2;
          b2 = v2;
          i2 = j + 2;
        }
        if (better(v3, b3)) {
          if (v3 !== v3) return j + 3;
          b3 = v3;
          i3 = j + 3;
        }
      }
      // The best of the four; of equal ones, the first.
      if (better(b1, best) || (!better(best, b1) && i1 < at)) [best, at] = [b1, i1];
      if (better(b2, best) || (!better(best, b2) && i2 < at)) [best, at] = [b2, i2];
      if (better(b3, best) || (!better(best, b3) && i3 < at)) [best, at] = [b3, i3];
    }
    for (; j < n; j++) {
      const v = data[start + j];
      if (better(v, best)) {
        if (v !== v) return j;
        best = v;
        at = j;
      }
    }
    return at;
  };
}
type Scan = ReturnType<typeof scanTemplate>;
const scans = new Map<string, Scan>();
// One comparison each: true when `v` is better or NaN.
const above = (v: number, best: number) => !(v <= best);
const below = (v: number, best: number) => !(v >= best);

/** One scan per comparison and storage type, each its own compiled copy. */
function scanFor(op: string, better: typeof above, data: TypedArray): Scan {
  const key = op + data.constructor.name;
  let scan = scans.get(key);
  if (scan === undefined) scans.set(key, (scan = freshCopy(scanTemplate)(better)));
  return scan;
}

function argReduce(op: string, better: typeof above, value: ArrayOrScalar, axis: number | null | undefined, keepdims: boolean): NDArray {
  const x = operand(op, value);
  const flat = axis === undefined || axis === null;
  const ax = flat ? 0 : normalizeAxis(op, axis, x.ndim);
  if ((flat && x.size === 0) || (!flat && x.shape[ax] === 0)) throw new Error(`${op}: attempt to get ${op} of an empty sequence`);
  const rows = flat ? reshape(x, [1, x.size]) : lanes(x, ax);
  const [m, n] = rows.shape;
  const out = new NDArray(allocate("int32", m), flat ? [] : reducedShape(x.shape, [ax], false));
  const b = backend();
  if (m * n < b.minSize || !b.argReduce(op as ArgOp, m, n, out.data as Int32Array, rows.data, rows.offset)) {
    const scan = scanFor(op, better, rows.data);
    for (let r = 0; r < m; r++) out.data[r] = scan(rows.data, rows.offset + r * n, n);
  }
  if (!keepdims) return out;
  return reshape(out, flat ? x.shape.map(() => 1) : reducedShape(x.shape, [ax], true));
}

/** Index of the first largest element (NaN counts as largest), flat or along `axis`. */
export const argmax = (x: ArrayOrScalar, axis?: number | null, keepdims = false): NDArray => argReduce("argmax", above, x, axis, keepdims);
export const argmin = (x: ArrayOrScalar, axis?: number | null, keepdims = false): NDArray => argReduce("argmin", below, x, axis, keepdims);

// ------------------------------------------------------------------ adjoints

/** A reduced array broadcast back over `x`'s shape (a view, no copy). */
export function expandBack(r: NDArray, x: ArrayMeta, axis: Axis): NDArray {
  if ((axis === undefined || axis === null) && r.size === 1) return broadcastTo(r, x.shape); // one value over all of x
  const axes = normalizeAxes("vjp", axis, x.ndim);
  return broadcastTo(reshape(r, reducedShape(x.shape, axes, true)), x.shape);
}

const shareIfMax = (share: number, x: number, m: number) => (x === m ? share : 0);
const isZero = (a: number) => (a === 0 ? 1 : 0);

/** d prod / d x_i: the product of the others; exact when x has zeros. */
function prodGrad(g: NDArray, x: NDArray, axis: Axis, out: NDArray): NDArray {
  const zeros = sum(elementwise("prod", isZero, [x], "bool"));
  if (zeros.item() === 0) return div(mul(expandBack(g, x, axis), expandBack(out, x, axis)), x);
  // With zeros, products of everything but i per lane, by prefix and suffix products.
  const axes = normalizeAxes("prod", axis, x.ndim);
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...rest, ...axes];
  const k = axes.reduce((p, a) => p * x.shape[a], 1);
  const rows = reshape(copy(transpose(x, perm)), [-1, k]);
  const gr = reshape(copy(transpose(expandBack(g, x, axis), perm)), [-1, k]);
  const others = new Float64Array(rows.size);
  for (let r = 0; r < rows.shape[0]; r++) {
    let p = 1;
    for (let j = 0; j < k; j++) [others[r * k + j], p] = [p, p * rows.data[r * k + j]];
    p = 1;
    for (let j = k - 1; j >= 0; j--) [others[r * k + j], p] = [others[r * k + j] * p * gr.data[r * k + j], p * rows.data[r * k + j]];
  }
  const permuted = new NDArray(others, perm.map((p) => x.shape[p]));
  return copy(transpose(permuted, perm.map((_, i) => perm.indexOf(i))));
}

/** Ties share the adjoint equally (as JAX does). */
function extremumGrad(g: NDArray, x: NDArray, axis: Axis, out: NDArray): NDArray {
  const m = expandBack(out, x, axis);
  const ties = sum(equal(x, m), axis, true);
  const share = div(reshape(g, ties.shape), ties);
  return elementwise("vjp", shareIfMax, [broadcastTo(share, x.shape), x, m], floatOf(x.dtype));
}

// ------------------------------------------------------------------ tangents

/** Ones of `out`'s shape: the adjoint that gives each element of `x` its weight in its lane's output. */
export const onesOf = (out: NDArray): NDArray => new NDArray(allocate(floatOf(out.dtype), out.size).fill(1), out.shape);

/** The tangent of a reduction over lanes whose adjoint is `weights(dout)`: each output
 * element depends on its lane alone, so it is the lane's sum of `weights(1) * dx`. The
 * same weights as the adjoint: `max`/`min` give tied elements equal shares. */
export function laneTangent(weights: NDArray, dx: NDArray | undefined, axis: Axis, keepdims: boolean): NDArray | undefined {
  return dx === undefined ? undefined : fresh(sum(mul(weights, dx), axis, keepdims));
}
const linear = (f: (x: NDArray, axis: Axis, keepdims: boolean) => NDArray): Jvp =>
  ([dx], _x, axis, keepdims = false) => (dx === undefined ? undefined : fresh(f(dx as NDArray, axis, keepdims)));
const viaWeights = (weights: (g: NDArray, x: NDArray, axis: Axis, out: NDArray) => NDArray): Jvp =>
  ([dx], x, axis, keepdims = false, out) => dx === undefined ? undefined : laneTangent(weights(onesOf(out), x, axis, out), dx as NDArray, axis, keepdims);

export const rules: Record<string, AdjointRule> = scalarOperands({
  sum: withJvp(rule(["x", "axis", "keepdims"], [0], (g, x, axis) => [expandBack(g, x, axis), undefined, undefined], [0, 1, 2], [0]), linear(sum)),
  // dout has the output's shape: its size is the output's.
  mean: withJvp(rule(["x", "axis", "keepdims"], [0], (g, x: ArrayMeta, axis) => [
    expandBack(div(g, x.size / Math.max(g.size, 1)), x, axis), undefined, undefined,
  ], [0, 1, 2], [0]), linear(mean)),
  prod: withJvp(rule(["x", "axis", "keepdims"], [0], (g, x, axis, _k, out) => [fresh(prodGrad(g, x, axis, out)), undefined, undefined]), viaWeights(prodGrad)),
  max: withJvp(rule(["x", "axis", "keepdims"], [0], (g, x, axis, _k, out) => [fresh(extremumGrad(g, x, axis, out)), undefined, undefined]), viaWeights(extremumGrad)),
  min: withJvp(rule(["x", "axis", "keepdims"], [0], (g, x, axis, _k, out) => [fresh(extremumGrad(g, x, axis, out)), undefined, undefined]), viaWeights(extremumGrad)),
});
