// Arrays of zeros for adjoints: fresh ones (`zerosLike`), and kept ones refilled (`out: true`).
import type { NumericArray } from "./generated.js";

/** Up to this length the zeros number[] adjoints are sliced from are kept for good (512 KB). */
const KEPT_ZEROS = 1 << 16;

/** Packed doubles, all +0: a number[] adjoint is a slice of it, one copy, of the elements kind later stores want. */
let zeros = packedZeros(64);
/** Longer ones, kept while something else keeps the process from collecting them. */
let longZeros: WeakRef<number[]> | undefined;

function packedZeros(length: number): number[] {
  // A double literal makes the array's elements doubles; zeros pushed onto it stay doubles.
  const made = [0.5];
  made[0] = 0;
  while (made.length < length) made.push(0);
  return made;
}

/** A new number[] of `length` zeros, packed doubles (a `new Array(n)` is holey; a slice of the input then zeroed is two passes). */
export function zeroNumbers(length: number): number[] {
  if (length <= KEPT_ZEROS) {
    if (zeros.length < length) zeros = packedZeros(Math.min(KEPT_ZEROS, Math.max(length, 2 * zeros.length)));
    return zeros.slice(0, length);
  }
  let long = longZeros?.deref();
  if (long === undefined || long.length < length) {
    long = packedZeros(length);
    longZeros = new WeakRef(long);
  }
  return long.slice(0, length);
}

/** A zero array of `array`'s kind and length. */
export function freshZeros<T extends NumericArray>(array: T): T {
  // The common kind first: a constructor found through the instance is a slow, polymorphic call.
  if (array instanceof Float64Array) return new Float64Array(array.length) as T;
  if (Array.isArray(array)) return zeroNumbers(array.length) as T;
  return new (array.constructor as { new (length: number): T })(array.length);
}

/**
 * The array an `out: true` gradient kept from its last call (undefined: none, or one an
 * argument holds), zeroed, where it has `like`'s kind and length; else a new one.
 */
export function refill<T extends NumericArray>(kept: T | undefined, like: T): T {
  if (kept !== undefined) {
    // Each kind tested on its own: one shared function sees every kind of every gradient.
    if (kept instanceof Float64Array) {
      if (like instanceof Float64Array && kept.length === like.length) return zeroed(kept) as T;
    } else if (Array.isArray(kept)) {
      if (Array.isArray(like) && kept.length === like.length) {
        // A short array is zeroed faster by a loop than by a call of fill.
        for (let i = 0; i < kept.length; i++) kept[i] = 0;
        return kept;
      }
    } else if (kept.constructor === like.constructor && kept.length === like.length) return kept.fill(0) as T;
  }
  return freshZeros(like);
}

function zeroed(kept: Float64Array): Float64Array {
  if (kept.length > 32) return kept.fill(0);
  for (let i = 0; i < kept.length; i++) kept[i] = 0;
  return kept;
}
