// One entry per array method that writes into its array: which operands flow into the
// array and into the result (activity), what the forward sweep saves before the call,
// what its reverse does to the adjoint array, to the arguments' adjoints and to the array,
// and its tangent (forward mode): the same method on the tangent array, given tangents.
// The run-time halves (`adjointRuntime.undoSplice`, …) are in runtime/array-methods.ts.

/** What a rule's reverse is given: the code of the array, its adjoint, the arguments, … */
export interface MethodSite {
  /** The array. */
  a: string;
  /** Its adjoint array; null where the array carries no gradient (only the array is put back). */
  da: string | null;
  /** The arguments as the reverse sweep reads them. */
  args: string[];
  /** The adjoint of argument i (a number's, or an array's for `set`'s source); null where it has none. */
  d: (i: number) => string | null;
  /** The adjoint of what the call returned, where it carries one (pop's element, splice's removed array). */
  dresult: string | null;
  /** Code giving back what the forward sweep saved (`stack.popRef()`). */
  saved: string;
  /** The runtime namespace. */
  rt: string;
  /** The line adding `code` to argument i's adjoint (`dv += code;`), or `code;` when it has none. */
  add: (i: number, code: string) => string;
  /** A fresh local of the pullback. */
  local: (base: string) => string;
}

/** What a rule's tangent is given (forward mode): the tangent array, the arguments, each argument's tangent. */
export interface TangentSite {
  /** The tangent array (`a_dot`). */
  ta: string;
  /** The arguments as the primal call reads them. */
  args: string[];
  /** The tangent of argument i: a number's (`v_dot`, or 0), or an array's for `set`'s source. */
  t: (i: number) => string;
}

export interface ArrayMethodRule {
  /** Which arrays have the method: number[], typed arrays, or both. */
  on: "Array" | "typed" | "both";
  /** Fewest and most arguments. */
  arity: [number, number];
  /** The arguments whose values become elements of the array (given how many there are). */
  into: (argc: number) => number[];
  /** Arguments that are arrays whose elements flow into the array (`set`'s source). */
  arrays?: number[];
  /** What the call returns: one of its elements, a new array of the removed ones, the new length (no derivative), the array itself, or nothing. */
  result: "element" | "removed" | "length" | "self" | "none";
  /** It changes the array's length: the adjoint array follows. */
  resizes: boolean;
  /** What the forward sweep saves before the call (pushed as a reference); null: it is undone from what is left. */
  save: ((a: string, args: string[], rt: string) => string) | null;
  /** The reverse: lines for the adjoints, then the array put back as it was before the call. */
  reverse: (site: MethodSite) => string[];
  /** The tangent: the call on the tangent array, whose result is the tangent of the call's (pop's element's, splice's removed array's). */
  forward: (site: TangentSite) => string;
}

const range = (from: number, to: number) => Array.from({ length: Math.max(to - from, 0) }, (_, i) => from + i);
const orUndefined = (code: string | null) => code ?? "undefined";

/** push and unshift: they save nothing, their arguments become elements, they return the new length; the tangent array gets their tangents. */
function inserts(method: string, reverse: ArrayMethodRule["reverse"]): ArrayMethodRule {
  const forward = ({ ta, args, t }: TangentSite) => `${ta}.${method}(${args.map((_, i) => t(i)).join(", ")})`;
  return { on: "Array", arity: [0, Infinity], into: (argc) => range(0, argc), result: "length", resizes: true, save: null, reverse, forward };
}

/** pop and shift: what they remove is saved, and given back with the result's adjoint by the runtime's `undo`. */
function removesOne(method: string, save: (a: string) => string, undo: string): ArrayMethodRule {
  return {
    forward: ({ ta }) => `${ta}.${method}()`,
    on: "Array",
    arity: [0, 0],
    into: () => [],
    result: "element",
    resizes: true,
    save,
    reverse: ({ a, da, dresult, saved, rt }) => [`${rt}.${undo}(${a}, ${orUndefined(da)}, ${saved}, ${dresult ?? 0});`],
  };
}

