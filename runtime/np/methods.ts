// NumPy's NDArray methods, each a call of the adjoint/np function of the same name, put on
// NDArray.prototype here and only here: the core (./ndarray.ts) knows no operation, so the
// ops can import it without a cycle. The runtime's one module with a side effect (see
// package.json "sideEffects"); ./index.ts imports it.
import type { DType } from "./dtype.js";
import * as ew from "./elementwise.js";
import { repr, str } from "./format.js";
import * as la from "./linalg.js";
import { NDArray, type ArrayOrScalar, type Axis, type Index } from "./ndarray.js";
import * as red from "./reduce.js";
import type { Shape } from "./shape.js";
import * as shp from "./shapeops.js";
import { cumsum } from "./cumulative.js";
import { trace } from "./diagonal.js";
import { std, variance } from "./statistics.js";

/** The methods this module adds to every NDArray. */
export interface NDArrayMethods {
  /** Sets every element to `value`, in place (NumPy's `fill`); returns this. */
  fill(value: number | boolean): this;
  /** A contiguous copy with its own storage. */
  copy(): NDArray;
  astype(dtype: DType): NDArray;

  // shape
  get T(): NDArray;
  transpose(...axes: number[]): NDArray;
  reshape(...shape: (number | readonly number[])[]): NDArray;
  flatten(): NDArray;
  ravel(): NDArray;
  squeeze(axis?: Axis): NDArray;
  broadcastTo(shape: Shape): NDArray;
  /** Basic indexing `x[i, 1:3, None, ...]` as a view (`x.get(0, "1:3", null, "...")`). */
  get(...index: Index[]): NDArray;
  /** `x[index] = value`, in place; returns this. */
  set(index: Index | Index[], value: ArrayOrScalar): this;

  // reductions
  sum(axis?: Axis, keepdims?: boolean): NDArray;
  mean(axis?: Axis, keepdims?: boolean): NDArray;
  prod(axis?: Axis, keepdims?: boolean): NDArray;
  /** `var(x, axis, keepdims, ddof)` (statistics.ts): the function's order of arguments, not NumPy's method's. */
  var(axis?: Axis, keepdims?: boolean, ddof?: number): NDArray;
  std(axis?: Axis, keepdims?: boolean, ddof?: number): NDArray;
  cumsum(axis?: number | null): NDArray;
  trace(offset?: number): NDArray;
  max(axis?: Axis, keepdims?: boolean): NDArray;
  min(axis?: Axis, keepdims?: boolean): NDArray;
  argmax(axis?: number | null, keepdims?: boolean): NDArray;
  argmin(axis?: number | null, keepdims?: boolean): NDArray;
  all(axis?: Axis, keepdims?: boolean): NDArray;
  any(axis?: Axis, keepdims?: boolean): NDArray;

  // arithmetic
  add(y: ArrayOrScalar): NDArray;
  sub(y: ArrayOrScalar): NDArray;
  mul(y: ArrayOrScalar): NDArray;
  div(y: ArrayOrScalar): NDArray;
  pow(y: ArrayOrScalar): NDArray;
  neg(): NDArray;
  abs(): NDArray;
  clip(min: ArrayOrScalar | null, max: ArrayOrScalar | null): NDArray;
  equal(y: ArrayOrScalar): NDArray;
  dot(y: ArrayOrScalar): NDArray;
  matmul(y: NDArray): NDArray;

  /** NumPy's `repr`: `array([0., 1., 2.])`. */
  toString(): string;
  /** NumPy's `str` (what `print(x)` shows): `[0. 1. 2.]`. */
  str(): string;
}

declare module "./ndarray.js" {
  interface NDArray extends NDArrayMethods {}
}

const methods: NDArrayMethods & ThisType<NDArray> = {
  fill(value) {
    shp.setItem(this, "...", Number(value));
    return this;
  },
  copy() {
    return ew.copy(this);
  },
  astype(dtype) {
    return ew.astype(this, dtype);
  },

  get T() {
    return shp.transpose(this);
  },
  transpose(...axes) {
    return shp.transpose(this, axes.length === 0 ? undefined : axes);
  },
  reshape(...shape) {
    return shp.reshape(this, shape.length === 1 && typeof shape[0] !== "number" ? shape[0] : (shape as number[]));
  },
  flatten() {
    return shp.flatten(this);
  },
  ravel() {
    return shp.ravel(this);
  },
  squeeze(axis) {
    return shp.squeeze(this, axis);
  },
  broadcastTo(shape) {
    return shp.broadcastTo(this, shape);
  },
  get(...index) {
    return shp.getItem(this, index);
  },
  set(index, value) {
    shp.setItem(this, Array.isArray(index) ? index : [index], value);
    return this;
  },

  sum(axis, keepdims = false) {
    return red.sum(this, axis, keepdims);
  },
  mean(axis, keepdims = false) {
    return red.mean(this, axis, keepdims);
  },
  prod(axis, keepdims = false) {
    return red.prod(this, axis, keepdims);
  },
  var(axis, keepdims = false, ddof = 0) {
    return variance(this, axis, keepdims, ddof);
  },
  std(axis, keepdims = false, ddof = 0) {
    return std(this, axis, keepdims, ddof);
  },
  cumsum(axis) {
    return cumsum(this, axis);
  },
  trace(offset = 0) {
    return trace(this, offset);
  },
  max(axis, keepdims = false) {
    return red.max(this, axis, keepdims);
  },
  min(axis, keepdims = false) {
    return red.min(this, axis, keepdims);
  },
  argmax(axis, keepdims = false) {
    return red.argmax(this, axis, keepdims);
  },
  argmin(axis, keepdims = false) {
    return red.argmin(this, axis, keepdims);
  },
  all(axis, keepdims = false) {
    return red.all(this, axis, keepdims);
  },
  any(axis, keepdims = false) {
    return red.any(this, axis, keepdims);
  },

  add(y) {
    return ew.add(this, y);
  },
  sub(y) {
    return ew.sub(this, y);
  },
  mul(y) {
    return ew.mul(this, y);
  },
  div(y) {
    return ew.div(this, y);
  },
  pow(y) {
    return ew.pow(this, y);
  },
  neg() {
    return ew.neg(this);
  },
  abs() {
    return ew.abs(this);
  },
  clip(min, max) {
    return ew.clip(this, min, max);
  },
  equal(y) {
    return ew.equal(this, y);
  },
  dot(y) {
    return la.dot(this, y);
  },
  matmul(y) {
    return la.matmul(this, y);
  },

  toString() {
    return repr(this);
  },
  str() {
    return str(this);
  },
};

// As a class's own methods are: not enumerable, so `for…in` and inspection see only data.
for (const key of Reflect.ownKeys(methods)) {
  Object.defineProperty(NDArray.prototype, key, { ...Object.getOwnPropertyDescriptor(methods, key), enumerable: false });
}
Object.defineProperty(NDArray.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: NDArray): string {
    return repr(this);
  },
  writable: true,
  configurable: true,
});
