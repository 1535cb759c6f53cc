// The explicit second-order terms: how a vjp's result moves when its arguments (or its output)
// move along their tangents, for the rules whose vjp depends on them smoothly and not linearly.
// Each is `g` times the derivative of the vjp's factor, written with np's operations.
import { elementwise, equal, where } from "./elementwise.js";
import { NDArray, type ArrayOrScalar, type Axis } from "./ndarray.js";
import { prod, sum } from "./reduce.js";
import { normalizeAxes, reducedShape } from "./shape.js";
import { reshape } from "./shapeops.js";
import { softmaxTerms } from "./softmax.js";
import { statisticsTerms } from "./statistics.js";
import { solveTerms } from "./linalg-solve.js";
import { othersVjpTangent } from "./adjoint-ops-prod.js";
import { addInto, fresh, sumToNumber, unbroadcast, type ArrayMeta, type Tangent } from "./vjp.js";

/** What the args and out moving add to a vjp's result: `term(g, argTangents, args, out,
 * outTangent, need)`, one tangent per parameter; `reads`: the tangents it reads. */
export interface CurvedTerm {
  readonly reads: readonly (number | "out")[];
  term(g: NDArray, tangents: readonly Tangent[], args: unknown[], out: NDArray, outTangent: Tangent, need?: readonly boolean[]): Tangent[];
}

type Scalar = (...x: number[]) => number;
type Operand = ArrayOrScalar;
const needs = (need: readonly boolean[] | undefined, i: number) => need === undefined || need[i] !== false;

/** float64 when an operand is, else float32 (numbers, masks and counts do not count; g is a float). */
const typeOf = (inputs: readonly Operand[]) => (inputs.some((x) => typeof x !== "number" && x.dtype === "float64") ? "float64" : "float32");
/** `f` over `inputs` (broadcast), a new array. */
const map = (f: Scalar, inputs: Operand[]): NDArray => elementwise("vjpJvp", f, inputs, typeOf(inputs));
/** `x` summed back to `target`'s shape: the vjp's own last step. */
const back = (x: NDArray | undefined, target: unknown): Tangent =>
  x === undefined ? undefined : fresh(unbroadcast(x, target as NDArray | ArrayMeta | number));
/** The sum of the arrays given (some `undefined`), a new array, or `undefined`. */
const total = (...xs: (NDArray | undefined)[]): NDArray | undefined =>
  xs.reduce<NDArray | undefined>((acc, x) => (x === undefined ? acc : acc === undefined ? x : addInto(acc, x)), undefined);

// ---------------------------------------------------------------- elementwise
// d/dε of the adjoint g f'(x): g f''(x) dx, or from the output where the vjp reads it.
const second = {
  square: (g: number, t: number) => 2 * g * t,
  exp: (g: number, t: number) => g * t,
  log: (g: number, t: number, x: number) => (-g * t) / (x * x),
  log1p: (g: number, t: number, x: number) => (-g * t) / ((1 + x) * (1 + x)),
  expm1: (g: number, t: number) => g * t,
  sqrt: (g: number, t: number, out: number) => (-g * t) / (2 * out * out),
  sin: (g: number, t: number, x: number) => -g * t * Math.sin(x),
  cos: (g: number, t: number, x: number) => -g * t * Math.cos(x),
  tan: (g: number, t: number, out: number) => 2 * g * t * out,
  tanh: (g: number, t: number, out: number) => -2 * g * t * out,
  sinh: (g: number, t: number, x: number) => g * t * Math.sinh(x),
  cosh: (g: number, t: number, x: number) => g * t * Math.cosh(x),
  asin: (g: number, t: number, x: number) => (g * t * x) / Math.pow(1 - x * x, 1.5),
  acos: (g: number, t: number, x: number) => (-g * t * x) / Math.pow(1 - x * x, 1.5),
  atan: (g: number, t: number, x: number) => (-2 * g * t * x) / ((1 + x * x) * (1 + x * x)),
  sigmoid: (g: number, t: number, out: number) => g * t * (1 - 2 * out),
  log2: (g: number, t: number, x: number) => (-g * t) / (x * x * Math.LN2),
  log10: (g: number, t: number, x: number) => (-g * t) / (x * x * Math.LN10),
  // softplus'' = sigmoid (1 - sigmoid), from x (exp(-|x|) never overflows)
  softplus: (g: number, t: number, x: number) => {
    const e = Math.exp(-Math.abs(x));
    return (g * t * e) / ((1 + e) * (1 + e));
  },
};
/** The rules whose vjp reads the output (x may be `undefined`): their term moves with out's tangent. */
const FROM_OUT = new Set(["exp", "expm1", "sqrt", "tan", "tanh", "sigmoid"]);

