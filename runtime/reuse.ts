// `grad(f, { out: true })` compiles to `reusing(f$grad)`: while the function runs, each array
// adjoint generated code makes (`zerosLike`) is the buffer kept in the same slot by its last
// call, zeroed, where that buffer has the kind and length asked for and is not reachable from
// an argument (a gradient passed back in, directly, as a view or in a record, is never overwritten
// while it is read: it gets a fresh buffer, which the slot keeps from then on). So the
// arrays a call returns are overwritten by the next call of the same function.
import type { NumericArray } from "./generated.js";
import { overlap } from "./overlap.js";

interface Keeper {
  buffers: NumericArray[];
  next: number;
  /** The call's arguments: its first four, and the rest in a list (empty where there are none). */
  a: unknown;
  b: unknown;
  c: unknown;
  d: unknown;
  rest: unknown[];
  /** Whether an argument may hold an array inside it (a record): then the arguments are searched. */
  deep: boolean;
  running: boolean;
}

const NONE: unknown[] = [];

/** The keeper of the `reusing` function running now, or null (zerosLike allocates). */
export let keeper: Keeper | null = null;

/** `f` keeping the arrays its gradients are made in, from one call to the next. */
export function reusing<F extends (...args: never[]) => unknown>(f: F): F {
  const own: Keeper = { buffers: [], next: 0, a: undefined, b: undefined, c: undefined, d: undefined, rest: NONE, deep: false, running: false };
  const call = f as unknown as (...args: unknown[]) => unknown;
  const enter = (a: unknown, b: unknown, c: unknown, d: unknown, rest: unknown[]): Keeper | null => {
    // Called again from inside its own call (a custom rule calling it): fresh arrays there.
    if (own.running) return (keeper = null);
    own.next = 0;
    own.a = a;
    own.b = b;
    own.c = c;
    own.d = d;
    own.rest = rest;
    own.deep = holds(a) || holds(b) || holds(c) || holds(d) || rest.some(holds);
    own.running = true;
    return (keeper = own);
  };
  const leave = (outer: Keeper | null): void => {
    if (keeper === own) {
      own.running = false;
      own.a = own.b = own.c = own.d = undefined;
      own.rest = NONE;
    }
    keeper = outer;
  };
  // A generated gradient has at most four parameters: it is called with four, and no list is made.
  if (f.length > 0 && f.length <= 4) {
    return function (a: unknown, b: unknown, c: unknown, d: unknown) {
      const outer = keeper;
      enter(a, b, c, d, NONE);
      try {
        return call(a, b, c, d);
      } finally {
        leave(outer);
      }
    } as unknown as F;
  }
  return function (this: unknown, ...args: unknown[]) {
    const outer = keeper;
    enter(args[0], args[1], args[2], args[3], args.slice(4));
    try {
      return call.apply(this, args);
    } finally {
      leave(outer);
    }
  } as unknown as F;
}

/** The zeros `zerosLike(array)` gives while `k`'s function runs. */
export function keptZeros<T extends NumericArray>(k: Keeper, array: T, fresh: (array: T) => T): T {
  const slot = k.next++;
  const kept = k.buffers[slot] as T | undefined;
  if (kept !== undefined && kept.length === array.length && kept.constructor === array.constructor && !held(k, kept)) {
    // A short array is zeroed faster by a loop than by a call of fill.
    if (kept.length > 32) return kept.fill(0) as T;
    for (let i = 0; i < kept.length; i++) kept[i] = 0;
    return kept;
  }
  const made = fresh(array);
  k.buffers[slot] = made;
  return made;
}

/** Whether the call's arguments hold `buffer`: as one of them, or inside a record or a list of them. */
function held(k: Keeper, buffer: unknown): boolean {
  // By memory: an argument may be a subarray of the buffer.
  if (overlap(buffer, k.a) || overlap(buffer, k.b) || overlap(buffer, k.c) || overlap(buffer, k.d) || k.rest.some((arg) => overlap(buffer, arg))) return true;
  if (!k.deep) return false;
  return reaches(k.a, buffer, 3) || reaches(k.b, buffer, 3) || reaches(k.c, buffer, 3) || reaches(k.d, buffer, 3) || k.rest.some((arg) => reaches(arg, buffer, 3));
}

/** Whether `value` may hold an array other than as itself: a record, a list of objects. */
function holds(value: unknown): boolean {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return false;
  return !Array.isArray(value) || (value.length > 0 && typeof value[0] === "object");
}

/** Whether `buffer` is `value`, or held in it, `depth` levels down. */
function reaches(value: unknown, buffer: unknown, depth: number): boolean {
  if (overlap(value, buffer)) return true;
  if (depth === 0 || !holds(value)) return false;
  return (Array.isArray(value) ? value : Object.values(value as object)).some((item) => reaches(item, buffer, depth - 1));
}
