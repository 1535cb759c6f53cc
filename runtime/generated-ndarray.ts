// The NDArray half of what generated code calls: adjoint/np imports it, and it hands itself
// to ./generated.ts through ./ndarray-slot.ts, so programs of numbers never bundle it.
import { add, copy, rulesReusingDout } from "./np/elementwise.js";
import { full, onesLike, zerosLike } from "./np/create.js";
import { NDArray } from "./np/ndarray.js";
import { adjoints } from "./np/rules.js";
import { addInto, disown, fresh, isOwned, sumToNumber } from "./np/vjp.js";
import { provide } from "./ndarray-slot.js";
import { helperTangents, vjpTangents } from "./np/second-order.js";

/**
 * `acc + x` for NDArray adjoints. The first contribution is kept as it is, not copied: a
 * rule's result may alias its input or `dout`. An array is written only when it is owned
 * (np/vjp.ts's `fresh`: allocated by a rule, or by accumulate, and held by nothing else):
 * the second contribution is added into whichever of the two is owned; when neither is, the
 * sum is a new array, owned from then on.
 */
function accumulate(acc: NDArray, x: NDArray | number): NDArray {
  if (x instanceof NDArray && sameLayout(acc, x)) {
    if (isOwned(acc)) return addInto(acc, x);
    if (isOwned(x)) return addInto(x, acc); // addition commutes: the same sum, bit for bit
  }
  return fresh(add(acc, x));
}

function sameLayout(acc: NDArray, x: NDArray): boolean {
  if (acc.dtype !== x.dtype || acc.shape.length !== x.shape.length) return false;
  for (let i = 0; i < acc.shape.length; i++) if (acc.shape[i] !== x.shape[i]) return false;
  return true;
}

provide(
  {
    isNDArray: (x) => x instanceof NDArray,
    accumulate: accumulate as (acc: unknown, x: unknown) => unknown,
    sumToNumber: sumToNumber as (x: unknown) => number,
    zerosLike: (x) => zerosLike(x as NDArray),
    onesLike(value) {
      const x = value as NDArray;
      // Made directly for the usual float64 result: onesLike's checks cost as much as a small gradient.
      return fresh(x.dtype === "float64" ? new NDArray(new Float64Array(x.size).fill(1), x.shape) : onesLike(x));
    },
    // The caller's array stays the caller's: never written by the reverse sweep.
    head: (value, dvalue) => (value instanceof NDArray && typeof dvalue === "number" ? fresh(full(value.shape, dvalue, value.dtype)) : disown(dvalue)),
    disown,
    shapeOf: (x) => (x as NDArray).shape,
    values: (x) => {
      const c = (x as NDArray).isContiguous ? (x as NDArray) : copy(x as NDArray);
      return c.data.subarray(c.offset, c.offset + c.size);
    },
    unit(x, k) {
      const { shape, size, dtype } = x as NDArray;
      const values = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
      values[k] = 1;
      return new NDArray(values, shape);
    },
    fromValues: (values, shape) => new NDArray(values, shape),
  },
  Object.freeze({
    ...adjoints,
    ...rulesReusingDout,
  }),
  { adjoints, vjpTangents, helperTangents },
);