const unaryTerm = (f: Scalar, fromOut: boolean): CurvedTerm => ({
  reads: [fromOut ? "out" : 0],
  term: (g, [dx], [x], out, dOut) => {
    const t = fromOut ? dOut : dx;
    if (t === undefined) return [undefined];
    return [back(map(f, [g, t as Operand, fromOut ? out : (x as Operand)]), x ?? out)];
  },
});

// div: a / b's adjoints are g / b and -g out / b.
const divTerm: CurvedTerm = {
  reads: [1, "out"],
  term(g, [, db], [a, b], out, dOut, need) {
    const B = b as Operand;
    const ofA = needs(need, 0) && db !== undefined ? map((gg, t, bb) => (-gg * t) / (bb * bb), [g, db as Operand, B]) : undefined;
    if (!needs(need, 1)) return [back(ofA, a), undefined];
    const fromOut = dOut === undefined ? undefined : map((gg, t, bb) => (-gg * t) / bb, [g, dOut as Operand, B]);
    const fromB = db === undefined ? undefined : map((gg, t, o, bb) => (gg * o * t) / (bb * bb), [g, db as Operand, out, B]);
    return [back(ofA, a), back(total(fromOut, fromB), b)];
  },
};

// pow: a^b's adjoints are g b a^(b-1) and g a^b log a (0 where a = 0, as the vjp's).
const powAA = (g: number, t: number, a: number, b: number) => g * b * (b - 1) * Math.pow(a, b - 2) * t;
const powAB = (g: number, t: number, a: number, b: number) => (a === 0 ? 0 : g * Math.pow(a, b - 1) * (1 + b * Math.log(a)) * t);
const powBB = (g: number, t: number, a: number, b: number) => (a === 0 ? 0 : g * Math.pow(a, b) * Math.log(a) * Math.log(a) * t);
const powTerm: CurvedTerm = {
  reads: [0, 1],
  term(g, [da, db], [a, b], _out, _dOut, need) {
    const A = a as Operand;
    const B = b as Operand;
    // A term only for a tangent given: log a is NaN for a < 0, and 0 * NaN is not 0.
    const along = (f: Scalar, t: Tangent) => (t === undefined ? undefined : map(f, [g, t as Operand, A, B]));
    return [
      needs(need, 0) ? back(total(along(powAA, da), along(powAB, db)), a) : undefined,
      needs(need, 1) ? back(total(along(powAB, da), along(powBB, db)), b) : undefined,
    ];
  },
};

// arctan2(y, x): the adjoints are g x / r² and -g y / r² (r² = x² + y²); their derivatives
// are (-2xy, y² - x²) / r⁴ along (y, x) for y's and (y² - x², 2xy) / r⁴ for x's.
const r4 = (y: number, x: number) => (x * x + y * y) * (x * x + y * y);
const atan2YY = (g: number, t: number, y: number, x: number) => (-2 * g * x * y * t) / r4(y, x);
const atan2Mixed = (g: number, t: number, y: number, x: number) => (g * (y * y - x * x) * t) / r4(y, x);
const atan2XX = (g: number, t: number, y: number, x: number) => (2 * g * x * y * t) / r4(y, x);
const arctan2Term: CurvedTerm = {
  reads: [0, 1],
  term(g, [dy, dx], [y, x], _out, _dOut, need) {
    const along = (f: Scalar, t: Tangent) => (t === undefined ? undefined : map(f, [g, t as Operand, y as Operand, x as Operand]));
    return [
      needs(need, 0) ? back(total(along(atan2YY, dy), along(atan2Mixed, dx)), y) : undefined,
      needs(need, 1) ? back(total(along(atan2Mixed, dy), along(atan2XX, dx)), x) : undefined,
    ];
  },
};

// ---------------------------------------------------------------- reductions
/** A reduction's operand as an array, its tangent likewise, and a term computed on them given
 * back as a number for a number operand (the vjp's `scalarOperands`). */
