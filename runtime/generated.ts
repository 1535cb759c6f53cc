// What generated code calls (imported as `adjoint/runtime`). Users never import this.
import { ValueStack } from "./stack.js";
import { keeper, keptZeros } from "./reuse.js";
import { freshZeros } from "./zeros.js";
import { overlap } from "./overlap.js";
import { ndarrays, type NDArraySupport } from "./ndarray-slot.js";
import type { NDArray } from "./np/ndarray.js";

/** The NDArray half, which adjoint/np loads: an NDArray reaching generated code means it is there. */
function nd(): NDArraySupport {
  if (ndarrays === undefined) throw new Error("adjoint: generated code was given an object that is not a number or an array of numbers, and adjoint/np is not loaded");
  return ndarrays;
}

/**
 * `acc + x`: numbers add, arrays of numbers add into a new array; NDArrays through
 * ./generated-ndarray.ts, which may add in place into an adjoint nothing else holds.
 */
export function accumulate<T extends NDArray | NumericArray | number | undefined>(acc: T, x: NDArray | NumericArray | number | undefined): T {
  if (x === undefined) return acc;
  // A copy: the array given may be an adjoint its owner goes on to reset (`dt1.fill(0)`).
  if (acc === undefined) return (isNumericArray(x) ? addInto(zerosLike(x), x) : x) as T;
  if (typeof acc === "number") return (acc + (typeof x === "number" ? x : isNumericArray(x) ? sum(x) : nd().sumToNumber(x))) as T;
  if (isNumericArray(acc)) return addInto(addInto(zerosLike(acc), acc), x as NumericArray) as T;
  return nd().accumulate(acc, x) as T;
}

/** `grad(f, { out: true })`: the function keeping its gradient arrays from call to call. */
export { reusing } from "./reuse.js";
/** Compiled `out: true`: the arrays an entry point keeps, compared with its arguments by memory. */
export { keptArrays } from "./kept.js";

/** The adjoint rules of adjoint/np that generated code calls, plus `x.item()`'s (filled in by adjoint/np). */
export { rules as np } from "./ndarray-slot.js";
/** What forward mode over a generated NDArray gradient calls (ndarray-slot.ts's `SecondOrderTables`). */
export { secondOrder } from "./ndarray-slot.js";
/** A fused elementwise chain's run-time half (np/fused.ts), filled in by adjoint/np. */
export { fusion } from "./ndarray-slot.js";

/** An NDArray's shape and dtype without its data (np/vjp.ts's `ArrayMeta`): what the reverse
 * sweep keeps for a rule that reads an operand only for its shape. */
class Meta {
  constructor(
    readonly shape: readonly number[],
    readonly dtype: NDArray["dtype"],
    readonly size: number,
    readonly ndim: number,
  ) {}
}
/** `x`'s stand-in for a rule's `shapeOnly` parameter; a number is its own. */
export function shapeOf(x: NDArray | number): Meta | number {
  return typeof x === "number" ? x : new Meta(x.shape, x.dtype, x.size, x.shape.length);
}

/** An NDArray parameter's gradient: zeros of its shape when no gradient reached it. */
export function orZerosLike(gradient: NDArray | NumericArray | number | undefined, x: unknown): NDArray | NumericArray | number {
  // The caller keeps it: no later accumulate may write into it.
  if (gradient !== undefined) return ndarrays === undefined ? gradient : ndarrays.disown(gradient);
  if (isNumericArray(x)) return zerosLike(x);
  if (typeof x === "number") return 0;
  if (ndarrays?.isNDArray(x)) return ndarrays.zerosLike(x) as NDArray;
  throw new Error(`adjoint: cannot differentiate with respect to ${describe(x)}: a gradient is taken with respect to numbers, arrays of numbers and NDArrays`);
}

/** A vjp's head gradient: a number given for an NDArray result becomes that array's shape. */
export function head(value: unknown, dvalue: unknown): unknown {
  return ndarrays === undefined ? dvalue : ndarrays.head(value, dvalue);
}

