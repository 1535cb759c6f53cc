// The NDArray core: typed storage viewed through shape, strides and offset, and what needs
// no operation (item, toArray, detach, attachGrad). It imports no operation: the ops import
// it, and ./methods.ts puts NumPy's methods (x.sum(), x.T, toString…) on its prototype.
import { allocate, dtypeOf, isFloat, type DType, type TypedArray } from "./dtype.js";
import { contiguousStrides, sizeOf, type Shape } from "./shape.js";
import type { Slice } from "./shapeops.js";

export type Scalar = number;
/** Anything an operation accepts as an array operand. */
export type ArrayOrScalar = NDArray | number;
export type Axis = number | readonly number[] | null | undefined;
/** A basic index: an integer (drops the axis), a slice (`np.slice(1, 3)` or the
 * string `"1:3"`, `"::-1"`, `":"`), `null` (a new axis) or `"..."`. */
export type Index = number | Slice | string | null;
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

  /** The same storage as a new array that differentiation treats as a constant. */
  detach(): NDArray {
    return new NDArray(this.data, this.shape, this.strides, this.offset);
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
}
