// What adjoint rules share: the rule shape, reducing a broadcast adjoint back to its
// operand (`unbroadcast`), and accumulating adjoints in place without allocating.
import { backend } from "./backend/index.js";
import { allocate, checkCast, type DType } from "./dtype.js";
import { intoKey, iterate, kernelFor } from "./kernels.js";
import { isOwnedArray, NDArray, setOwnedArray, type ArrayOrScalar } from "./ndarray.js";
import { broadcastShapes, broadcastStrides, formatShape, sameShape, type Shape } from "./shape.js";

/** An adjoint: an array, or a number for a `number` operand, or `undefined` for a
 * parameter that has none (an axis, a boolean condition). */
export type Adjoint = NDArray | number | undefined | (NDArray | number)[];

/** One primitive's reverse-mode rule. `vjp(dout, ...args, out)` is called with the
 * adjoint of the output, exactly `params.length` forward arguments (omitted optional
 * ones as `undefined`) and the forward output, and returns one adjoint per parameter.
 * Returned arrays may alias `dout` or be broadcast views: read them, or accumulate
 * them with `accumulate`/`addInto`; never write into them. When two operands are the
 * same array object (`mul(x, x)`, `dot(x, x)`) and both adjoints are wanted, a rule may
 * return their sum at the first position and `undefined` at the other: the adjoint of
 * that one array, computed in one pass. */
export interface AdjointRule {
  /** The forward parameters, in order. */
  readonly params: readonly string[];
  /** Positions in `params` that have adjoints (the others are always `undefined`). */
  readonly wrt: readonly number[];
  readonly vjp: (dout: NDArray, ...argsThenOut: any[]) => Adjoint[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /**
   * What `vjp` reads besides `dout`: parameter positions and "out". Unset: everything.
   * A caller may pass `undefined` for an NDArray argument not listed (so it need not keep
   * it alive until the reverse sweep); numbers are always passed.
   */
  readonly reads?: readonly (number | "out")[];
  /**
   * Parameters `vjp` reads only for their `shape`, `dtype`, `ndim` and `size` (to sum an
   * adjoint back to an operand, or reshape it). A caller may pass an `ArrayMeta` (generated
   * code: `adjointRuntime.shapeOf(x)`) instead of such an NDArray, so the array need not be
   * kept. The output never needs one: `dout` has its shape.
   */
  readonly shapeOnly?: readonly number[];
  /** The forward-mode rule (see `Jvp`); every rule of `adjoints` has one. */
  readonly jvp?: Jvp;
}

/** A tangent: an array with its primal's shape, a number for a `number` primal, a list
 * for a list of arrays (`concat`, `stack`), or `undefined` for zero. */
export type Tangent = NDArray | number | undefined | readonly (NDArray | number | undefined)[];

/**
 * One primitive's forward-mode rule: `jvp(tangents, ...args, out)` is called with one
 * tangent per parameter (`undefined`: zero, and always for parameters not in `wrt`),
 * exactly `params.length` forward arguments and the forward output, and returns the
 * output's tangent: an array of the output's shape, in the output's float type (float32
 * for a float32 output, else float64); a number for `item`; `undefined` when it is zero
 * (every tangent is, or the derivative is: `sign`, `floor`…). A tangent of a view
 * (`reshape`, `transpose`, `getItem`, `broadcastTo`…) is the same view of the operand's
 * tangent, as the output shares the operand's storage; any other is a new array,
 * marked `fresh`, that aliases neither a tangent nor a primal.
 */
export type Jvp = (tangents: readonly Tangent[], ...argsThenOut: any[]) => NDArray | number | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A rule with its forward-mode rule. */
export type DualRule = AdjointRule & { readonly jvp: Jvp };

/** What a rule may be given for a parameter in `shapeOnly`: an NDArray, or its shape and dtype alone. */
export interface ArrayMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly ndim: number;
  readonly size: number;
}

export const rule = (params: string[], wrt: number[], vjp: AdjointRule["vjp"], reads?: AdjointRule["reads"], shapeOnly?: readonly number[]): AdjointRule => {
  const r: { -readonly [K in keyof AdjointRule]: AdjointRule[K] } = { params, wrt, vjp };
  if (reads) r.reads = reads;
  if (shapeOnly) r.shapeOnly = shapeOnly;
  return r;
};

/** The tangents' float type for an output of type `dtype`. */
export const tangentType = (dtype: DType): DType => (dtype === "float32" ? "float32" : "float64");

/** `r` with `jvp` as its forward-mode rule. A new array `jvp` returns in another type than
 * the output's tangent type (float64 from a float64 tangent of a float32 operand) is
 * converted; views and numbers are returned as they are. */
