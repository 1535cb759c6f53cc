// What generated code calls for array methods that write into their array (re-exported by
// ./generated.ts): the parts a forward sweep saves before such a call, and the undoing of it
// in the reverse sweep, for the array and for its adjoint array at once. Indices are read
// exactly as JavaScript reads them (negative from the end, omitted, fractional, out of range).
// The rules that say which of these each method uses are in compiler/rules/array-methods.ts.

/** The arrays these helpers work on: number[] and typed arrays of floats. */
type Numbers = Float64Array | Float32Array | number[];

/** ToIntegerOrInfinity. */
export function integer(value: unknown): number {
  const n = Number(value);
  return Number.isNaN(n) ? 0 : n === Infinity || n === -Infinity ? n : Math.trunc(n) + 0;
}

/** A relative index (`-1`: the last element) as a position in 0…length, as slice, splice, fill and copyWithin read it. */
export function position(value: unknown, length: number): number {
  const n = integer(value);
  return n < 0 ? Math.max(length + n, 0) : Math.min(n, length);
}

/** Where splice(...args) starts and how many elements it removes, on an array of `length`. */
function spliceRange(length: number, args: unknown[]): [start: number, count: number] {
  if (args.length === 0) return [0, 0];
  const start = position(args[0], length);
  const count = args.length === 1 ? length - start : Math.min(Math.max(integer(args[1]), 0), length - start);
  return [start, count];
}

/** What `a.splice(...args)` is about to remove (the forward sweep saves it). */
export function removedBySplice(a: Numbers, ...args: unknown[]): number[] {
  const [start, count] = spliceRange(a.length, args);
  return Array.from(a.slice(start, start + count));
}

/** What `a.set(source, offset)` is about to overwrite. */
export function overwrittenBySet(a: Numbers, source: ArrayLike<number>, offset?: unknown): number[] {
  const at = integer(offset);
  return Array.from(a.slice(at, at + source.length));
}

/** Where `a.copyWithin(target, start, end)` writes and reads from, and how many elements. */
function copyRange(length: number, target: unknown, start: unknown, end: unknown): [to: number, from: number, count: number] {
  const to = position(target, length);
  const from = position(start, length);
  const final = end === undefined ? length : position(end, length);
  return [to, from, Math.max(Math.min(final - from, length - to), 0)];
}

/** What `a.copyWithin(target, start, end)` is about to overwrite. */
export function overwrittenByCopyWithin(a: Numbers, target: unknown, start?: unknown, end?: unknown): number[] {
  const [to, , count] = copyRange(a.length, target, start, end);
  return Array.from(a.slice(to, to + count));
}

/** Writes `values` into `a` from `at` on. */
function write(a: Numbers, values: ArrayLike<number>, at: number): void {
  for (let i = 0; i < values.length; i++) a[at + i] = values[i];
}

/**
 * Undoes `a.splice(...args)` that removed `removed` and inserted `inserted` elements: the
 * array and its adjoint get their old length back, the removed elements come back with the
 * adjoint `dremoved` (the removed array's adjoint, or a number for pop/shift). Returns the
 * adjoints of the inserted elements.
 */
export function undoSplice(a: number[], da: number[] | undefined, removed: number[], dremoved: ArrayLike<number> | number | undefined, inserted: number, ...args: unknown[]): number[] {
  // The length before the call, from the length after it and what it removed and inserted.
  const [start] = spliceRange(a.length - inserted + removed.length, args);
  a.splice(start, inserted, ...removed);
  if (da === undefined) return [];
  const back = removed.map((_, i) => (dremoved === undefined ? 0 : typeof dremoved === "number" ? dremoved : dremoved[i]));
  return da.splice(start, inserted, ...back);
}

/** Undoes `t = a.pop()`, which removed `removed` (one element, or none from an empty array); `dt` is t's adjoint. */
export function undoPop(a: number[], da: number[] | undefined, removed: number[], dt: number): void {
  if (removed.length === 0) return;
  a.push(removed[0]);
  da?.push(dt);
}

/** Undoes `t = a.shift()`, which removed `removed` (one element, or none from an empty array); `dt` is t's adjoint. */
export function undoShift(a: number[], da: number[] | undefined, removed: number[], dt: number): void {
  if (removed.length === 0) return;
  a.unshift(removed[0]);
  da?.unshift(dt);
}

/**
 * Undoes `a.fill(v, start, end)`, which overwrote `overwritten`: returns v's adjoint (the sum
 * of the filled elements' adjoints, which are spent) and puts the old elements back.
 */
export function undoFill(a: Numbers, da: Numbers | undefined, overwritten: number[], start?: unknown, end?: unknown): number {
  const from = position(start, a.length);
  let total = 0;
  if (da !== undefined) {
    for (let i = from; i < from + overwritten.length; i++) {
      total += da[i];
      da[i] = 0;
    }
  }
  write(a, overwritten, from);
  return total;
}

/**
 * Undoes `a.set(source, offset)`, which overwrote `overwritten`: the written elements'
 * adjoints go to the source's (`dsource`, which may be `da` itself) and are spent; the old
 * elements come back.
 */
export function undoSet(a: Numbers, da: Numbers | undefined, overwritten: number[], dsource: Numbers | undefined, offset?: unknown): void {
  const at = integer(offset);
  if (da !== undefined) {
    // Read before zeroing: the source may be the array itself.
    const spent = Array.from(da.slice(at, at + overwritten.length));
    for (let i = 0; i < spent.length; i++) da[at + i] = 0;
    if (dsource !== undefined) for (let i = 0; i < spent.length; i++) dsource[i] += spent[i];
  }
  write(a, overwritten, at);
}

/**
 * Undoes `a.copyWithin(target, start, end)`, which overwrote `overwritten`: the copied
 * elements' adjoints go back to the elements they were copied from; the old elements come back.
 */
export function undoCopyWithin(a: Numbers, da: Numbers | undefined, overwritten: number[], target: unknown, start?: unknown, end?: unknown): void {
  const [to, from, count] = copyRange(a.length, target, start, end);
  if (da !== undefined) {
    const spent = Array.from(da.slice(to, to + count));
    for (let i = 0; i < count; i++) da[to + i] = 0;
    for (let i = 0; i < count; i++) da[from + i] += spent[i];
  }
  write(a, overwritten, to);
}

/**
 * Gives a number[]'s adjoint the array's length where the reverse sweep finds it (an adjoint
 * made with the array, `[]`, before it grew): the elements it gains have no gradient yet.
 */
export function fit(da: Numbers, a: Numbers): void {
  if (!Array.isArray(da) || da.length === a.length) return;
  const length = da.length;
  da.length = a.length;
  if (a.length > length) da.fill(0, length);
}

/** Puts an array parameter back as the forward sweep left it, its length included. */
export function putBack(a: Numbers, final: Numbers): void {
  if (Array.isArray(a)) a.length = final.length;
  write(a, final, 0);
}
