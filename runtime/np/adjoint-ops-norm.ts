// linalg.norm's vjp as operations where the norm is piecewise linear in x (ord 1, Infinity,
// -Infinity and 0; the matrix 1 and Infinity norms): there its vjp is a linear map of dout that
// x fixes piecewise (signs, the lane's maximum), so x is a constant of differentiation, as a
// piecewise rule's mask is (vjp-ops.ts). `normBack` is that map (the first-order rule's vjp),
// `normAlong` its transpose (the norm's jvp): each the other's vjp. `n` is the norm, read as
// the first-order rule reads its output.
import { normVjp } from "./linalg.js";
import type { NDArray, Axis } from "./ndarray.js";
import { laneTangent, onesOf } from "./reduce.js";
import { fresh, rule, withJvp, type DualRule } from "./vjp.js";

type Ord = Parameters<typeof normVjp>[2];

/** The norm's vjp at g: g spread back over x by each element's weight in its lane's norm. */
export const normBack = (g: NDArray, x: NDArray, ord: Ord, axis: Axis, _keepdims: boolean | undefined, n: NDArray): NDArray => normVjp(g, x, ord, axis, n);
/** The norm's jvp along h: each lane's sum of those weights times h. */
export const normAlong = (h: NDArray, x: NDArray, ord: Ord, axis: Axis, keepdims: boolean | undefined, n: NDArray): NDArray =>
  laneTangent(normVjp(onesOf(n), x, ord, axis, n), h, axis, keepdims ?? false)!;

const PARAMS = ["g", "x", "ord", "axis", "keepdims", "n"];
const READS = [1, 2, 3, 4, 5];
const rest = [undefined, undefined, undefined, undefined, undefined];

export const rules: Record<string, DualRule> = {
  normBack: withJvp(rule(PARAMS, [0], (h, _g, x, ord, axis, keepdims, n) => [fresh(normAlong(h, x, ord, axis, keepdims, n)), ...rest], READS),
    ([dg], _g, x, ord, axis, keepdims, n) => (dg === undefined ? undefined : fresh(normBack(dg as NDArray, x, ord, axis, keepdims, n)))),
  normAlong: withJvp(rule(PARAMS, [0], (h, _g, x, ord, axis, keepdims, n) => [fresh(normBack(h, x, ord, axis, keepdims, n)), ...rest], READS),
    ([dg], _g, x, ord, axis, keepdims, n) => (dg === undefined ? undefined : fresh(normAlong(dg as NDArray, x, ord, axis, keepdims, n)))),
};
