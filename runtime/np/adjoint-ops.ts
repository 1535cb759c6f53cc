// Each rule's vjp written as np operations, for code differentiated a third time and beyond.
// A generated NDArray gradient calls `secondOrder.adjoints.R.vjp(…)`, whose tangent is a
// hand-written second-order rule (second-order.ts) with no derivative of its own. Written as
// operations that have rules themselves (`vjpOps`), the gradient is plain NDArray code: every
// mode differentiates it again through the same table, to any order. Three operations make
// what the vjps do besides arithmetic: `matchShape` (an adjoint summed or broadcast to its
// operand's shape), `addAdjoints` (accumulate: `undefined` is zero) and `orZeros`; the others
// here are the vjps of reductions along axes and of shape operations, each the adjoint of the
// other (`sumBack` of `sum`, `sum` of `sumBack`), and the masks of piecewise rules. The table
// of each rule's vjp as operations is vjp-ops.ts; matmul's, dot's and outer's adjoints are
// adjoint-ops-linalg.ts.
import { full, zerosLike } from "./create.js";
import { add, astype, copy, elementwise } from "./elementwise.js";
import { NDArray, type ArrayOrScalar, type Axis, type Index } from "./ndarray.js";
import { mean, rules as reduceRules, sum } from "./reduce.js";
import { normalizeAxis, sameShape } from "./shape.js";
import { broadcastTo, getItem, reshape, rules as shapeRules, transpose } from "./shapeops.js";
import { disown, fresh, rule, sumToNumber, tangentType, unbroadcast, withJvp, type ArrayMeta, type DualRule, type Jvp } from "./vjp.js";

type Value = NDArray | number | undefined;
type Like = NDArray | ArrayMeta | number | undefined;

/** `x` made the shape of `like`: summed down where `like` broadcasts to it, broadcast up where
 * it broadcasts to `like`, summed to a number for a number. Its adjoint is `matchShape(g, x)`. */
export function matchShape(x: Value, like: Like): Value {
  if (x === undefined || like === undefined) return undefined;
  if (typeof like === "number") return sumToNumber(x);
  if (typeof x === "number") return full(like.shape, x, tangentType(like.dtype));
  if (sameShape(x.shape, like.shape)) return x;
  return x.size >= like.size ? unbroadcast(x, like) : copy(broadcastTo(x, like.shape));
}

/** `a + b` as generated code accumulates adjoints: `undefined` is zero, into a number as a number. */
export function addAdjoints(a: Value, b: Value): Value {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (typeof a === "number") return a + sumToNumber(b);
  return add(a, b);
}

/** `x`, or zeros of `like`'s shape where no adjoint reached it. */
export function orZeros(x: Value, like: NDArray | number): Value {
  if (x !== undefined) return x;
  return typeof like === "number" ? 0 : zerosLike(like);
}

/** A new output's tangent: a new array of its own (never a tangent it was given), marked fresh (see vjp.ts). */
const own = (t: Value, given: readonly unknown[]): NDArray | number | undefined =>
  t instanceof NDArray ? fresh(given.some((g) => g instanceof NDArray && g.data === t.data) ? copy(t) : t) : t;

/** The rules of these operations: each linear in its first operands, the others read for their shapes.
 * Where the output is an operand itself, its tangent is that operand's. */
export const rules: Record<string, DualRule> = {
  matchShape: withJvp(rule(["x", "like"], [0], (g, x) => [matchShape(g, x) as NDArray, undefined], [0, 1], [0, 1]), ([dx], x, like, out) =>
    out === x ? (dx as NDArray | undefined) : own(matchShape(dx as Value, like as Like), [dx])),
  // Each contribution has its operand's shape, so the sum has a's (where a is one): a is not read.
  // g goes to both operands where they have its shape: no longer owned (vjp.ts), or accumulating one would write the other.
  addAdjoints: withJvp(rule(["a", "b"], [0, 1], (g, _a, b) => [disown(g), matchShape(g, b) as NDArray], [1], [1]), ([da, db], a, b, out) =>
    out === a ? (da as NDArray | undefined) : out === b ? (db as NDArray | undefined) : own(matchShape(addAdjoints(da as Value, db as Value), out as NDArray), [da, db])),
  orZeros: withJvp(rule(["x", "like"], [0], (g) => [g, undefined], [1], [1]), ([dx], x, _like, out) => (out === x ? (dx as NDArray | undefined) : own(orZeros(dx as Value, out as NDArray), [dx]))),
};


// ---- reductions along axes and shape operations: each vjp an operation whose vjp is the first
/** `g`, a reduction's adjoint, spread back over x's shape along `axis` (a view): sum's vjp. Its adjoint is `sum(h, axis, keepdims)`. */
export const sumBack = (g: NDArray | number, x: NDArray | ArrayMeta | number, axis?: Axis, _keepdims?: boolean): NDArray | number =>
  reduceRules.sum.vjp(asArray(g), x, axis, undefined)[0] as NDArray | number;
/** mean's vjp: `g` over the count of each lane, spread back. Its adjoint is `mean(h, axis, keepdims)`. */
export const meanBack = (g: NDArray | number, x: NDArray | ArrayMeta | number, axis?: Axis, _keepdims?: boolean): NDArray | number =>
  reduceRules.mean.vjp(asArray(g), x, axis, undefined)[0] as NDArray | number;