export function withJvp(r: AdjointRule, jvp: Jvp): DualRule {
  const checked: Jvp = (tangents, ...argsThenOut) => {
    const t = jvp(tangents, ...argsThenOut);
    const out = argsThenOut[argsThenOut.length - 1];
    if (!(t instanceof NDArray) || !(out instanceof NDArray) || !isOwnedArray(t)) return t;
    const type = tangentType(out.dtype);
    return t.dtype === type ? t : fresh(into("jvp", setF, new NDArray(allocate(type, t.size), t.shape), t));
  };
  return { ...r, jvp: checked };
}

/** A number's tangent as a 0-d array; arrays and `undefined` pass through. */
export const tangentArray = (t: Tangent): NDArray | undefined =>
  typeof t === "number" ? new NDArray(Float64Array.of(t), []) : (t as NDArray | undefined);

// ---- ownership of adjoint arrays
// Generated code accumulates adjoints with `accumulate` (runtime/generated.ts). It may add
// into an array in place only when nothing else can see that array: the array is marked
// here. A rule marks only arrays it allocated itself, holds no other reference to and
// returns at one position (never `dout`, an input, or a view of either; never a broadcast
// view). When a rule passes `dout` through at more than one position, it unmarks `dout`
// (`disown`): the same array is then the adjoint of two operands.
/** Marks `x` (an array just allocated by the caller, referenced nowhere else) as an
 * adjoint that may be written in place; returns `x`. Numbers and `undefined` pass through. */
export function fresh<T extends NDArray | number | undefined>(x: T): T {
  if (x instanceof NDArray) setOwnedArray(x, true);
  return x;
}
/** Whether `x` is an adjoint array nothing else holds (see `fresh`). */
export const isOwned = (x: unknown): x is NDArray => x instanceof NDArray && isOwnedArray(x);
/** Takes the mark off `x` (it is about to be shared, or handed to code that keeps it); returns `x`. */
export function disown<T>(x: T): T {
  if (x instanceof NDArray) setOwnedArray(x, false);
  return x;
}

/** The same rules, made to accept a `number` as their first operand (a 0-d array to the
 * rule; its adjoint comes back as a number). */
export function scalarOperands(rules: Record<string, AdjointRule>): Record<string, AdjointRule> {
  const wrap = ({ params, wrt, vjp, reads, shapeOnly, jvp }: AdjointRule): AdjointRule => {
    const r = rule(
      params.slice(),
      wrt.slice(),
      (g, x, ...rest) => {
        if (typeof x !== "number") return vjp(g, x, ...rest);
        const grads = vjp(g, new NDArray(Float64Array.of(x), []), ...rest);
        return [sumToNumber(grads[0] as NDArray), ...grads.slice(1)];
      },
      reads,
      shapeOnly,
    );
    if (jvp === undefined) return r;
    return withJvp(r, ([dx, ...rest], x, ...args) =>
      typeof x === "number" ? jvp([tangentArray(dx), ...rest], new NDArray(Float64Array.of(x), []), ...args) : jvp([dx, ...rest], x, ...args));
  };
  return Object.fromEntries(Object.entries(rules).map(([name, r]) => [name, wrap(r)]));
}

const addF = (acc: number, a: number) => acc + a;
const subF = (acc: number, a: number) => acc - a;
const mulF = (acc: number, a: number) => acc * a;
const setF = (_acc: number, a: number) => a;

/** The backend's binary kernel for each accumulation this module does. */
const onBackendOps = new Map<(acc: number, a: number) => number, "add" | "sub" | "mul">([[addF, "add"], [subF, "sub"], [mulF, "mul"]]);

/** `acc = f(acc, x)` over `shape` by the active backend's kernels (see backend/index.ts),
 * where it has them for these operands (float arrays of one type, or a number, from its
 * minSize): its binary kernel where `x` broadcasts to `acc`, its sum where `acc` is the
 * smaller (the adjoint of a broadcast). False where it has none (nothing written). */
function intoOnBackend(f: (acc: number, a: number) => number, acc: NDArray, x: ArrayOrScalar, shape: Shape): boolean {
  const op = onBackendOps.get(f);
  const b = backend();
  if (op === undefined || (acc.dtype !== "float64" && acc.dtype !== "float32") || (typeof x !== "number" && x.dtype !== acc.dtype)) return false;
  if (shape.reduce((p, d) => p * d, 1) < b.minSize) return false;
  const target = { data: acc.data, offset: acc.offset, strides: broadcastStrides(acc.shape, acc.strides, shape) };
  const xs = typeof x === "number" ? x : { data: x.data, offset: x.offset, strides: broadcastStrides(x.shape, x.strides, shape) };
  if (sameShape(shape, acc.shape)) return b.binary(op, shape, target, target, xs);
  return op === "add" && typeof xs !== "number" && b.reduce("sum", shape, target, xs);
}

