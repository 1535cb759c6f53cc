// prod's vjp as operations, exact where x has zeros (its first-order rule divides by x only
// where no element is zero). x's adjoint is dout times the product of the other elements of its
// lane. With each lane laid along the last axis (`lanesLast`, undone by `lanesBack`), that is
// `othersProduct(x)`; its derivative is again a product of the others, of the lane's k × k
// leave-one-out array L (L[i][j] = x_j, 1 where j = i), so its vjp is written with
// othersProduct of L: each order multiplies a lane's work by k (the price of exactness at zeros).
import { allocate } from "./dtype.js";
import { copy, equal, mul, where } from "./elementwise.js";
import { eye } from "./create.js";
import { NDArray, type Axis } from "./ndarray.js";
import { sum } from "./reduce.js";
import { normalizeAxes } from "./shape.js";
import { expandDims, reshape, transpose } from "./shapeops.js";
import { fresh, rule, tangentType, withJvp, type ArrayMeta, type DualRule } from "./vjp.js";

/** The reduced axes moved last: the permutation, the other axes' shape and the lane's length. */
function lanes(x: NDArray | ArrayMeta, axis: Axis) {
  const reduced = normalizeAxes("prod", axis, x.shape.length);
  const rest = x.shape.map((_, i) => i).filter((i) => !reduced.includes(i));
  return { perm: [...rest, ...reduced], restShape: rest.map((i) => x.shape[i]), k: reduced.reduce((p, a) => p * x.shape[a], 1) };
}

/** x with each lane of `axis` (every axis by default) laid along a last axis: shape [...others, lane]. A new array. */
export function lanesLast(x: NDArray, axis?: Axis): NDArray {
  const { perm, restShape, k } = lanes(x, axis);
  return reshape(copy(transpose(x, perm)), [...restShape, k]);
}

/** g, laid out as `lanesLast` lays out an array of like's shape, back in that shape. A new array. */
export function lanesBack(g: NDArray, like: NDArray | ArrayMeta, axis?: Axis): NDArray {
  const { perm } = lanes(like, axis);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return copy(transpose(reshape(g, perm.map((p) => like.shape[p])), inverse));
}

/** Each element's product of the others along the last axis, by prefix and suffix products (exact with zeros). */
export function othersProduct(x: NDArray): NDArray {
  const src = copy(x);
  const k = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
  const out = allocate(tangentType(x.dtype), src.size);
  for (let r = 0; r < src.size; r += k) {
    let p = 1;
    for (let j = 0; j < k; j++) [out[r + j], p] = [p, p * (src.data[r + j] as number)];
    p = 1;
    for (let j = k - 1; j >= 0; j--) [out[r + j], p] = [(out[r + j] as number) * p, p * (src.data[r + j] as number)];
  }
  return new NDArray(out, x.shape);
}

/** Where i = j on a lane's k × k leave-one-out array: a constant of differentiation. */
export const laneEye = (x: NDArray): NDArray => equal(eye(x.ndim === 0 ? 1 : x.shape[x.ndim - 1]), 1);

/** L[..., i, j] = x[..., j], 1 where i = j: othersProduct(x) is L's product along its last axis. */
const leaveOneOut = (x: NDArray): NDArray => where(laneEye(x), 1, expandDims(x, -2));
/** ∂ othersProduct(x)_i / ∂ x_j: the product of all but i and j, 0 where i = j. */
const pairProducts = (x: NDArray): NDArray => where(laneEye(x), 0, othersProduct(leaveOneOut(x)));
/** othersProduct's vjp: h_i times ∂_i/∂x_j, summed over i. */
const othersVjp = (h: NDArray, x: NDArray): NDArray => sum(mul(expandDims(h, -1), pairProducts(x)), -2);
/** othersProduct's jvp: ∂_i/∂x_j times dx_j, summed over j. */
const othersJvp = (dx: NDArray, x: NDArray): NDArray => sum(mul(pairProducts(x), expandDims(dx, -2)), -1);

export const rules: Record<string, DualRule> = {
  lanesLast: withJvp(rule(["x", "axis"], [0], (h, x, axis) => [fresh(lanesBack(h, x, axis)), undefined], [0, 1], [0]),
    ([dx], _x, axis) => (dx === undefined ? undefined : fresh(lanesLast(dx as NDArray, axis)))),
  lanesBack: withJvp(rule(["g", "like", "axis"], [0], (h, _g, _like, axis) => [fresh(lanesLast(h, axis)), undefined, undefined], [2]),
    ([dg], _g, like, axis) => (dg === undefined ? undefined : fresh(lanesBack(dg as NDArray, like, axis)))),
  othersProduct: withJvp(rule(["x"], [0], (h, x) => [fresh(othersVjp(h, x))], [0]), ([dx], x) => (dx === undefined ? undefined : fresh(othersJvp(dx as NDArray, x)))),
};

/** The tangent of othersProduct's vjp as x moves along dx (second-order.ts): h_i times the jvp of ∂_i/∂x_j, summed over i. */
export function othersVjpTangent(h: NDArray, x: NDArray, dx: NDArray): NDArray {
  const L = leaveOneOut(x);
  const dL = where(laneEye(x), 0, expandDims(dx, -2));
  return sum(mul(expandDims(h, -1), where(laneEye(x), 0, othersJvp(dL, L))), -2);
}