export { ValueStack };
/** Saving and undoing array methods that write into their array (push, splice, set, …). */
export { fit, overwrittenByCopyWithin, overwrittenBySet, putBack, removedBySplice, undoCopyWithin, undoFill, undoPop, undoSet, undoShift, undoSplice } from "./array-methods.js";
/** What slice, at, concat and sort need (the array methods that make a new array). */
export { addSliceInto, assertConcatenable, atIndex, sortOrder } from "./array-reads.js";
/** Runs a compiled `autograd.record` block (see ./autograd.ts). */
export { record } from "./autograd.js";
export { hessianBlocks, hessianRows, jacfwdOf, jacobianFields, jacobianOf, jacobianRows } from "./jacobian.js";

/** A function's vector-Jacobian product: `(...args) => [value, pullback]`, where
 * `pullback(dvalue)` returns one adjoint per parameter. */
export type Vjp = (...args: any[]) => [unknown, (dvalue: any) => unknown[]];

/** Where a `differentiable` or `customGrad` function keeps its vjp. */
export const VJP: unique symbol = Symbol.for("adjoint.vjp") as never;

/** What a `differentiable` function does to the arrays it is given (its summary), where it does anything. */
const EFFECTS: unique symbol = Symbol.for("adjoint.effects") as never;

/** The array parameters a function writes into, and whether it may return one of them. */
export interface Effects {
  writes: readonly number[];
  returnsArgument: boolean;
}

type WithVjp = { [VJP]?: Vjp; [EFFECTS]?: Effects };

/** Attaches the generated vjp to a function marked `differentiable` (and what it does to its arrays) and returns it. */
export function withVjp<F extends (...args: any[]) => any>(fn: F, vjp: Vjp, effects?: Effects): F {
  Object.defineProperty(fn, VJP, { value: vjp, enumerable: false });
  if (effects) Object.defineProperty(fn, EFFECTS, { value: effects, enumerable: false });
  return fn;
}

/** The vjp of a function defined in another module; throws if it has none. */
export function vjpOf(fn: unknown, name: string): Vjp {
  const vjp = typeof fn === "function" ? (fn as WithVjp)[VJP] : undefined;
  if (vjp === undefined) {
    throw new Error(
      `adjoint: cannot differentiate through '${name}': it is not marked differentiable. ` +
        `Wrap it as differentiable(${name}) in the module that defines it (and compile that module with adjoint), ` +
        `or give it a hand-written rule with customGrad.`,
    );
  }
  // A caller in another module was compiled without this function's summary: it took the
  // arrays it passes as read, so a function that writes one is refused rather than guessed.
  const effects = (fn as WithVjp)[EFFECTS];
  if (effects !== undefined) {
    const { writes } = effects;
    const what = writes.length > 0 ? `it writes into the array${writes.length === 1 ? "" : "s"} it is given as parameter ${writes.join(", ")}` : "it may return an array it was given";
    throw new Error(
      `adjoint: cannot differentiate through '${name}' from another module: ${what}, ` +
        `and out-parameters are differentiated only within one module. Call it from a function of its own module, or have it return a new array.`,
    );
  }
  return vjp;
}

/**
 * The adjoint an attached callee's rule gives for an argument the caller read as an element of
 * an array of numbers. In untyped JavaScript that element may be a row (`rowDot(w, X[i])`
 * differentiated by X), whose adjoint cannot be added to a number: refused, not summed as strings.
 */
export function numberAdjoint(adjoint: unknown): number {
  if (typeof adjoint === "number") return adjoint;
  if (adjoint === undefined || adjoint === null) return 0;
  throw new Error(
    "adjoint: a customGrad or differentiable function gave an array adjoint for an element the caller reads as a number: " +
      "an array of arrays is read as data, never differentiated (keep the rows in one flat Float64Array, indexed rows[k * n + j], to differentiate them)",
  );
}

