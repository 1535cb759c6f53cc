// The NDArray: typed storage viewed through shape, strides and offset. Reshape,
// transpose, broadcasting and basic slicing make views; nothing here copies unless
// its name says so. The methods are NumPy's, delegating to the functions of adjoint/np.
import { allocate, dtypeOf, isFloat, type DType, type TypedArray } from "./dtype.js";
import { contiguousStrides, sizeOf, type Shape } from "./shape.js";
import * as ew from "./elementwise.js";
import * as red from "./reduce.js";
import * as shp from "./shapeops.js";
import * as la from "./linalg.js";
import { repr, str } from "./format.js";

export type Scalar = number;
/** Anything an operation accepts as an array operand. */
export type ArrayOrScalar = NDArray | number;
export type Axis = number | readonly number[] | null | undefined;
/** A basic index: an integer (drops the axis), a slice (`np.slice(1, 3)` or the
 * string `"1:3"`, `"::-1"`, `":"`), `null` (a new axis) or `"..."`. */
export type Index = number | shp.Slice | string | null;
type Nested = number | boolean | Nested[];

/** `x` as an array: a number (or boolean) becomes a 0-d array; anything else throws,
 * naming the operation. */
export function operand(op: string, x: unknown): NDArray {
  if (x instanceof NDArray) return x;
  if (typeof x === "number") return new NDArray(Float64Array.of(x), []);
  if (typeof x === "boolean") return new NDArray(Uint8Array.of(x ? 1 : 0), []);
  throw new Error(`${op}: expected an NDArray or a number, got ${x === null ? "null" : typeof x}`);
}

export type GradReq = "write" | "add";

export interface BackwardOptions {
  /** Keep the values the gradient needs, so a later backward() can use them again. */
  retainGraph?: boolean;
}

let backwardHook: ((y: NDArray, head: NDArray | number | undefined, retainGraph: boolean) => void) | undefined;

/** @internal adjoint's runtime supplies backward() (the record blocks' graph lives there). */
export function setBackward(hook: typeof backwardHook): void {
  backwardHook = hook;
}

/** @internal Whether an adjoint array is owned (see vjp.ts's `fresh`): a flag on the array, not a WeakSet (5x cheaper). */
export let isOwnedArray: (x: NDArray) => boolean;
/** @internal */
export let setOwnedArray: (x: NDArray, owned: boolean) => void;

