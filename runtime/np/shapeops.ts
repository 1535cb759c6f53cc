// Shape operations. Reshape (of a contiguous array), transpose, expandDims, squeeze,
// broadcastTo and basic indexing are views; concat, stack and flatten copy.
import { allocate } from "./dtype.js";
import { copy } from "./elementwise.js";
import { NDArray, type ArrayOrScalar, type Axis, type Index } from "./ndarray.js";
import {
  broadcastShapes, checkShape, formatShape, normalizeAxes, normalizeAxis, sameShape, sizeOf, type Shape,
} from "./shape.js";
import { fresh, into, rule, tangentType, unbroadcast, withJvp, type AdjointRule, type ArrayMeta, type Jvp, type Tangent } from "./vjp.js";

/** `reshape(x, [2, -1])`: one `-1` is inferred. A view when `x` is contiguous. */
export function reshape(x: NDArray, shape: number | Shape): NDArray {
  const list = typeof shape === "number" ? [shape] : shape.slice();
  const unknown = list.indexOf(-1);
  const known = list.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
  if (unknown >= 0 && list.indexOf(-1, unknown + 1) < 0 && known > 0 && x.size % known === 0) list[unknown] = x.size / known;
  checkShape("reshape", list);
  if (sizeOf(list) !== x.size) {
    throw new Error(`reshape: cannot reshape array of size ${x.size} into shape ${formatShape(shape as Shape)}`);
  }
  const source = x.isContiguous ? x : copy(x);
  return new NDArray(source.data, list, undefined, source.offset);
}

export function transpose(x: NDArray, axes?: readonly number[]): NDArray {
  const perm = axes === undefined ? x.shape.map((_, i) => x.ndim - 1 - i) : axes.map((a) => normalizeAxis("transpose", a, x.ndim));
  if (perm.length !== x.ndim || new Set(perm).size !== perm.length) {
    throw new Error(`transpose: axes ${JSON.stringify(axes)} are not a permutation of the ${x.ndim} axes of ${formatShape(x.shape)}`);
  }
  return new NDArray(x.data, perm.map((p) => x.shape[p]), perm.map((p) => x.strides[p]), x.offset);
}

/** Inserts length-1 axes at the given positions of the result. */
export function expandDims(x: NDArray, axis: number | readonly number[]): NDArray {
  const list = typeof axis === "number" ? [axis] : axis;
  const nd = x.ndim + list.length;
  const at = normalizeAxes("expandDims", list, nd);
  const shape: number[] = [];
  const strides: number[] = [];
  let src = 0;
  for (let d = 0; d < nd; d++) {
    if (at.includes(d)) {
      shape.push(1);
      strides.push(0);
    } else {
      shape.push(x.shape[src]);
      strides.push(x.strides[src++]);
    }
  }
  return new NDArray(x.data, shape, strides, x.offset);
}

/** Removes length-1 axes (all of them, or the given ones, which must have length 1). */
export function squeeze(x: NDArray, axis?: Axis): NDArray {
  const drop = axis === undefined || axis === null ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes("squeeze", axis, x.ndim);
  for (const a of drop) {
    if (x.shape[a] !== 1) throw new Error(`squeeze: cannot select axis ${a} of shape ${formatShape(x.shape)}: its length is not 1`);
  }
  const keep = x.shape.map((_, i) => i).filter((i) => !drop.includes(i));
  return new NDArray(x.data, keep.map((i) => x.shape[i]), keep.map((i) => x.strides[i]), x.offset);
}

/** A 1-D copy. */
export const flatten = (x: NDArray): NDArray => reshape(copy(x), [x.size]);
/** 1-D, a view when possible. */
export const ravel = (x: NDArray): NDArray => reshape(x, [x.size]);

/** A read-only-by-convention view of `x` repeated to `shape` (stride 0). */
export function broadcastTo(x: NDArray, shape: Shape): NDArray {
  const target = checkShape("broadcastTo", shape);
  if (!sameShape(broadcastShapes("broadcastTo", x.shape, target), target)) {
    throw new Error(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(target)}`);
  }
  const lead = target.length - x.ndim;
  const strides = target.map((d, i) => (i < lead || x.shape[i - lead] === 1 ? 0 : x.strides[i - lead]));
  return new NDArray(x.data, target, strides, x.offset);
}

/** Joins arrays along an existing axis (NumPy's `concatenate`). */
export function concat(arrays: readonly NDArray[], axis = 0): NDArray {
  if (arrays.length === 0) throw new Error("concat: need at least one array");
  const first = arrays[0];
  const ax = normalizeAxis("concat", axis, first.ndim);
  for (const a of arrays) {
    if (a.ndim !== first.ndim || a.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${arrays.map((b) => formatShape(b.shape)).join(" ")} differ outside axis ${ax}`);
    }
  }
  const shape = first.shape.slice();
  shape[ax] = arrays.reduce((s, a) => s + a.shape[ax], 0);
  const out = new NDArray(allocate(arrays.reduce((d, a) => (a.dtype === d ? d : "float64"), first.dtype), sizeOf(shape)), shape);
  let at = 0;
  for (const a of arrays) {
    copy(a, sliceAxis(out, ax, at, at + a.shape[ax]));
    at += a.shape[ax];
  }
  return out;
}
export const concatenate = concat;

