// The rule table: every differentiable primitive's adjoint by its exported name, what has
// none, and which NDArray method is which primitive. The compiler reads it (through ./index.ts).
import { rules as elementwiseRules } from "./elementwise.js";
import { rules as linalgRules } from "./linalg.js";
import { rules as reduceRules } from "./reduce.js";
import { rules as shapeRules } from "./shapeops.js";
import { rules as softmaxRules } from "./softmax.js";
import { rules as statisticsRules } from "./statistics.js";
import { rules as cumulativeRules } from "./cumulative.js";
import { rules as diagonalRules } from "./diagonal.js";
import { rules as solveRules } from "./linalg-solve.js";
import { rules as adjointOpRules } from "./adjoint-ops.js";
import { rules as productAdjointRules } from "./adjoint-ops-linalg.js";
import { rules as normAdjointRules } from "./adjoint-ops-norm.js";
import { rules as prodAdjointRules } from "./adjoint-ops-prod.js";
import { full } from "./create.js";
import type { NDArray } from "./ndarray.js";
import { fresh, rule, sumToNumber, withJvp, type AdjointRule, type DualRule } from "./vjp.js";

/** `x.item()`: the number's adjoint goes to x's one element. (It reads only x's shape, but a
 * stand-in for it would keep loop conditions such as `norm(b).item() < 1000` from inlining.)
 * Its tangent is a number: dx's one element. */
const item = withJvp(
  rule(["x"], [0], (g: unknown, x: NDArray) => [fresh(full(x.shape, g as number, x.dtype))]),
  ([dx]) => (dx === undefined ? undefined : sumToNumber(dx as NDArray | number)),
);

/** Every differentiable primitive's reverse-mode rule, by the name it is exported
 * under (`norm` is `linalg.norm`). See docs/np.md for the calling convention. */
export const adjoints: Readonly<Record<string, AdjointRule>> = Object.freeze({
  ...elementwiseRules,
  ...reduceRules,
  ...softmaxRules,
  ...statisticsRules,
  ...cumulativeRules,
  ...diagonalRules,
  ...solveRules,
  ...shapeRules,
  ...linalgRules,
  ...adjointOpRules,
  ...productAdjointRules,
  ...normAdjointRules,
  ...prodAdjointRules,
  item,
});

/** Every differentiable primitive's forward-mode rule, by the same names: the rules of
 * `adjoints` (one object per primitive, `vjp` and `jvp` beside each other), each with its
 * `jvp`. See docs/np.md for the calling convention. */
export const tangents: Readonly<Record<string, DualRule>> = Object.freeze(
  Object.fromEntries(Object.entries(adjoints).flatMap(([name, r]) => (r.jvp ? [[name, r as DualRule]] : []))),
);

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
  item: "item", sum: "sum", mean: "mean", prod: "prod", max: "max", min: "min", var: "var", std: "std", cumsum: "cumsum", trace: "trace",
  add: "add", sub: "sub", mul: "mul", div: "div", pow: "pow", neg: "neg", abs: "abs", clip: "clip", dot: "dot", matmul: "matmul",
});