/** The head gradient of a gradient entry point's result. */
export function seed(value: unknown, name: string): number | NumericArray {
  return seedFor(value, `grad(${name})`);
}

/** The head gradient an output is seeded with: 1, or ones for an array (the gradient of its sum). */
function seedFor(value: unknown, what: string): number | NumericArray {
  if (typeof value === "number") return 1;
  if (isNumericArray(value)) return zerosLike(value).fill(1);
  if (ndarrays?.isNDArray(value)) return ndarrays.onesLike(value) as NumericArray;
  throw new Error(`adjoint: ${what}: the differentiated function returned ${describe(value)}, not a number or an array of numbers`);
}

/** What indexed code differentiates: typed arrays of floats and plain number arrays. */
export type NumericArray = Float64Array | Float32Array | number[];

function isNumericArray(value: unknown): value is NumericArray {
  return value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value);
}

/** A zero array of the same kind and length: the adjoint of `array` (inside a `reusing` function, a kept one). */
export function zerosLike<T extends NumericArray>(array: T): T {
  return keeper === null ? freshZeros(array) : keptZeros(keeper, array, freshZeros);
}

/** `target[i] += source[i]` for every i; returns target. */
export function addInto<T extends NumericArray>(target: T, source: NumericArray): T {
  if (source.length !== target.length) {
    throw new Error(`adjoint: an array adjoint of length ${source.length} was given for an array of length ${target.length}`);
  }
  for (let i = 0; i < target.length; i++) target[i] += source[i];
  return target;
}


export function sum(array: NumericArray): number {
  let total = 0;
  for (let i = 0; i < array.length; i++) total += array[i];
  return total;
}

/**
 * The adjoint arrays of the arrays a function makes or is given, found by array. A typed
 * array's view (`x.subarray(1)`, made anywhere) has the same view of its array's adjoint.
 */
export class ArrayAdjoints extends Map<NumericArray, NumericArray> {
  override get(array: NumericArray): NumericArray | undefined {
    const found = super.get(array);
    if (found !== undefined || !ArrayBuffer.isView(array)) return found;
    for (const [base, adjoint] of this) {
      if (Array.isArray(base) || Array.isArray(adjoint) || base.buffer !== array.buffer || base.BYTES_PER_ELEMENT !== array.BYTES_PER_ELEMENT) continue;
      const offset = (array.byteOffset - base.byteOffset) / base.BYTES_PER_ELEMENT;
      if (offset < 0 || offset + array.length > base.length) continue;
      const view = adjoint.subarray(offset, offset + array.length);
      this.set(array, view);
      return view;
    }
    return undefined;
  }

  /** The adjoint of an array made by code adjoint does not see: a known array's, else new zeros. */
  orZeros(array: NumericArray | undefined): NumericArray | undefined {
    // Before a loop's first iteration the variable holds no array yet.
    if (array === undefined) return undefined;
    const found = this.get(array);
    if (found !== undefined) return found;
    const made = zerosLike(array);
    this.set(array, made);
    return made;
  }
}


/** A vjp's head gradient for an array result, added unless it is the result's own adjoint (the caller's, passed in place). */
export function addHead(dresult: NumericArray, head: NumericArray | undefined): void {
  if (head === undefined || overlap(dresult, head)) return;
  addInto(dresult, head);
}

/** Two array parameters that are one array would share one adjoint: refuse rather than guess. */
export function assertDistinct(...namedArrays: unknown[]): void {
  for (let i = 0; i < namedArrays.length; i += 2) {
    for (let j = i + 2; j < namedArrays.length; j += 2) {
      if (overlap(namedArrays[i], namedArrays[j])) {
        throw new Error(
          `adjoint: parameters '${namedArrays[i + 1]}' and '${namedArrays[j + 1]}' are the same array; the gradient with respect to each is not defined. Pass a copy (e.g. ${namedArrays[j + 1]}.slice()).`,
        );
      }
    }
  }
}