/** `acc = f(acc, x)` in place over the broadcast of both shapes; where `acc` is the
 * smaller, the extra elements of `x` are folded in (a reduction). Floats do not go into
 * an integer `acc` unless `unsafeCast` (assignment truncates, as NumPy's does). */
export function into(op: string, f: (acc: number, a: number) => number, acc: NDArray, x: ArrayOrScalar, unsafeCast = false): NDArray {
  const xs = typeof x === "number" ? new NDArray(Float64Array.of(x), []) : x;
  if (!unsafeCast) checkCast(op, typeof x === "number" && Number.isInteger(x) ? "int32" : xs.dtype, acc.dtype);
  if (xs.size >= backend().minSize || acc.size >= backend().minSize) {
    if (intoOnBackend(f, acc, x, sameShape(acc.shape, xs.shape) ? acc.shape : broadcastShapes(op, acc.shape, xs.shape))) return acc;
  }
  const kernel = kernelFor("into", f, intoKey(acc.dtype, xs.dtype));
  // Contiguous operands of one shape, or all of x into a 0-d acc: one kernel call.
  if (acc.isContiguous && xs.isContiguous) {
    if (sameShape(acc.shape, xs.shape)) {
      kernel(acc.size, acc.data, acc.offset, 1, xs.data, xs.offset, 1);
      return acc;
    }
    if (acc.ndim === 0) {
      kernel(xs.size, acc.data, acc.offset, 0, xs.data, xs.offset, 1);
      return acc;
    }
  }
  const shape = broadcastShapes(op, acc.shape, xs.shape);
  iterate(kernel, shape, [
    { data: acc.data, offset: acc.offset, strides: broadcastStrides(acc.shape, acc.strides, shape) },
    { data: xs.data, offset: xs.offset, strides: broadcastStrides(xs.shape, xs.strides, shape) },
  ]);
  return acc;
}

/** `acc += x` in place, `x` broadcast to `acc`'s shape or summed down to it; returns `acc`.
 * `acc` must own its elements (not a broadcast view). */
export const addInto = (acc: NDArray, x: ArrayOrScalar): NDArray => into("addInto", addF, acc, x);
/** `acc -= x` in place (broadcast or summed like `addInto`); returns `acc`. */
export const subInto = (acc: NDArray, x: ArrayOrScalar): NDArray => into("subInto", subF, acc, x);
/** `acc *= x` in place, `x` broadcast to `acc`'s shape; returns `acc`. */
export function mulInto(acc: NDArray, x: ArrayOrScalar): NDArray {
  if (typeof x !== "number" && !sameShape(broadcastShapes("mulInto", acc.shape, x.shape), acc.shape)) {
    throw new Error(`mulInto: ${formatShape(x.shape)} does not broadcast to the accumulator's ${formatShape(acc.shape)}`);
  }
  return into("mulInto", mulF, acc, x);
}

/** The sum of all elements of `x` as a JS number. */
export function sumToNumber(x: ArrayOrScalar): number {
  if (typeof x === "number") return x;
  const acc = new NDArray(allocate("float64", 1), []);
  return into("sum", addF, acc, x).data[0];
}

/** `x` summed down to `target`'s shape (the adjoint of broadcasting `target`):
 * `x` itself when the shapes agree, a number when `target` is a number. */
export function unbroadcast(x: NDArray, target: ArrayOrScalar | ArrayMeta | Shape): NDArray | number {
  if (typeof target === "number") return sumToNumber(x);
  const shape = "shape" in target ? target.shape : target;
  if (sameShape(shape, x.shape)) return x;
  const dtype: DType = x.dtype === "float32" ? "float32" : "float64";
  return into("unbroadcast", addF, new NDArray(allocate(dtype, shape.reduce((p, d) => p * d, 1)), shape), x);
}

/** A contiguous copy (elementwise's `copy`, which imports this module). */
const copyOf = (x: NDArray): NDArray => into("accumulate", setF, new NDArray(allocate(x.dtype, x.size), x.shape), x);

/** Adds adjoint `x` into `acc` and returns the sum, allocating only when `acc` is
 * `undefined` (then a copy of `x` that the caller owns). Numbers add as numbers. */
export function accumulate<T extends NDArray | number | undefined>(acc: T | undefined, x: T): T {
  if (x === undefined) return acc as T;
  if (acc === undefined) return (typeof x === "number" ? x : copyOf(x as NDArray)) as T;
  if (typeof acc === "number") return (acc + sumToNumber(x as ArrayOrScalar)) as T;
  return addInto(acc as NDArray, x as ArrayOrScalar) as T;
}
