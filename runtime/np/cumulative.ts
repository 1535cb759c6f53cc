// cumsum (NumPy's: along an axis; none sums the flattened array) and its adjoint, the sum from
// the end (`cumsumBack`): each is the other's vjp, both linear.
import { allocate, type DType } from "./dtype.js";
import { copy } from "./elementwise.js";
import { NDArray, operand, type ArrayOrScalar } from "./ndarray.js";
import { normalizeAxis } from "./shape.js";
import { reshape, transpose } from "./shapeops.js";
import { fresh, rule, scalarOperands, withJvp, type AdjointRule, type ArrayMeta } from "./vjp.js";

/** cumsum's element type, as sum's: bool adds as int32, the rest keep theirs. */
const scanType = (x: NDArray): DType => (x.dtype === "bool" ? "int32" : x.dtype);

/** Running sums of `x` along `axis` (from the end where `fromEnd`), a new contiguous array. */
function scan(x: NDArray, axis: number, fromEnd: boolean): NDArray {
  const last = x.ndim - 1;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== axis).concat(axis);
  const rows = new NDArray(allocate(scanType(x), x.size), perm.map((p) => x.shape[p]));
  copy(transpose(x, perm), rows);
  const n = x.shape[axis];
  const data = rows.data;
  for (let start = 0; start < rows.size; start += n) {
    let acc = 0;
    if (fromEnd) for (let j = start + n - 1; j >= start; j--) data[j] = acc += data[j];
    else for (let j = start; j < start + n; j++) data[j] = acc += data[j];
  }
  if (axis === last) return rows;
  return copy(transpose(rows, perm.map((_, i) => perm.indexOf(i))));
}

/** The running sum along `axis`; `undefined`/`null`: of the flattened array (1-D). A number is a 1-D array of one. */
export function cumsum(x: ArrayOrScalar, axis?: number | null): NDArray {
  const a = operand("cumsum", x);
  if (axis === undefined || axis === null || a.ndim === 0) return scan(reshape(a, [a.size]), 0, false);
  return scan(a, normalizeAxis("cumsum", axis, a.ndim), false);
}

/** cumsum's vjp: `g` summed from the end along `axis` (flattened: then reshaped to x's). Its vjp is `cumsum(h, axis)`. */
export function cumsumBack(g: NDArray, x: NDArray | ArrayMeta | number, axis?: number | null): NDArray {
  const shape = typeof x === "number" ? [] : x.shape;
  if (axis === undefined || axis === null || shape.length === 0) return reshape(scan(reshape(g, [g.size]), 0, true), shape);
  return scan(g, normalizeAxis("cumsum", axis, g.ndim), true);
}

export const rules: Record<string, AdjointRule> = {
  ...scalarOperands({
    cumsum: withJvp(rule(["x", "axis"], [0], (g, x, axis) => [fresh(cumsumBack(g, x, axis)), undefined], [0, 1], [0]),
      ([dx], _x, axis) => (dx === undefined ? undefined : fresh(cumsum(dx as NDArray, axis)))),
  }),
  // Flattened, g may have any shape of x's size: the adjoint is given g's.
  cumsumBack: withJvp(rule(["g", "x", "axis"], [0], (h, g, _x, axis) => [fresh(reshape(cumsum(h, axis), g.shape)), undefined, undefined], [0, 2], [0]),
    ([dg], _g, x, axis) => (dg === undefined ? undefined : fresh(cumsumBack(dg as NDArray, x, axis)))),
};
