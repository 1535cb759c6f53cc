// Every rule's vjp written as np operations (adjoint-ops.ts says why): one entry per rule of
// the table, read by the compiler (lower/second-order.ts) where reverse mode differentiates a
// generated NDArray gradient again. A piecewise rule's mask is a constant of differentiation
// (its derivative is zero almost everywhere), computed as its first-order rule decides the kink.
import { abs, add, cos, cosh, div, equal, exp, greater, less, log, mul, neg, pow, sigmoid, sign, sin, sinh, sqrt, sub, where } from "./elementwise.js";
import { dot, matmul, outer } from "./linalg.js";
import { mean, sum } from "./reduce.js";
import { expandDims, getItem, transpose } from "./shapeops.js";
import {
  addAdjoints, astypeLike, clipPassesX, getItemBack, matchShape, maximumPicksA, meanBack, minimumPicksA, concatPiece, stackPiece, orZeros, reshapeLike, sumBack, tieShares, transposeBack,
} from "./adjoint-ops.js";
import * as products from "./adjoint-ops-linalg.js";
import { centered } from "./statistics.js";
import { cumsum, cumsumBack } from "./cumulative.js";
import { diag, diagBack, trace, traceBack } from "./diagonal.js";
import { inv, solve } from "./linalg-solve.js";
import { normAlong, normBack } from "./adjoint-ops-norm.js";
import { laneEye, lanesBack, lanesLast, othersProduct } from "./adjoint-ops-prod.js";

/** What generated code calls as `secondOrder.ops.R(…)`: np's operations that `vjpOps` uses, and those of adjoint-ops*.ts. */
export const ops: Readonly<Record<string, (...args: any[]) => unknown>> = Object.freeze({ // eslint-disable-line @typescript-eslint/no-explicit-any
  neg, abs, add, sub, mul, div, exp, log, sqrt, sin, cos, sinh, cosh, pow, sign, where, equal, greater, less, sum, mean, transpose, expandDims, getItem, matmul, dot, outer,
  matchShape, addAdjoints, orZeros, astypeLike, sumBack, meanBack, reshapeLike, transposeBack, getItemBack, maximumPicksA, minimumPicksA, clipPassesX, tieShares, concatPiece, stackPiece, normBack, normAlong,
  lanesLast, lanesBack, othersProduct, laneEye,
  sigmoid, centered, cumsum, cumsumBack, trace, traceBack, diag, diagBack, inv, solve,
  matmulAdjointA: products.matmulAdjointA, matmulAdjointB: products.matmulAdjointB, dotAdjointA: products.dotAdjointA,
  dotAdjointB: products.dotAdjointB, outerAdjointA: products.outerAdjointA, outerAdjointB: products.outerAdjointB,
});

/** A vjp's result as operations: `"dout"`, `"out"`, a parameter's name, a number, or `[op, ...terms]`. */
export type Term = string | number | readonly [string, ...Term[]];

/** A rule's vjp as terms, one per parameter that has an adjoint (each then matched to its
 * operand's shape); `undefinedParams`: this form applies only where those are passed as
 * `undefined` (sum over every axis). A rule may have several forms: the first that applies. */
export interface VjpOps {
  readonly adjoints: Readonly<Record<number, Term>>;
  readonly undefinedParams?: readonly number[];
  /** This form applies only where each of these parameters is passed as one of these constants (norm's `ord`; `null` is omitted too, "number" any number). */
  readonly constantParams?: Readonly<Record<number, readonly (string | number | null)[]>>;
  /** Adjoints that have their operand's shape already (not matched to it, so the operand is not read). */
  readonly unmatched?: readonly number[];
}

const unary = (t: Term): VjpOps => ({ adjoints: { 0: t } });
const times = (t: Term): Term => ["mul", "dout", t];
/** dout where `mask`, else 0 (and the other way round). */
const onlyWhere = (mask: Term): Term => ["where", mask, "dout", 0];
const onlyWhereNot = (mask: Term): Term => ["where", mask, 0, "dout"];
/** A reduction's output spread back over x (its `axis` and `keepdims`). */
const spread = (t: Term): Term => ["sumBack", t, "x", "axis", "keepdims"];
const shaped = (t: Term): VjpOps => ({ adjoints: { 0: t }, unmatched: [0] });
// pow's guards (elementwise.ts gradOf.powA, powB): b = 0 gives a no adjoint, a = 0 gives b none.
// Each guarded branch reads a safe operand (1) where it is not taken, so no derivative of it is NaN.
const bIsZero: Term = ["equal", "b", 0];
const safeB: Term = ["where", bIsZero, 1, "b"];
const aIsZero: Term = ["equal", "a", 0];
const stdIsZero: Term = ["equal", "out", 0];
/** solve's adjoint of b, A⁻ᵀ g. */
const solveU: Term = ["solve", ["transpose", "a"], "dout"];
const normIsZero: Term = ["equal", spread("out"), 0];
const times2 = (a: Term, b: Term): Term => ["mul", a, b];

