// Each rule's vjp written as np operations, for code differentiated a third time and beyond.
// A generated NDArray gradient calls `secondOrder.adjoints.R.vjp(…)`, whose tangent is a
// hand-written second-order rule (second-order.ts) with no derivative of its own. Written as
// operations that have rules themselves (`vjpOps`), the gradient is plain NDArray code: every
// mode differentiates it again through the same table, to any order. Three operations make
// what the vjps do besides arithmetic: `matchShape` (an adjoint summed or broadcast to its
// operand's shape), `addAdjoints` (accumulate: `undefined` is zero) and `orZeros`.
import { full, zerosLike } from "./create.js";
import { add, copy, cos, div, exp, mul, neg, sin, sub } from "./elementwise.js";
import { NDArray } from "./ndarray.js";
import { sameShape } from "./shape.js";
import { broadcastTo } from "./shapeops.js";
import { fresh, rule, sumToNumber, tangentType, unbroadcast, withJvp, type ArrayMeta, type DualRule } from "./vjp.js";

type Value = NDArray | number | undefined;
type Like = NDArray | ArrayMeta | number | undefined;

/** `x` made the shape of `like`: summed down where `like` broadcasts to it, broadcast up where
 * it broadcasts to `like`, summed to a number for a number. Its adjoint is `matchShape(g, x)`. */
export function matchShape(x: Value, like: Like): Value {
  if (x === undefined || like === undefined) return undefined;
  if (typeof like === "number") return sumToNumber(x);
  if (typeof x === "number") return full(like.shape, x, tangentType(like.dtype));
  if (sameShape(x.shape, like.shape)) return x;
  return x.size >= like.size ? unbroadcast(x, like) : copy(broadcastTo(x, like.shape));
}

/** `a + b` as generated code accumulates adjoints: `undefined` is zero, into a number as a number. */
export function addAdjoints(a: Value, b: Value): Value {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (typeof a === "number") return a + sumToNumber(b);
  return add(a, b);
}

/** `x`, or zeros of `like`'s shape where no adjoint reached it. */
export function orZeros(x: Value, like: NDArray | number): Value {
  if (x !== undefined) return x;
  return typeof like === "number" ? 0 : zerosLike(like);
}

/** A new output's tangent: a new array of its own (never a tangent it was given), marked fresh (see vjp.ts). */
const own = (t: Value, given: readonly unknown[]): NDArray | number | undefined =>
  t instanceof NDArray ? fresh(given.some((g) => g instanceof NDArray && g.data === t.data) ? copy(t) : t) : t;

/** The rules of these operations: each linear in its first operands, the others read for their shapes.
 * Where the output is an operand itself, its tangent is that operand's. */
export const rules: Record<string, DualRule> = {
  matchShape: withJvp(rule(["x", "like"], [0], (g, x) => [matchShape(g, x) as NDArray, undefined], [0, 1], [0, 1]), ([dx], x, like, out) =>
    out === x ? (dx as NDArray | undefined) : own(matchShape(dx as Value, like as Like), [dx])),
  // Each contribution has its operand's shape, so the sum has a's (where a is one): a is not read.
  addAdjoints: withJvp(rule(["a", "b"], [0, 1], (g, _a, b) => [g, matchShape(g, b) as NDArray], [1], [1]), ([da, db], a, b, out) =>
    out === a ? (da as NDArray | undefined) : out === b ? (db as NDArray | undefined) : own(matchShape(addAdjoints(da as Value, db as Value), out as NDArray), [da, db])),
  orZeros: withJvp(rule(["x", "like"], [0], (g) => [g, undefined], [1], [1]), ([dx], x, _like, out) => (out === x ? (dx as NDArray | undefined) : own(orZeros(dx as Value, out as NDArray), [dx]))),
};

/** What generated code calls as `secondOrder.ops.R(…)`: np's operations that `vjpOps` uses, and these. */
export const ops: Readonly<Record<string, (...args: any[]) => unknown>> = Object.freeze({ neg, add, sub, mul, div, exp, sin, cos, matchShape, addAdjoints, orZeros }); // eslint-disable-line @typescript-eslint/no-explicit-any

/** A vjp's result as operations: `"dout"`, `"out"`, a parameter's name, a number, or `[op, ...terms]`. */
export type Term = string | number | readonly [string, ...Term[]];

/** A rule's vjp as terms, one per parameter that has an adjoint (each then matched to its
 * operand's shape); `undefinedParams`: it applies only where those are passed as `undefined`
 * (sum over every axis). Rules without an entry stay second-order rules: refused a third time. */
export interface VjpOps {
  readonly adjoints: Readonly<Record<number, Term>>;
  readonly undefinedParams?: readonly number[];
  /** Adjoints that have their operand's shape already (not matched to it, so the operand is not read). */
  readonly unmatched?: readonly number[];
}

const unary = (t: Term): VjpOps => ({ adjoints: { 0: t } });
const times = (t: Term): Term => ["mul", "dout", t];

export const vjpOps: Readonly<Record<string, VjpOps>> = Object.freeze({
  neg: unary(["neg", "dout"]),
  square: unary(times(["mul", 2, "x"])),
  exp: unary(times("out")),
  expm1: unary(times(["add", "out", 1])),
  log: unary(["div", "dout", "x"]),
  log1p: unary(["div", "dout", ["add", 1, "x"]]),
  sqrt: unary(["div", "dout", ["mul", 2, "out"]]),
  sin: unary(times(["cos", "x"])),
  cos: unary(["neg", times(["sin", "x"])]),
  tanh: unary(times(["sub", 1, ["mul", "out", "out"]])),
  sigmoid: unary(times(["mul", "out", ["sub", 1, "out"]])),
  add: { adjoints: { 0: "dout", 1: "dout" } },
  sub: { adjoints: { 0: "dout", 1: ["neg", "dout"] } },
  mul: { adjoints: { 0: times("b"), 1: times("a") } },
  div: { adjoints: { 0: ["div", "dout", "b"], 1: ["neg", ["div", times("out"), "b"]] } },
  sum: { adjoints: { 0: "dout" }, undefinedParams: [1] },
  logsumexp: { adjoints: { 0: times(["exp", ["sub", "x", "out"]]) }, undefinedParams: [1] },
  item: unary("dout"),
  matchShape: unary("dout"),
  addAdjoints: { adjoints: { 0: "dout", 1: "dout" }, unmatched: [0] },
  orZeros: unary("dout"),
});
