// The vjps of matmul, dot and outer as operations of their own, for code differentiated a
// third time and beyond (adjoint-ops.ts). Each product P(a, b) is bilinear; its adjoints
// A(g, b; a) (a's, a's shape read) and B(g, a; b) are defined by <A(g, b), ȧ> = <g, P(ȧ, b)>
// and <B(g, a), ḃ> = <g, P(a, ḃ)>. Then A's vjp at h is P(h, b) for g and B(g, h) for b,
// and B's is P(a, h) for g and A(g, h) for a: the four close under differentiation, with
// NumPy's 1-D promotion and batch broadcasting as P's first-order rule handles them.
import { dot, matmul, outer, rules as linalgRules } from "./linalg.js";
import type { NDArray } from "./ndarray.js";
import { addInto, fresh, rule, withJvp, type AdjointRule, type DualRule } from "./vjp.js";

type Product = (a: any, b: any) => NDArray; // eslint-disable-line @typescript-eslint/no-explicit-any
type Need = readonly boolean[] | undefined;
const needs = (need: Need, i: number) => need === undefined || need[i] !== false;

/** P's adjoints A and B, their rules (each bilinear in its first two operands) and names. */
function adjointsOf(name: string, product: Product, vjp: AdjointRule["vjp"]) {
  const [A, B] = [`${name}AdjointA`, `${name}AdjointB`];
  // The rule's own vjp, one adjoint at a time (no merging of a === b: the other is not asked for).
  const adjointA = (g: NDArray, b: NDArray, a: NDArray): NDArray => vjp(g, a, b, undefined, [true, false])[0] as NDArray;
  const adjointB = (g: NDArray, a: NDArray, b: NDArray): NDArray => vjp(g, a, b, undefined, [false, true])[1] as NDArray;
  /** The tangent of f(g, c; like), bilinear in g and c: f(dg, c) + f(g, dc). */
  const tangent = (f: typeof adjointA) => ([dg, dc]: readonly unknown[], g: NDArray, c: NDArray, like: NDArray) => {
    const left = dg === undefined ? undefined : f(dg as NDArray, c, like);
    const right = dc === undefined ? undefined : f(g, dc as NDArray, like);
    return fresh(left === undefined ? right : right === undefined ? left : addInto(fresh(left), right));
  };
  const rules: Record<string, DualRule> = {
    [A]: withJvp(rule(["g", "b", "a"], [0, 1], (h, g, b, a, _out, need?: Need) => [
      needs(need, 0) ? fresh(product(h, b)) : undefined,
      needs(need, 1) ? fresh(adjointB(g, h, b)) : undefined,
      undefined,
    ]), tangent(adjointA)),
    [B]: withJvp(rule(["g", "a", "b"], [0, 1], (h, g, a, b, _out, need?: Need) => [
      needs(need, 0) ? fresh(product(a, h)) : undefined,
      needs(need, 1) ? fresh(adjointA(g, h, a)) : undefined,
      undefined,
    ]), tangent(adjointB)),
  };
  return { A, B, adjointA, adjointB, rules };
}

const families = { matmul: adjointsOf("matmul", matmul, linalgRules.matmul.vjp), dot: adjointsOf("dot", dot, linalgRules.dot.vjp), outer: adjointsOf("outer", outer, linalgRules.outer.vjp) };

export const matmulAdjointA = families.matmul.adjointA;
export const matmulAdjointB = families.matmul.adjointB;
export const dotAdjointA = families.dot.adjointA;
export const dotAdjointB = families.dot.adjointB;
export const outerAdjointA = families.outer.adjointA;
export const outerAdjointB = families.outer.adjointB;

export const rules: Record<string, DualRule> = Object.assign({}, ...Object.values(families).map((f) => f.rules));

/** Each product's vjp as operations (vjp-ops.ts): its adjoints, each of its operand's shape. */
export const productOps = Object.fromEntries(
  Object.entries(families).flatMap(([name, f]) => [
    [name, { adjoints: { 0: [f.A, "dout", "b", "a"], 1: [f.B, "dout", "a", "b"] }, unmatched: [0, 1] }],
    [f.A, { adjoints: { 0: [name, "dout", "b"], 1: [f.B, "g", "dout", "b"] }, unmatched: [0, 1] }],
    [f.B, { adjoints: { 0: [name, "a", "dout"], 1: [f.A, "g", "dout", "a"] }, unmatched: [0, 1] }],
  ]),
) as Record<string, { adjoints: Record<number, readonly [string, ...string[]]>; unmatched: number[] }>;