export class NDArray {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly size: number;
  /** An adjoint nothing else holds, so generated code may add into it in place; new arrays are not. */
  #owned = false;
  static {
    isOwnedArray = (x) => x.#owned;
    setOwnedArray = (x, owned) => void (x.#owned = owned);
  }

  /** A view of `data` (row-major by default). Prefer `np.array`, `np.zeros`… */
  constructor(
    readonly data: TypedArray,
    shape: Shape,
    strides?: Shape,
    readonly offset = 0,
  ) {
    this.dtype = dtypeOf(data);
    this.shape = shape.slice();
    this.strides = strides ? strides.slice() : contiguousStrides(shape);
    this.size = sizeOf(shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** True when the elements are `data[offset .. offset + size)` in row-major order. */
  get isContiguous(): boolean {
    let s = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.strides[d] !== s) return false;
      s *= this.shape[d];
    }
    return true;
  }

  /** The only element, as a JS number (boolean arrays give 0/1). */
  item(): number {
    if (this.size !== 1) {
      throw new Error(`item: can only convert an array of size 1 to a number, got shape (${this.shape.join(",")})`);
    }
    return this.data[this.offset];
  }

  /**
   * As a number (`norm(b) < 1000`, `+x`), an array of one element is that element, as in
   * NumPy; a larger one is ambiguous and throws. As a string it is its repr.
   */
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint !== "number") return this.toString();
    if (this.size !== 1) {
      throw new Error(`the truth value or number of an array of shape (${this.shape.join(",")}) is ambiguous: use .item(), .all() or .any()`);
    }
    return this.data[this.offset];
  }

  /** Nested JS arrays (booleans for a bool array); a 0-d array gives its element. */
  toArray(): Nested {
    const cast = this.dtype === "bool" ? (v: number) => v !== 0 : (v: number) => v;
    const walk = (d: number, off: number): Nested =>
      d === this.ndim
        ? cast(this.data[off])
        : Array.from({ length: this.shape[d] }, (_, i) => walk(d + 1, off + i * this.strides[d]));
    return walk(0, this.offset);
  }
  tolist(): Nested {
    return this.toArray();
  }

  /** Sets every element to `value`, in place (NumPy's `fill`); returns this. */
  fill(value: number | boolean): this {
    shp.setItem(this, "...", Number(value));
    return this;
  }

  /** A contiguous copy with its own storage. */
  copy(): NDArray {
    return ew.copy(this);
  }
  /** The same storage as a new array that differentiation treats as a constant. */
  detach(): NDArray {
    return new NDArray(this.data, this.shape, this.strides, this.offset);
  }
  astype(dtype: DType): NDArray {
    return ew.astype(this, dtype);
  }

  // shape
  get T(): NDArray {
    return shp.transpose(this);
  }
  transpose(...axes: number[]): NDArray {
    return shp.transpose(this, axes.length === 0 ? undefined : axes);
  }
  reshape(...shape: (number | readonly number[])[]): NDArray {
    return shp.reshape(this, shape.length === 1 && typeof shape[0] !== "number" ? shape[0] : (shape as number[]));
  }
  flatten(): NDArray {
    return shp.flatten(this);
  }
  ravel(): NDArray {
    return shp.ravel(this);
  }
  squeeze(axis?: Axis): NDArray {
    return shp.squeeze(this, axis);
  }
  broadcastTo(shape: Shape): NDArray {
    return shp.broadcastTo(this, shape);
  }
  /** Basic indexing `x[i, 1:3, None, ...]` as a view (`x.get(0, "1:3", null, "...")`). */
  get(...index: Index[]): NDArray {
    return shp.getItem(this, index);
  }
  /** `x[index] = value`, in place; returns this. */
  set(index: Index | Index[], value: ArrayOrScalar): this {
    shp.setItem(this, Array.isArray(index) ? index : [index], value);
    return this;
  }

  // reductions
  sum(axis?: Axis, keepdims = false): NDArray {
    return red.sum(this, axis, keepdims);
  }
  mean(axis?: Axis, keepdims = false): NDArray {
    return red.mean(this, axis, keepdims);
  }
  prod(axis?: Axis, keepdims = false): NDArray {
    return red.prod(this, axis, keepdims);
  }
  max(axis?: Axis, keepdims = false): NDArray {
    return red.max(this, axis, keepdims);
  }
  min(axis?: Axis, keepdims = false): NDArray {
    return red.min(this, axis, keepdims);
  }
  argmax(axis?: number | null, keepdims = false): NDArray {
    return red.argmax(this, axis, keepdims);
  }
  argmin(axis?: number | null, keepdims = false): NDArray {
    return red.argmin(this, axis, keepdims);
  }
  all(axis?: Axis, keepdims = false): NDArray {
    return red.all(this, axis, keepdims);
  }
  any(axis?: Axis, keepdims = false): NDArray {
    return red.any(this, axis, keepdims);
  }

  // arithmetic
  add(y: ArrayOrScalar): NDArray {
    return ew.add(this, y);
  }
  sub(y: ArrayOrScalar): NDArray {
    return ew.sub(this, y);
  }
  mul(y: ArrayOrScalar): NDArray {
    return ew.mul(this, y);
  }
  div(y: ArrayOrScalar): NDArray {
    return ew.div(this, y);
  }
  pow(y: ArrayOrScalar): NDArray {
    return ew.pow(this, y);
  }
  neg(): NDArray {
    return ew.neg(this);
  }
  abs(): NDArray {
    return ew.abs(this);
  }
  clip(min: ArrayOrScalar | null, max: ArrayOrScalar | null): NDArray {
    return ew.clip(this, min, max);
  }
  equal(y: ArrayOrScalar): NDArray {
    return ew.equal(this, y);
  }
  dot(y: ArrayOrScalar): NDArray {
    return la.dot(this, y);
  }
  matmul(y: NDArray): NDArray {
    return la.matmul(this, y);
  }

  // ---- MXNet's imperative autograd: the recording itself is compiled (see adjoint's autograd) ----

  /** The buffer `attachGrad()` made; backward() writes or adds the gradient into it. */
  declare private gradBuffer?: NDArray;
  declare private gradReq?: GradReq;
  /** @internal Which output of which record block this array is, set by adjoint's runtime. */
  declare recordedBy?: unknown;

  /**
   * Makes this array a variable to differentiate with respect to: `x.grad` becomes zeros of
   * its shape, and each `backward()` that reaches it overwrites `x.grad` (`"add"`: adds to
   * it, MXNet's grad_req). An array computed inside a record block is detached from what
   * computed it: its gradient stops here.
   */
  attachGrad(gradReq: GradReq = "write"): void {
    if (!isFloat(this.dtype)) {
      throw new Error(`attachGrad: gradients need a floating-point array, this one is ${this.dtype}; convert it first with x.astype("float64")`);
    }
    if (gradReq !== "write" && gradReq !== "add") throw new Error(`attachGrad: gradReq must be "write" or "add", got ${String(gradReq)}`);
    this.gradBuffer = new NDArray(allocate(this.dtype, this.size), this.shape);
    this.gradReq = gradReq;
    this.recordedBy = undefined;
  }

  /** The gradient `backward()` computed for this array (zeros until then). */
  get grad(): NDArray {
    if (!this.gradBuffer) throw new Error("x.grad: no gradient is attached to this array; call x.attachGrad() before recording the computation");
    return this.gradBuffer;
  }

  /** How `backward()` stores into `grad`: overwrite or add. Undefined without `attachGrad()`. */
  get gradRequest(): GradReq | undefined {
    return this.gradReq;
  }

  /**
   * Computes the gradient of this array, recorded in `autograd.record`, with respect to every
   * array with a gradient attached, and stores it in their `.grad`. A non-scalar array is
   * seeded with ones (the gradient of its sum) unless `headGrad` says otherwise. The saved
   * values it used are released unless `{ retainGraph: true }`.
   */
  backward(options?: BackwardOptions): void;
  backward(headGrad: NDArray | number | null | undefined, options?: BackwardOptions | boolean): void;
  backward(headOrOptions?: NDArray | number | BackwardOptions | null, options?: BackwardOptions | boolean): void {
    // MXNet's positional form works too: backward(null, true) retains the graph.
    const isOptions = headOrOptions !== undefined && headOrOptions !== null && typeof headOrOptions === "object" && !(headOrOptions instanceof NDArray);
    const head = isOptions || headOrOptions === null ? undefined : (headOrOptions as NDArray | number | undefined);
    const given = isOptions ? (headOrOptions as BackwardOptions) : options;
    const retainGraph = typeof given === "boolean" ? given : (given?.retainGraph ?? false);
    if (!backwardHook || this.recordedBy === undefined) {
      throw new Error("backward: this array was not computed inside autograd.record(() => { ... }), so nothing recorded how to differentiate it");
    }
    backwardHook(this, head, retainGraph);
  }

  /** NumPy's `repr`: `array([0., 1., 2.])`. */
  toString(): string {
    return repr(this);
  }
  /** NumPy's `str` (what `print(x)` shows): `[0. 1. 2.]`. */
  str(): string {
    return str(this);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return repr(this);
  }
}
