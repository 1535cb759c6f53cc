// What generated code calls for array methods that read their array and make a new one
// (re-exported by ./generated.ts): the reverse of `x.slice(begin, end)`, the index `x.at(i)`
// reads, and the permutation `sort` applies, each read exactly as JavaScript reads them.
import { integer, position } from "./array-methods.js";

type Numbers = Float64Array | Float32Array | number[];

/** The reverse of `r = x.slice(begin, …)`: r's adjoint added into x's from where the slice began. */
export function addSliceInto(dx: Numbers, dr: ArrayLike<number>, begin?: unknown): void {
  const start = position(begin ?? 0, dx.length);
  for (let i = 0; i < dr.length; i++) dx[start + i] += dr[i];
}

/** The element `x.at(i)` reads: i counted from the end when negative. */
export function atIndex(x: ArrayLike<number>, i: unknown): number {
  const n = integer(i);
  return n < 0 ? n + x.length : n;
}

/**
 * The permutation `x.sort(compare)` applies: `order[k]` is the position in x of the element
 * that ends at k. The indices are sorted with the same comparison as the user's sort, in an
 * array of x's own kind (Array.prototype.sort for a number[], the typed arrays' sort otherwise),
 * so it is the same stable sort making the same comparisons. `direction` is 1 for
 * `(a, b) => a - b`, -1 for `(a, b) => b - a`, 0 for no comparator (typed arrays: numeric
 * order with -0 before +0 and NaN last; number[]: the elements' strings, as JavaScript does).
 */
export function sortOrder(x: Numbers, direction: 1 | -1 | 0): ArrayLike<number> {
  const indices = Array.isArray(x) ? Array.from(x.keys()) : Float64Array.from(x.keys());
  const compare =
    direction === 1
      ? (i: number, j: number) => x[i] - x[j]
      : direction === -1
        ? (i: number, j: number) => x[j] - x[i]
        : Array.isArray(x)
          ? (i: number, j: number) => compareStrings(String(x[i]), String(x[j]))
          : (i: number, j: number) => compareNumbers(x[i], x[j]);
  return (indices as number[]).sort(compare);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** TypedArray.prototype.sort's order without a comparator. */
function compareNumbers(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === 0 && b === 0) return Object.is(a, -0) ? (Object.is(b, -0) ? 0 : -1) : Object.is(b, -0) ? 1 : 0;
  return 0;
}

/** `a.concat(...)` spreads only Arrays: a typed array would be one element, so generated code refuses it at run time. */
export function assertConcatenable(value: unknown, role: string): void {
  if (!Array.isArray(value)) {
    throw new TypeError(`adjoint: ${role} of concat(…) is not an Array (a typed array is appended as one element, and has no concat); spread it instead: [...a, ...b]`);
  }
}
