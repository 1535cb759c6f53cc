// The NDArray half of what generated code calls: adjoint/np imports it, and it hands itself
// to ./generated.ts through ./ndarray-slot.ts, so programs of numbers never bundle it.
import { add, copy, rulesReusingDout } from "./np/elementwise.js";
import { full, onesLike, zerosLike } from "./np/create.js";
import { NDArray } from "./np/ndarray.js";
import { adjoints } from "./np/rules.js";
import { addInto, disown, fresh, isOwned, sumToNumber } from "./np/vjp.js";
import { provide } from "./ndarray-slot.js";
import { helperTangents, vjpTangents, type SecondOrderRule } from "./np/second-order.js";
import type { AdjointRule } from "./np/vjp.js";
import * as fused from "./np/fused.js";
import { ops } from "./np/vjp-ops.js";

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

/**
 * A gradient to be differentiated again calls a rule's vjp once per adjoint it reads (lower/
 * second-order.ts), so a rule passing dout through cannot see that another call passes it on
 * too: dout is disowned first, and no accumulate writes into an adjoint another one holds.
 * The same for the tangent of dout in the vjps' tangents.
 */
const splitVjp = (r: AdjointRule): AdjointRule => ({ ...r, vjp: (dout, ...rest) => r.vjp(disown(dout), ...rest) });
const splitJvp = (r: SecondOrderRule): SecondOrderRule => ({ ...r, jvp: (t, dout, ...rest) => r.jvp({ ...t, dout: disown(t.dout) }, disown(dout), ...rest) });

function mapRules<R>(table: Readonly<Record<string, R>>, wrap: (r: R) => R): Record<string, R> {
  return Object.fromEntries(Object.entries(table).map(([name, r]) => [name, wrap(r)]));
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
  { adjoints: Object.freeze(mapRules(adjoints, splitVjp)), vjpTangents: Object.freeze(mapRules(vjpTangents, splitJvp)), helperTangents, ops },
  fused,
);