/** Joins arrays of one shape along a new axis. */
export function stack(arrays: readonly NDArray[], axis = 0): NDArray {
  if (arrays.length === 0) throw new Error("stack: need at least one array");
  const nd = arrays[0].ndim + 1;
  if (arrays.some((a) => !sameShape(a.shape, arrays[0].shape))) {
    throw new Error(`stack: all arrays must have one shape, got ${arrays.map((b) => formatShape(b.shape)).join(" ")}`);
  }
  return concat(arrays.map((a) => expandDims(a, normalizeAxis("stack", axis, nd))), axis);
}

/** The view `x[..., start:stop, ...]` on one axis. */
function sliceAxis(x: NDArray, axis: number, start: number, stop: number): NDArray {
  const shape = x.shape.slice();
  shape[axis] = stop - start;
  return new NDArray(x.data, shape, x.strides, x.offset + start * x.strides[axis]);
}

// ------------------------------------------------------------------ indexing

/** A basic slice `start:stop:step`; `undefined`/`null` parts take NumPy's defaults. */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {}

  /** [start, step, length] over an axis of length `n`. */
  resolve(n: number): [number, number, number] {
    const step = this.step ?? 1;
    if (step === 0 || !Number.isInteger(step)) throw new Error(`slice: step must be a non-zero integer, got ${step}`);
    const norm = (v: number | null, dflt: number, lo: number, hi: number) => {
      if (v === null) return dflt;
      const w = v < 0 ? v + n : v;
      return Math.min(Math.max(w, lo), hi);
    };
    const start = step > 0 ? norm(this.start, 0, 0, n) : norm(this.start, n - 1, -1, n - 1);
    const stop = step > 0 ? norm(this.stop, n, 0, n) : norm(this.stop, -1, -1, n - 1);
    return [start, step, Math.max(0, Math.ceil((stop - start) / step))];
  }
}

/** `slice(1, 3)` is `1:3`; `slice(null, null, -1)` is `::-1`. */
export const slice = (start?: number | null, stop?: number | null, step?: number | null): Slice =>
  new Slice(start ?? null, stop ?? null, step ?? null);

function parseIndex(i: Index): Index {
  if (typeof i !== "string" || i === "...") return i;
  const parts = i.split(":").map((p) => p.trim());
  const ok = parts.length >= 2 && parts.length <= 3 && parts.every((p) => p === "" || /^-?\d+$/.test(p));
  if (!ok) throw new Error(`getItem: cannot read index ${JSON.stringify(i)}; use an integer, "start:stop:step", null or "..."`);
  const [a, b, c] = parts.map((p) => (p === "" ? null : Number(p)));
  return new Slice(a, b, c ?? null);
}

/** Basic indexing (`x[0, 1:3, None, ...]` is `getItem(x, [0, "1:3", null, "..."])`): a view. */
export function getItem(x: NDArray, index: Index | readonly Index[]): NDArray {
  const list = (Array.isArray(index) ? index : [index]).map(parseIndex);
  const ellipsis = list.indexOf("...");
  const used = list.filter((i) => i !== null && i !== "...").length;
  if (used > x.ndim) throw new Error(`getItem: too many indices (${used}) for an array of dimension ${x.ndim}`);
  const full = ellipsis >= 0
    ? [...list.slice(0, ellipsis), ...Array<Index>(x.ndim - used).fill(new Slice()), ...list.slice(ellipsis + 1)]
    : [...list, ...Array<Index>(x.ndim - used).fill(new Slice())];
  let offset = x.offset;
  const shape: number[] = [];
  const strides: number[] = [];
  let d = 0;
  for (const i of full) {
    if (i === null) {
      shape.push(1);
      strides.push(0);
    } else if (typeof i === "number") {
      const n = x.shape[d];
      if (!Number.isInteger(i) || i < -n || i >= n) throw new Error(`getItem: index ${i} is out of bounds for axis ${d} with size ${n}`);
      offset += (i < 0 ? i + n : i) * x.strides[d++];
    } else if (i instanceof Slice) {
      const [start, step, len] = i.resolve(x.shape[d]);
      if (len > 0) offset += start * x.strides[d];
      shape.push(len);
      strides.push(x.strides[d++] * step);
    } else throw new Error(`getItem: an index may hold one "..." only`);
  }
  return new NDArray(x.data, shape, strides, offset);
}