function onArray(term: (g: NDArray, x: NDArray, dx: NDArray, rest: unknown[], out: NDArray) => NDArray | undefined): CurvedTerm {
  const asArray = (v: unknown) => (typeof v === "number" ? new NDArray(Float64Array.of(v), []) : (v as NDArray));
  return {
    reads: [0],
    term(g, [dx], [x, ...rest], out) {
      if (dx === undefined) return [undefined, ...rest.map(() => undefined)];
      const t = term(g, asArray(x), asArray(dx), rest, out);
      return [typeof x === "number" && t !== undefined ? sumToNumber(t) : fresh(t), ...rest.map(() => undefined)];
    },
  };
}
/** `r` (a reduced array, with or without the reduced axes) with them, as length 1. */
const keptDims = (r: NDArray, x: NDArray, axes: number[]) => reshape(r, reducedShape(x.shape, axes, true));

// prod: the adjoint of x_i is g times the product of the others. Its derivative along dx is g
// times the sum over k != i of dx_k times the product of all but i and k. By the zeros z of
// the lane (P: the product of its non-zeros, S: the sum of dx/x over them, Z: of dx over its
// zeros): z = 0: g P (S - dx_i / x_i) / x_i; z = 1: g P Z / x_i, and g P S at the zero;
// z = 2: g P (Z - dx_i) at each zero, 0 elsewhere; z > 2: 0.
const prodTerm = onArray((g, x, dx, [axis]) => {
  const axes = normalizeAxes("prod", axis as Axis, x.ndim);
  const zero = equal(x, 0);
  const count = sum(zero, axes, true);
  const safe = where(zero, 1, x);
  const gP = map((gg, p) => gg * p, [keptDims(g, x, axes), prod(safe, axes, true)]);
  const S = sum(map((z, t, v) => (z ? 0 : t / v), [zero, dx, safe]), axes, true);
  const Z = sum(map((z, t) => (z ? t : 0), [zero, dx]), axes, true);
  const alpha = map((p, s, zz, c) => (c === 0 ? p * s : c === 1 ? p * zz : 0), [gP, S, Z, count]);
  const beta = map((p, c) => (c === 0 ? p : 0), [gP, count]);
  const gamma = map((p, s, zz, c) => (c === 1 ? p * s : c === 2 ? p * zz : 0), [gP, S, Z, count]);
  const delta = map((p, c) => (c === 2 ? -p : 0), [gP, count]);
  const atNonZeros = map((v, t, al, be) => (v !== 0 ? (al - (be * t) / v) / v : 0), [x, dx, alpha, beta]);
  return addInto(atNonZeros, map((v, t, ga, de) => (v === 0 ? ga + de * t : 0), [x, dx, gamma, delta]));
});

// norm: the p-norm's adjoint is g sign(x) |x|^(p-1) / n^(p-1) (2-norm: g x / n; 0 where n = 0).
// Along dx, with dn / n = sum(sign(x) |x|^(p-1) dx) / n^p:
// g (p-1) / n^(p-1) (|x|^(p-2) dx - sign(x) |x|^(p-1) dn / n). The other orders select (max,
// sign, count): their adjoints are piecewise constant.
const normTerm = onArray((g, x, dx, [ord, axis], out) => {
  const axes = normalizeAxes("norm", axis as Axis, x.ndim);
  const matrix = axes.length === 2 && typeof ord === "number";
  const p = ord === undefined || ord === null || ord === "fro" ? 2 : (ord as number);
  if (matrix || p === 1 || p === 0 || p === Infinity || p === -Infinity) return undefined;
  const n = keptDims(out, x, axes);
  const weighted = sum(map((v, t) => Math.sign(v) * Math.pow(Math.abs(v), p - 1) * t, [x, dx]), axes, true);
  const coefficient = map((gg, nn) => (nn === 0 ? 0 : (gg * (p - 1)) / Math.pow(nn, p - 1)), [keptDims(g, x, axes), n]);
  const dnOverN = map((s, nn) => (nn === 0 ? 0 : s / Math.pow(nn, p)), [weighted, n]);
  return map((v, t, c, d) => (c === 0 ? 0 : c * (Math.pow(Math.abs(v), p - 2) * t - Math.sign(v) * Math.pow(Math.abs(v), p - 1) * d)), [x, dx, coefficient, dnOverN]);
});

/** The curved rules' terms, by rule name. */
export const curvedTerms: Readonly<Record<string, CurvedTerm>> = {
  ...Object.fromEntries(Object.entries(second).map(([name, f]) => [name, unaryTerm(f, FROM_OUT.has(name))])),
  div: divTerm,
  pow: powTerm,
  arctan2: arctan2Term,
  prod: prodTerm,
  norm: normTerm,
  othersProduct: onArray((g, x, dx) => othersVjpTangent(g, x, dx)),
  ...softmaxTerms,
  ...statisticsTerms,
  ...solveTerms,
};
