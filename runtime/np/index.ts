// adjoint/np: the typed-array runtime. NumPy's (and MXNet's) names in camelCase; every
// differentiable operation has its adjoint rule beside it, collected in `adjoints`.
// For their side effects: NDArray's methods, and the NDArray half of adjoint/runtime.
import "./methods.js";
import "../generated-ndarray.js";

export { NDArray } from "./ndarray.js";
export type { ArrayOrScalar, Axis, Index, GradReq, BackwardOptions } from "./ndarray.js";
export type { DType, TypedArray } from "./dtype.js";
export type { Shape } from "./shape.js";
export { array, asarray, zeros, ones, full, empty, zerosLike, onesLike, fullLike, emptyLike, arange, linspace, eye } from "./create.js";
export {
  elementwise, neg, abs, sign, square, relu, exp, log, log1p, expm1, sqrt, sin, cos, tan, tanh, sinh, cosh,
  asin, acos, atan, sigmoid, log2, log10, softplus, power, arctan2, floor, ceil, round, logicalNot, add, sub, mul, div, pow, maximum, minimum, equal,
  notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, where, clip, copy, astype,
} from "./elementwise.js";
export { sum, mean, prod, max, min, argmax, argmin, all, any } from "./reduce.js";
export { softmax, logSoftmax, logsumexp } from "./softmax.js";
export { variance as var, std, centered } from "./statistics.js";
export { cumsum, cumsumBack } from "./cumulative.js";
export { trace, diag, traceBack, diagBack } from "./diagonal.js";
export {
  matchShape, addAdjoints, orZeros, astypeLike, sumBack, meanBack, reshapeLike, transposeBack, getItemBack, maximumPicksA, minimumPicksA, clipPassesX, tieShares,
} from "./adjoint-ops.js";
export { matmulAdjointA, matmulAdjointB, dotAdjointA, dotAdjointB, outerAdjointA, outerAdjointB } from "./adjoint-ops-linalg.js";
export { normBack, normAlong } from "./adjoint-ops-norm.js";
export { lanesLast, lanesBack, othersProduct, laneEye } from "./adjoint-ops-prod.js";
export { vjpOps, withoutOps } from "./vjp-ops.js";
export type { Term, VjpOps } from "./vjp-ops.js";
export { isclose, allclose } from "./compare.js";
export type { CloseOptions } from "./compare.js";
export {
  reshape, transpose, expandDims, squeeze, flatten, ravel, broadcastTo, concat, concatenate, stack, getItem, setItem,
  slice, Slice,
} from "./shapeops.js";
export { matmul, dot, outer } from "./linalg.js";
export { linalg } from "./linalg-solve.js";
export { gemm, setBackend, getBackend, setThreads, getThreads } from "./backend/index.js";
export type { Backend, BackendName } from "./backend/index.js";
export type { Gemm } from "./gemm.js";
export { repr, str } from "./format.js";
export * as random from "./random.js";
export { addInto, subInto, mulInto, accumulate, unbroadcast, sumToNumber } from "./vjp.js";
export type { AdjointRule, Adjoint, ArrayMeta, Jvp, Tangent, DualRule } from "./vjp.js";
export { adjoints, tangents, nonDifferentiable, methodRules } from "./rules.js";
export { vjpTangents, helperTangents, readsOnlyShapes } from "./second-order.js";
export type { VjpInputTangents, VjpJvp, SecondOrderRule, SecondOrderKind } from "./second-order.js";
