// adjoint/np: the typed-array runtime. NumPy's (and MXNet's) names in camelCase; every
// differentiable operation has its adjoint rule beside it, collected in `adjoints`.
import { rules as elementwiseRules } from "./elementwise.js";
import { rules as linalgRules } from "./linalg.js";
import { rules as reduceRules } from "./reduce.js";
import { rules as shapeRules } from "./shapeops.js";
import type { AdjointRule } from "./vjp.js";

export { NDArray } from "./ndarray.js";
export type { ArrayOrScalar, Axis, Index, GradReq, BackwardOptions } from "./ndarray.js";
export type { DType, TypedArray } from "./dtype.js";
export type { Shape } from "./shape.js";
export { array, asarray, zeros, ones, full, empty, zerosLike, onesLike, fullLike, emptyLike, arange, linspace, eye } from "./create.js";
export {
  elementwise, neg, abs, sign, square, relu, exp, log, log1p, expm1, sqrt, sin, cos, tan, tanh, sinh, cosh,
  asin, acos, atan, sigmoid, floor, ceil, round, logicalNot, add, sub, mul, div, pow, maximum, minimum, equal,
  notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, where, clip, copy, astype,
} from "./elementwise.js";
export { sum, mean, prod, max, min, argmax, argmin, all, any } from "./reduce.js";
export { isclose, allclose } from "./compare.js";
export type { CloseOptions } from "./compare.js";
export {
  reshape, transpose, expandDims, squeeze, flatten, ravel, broadcastTo, concat, concatenate, stack, getItem, setItem,
  slice, Slice,
} from "./shapeops.js";
export { matmul, dot, outer, linalg } from "./linalg.js";
export { gemm } from "./gemm.js";
export type { Gemm } from "./gemm.js";
export { repr, str } from "./format.js";
export * as random from "./random.js";
export { addInto, subInto, mulInto, accumulate, unbroadcast, sumToNumber } from "./vjp.js";
export type { AdjointRule, Adjoint } from "./vjp.js";

/** Every differentiable primitive's reverse-mode rule, by the name it is exported
 * under (`norm` is `linalg.norm`). See docs/np.md for the calling convention. */
export const adjoints: Readonly<Record<string, AdjointRule>> = Object.freeze({
  ...elementwiseRules,
  ...reduceRules,
  ...shapeRules,
  ...linalgRules,
});

/** Operations with no adjoint: their results are constants to differentiation. */
export const nonDifferentiable: ReadonlySet<string> = new Set([
  "equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual", "logicalAnd", "logicalOr", "logicalNot",
  "argmax", "argmin", "all", "any", "isclose", "allclose", "detach", "zerosLike", "onesLike", "fullLike", "emptyLike",
]);

/** For the compiler: each differentiable `NDArray` method and the rule in `adjoints`
 * that differentiates it. `x.m(a, b)` is `m(x, a, b)`, except where the method spreads
 * a list: `x.reshape(2, 3)` is `reshape(x, [2, 3])`, `x.transpose(1, 0)` is
 * `transpose(x, [1, 0])` (no arguments: `undefined`), `x.get(0, ":")` is
 * `getItem(x, [0, ":"])`; the getter `x.T` is `transpose(x)`. */
export const methodRules: Readonly<Record<string, string>> = Object.freeze({
  T: "transpose", transpose: "transpose", reshape: "reshape", flatten: "flatten", ravel: "ravel", squeeze: "squeeze",
  broadcastTo: "broadcastTo", get: "getItem", copy: "copy", astype: "astype",
  sum: "sum", mean: "mean", prod: "prod", max: "max", min: "min",
  add: "add", sub: "sub", mul: "mul", div: "div", pow: "pow", neg: "neg", abs: "abs", clip: "clip", dot: "dot", matmul: "matmul",
});