/** A pullback whose reverse sweep puts overwritten array elements back can run only once. */
export function pullbackOnce(alreadyRan: boolean, name: string): true {
  if (alreadyRan) {
    throw new Error(
      `adjoint: the pullback of ${name} was already called; ${name} overwrites array elements, and its pullback restores them as it runs, so it runs once. Call vjp(${name}) again for another pullback.`,
    );
  }
  return true;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** `pick` is the position of the one wanted adjoint, or the positions of several. */
export type Pick = number | readonly number[];

function picked(adjoints: unknown[], pick: Pick): unknown {
  return typeof pick === "number" ? adjoints[pick] : pick.map((i) => adjoints[i]);
}

export function gradOf(vjp: Vjp, pick: Pick) {
  return (...args: unknown[]) => {
    const [value, pullback] = vjp(...args);
    return picked(pullback(seedFor(value, "grad")), pick);
  };
}

export function valueAndGradOf(vjp: Vjp, pick: Pick) {
  return (...args: unknown[]) => {
    const [value, pullback] = vjp(...args);
    return [value, picked(pullback(seedFor(value, "valueAndGrad")), pick)];
  };
}

export function vjpWith(vjp: Vjp, pick: Pick, reads: readonly number[] = []) {
  return (...args: unknown[]) => {
    const [value, pullback] = vjp(...args);
    // The pullback reads these arrays as the forward sweep left them: written since, it would be a gradient at another point.
    const keep = () => reads.map((i): ArrayLike<number> => (ndarrays?.isNDArray(args[i]) ? Float64Array.from(ndarrays.values(args[i])) : Array.from(args[i] as ArrayLike<number>)));
    let kept = keep();
    return [
      value,
      (dvalue: unknown) => {
        reads.forEach((i, k) => {
          if (changed(elementsOf(args[i]), kept[k])) throw new Error(writtenSince(i));
        });
        const gradient = picked(pullback(dvalue), pick);
        // A pullback that puts elements back leaves them as they were before the vjp: what a second call (refused by pullbackOnce) finds.
        if (reads.length > 0) kept = keep();
        return gradient;
      },
    ];
  };
}

/** An array's elements, or an NDArray's (its data can be written through `out` arguments and `.data`). */
function elementsOf(x: unknown): ArrayLike<number> {
  return ndarrays?.isNDArray(x) ? ndarrays.values(x) : (x as ArrayLike<number>);
}

function changed(array: ArrayLike<number>, copy: ArrayLike<number>): boolean {
  if (array.length !== copy.length) return true;
  for (let k = 0; k < copy.length; k++) if (!Object.is(array[k], copy[k])) return true;
  return false;
}

const writtenSince = (i: number) =>
  `adjoint: a vjp's pullback reads argument ${i} as it was when the vjp ran, and that array has been written since: ` +
  "the gradient would be at another point. Call the vjp again after writing it, or give the vjp a copy.";

/**
 * What a marker call becomes when adjoint refused its module at build time and the build
 * wrote the module anyway (tspc without noEmitOnError): a function that throws the build's
 * diagnostics ("file:line:column ADJ010: message"), so the error names the problem rather
 * than a missing plugin. An autograd.record block calls it at once.
 */
export function refused(marker: string, problems: readonly string[]): (...args: unknown[]) => never {
  const fail = (): never => {
    throw new Error(
      `adjoint: ${marker} has no generated code, because the build refused it: ${problems.join("; ")}. ` +
        `Fix ${problems.length === 1 ? "that" : "those"} and rebuild (the build reported ${problems.length === 1 ? "it" : "them"} and wrote this file anyway).`,
    );
  };
  // Called through from a gradient in another module, it throws the same.
  return withVjp(fail, fail);
}

/** Binomial checkpointing of loops marked `checkpoint`: the schedule and its snapshots. */
export { Checkpoints, beta, checkpointTotals, resetCheckpointTotals, revolveAdvances } from "./checkpoint.js";