const assignF = (_old: number, value: number) => value;
/** `x[index] = value` in place (the name says so); `value` broadcasts to the selection. */
export function setItem(x: NDArray, index: Index | readonly Index[], value: ArrayOrScalar): NDArray {
  const view = getItem(x, index);
  if (typeof value !== "number" && !sameShape(broadcastShapes("setItem", view.shape, value.shape), view.shape)) {
    throw new Error(`setItem: cannot assign shape ${formatShape(value.shape)} to a selection of shape ${formatShape(view.shape)}`);
  }
  into("setItem", assignF, view, value, true);
  return x;
}

// ------------------------------------------------------------------ adjoints
const addF = (acc: number, v: number) => acc + v;
const back = (g: NDArray, x: ArrayMeta) => reshape(g, x.shape);
/** The rules here read their array operand only for its shape (see vjp.ts). */
const SHAPE_X = [0] as const;

// ------------------------------------------------------------------ tangents
/** The tangent of `out`, a view or a copy of `x`: `f(dx)`, a view of `dx` where `out` shares
 * `x`'s storage (so writing through the view writes both), else a new array. */
function alongside(dx: Tangent, x: NDArray, out: NDArray, f: (t: NDArray) => NDArray): NDArray | undefined {
  if (dx === undefined) return undefined;
  const t = f(dx as NDArray);
  if (out.data === x.data) return t;
  return fresh(t.data === (dx as NDArray).data ? copy(t) : t);
}
/** The tangent of a view: the same view of the tangent. */
const view = (f: (t: NDArray, ...rest: any[]) => NDArray): Jvp => // eslint-disable-line @typescript-eslint/no-explicit-any
  ([dx], x, ...restThenOut) => alongside(dx, x, restThenOut[restThenOut.length - 1], (t) => f(t, ...restThenOut.slice(0, -1)));
/** The tangent of joining `arrays`: the tangents joined the same way (zeros for those without). */
const joined = (join: typeof concat): Jvp => ([ds], arrays: NDArray[], axis, out: NDArray) => {
  const list = ds as readonly Tangent[] | undefined;
  if (list === undefined || list.every((t) => t === undefined)) return undefined;
  const type = tangentType(out.dtype);
  return fresh(join(arrays.map((a, i) => (list[i] as NDArray | undefined) ?? new NDArray(allocate(type, a.size), a.shape)), axis));
};

export const rules: Record<string, AdjointRule> = {
  reshape: withJvp(rule(["x", "shape"], [0], (g, x) => [back(g, x), undefined], [0, 1], SHAPE_X), view(reshape)),
  flatten: withJvp(rule(["x"], [0], (g, x) => [back(g, x)], [0], SHAPE_X), view(flatten)),
  ravel: withJvp(rule(["x"], [0], (g, x) => [back(g, x)], [0], SHAPE_X), view(ravel)),
  squeeze: withJvp(rule(["x", "axis"], [0], (g, x) => [back(g, x), undefined], [0, 1], SHAPE_X), view(squeeze)),
  expandDims: withJvp(rule(["x", "axis"], [0], (g, x) => [back(g, x), undefined], [0, 1], SHAPE_X), view(expandDims)),
  transpose: withJvp(rule(["x", "axes"], [0], (g, x: ArrayMeta, axes?: number[]) => {
    const perm = axes === undefined ? x.shape.map((_, i) => x.ndim - 1 - i) : axes.map((a) => normalizeAxis("transpose", a, x.ndim));
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(g, inverse), undefined];
  }, [0, 1], SHAPE_X), view(transpose)),
  broadcastTo: withJvp(rule(["x", "shape"], [0], (g, x) => [unbroadcast(g, x), undefined], [0, 1], SHAPE_X), view(broadcastTo)),
  concat: withJvp(rule(["arrays", "axis"], [0], (g, arrays: ArrayMeta[], axis = 0) => {
    const ax = normalizeAxis("concat", axis, g.ndim);
    let at = 0;
    return [arrays.map((a) => sliceAxis(g, ax, at, (at += a.shape[ax]))), undefined];
  }, [0, 1], SHAPE_X), joined(concat)),
  stack: withJvp(rule(["arrays", "axis"], [0], (g, arrays: ArrayMeta[], axis = 0) => {
    const ax = normalizeAxis("stack", axis, g.ndim);
    return [arrays.map((_, i) => squeeze(sliceAxis(g, ax, i, i + 1), ax)), undefined];
  }, [0, 1], SHAPE_X), joined(stack)),
  getItem: withJvp(rule(["x", "index"], [0], (g, x: ArrayMeta, index) => {
    const dx = new NDArray(allocate(g.dtype, x.size), x.shape);
    into("getItem", addF, getItem(dx, index), g);
    return [fresh(dx), undefined];
  }, [0, 1], SHAPE_X), view(getItem)),
};
