// var and std (NumPy's: axis, keepdims, ddof), with their rules beside them. Both are written
// through `centered(x, axis, ddof)`, (x - mean(x)) / (n - ddof) along the lanes: var's adjoint is
// 2 g centered(x), std's g / std centered(x); centered is linear and self-adjoint (the centring
// projection is symmetric), so every order of derivative is made of it.
import { div, equal, mul, sqrt, square, sub, where } from "./elementwise.js";
import { NDArray, type ArrayOrScalar, type Axis } from "./ndarray.js";
import { expandBack, mean, sum } from "./reduce.js";
import { normalizeAxes } from "./shape.js";
import type { CurvedTerm } from "./second-order-terms.js";
import { fresh, rule, scalarOperands, sumToNumber, tangentArray, withJvp, type AdjointRule, type ArrayMeta, type Tangent } from "./vjp.js";

const shapeOf = (x: ArrayOrScalar | ArrayMeta): readonly number[] => (typeof x === "number" ? [] : x.shape);

/** n - ddof, n the lane's length, as NumPy divides by: 0 (so inf or NaN) where ddof >= n. */
function divisor(x: ArrayOrScalar | ArrayMeta, axis: Axis, ddof: number | undefined): number {
  const shape = shapeOf(x);
  const n = normalizeAxes("var", axis, shape.length).reduce((p, a) => p * shape[a], 1);
  return Math.max(n - (ddof ?? 0), 0);
}

/** (x - mean(x, axis)) / (n - ddof): each element's deviation from its lane's mean, scaled. */
export function centered(x: ArrayOrScalar, axis?: Axis, ddof?: number): NDArray {
  return div(sub(x, mean(x, axis, true)), divisor(x, axis, ddof));
}

/** The variance along `axis` (all axes by default): the mean squared deviation, over n - ddof. */
export function variance(x: ArrayOrScalar, axis?: Axis, keepdims = false, ddof = 0): NDArray {
  return div(sum(square(sub(x, mean(x, axis, true))), axis, keepdims), divisor(x, axis, ddof));
}

/** The standard deviation: the square root of `variance`. */
export const std = (x: ArrayOrScalar, axis?: Axis, keepdims = false, ddof = 0): NDArray => sqrt(variance(x, axis, keepdims, ddof));

/** g / s, 0 where s is 0: std's derivative at zero variance is taken as 0 (as `norm`'s at 0), not NaN. */
export const overStd = (g: ArrayOrScalar, s: ArrayOrScalar): NDArray => where(equal(s, 0), 0, div(g, where(equal(s, 0), 1, s)));

type Maybe = NDArray | undefined;
const NONE = [undefined, undefined, undefined] as const;

export const rules: Record<string, AdjointRule> = scalarOperands({
  // Linear in x; reads only the axes (and x's shape through the lanes of g).
  centered: withJvp(rule(["x", "axis", "ddof"], [0], (g, _x, axis, ddof) => [fresh(centered(g, axis, ddof)), undefined, undefined], [1, 2]),
    ([dx], _x, axis, ddof) => (dx === undefined ? undefined : fresh(centered(dx as NDArray, axis, ddof)))),
  var: withJvp(rule(["x", "axis", "keepdims", "ddof"], [0], (g, x, axis, _k, ddof) => [fresh(mul(expandBack(mul(g, 2), x, axis), centered(x, axis, ddof))), ...NONE], [0, 1, 2, 3]),
    ([dx], x, axis, keepdims = false, ddof) => (dx === undefined ? undefined : fresh(mul(sum(mul(centered(x, axis, ddof), dx as Maybe as NDArray), axis, keepdims), 2)))),
  std: withJvp(rule(["x", "axis", "keepdims", "ddof"], [0], (g, x, axis, _k, ddof, out) => [fresh(mul(expandBack(overStd(g, out), x, axis), centered(x, axis, ddof))), ...NONE]),
    ([dx], x, axis, keepdims = false, ddof, out) => (dx === undefined ? undefined : fresh(overStd(sum(mul(centered(x, axis, ddof), dx as NDArray), axis, keepdims), out)))),
});

// Second order: var's adjoint 2 g centered(x) moves by 2 g centered(dx); std's g / s centered(x)
// by g / s centered(dx) - g ds / s² centered(x) (0 where s is 0, as its adjoint).
const asArray = (v: unknown): NDArray => (typeof v === "number" ? new NDArray(Float64Array.of(v), []) : (v as NDArray));
/** The term on arrays, given back as a number for a number operand (scalarOperands). */
const onOperand = (x: unknown, t: NDArray | undefined): Tangent[] => [t === undefined ? undefined : typeof x === "number" ? sumToNumber(t) : fresh(t), ...NONE];
export const statisticsTerms: Readonly<Record<string, CurvedTerm>> = {
  var: {
    reads: [0],
    term: (g, [dx], [x, axis, _k, ddof]) =>
      onOperand(x, dx === undefined ? undefined : mul(expandBack(mul(g, 2), asArray(x), axis as Axis), centered(tangentArray(dx)!, axis as Axis, ddof as number))),
  },
  std: {
    reads: [0, "out"],
    term(g, [dx], [x, axis, _k, ddof], out, dOut) {
      const X = asArray(x);
      const ofX = dx === undefined ? undefined : mul(expandBack(overStd(g, out), X, axis as Axis), centered(tangentArray(dx)!, axis as Axis, ddof as number));
      const ofOut = dOut === undefined ? undefined : mul(expandBack(overStd(mul(g, tangentArray(dOut)!), square(out)), X, axis as Axis), centered(X, axis as Axis, ddof as number));
      return onOperand(x, ofX === undefined ? (ofOut === undefined ? undefined : mul(ofOut, -1)) : ofOut === undefined ? ofX : sub(ofX, ofOut));
    },
  },
};