export const arrayMethodRules: Record<string, ArrayMethodRule> = {
  // a.push(b, c): the last elements' adjoints go to c then b; popping them undoes it.
  push: inserts("push", ({ a, da, args, add }) => {
    if (args.length === 0) return [];
    const adjoints = da ? range(0, args.length).reverse().map((i) => add(i, `${da}.pop()`)) : [];
    return [...adjoints, args.length === 1 ? `${a}.pop();` : `${a}.length -= ${args.length};`];
  }),
  // v = a.pop(): the element comes back, with v's adjoint as its own.
  pop: removesOne("pop", (a) => `${a}.slice(-1)`, "undoPop"),
  // v = a.shift(): as pop, at the front.
  shift: removesOne("shift", (a) => `${a}.slice(0, 1)`, "undoShift"),
  // a.unshift(b, c): the first elements' adjoints go to b and c; removing them undoes it.
  unshift: inserts("unshift", ({ a, da, args, add }) => {
    const k = args.length;
    if (k === 0) return [];
    if (k === 1) return [...(da ? [add(0, `${da}.shift()`)] : []), `${a}.shift();`];
    const adjoints = da ? [...range(0, k).map((i) => add(i, `${da}[${i}]`)), `${da}.splice(0, ${k});`] : [];
    return [...adjoints, `${a}.splice(0, ${k});`];
  }),
  // removed = a.splice(start, count, ...items): the items' adjoints are taken out, the removed
  // elements come back with the removed array's adjoint.
  splice: {
    on: "Array",
    arity: [0, Infinity],
    into: (argc) => range(2, argc),
    result: "removed",
    resizes: true,
    save: (a, args, rt) => `${rt}.removedBySplice(${[a, ...args.slice(0, 2)].join(", ")})`,
    reverse: ({ a, da, args, dresult, saved, rt, add, d, local }) => {
      const items = range(2, args.length);
      const call = `${rt}.undoSplice(${[a, orUndefined(da), saved, orUndefined(dresult), String(items.length), ...args.slice(0, 2)].join(", ")})`;
      const active = da ? items.filter((i) => d(i) !== null) : [];
      if (active.length === 0) return [`${call};`];
      if (items.length === 1) return [add(2, `${call}[0]`)];
      const adjoints = local("inserted_adjoints");
      return [`${adjoints} = ${call};`, ...active.map((i) => add(i, `${adjoints}[${i - 2}]`))];
    },
    // The same range removed from the tangent array, the items' tangents inserted: what it returns is the removed elements' tangents.
    forward: ({ ta, args, t }) => `${ta}.splice(${args.map((arg, i) => (i >= 2 ? t(i) : arg)).join(", ")})`,
  },
  // a.reverse(): its own inverse, on the adjoint array too.
  reverse: {
    on: "both",
    arity: [0, 0],
    into: () => [],
    result: "self",
    resizes: false,
    save: null,
    reverse: ({ a, da }) => [...(da ? [`${da}.reverse();`] : []), `${a}.reverse();`],
    forward: ({ ta }) => `${ta}.reverse()`,
  },
  // a.fill(v, start, end) (a.fill(v) is a `fill` statement): v's adjoint is the sum of the range's.
  fill: {
    on: "both",
    arity: [2, 3],
    into: () => [0],
    result: "self",
    resizes: false,
    save: (a, args) => `${a}.slice(${args.slice(1).join(", ")})`,
    reverse: ({ a, da, args, saved, rt, add, d }) => {
      const call = `${rt}.undoFill(${[a, orUndefined(da), saved, ...args.slice(1)].join(", ")})`;
      return [da && d(0) ? add(0, call) : `${call};`];
    },
    // The range of the tangent array gets v's tangent.
    forward: ({ ta, args, t }) => `${ta}.fill(${[t(0), ...args.slice(1)].join(", ")})`,
  },
  // a.set(source, offset): the written elements' adjoints go to the source's.
  set: {
    on: "typed",
    arity: [1, 2],
    into: () => [],
    arrays: [0],
    result: "none",
    resizes: false,
    save: (a, args, rt) => `${rt}.overwrittenBySet(${[a, ...args].join(", ")})`,
    reverse: ({ a, da, args, saved, rt, d }) => [`${rt}.undoSet(${[a, orUndefined(da), saved, orUndefined(da ? d(0) : null), ...args.slice(1)].join(", ")});`],
    // The source's tangent written at the same offset.
    forward: ({ ta, args, t }) => `${ta}.set(${[t(0), ...args.slice(1)].join(", ")})`,
  },
  // a.copyWithin(target, start, end): the copied elements' adjoints go back where they came from.
  copyWithin: {
    on: "both",
    arity: [1, 3],
    into: () => [],
    result: "self",
    resizes: false,
    save: (a, args, rt) => `${rt}.overwrittenByCopyWithin(${[a, ...args].join(", ")})`,
    reverse: ({ a, da, args, saved, rt }) => [`${rt}.undoCopyWithin(${[a, orUndefined(da), saved, ...args].join(", ")});`],
    forward: ({ ta, args }) => `${ta}.copyWithin(${args.join(", ")})`,
  },
};

/** The rule of `method` taking `argc` arguments, if adjoint differentiates it. */
export function arrayMethodRule(method: string, argc: number): ArrayMethodRule | undefined {
  const rule = Object.hasOwn(arrayMethodRules, method) ? arrayMethodRules[method] : undefined;
  return rule && argc >= rule.arity[0] && argc <= rule.arity[1] ? rule : undefined;
}