export const vjpOps: Readonly<Record<string, VjpOps | readonly VjpOps[]>> = Object.freeze({
  neg: unary(["neg", "dout"]),
  square: unary(times(["mul", 2, "x"])),
  exp: unary(times("out")),
  expm1: unary(times(["add", "out", 1])),
  log: unary(["div", "dout", "x"]),
  log1p: unary(["div", "dout", ["add", 1, "x"]]),
  sqrt: unary(["div", "dout", ["mul", 2, "out"]]),
  sin: unary(times(["cos", "x"])),
  cos: unary(["neg", times(["sin", "x"])]),
  tan: unary(times(["add", 1, ["mul", "out", "out"]])),
  tanh: unary(times(["sub", 1, ["mul", "out", "out"]])),
  sinh: unary(times(["cosh", "x"])),
  cosh: unary(times(["sinh", "x"])),
  asin: unary(["div", "dout", ["sqrt", ["sub", 1, ["mul", "x", "x"]]]]),
  acos: unary(["neg", ["div", "dout", ["sqrt", ["sub", 1, ["mul", "x", "x"]]]]]),
  atan: unary(["div", "dout", ["add", 1, ["mul", "x", "x"]]]),
  sigmoid: unary(times(["mul", "out", ["sub", 1, "out"]])),
  log2: unary(["div", "dout", ["mul", "x", Math.LN2]]),
  log10: unary(["div", "dout", ["mul", "x", Math.LN10]]),
  softplus: unary(times(["sigmoid", "x"])),
  // statistics.ts: centered is self-adjoint; std's g / s is 0 where s is 0 (overStd), s read safely there.
  centered: unary(["centered", "dout", "axis", "ddof"]),
  var: unary(["mul", spread(["mul", "dout", 2]), ["centered", "x", "axis", "ddof"]]),
  std: unary(["mul", spread(["where", stdIsZero, 0, ["div", "dout", ["where", stdIsZero, 1, "out"]]]), ["centered", "x", "axis", "ddof"]]),
  // cumulative.ts, diagonal.ts: each the other's vjp.
  cumsum: shaped(["cumsumBack", "dout", "x", "axis"]),
  cumsumBack: shaped(["reshapeLike", ["cumsum", "dout", "axis"], "g"]),
  trace: shaped(["traceBack", "dout", "x", "offset"]),
  traceBack: shaped(["trace", "dout", "offset"]),
  diag: shaped(["diagBack", "dout", "v", "k"]),
  diagBack: shaped(["diag", "dout", "k"]),
  // linalg-solve.ts (det: withoutOps).
  inv: unary(["neg", ["matmul", ["matmul", ["transpose", "out"], "dout"], ["transpose", "out"]]]),
  solve: { adjoints: { 0: ["neg", ["matmulAdjointA", solveU, "out", "a"]], 1: solveU } },
  arctan2: { adjoints: { 0: ["div", times("x"), ["add", ["mul", "y", "y"], ["mul", "x", "x"]]], 1: ["neg", ["div", times("y"), ["add", ["mul", "y", "y"], ["mul", "x", "x"]]]] } },
  // Zero almost everywhere, as their first-order rules say.
  sign: unary(0), floor: unary(0), ceil: unary(0), round: unary(0),
  relu: unary(onlyWhere(["greater", "x", 0])),
  abs: unary(["where", ["greater", "x", 0], "dout", ["where", ["less", "x", 0], ["neg", "dout"], 0]]),
  maximum: { adjoints: { 0: onlyWhere(["maximumPicksA", "a", "b"]), 1: onlyWhereNot(["maximumPicksA", "a", "b"]) } },
  minimum: { adjoints: { 0: onlyWhere(["minimumPicksA", "a", "b"]), 1: onlyWhereNot(["minimumPicksA", "a", "b"]) } },
  clip: { adjoints: { 0: onlyWhere(["clipPassesX", "x", "min", "max"]), 1: onlyWhere(["less", "x", "min"]), 2: onlyWhere(["greater", "x", "max"]) } },
  where: { adjoints: { 1: onlyWhere("condition"), 2: onlyWhereNot("condition") } },
  add: { adjoints: { 0: "dout", 1: "dout" } },
  sub: { adjoints: { 0: "dout", 1: ["neg", "dout"] } },
  mul: { adjoints: { 0: times("b"), 1: times("a") } },
  div: { adjoints: { 0: ["div", "dout", "b"], 1: ["neg", ["div", times("out"), "b"]] } },
  pow: {
    adjoints: {
      0: times(["where", bIsZero, 0, ["mul", safeB, ["pow", "a", ["sub", safeB, 1]]]]),
      1: times(["mul", "out", ["where", aIsZero, 0, ["log", ["where", aIsZero, 1, "a"]]]]),
    },
  },
  copy: unary("dout"),
  astype: shaped(["astypeLike", "dout", "x"]),
  astypeLike: shaped(["astypeLike", "dout", "g"]),
  // Over every axis, the adjoint broadcast to x (the common `sum(x)`); along axes, spread back.
  sum: [{ adjoints: { 0: "dout" }, undefinedParams: [1, 2] }, shaped(spread("dout"))],
  mean: shaped(["meanBack", "dout", "x", "axis", "keepdims"]),
  max: shaped(["mul", spread("dout"), ["tieShares", "x", "out", "axis", "keepdims"]]),
  min: shaped(["mul", spread("dout"), ["tieShares", "x", "out", "axis", "keepdims"]]),
  logsumexp: unary(["mul", spread("dout"), ["exp", ["sub", "x", spread("out")]]]),
  // s (g - sum(g s)) and g - exp(l) sum(g), over the lanes (by default the last axis).
  softmax: [
    { adjoints: { 0: ["mul", "out", ["sub", "dout", ["sum", ["mul", "dout", "out"], -1, 1]]] }, undefinedParams: [1] },
    unary(["mul", "out", ["sub", "dout", ["sum", ["mul", "dout", "out"], "axis", 1]]]),
  ],
  logSoftmax: [
    { adjoints: { 0: ["sub", "dout", ["mul", ["exp", "out"], ["sum", "dout", -1, 1]]] }, undefinedParams: [1] },
    unary(["sub", "dout", ["mul", ["exp", "out"], ["sum", "dout", "axis", 1]]]),
  ],
  item: unary("dout"),
  reshape: shaped(["reshapeLike", "dout", "x"]),
  flatten: shaped(["reshapeLike", "dout", "x"]),
  ravel: shaped(["reshapeLike", "dout", "x"]),
  squeeze: shaped(["reshapeLike", "dout", "x"]),
  expandDims: shaped(["reshapeLike", "dout", "x"]),
  transpose: shaped(["transposeBack", "dout", "axes"]),
  broadcastTo: unary("dout"),
  getItem: shaped(["getItemBack", "dout", "x", "index"]),
  ...products.productOps,
  // The 2-norm (and Frobenius): dout x / n, and 0 where n = 0 as the first-order rule gives (each branch reads a safe n).
  norm: [
    { adjoints: { 0: ["where", normIsZero, 0, ["div", times2(spread("dout"), "x"), ["where", normIsZero, 1, spread("out")]]] }, constantParams: { 1: [null, 2, "fro"] } },
    // Piecewise linear in x: its vjp a linear map x fixes piecewise (adjoint-ops-norm.ts).
    { adjoints: { 0: ["normBack", "dout", "x", "ord", "axis", "keepdims", "out"] }, constantParams: { 1: [1, 0, "Infinity"] }, unmatched: [0] },
    // A p-norm: dout sign(x) |x|^(p-1) / n^(p-1), 0 where n = 0.
    {
      adjoints: { 0: ["where", normIsZero, 0, ["div", times2(times2(spread("dout"), ["sign", "x"]), ["pow", ["abs", "x"], ["sub", "ord", 1]]), ["pow", ["where", normIsZero, 1, spread("out")], ["sub", "ord", 1]]]] },
      constantParams: { 1: ["number"] },
    },
  ],
  // dout times the product of the others in x's lane, exact with zeros (adjoint-ops-prod.ts).
  prod: shaped(["mul", spread("dout"), ["lanesBack", ["othersProduct", ["lanesLast", "x", "axis"]], "x", "axis"]]),
  othersProduct: shaped(["sum", ["mul", ["expandDims", "dout", -1], ["where", ["laneEye", "x"], 0, ["othersProduct", ["where", ["laneEye", "x"], 1, ["expandDims", "x", -2]]]]], -2]),
  lanesLast: shaped(["lanesBack", "dout", "x", "axis"]),
  lanesBack: shaped(["lanesLast", "dout", "axis"]),
  normBack: shaped(["normAlong", "dout", "x", "ord", "axis", "keepdims", "n"]),
  normAlong: shaped(["normBack", "dout", "x", "ord", "axis", "keepdims", "n"]),
  matchShape: unary("dout"),
  addAdjoints: { adjoints: { 0: "dout", 1: "dout" }, unmatched: [0] },
  orZeros: unary("dout"),
  sumBack: shaped(["sum", "dout", "axis", "keepdims"]),
  meanBack: shaped(["mean", "dout", "axis", "keepdims"]),
  reshapeLike: shaped(["reshapeLike", "dout", "g"]),
  transposeBack: shaped(["transpose", "dout", "axes"]),
  getItemBack: shaped(["getItem", "dout", "index"]),
});

/** Rules whose vjp has no operations form, and why (docs/modes.md): reverse mode refuses them a third time. */
export const withoutOps: Readonly<Record<string, string>> = Object.freeze({
  concat: "its vjp gives a list of adjoints",
  stack: "its vjp gives a list of adjoints",
  norm: "its vjp depends on ord case by case: written as operations where ord is a constant (omitted, null, a number, Infinity or \"fro\")",
  det: "its adjoint, the cofactor matrix, is computed by minors (det(A) times the inverse transposed loses every digit near a singular A)",
});
