// Tangents of the helpers generated NDArray gradients call besides the rules
// (runtime/generated.ts, runtime/generated-ndarray.ts): each `jvp(tangents, ...args, out)` as
// a rule's `jvp`, for forward mode over a generated reverse sweep.
import { full } from "./create.js";
import { add } from "./elementwise.js";
import { NDArray } from "./ndarray.js";
import { sameShape } from "./shape.js";
import { addInto, disown, fresh, isOwned, sumToNumber, tangentType, type Jvp, type Tangent } from "./vjp.js";

const constant: Jvp = () => undefined;

/** A tangent of an array result that may have come as a number: broadcast to `out`'s shape. */
const asArrayOf = (t: NDArray | number, out: NDArray): NDArray =>
  typeof t === "number" ? fresh(full(out.shape, t, tangentType(out.dtype))) : t;

/** `acc + x`'s tangent, kept as generated code's `accumulate` keeps adjoints: the first
 * contribution as it is, the second added into whichever of the two is owned (see vjp.ts). */
function accumulate([dacc, dx]: readonly Tangent[], _acc: unknown, _x: unknown, out: unknown): Tangent {
  const a = dacc as NDArray | number | undefined;
  const b = dx as NDArray | number | undefined;
  if (a === undefined && b === undefined) return undefined;
  if (typeof out === "number") return sumToNumber(a ?? 0) + sumToNumber(b ?? 0);
  const result = out as NDArray;
  if (a === undefined || b === undefined) return asArrayOf((a ?? b)!, result);
  const [x, y] = [asArrayOf(a, result), asArrayOf(b, result)];
  if (isOwned(x) && sameShape(x.shape, result.shape) && (x.dtype === "float64" || y.dtype === x.dtype)) return addInto(x, y);
  if (isOwned(y) && sameShape(y.shape, result.shape) && (y.dtype === "float64" || x.dtype === y.dtype)) return addInto(y, x);
  return fresh(add(x, y));
}

/** Each helper's tangent, by the name generated code calls it under (`adjointRuntime.accumulate`). */
export const helperTangents: Readonly<Record<string, Jvp>> = Object.freeze({
  accumulate: accumulate as Jvp,
  /** The gradient handed to the caller: its tangent (the caller keeps it), or zeros of x's shape where no gradient reached x. */
  orZerosLike: (([dgradient], _gradient, x) => {
    if (dgradient !== undefined) return disown(dgradient as NDArray | number);
    if (x instanceof NDArray) return new NDArray(new (tangentType(x.dtype) === "float32" ? Float32Array : Float64Array)(x.size), x.shape);
    return typeof x === "number" ? 0 : undefined;
  }) as Jvp,
  /** A number head gradient for an array result becomes that array's shape; so does its tangent. */
  head: (([, ddvalue], value) => {
    if (ddvalue === undefined) return undefined;
    return value instanceof NDArray && typeof ddvalue === "number" ? asArrayOf(ddvalue, value) : disown(ddvalue as NDArray | number);
  }) as Jvp,
  sumToNumber: (([dx]) => (dx === undefined ? undefined : sumToNumber(dx as NDArray | number))) as Jvp,
  // Constants: a seed of ones, zeros, a shape.
  seed: constant,
  shapeOf: constant,
  zerosLike: constant,
  onesLike: constant,
});