/** `g` in `like`'s shape: the vjp of reshape, flatten, ravel, squeeze and expandDims, and its own adjoint's. */
export const reshapeLike = (g: NDArray, like: NDArray | ArrayMeta): NDArray => reshape(g, like.shape);
/** `g` transposed back: transpose's vjp; its adjoint is `transpose(h, axes)`. */
export const transposeBack = (g: NDArray, axes?: readonly number[]): NDArray => shapeRules.transpose.vjp(g, g, axes)[0] as NDArray;
/** `g` written into zeros of x's shape at `index`: getItem's vjp; its adjoint is `getItem(h, index)`. */
export const getItemBack = (g: NDArray, x: NDArray | ArrayMeta, index: Index | readonly Index[]): NDArray => shapeRules.getItem.vjp(g, x, index)[0] as NDArray;

/** `g` in like's dtype: astype's vjp, and its own adjoint's (the other way round). */
export const astypeLike = (g: NDArray, like: NDArray | ArrayMeta): NDArray => (g.dtype === like.dtype ? g : astype(g, like.dtype));

/** A number adjoint of an array reduction's output as a 0-d array. */
const asArray = (g: NDArray | number): NDArray => (typeof g === "number" ? full([], g) : g);

/** The tangent of an operation whose output may be a view of its first operand: the same view of its tangent, else a new array. */
const viewOrOwn = (f: (t: NDArray, ...rest: any[]) => NDArray | number): Jvp => // eslint-disable-line @typescript-eslint/no-explicit-any
  ([dg], g, ...restThenOut) => {
    if (dg === undefined) return undefined;
    const out = restThenOut[restThenOut.length - 1];
    const t = f(dg as NDArray, ...restThenOut.slice(0, -1));
    return out instanceof NDArray && g instanceof NDArray && out.data === g.data ? t : own(t, [dg]);
  };

Object.assign(rules, {
  sumBack: withJvp(rule(["g", "x", "axis", "keepdims"], [0], (h, g, _x, axis, keepdims) => [fresh(matchShape(sum(h, axis, keepdims), g) as NDArray), undefined, undefined, undefined], [0, 2, 3], [0]), viewOrOwn(sumBack)),
  meanBack: withJvp(rule(["g", "x", "axis", "keepdims"], [0], (h, g, _x, axis, keepdims) => [fresh(matchShape(mean(h, axis, keepdims), g) as NDArray), undefined, undefined, undefined], [0, 2, 3], [0]), viewOrOwn(meanBack)),
  reshapeLike: withJvp(rule(["g", "like"], [0], (h, g) => [reshapeLike(h, g), undefined], [0], [0]), viewOrOwn(reshapeLike)),
  transposeBack: withJvp(rule(["g", "axes"], [0], (h, _g, axes) => [transpose(h, axes), undefined], [1]), viewOrOwn(transposeBack)),
  astypeLike: withJvp(rule(["g", "like"], [0], (h, g) => [astypeLike(h, g), undefined], [0], [0]), viewOrOwn(astypeLike)),
  getItemBack: withJvp(rule(["g", "x", "index"], [0], (h, _g, _x, index) => [getItem(h, index), undefined, undefined], [2]), viewOrOwn(getItemBack)),
});

// ---- masks: where a piecewise rule sends its adjoint, as its first-order rule decides (elementwise.ts); constants of differentiation
const mask = (name: string, f: (...v: number[]) => boolean) => (...args: ArrayOrScalar[]): NDArray =>
  elementwise(name, (...v) => (f(...v) ? 1 : 0), args, "bool");
/** Where maximum's adjoint goes to a (NaN wins, ties go to a). */
export const maximumPicksA = mask("maximumPicksA", (a, b) => a >= b || a !== a);
/** Where minimum's adjoint goes to a. */
export const minimumPicksA = mask("minimumPicksA", (a, b) => a <= b || a !== a);
/** Where clip passes x through (`null`: that side open). */
export const clipPassesX = (x: ArrayOrScalar, lo: ArrayOrScalar | null, hi: ArrayOrScalar | null): NDArray =>
  mask("clipPassesX", (v, l, h) => v >= l && v <= h)(x, lo ?? -Infinity, hi ?? Infinity);
/** Each element's share of max's or min's adjoint: 1 / ties where it is the extremum of its lane, else 0. */
export function tieShares(x: NDArray, out: NDArray, axis?: Axis, keepdims?: boolean): NDArray {
  const picked = elementwise("tieShares", (v, m) => (v === m ? 1 : 0), [x, sumBack(out, x, axis, keepdims) as NDArray], tangentType(x.dtype));
  return elementwise("tieShares", (p, n) => p / n, [picked, sumBack(sum(picked, axis, true), x, axis, true) as NDArray], picked.dtype);
}

// ---- the pieces of a join: where element i of concat's or stack's list sits in the output, so its adjoint is `getItem(dout, index)`
/** The index of `arrays[i]` in `concat(arrays, axis)`: its range along the axis. */
export function concatPiece(axis: number | undefined, i: number, ...arrays: (NDArray | ArrayMeta)[]): Index[] {
  const ax = normalizeAxis("concat", axis ?? 0, arrays[i].shape.length);
  const start = arrays.slice(0, i).reduce((at, a) => at + a.shape[ax], 0);
  return [...Array<Index>(ax).fill(":"), `${start}:${start + arrays[i].shape[ax]}`];
}
/** The index of `arrays[i]` in `stack(arrays, axis)`: position i along the new axis. */
export function stackPiece(axis: number | undefined, i: number, ...arrays: (NDArray | ArrayMeta)[]): Index[] {
  const ax = normalizeAxis("stack", axis ?? 0, arrays[i].shape.length + 1);
  return [...Array<Index>(ax).fill(":"), i];
}
