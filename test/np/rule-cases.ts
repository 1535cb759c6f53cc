// The points each rule of `adjoints` is checked at, shared by its first-order (jvp.test.ts) and
// second-order (second-order.test.ts) checks: broadcasting shapes, number operands, axis and
// keepdims variants, views, float32, ties and zeros.
import * as np from "adjoint/np";
import fc from "fast-check";
import type { Case, Op } from "./jvp-check.js";
import { randomArray, rng, viewKinds, viewOf, type ViewKind } from "./helpers.js";

const ops = np as unknown as Record<string, Op>;
/** The operation a rule differentiates. */
export function opOf(name: string): Op {
  if (name === "norm" || name === "inv" || name === "det" || name === "solve") return np.linalg[name] as Op;
  if (name === "item") return (x: np.NDArray) => x.item();
  return ops[name];
}

/** Every rule's cases, drawn from `next`. */
export function ruleCases(next: () => number): Record<string, () => Case[]> {
  const r = (shape: number[], lo = -2, hi = 2) => randomArray(shape, next, lo, hi);
  const f32 = (x: np.NDArray) => np.astype(x, "float32");
  const num = (lo = -2, hi = 2) => lo + (hi - lo) * next();

  type NormArgs = (x: np.NDArray, ord: number, axis: number | number[] | undefined, keepdims: boolean | undefined, n: np.NDArray) => unknown[];
  const normPair = (args: NormArgs): Case[] =>
    ([[r([2, 3]), 1, 1, undefined], [r([2, 3]), Infinity, 0, true], [r([2, 3]), 0, 1, undefined], [r([3, 3]), 1, [0, 1], undefined], [r([3, 3]), Infinity, undefined, true]] as const).map(
      ([x, ord, axis, keepdims]) => ({ args: args(x, ord, axis as number | number[] | undefined, keepdims, np.linalg.norm(x, ord, axis as number | number[] | undefined, keepdims)) }),
    );
  /** Domains of the unary functions (defaults to (-2, 2)). */
  const domains: Record<string, [number, number]> = {
    log: [0.2, 2], log2: [0.2, 2], log10: [0.2, 2], softplus: [-6, 6], sqrt: [0.2, 2], log1p: [-0.5, 2], asin: [-0.9, 0.9], acos: [-0.9, 0.9], tan: [-1.2, 1.2],
  };
  const unaryNames = [
    "neg", "abs", "sign", "floor", "ceil", "round", "square", "relu", "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan",
    "tanh", "sinh", "cosh", "asin", "acos", "atan", "sigmoid", "log2", "log10", "softplus", "copy",
  ];
  const unaryCases = (name: string): Case[] => {
    const [lo, hi] = domains[name] ?? [-2, 2];
    const cases: Case[] = [
      { args: [r([2, 3], lo, hi)] },
      { args: [r([], lo, hi)] },
      { args: [r([3, 2], lo, hi).T] },
      { args: [f32(r([4], lo, hi))] },
    ];
    // copy takes arrays only; the rest take numbers too.
    return name === "copy" ? cases : [...cases, { args: [num(lo, hi)] }];
  };

  /** Operand shapes that broadcast (a number as "n"). */
  const pairs: (number[] | "n")[][] = [[[2, 3], [2, 3]], [[0, 3], [3]], [[2, 3], [3]], [[3], [2, 3]], [[2, 1], [1, 3]], [[], [2]], [[2, 3], "n"], ["n", [3]], ["n", "n"]];
  const binaryCases = (lo: [number, number], hi: [number, number]): Case[] => {
    const make = (s: number[] | "n", [a, b]: [number, number]) => (s === "n" ? num(a, b) : r(s, a, b));
    return [
      ...pairs.map(([sa, sb]) => ({ args: [make(sa, lo), make(sb, hi)] })),
      { args: [f32(r([2, 3], ...lo)), f32(r([3], ...hi))] },
      { args: [f32(r([2, 3], ...lo)), num(...hi)] },
      { args: [r([3, 2], ...lo).T, r([2, 1], ...hi)] },
    ];
  };

  const x23 = r([2, 3]);
  const x234 = r([2, 3, 4]);
  const reductionCases = (name: string): Case[] => {
    const axes: [unknown, boolean][] = [[undefined, false], [undefined, true], [1, false], [-1, true], [[0, 2], false], [[0, 2], true], [[], false]];
    const cases: Case[] = axes.map(([axis, keepdims]) => ({ args: [r([2, 3, 4], 0.5, 2), axis, keepdims] }));
    cases.push({ args: [f32(r([3, 4], 0.5, 2)), 0, false] }, { args: [num(0.5, 2)] }, { args: [r([], 0.5, 2)] }, { args: [r([4, 3], 0.5, 2).T, 1] });
    if (name === "prod") cases.push({ args: [np.array([[0, 1.5, 2], [0.5, 0, 0], [1, 2, 3]]), 1] }, { args: [np.array([0.7, 0, 1.3])] });
    if (name === "max" || name === "min") {
      // Ties share the derivative equally, as the adjoint does: finite differences do not apply.
      cases.push({ args: [np.array([[1, 3, 3], [2, 2, -1]]), 1], fd: false }, { args: [np.array([[0.5, 0.5], [0.5, 0.5]])], fd: false });
    }
    return cases;
  };

  const softmaxCases = (reduces: boolean): Case[] => [
    { args: [r([2, 3]), reduces ? -1 : undefined] },
    { args: [r([2, 3]), 0] },
    { args: [r([2, 3, 4]), 1] },
    { args: [r([2, 3, 4]), [0, 2]] },
    { args: [r([2, 3, 4]), null] },
    { args: [r([4]), -1] },
    { args: [r([4, 3]).T, -1] },
    { args: [f32(r([3, 4])), 1] },
    { args: [np.add(r([2, 3], -1, 1), 1000), 1] },
    { args: [np.sub(r([3, 2], -1, 1), 1000), 0] },
  ];

  return {
    ...Object.fromEntries(unaryNames.map((name) => [name, () => unaryCases(name)])),
    add: () => binaryCases([-2, 2], [-2, 2]),
    sub: () => binaryCases([-2, 2], [-2, 2]),
    mul: () => [...binaryCases([-2, 2], [-2, 2]), { args: [x23, x23] }],
    div: () => binaryCases([-2, 2], [0.5, 2]),
    pow: () => [...binaryCases([0.5, 2], [-2, 2]), { args: [r([2, 3]), 2], wrt: [0] }, { args: [r([2, 3]), 3] , wrt: [0] }],
    // x kept from the origin (0/0 there); x < 0 crosses no branch cut off y = 0.
    arctan2: () => [...binaryCases([-2, 2], [0.5, 2]), { args: [r([3], 0.5, 2), r([3], -2, -0.5)] }, { args: [r([2, 3], -2, -0.5), r([3], -2, -0.5)] }],
    maximum: () => [...binaryCases([-2, 2], [-2, 2]), { args: [np.array([1, 2, 3]), np.array([1, 0, 4])], fd: false }],
    minimum: () => [...binaryCases([-2, 2], [-2, 2]), { args: [np.array([1, 2, 3]), np.array([1, 0, 4])], fd: false }],
    clip: () => [
      { args: [r([2, 3]), -0.5, 0.5] },
      { args: [r([2, 3]), null, 0.5] },
      { args: [r([2, 3]), -0.5, null] },
      { args: [r([2, 3]), r([3], -1, 0), r([2, 1], 0, 1)] },
      { args: [num(), -0.5, 0.5] },
      { args: [f32(r([4])), -0.5, 0.5] },
    ],
    where: () => [
      { args: [np.greater(r([2, 3]), 0), r([2, 3]), r([3])] },
      { args: [np.greater(r([3]), 0), num(), r([2, 3])] },
      { args: [np.greater(r([2, 1]), 0), f32(r([2, 3])), f32(r([1, 3]))] },
    ],
    astype: () => [{ args: [r([2, 3]), "float32"] }, { args: [f32(r([2, 3])), "float64"] }, { args: [r([2, 3]), "float64"] }],
    sum: () => reductionCases("sum"),
    mean: () => reductionCases("mean"),
    prod: () => reductionCases("prod"),
    max: () => reductionCases("max"),
    min: () => reductionCases("min"),
    // ddof 0 and 1; a lane of equal values (std's adjoint is 0 there, not a derivative: no differences).
    var: () => [...reductionCases("var"), { args: [r([2, 3, 4]), 1, true, 1] }, { args: [f32(r([3, 4])), [0, 1], false, 1] }],
    std: () => [...reductionCases("std"), { args: [r([2, 3, 4]), [0, 2], false, 1] }, { args: [np.array([[1, 1, 1], [0.5, 2, -1]]), 1], fd: false }],
    centered: () => [{ args: [r([2, 3]), 1] }, { args: [r([2, 3, 4]), [0, 2], 1] }, { args: [r([3])] }, { args: [f32(r([3, 4])), 0] }, { args: [num()] }],
    cumsum: () => [{ args: [r([2, 3]), 1] }, { args: [r([2, 3, 4]), 0] }, { args: [r([2, 3])] }, { args: [r([3, 2]).T, -1] }, { args: [f32(r([4])), 0] }, { args: [num()] }],
    cumsumBack: () => [{ args: [r([2, 3]), r([2, 3]), 1] }, { args: [r([6]), r([2, 3])] }, { args: [r([3, 2]), r([2, 3])] }, { args: [r([2, 3, 4]), r([2, 3, 4]), -2] }, { args: [f32(r([4])), f32(r([4])), 0] }],
    trace: () => [{ args: [r([3, 3])] }, { args: [r([2, 4]), 1] }, { args: [r([4, 2]), -1] }, { args: [r([3, 3]).T] }, { args: [f32(r([2, 2]))] }],
    traceBack: () => [{ args: [r([]), r([3, 3])] }, { args: [r([]), r([2, 4]), 1] }, { args: [f32(r([])), f32(r([3, 2])), -1] }],
    diag: () => [{ args: [r([3])] }, { args: [r([3]), 1] }, { args: [r([2]), -2] }, { args: [r([3, 3])] }, { args: [r([2, 4]), 1] }, { args: [r([4, 3]).T, -1] }, { args: [f32(r([3, 3]))] }],
    diagBack: () => [{ args: [r([3, 3]), r([3])] }, { args: [r([4, 4]), r([3]), 1] }, { args: [r([3]), r([3, 3])] }, { args: [r([2]), r([2, 4]), 2] }, { args: [f32(r([2])), f32(r([3, 2])), -1] }],
    // Well conditioned: the identity plus a small perturbation; det also at a singular matrix (cofactors by minors).
    inv: () => [{ args: [np.add(np.eye(3), r([3, 3], -0.4, 0.4))] }, { args: [np.add(np.eye(2), r([2, 2], -0.4, 0.4)).T] }, { args: [f32(np.add(np.eye(2), r([2, 2], -0.3, 0.3)))] }, { args: [r([1, 1], 0.5, 2)] }],
    det: () => [{ args: [np.add(np.eye(3), r([3, 3], -0.4, 0.4))] }, { args: [r([2, 2])] }, { args: [f32(np.add(np.eye(2), r([2, 2], -0.3, 0.3)))] }, { args: [np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]])] }, { args: [np.array([[1, 2, 3], [2, 4, 6], [3, 6, 9]])] }, { args: [r([1, 1])] }],
    solve: () => [{ args: [np.add(np.eye(3), r([3, 3], -0.4, 0.4)), r([3])] }, { args: [np.add(np.eye(3), r([3, 3], -0.4, 0.4)), r([3, 2])] }, { args: [np.add(np.eye(2), r([2, 2], -0.3, 0.3)).T, r([3, 2]).T.get(":", 0)] }, { args: [f32(np.add(np.eye(2), r([2, 2], -0.3, 0.3))), f32(r([2]))] }],
    // Lanes along each axis, several axes, all, views, float32, 1e3-sized inputs (the naive formula overflows there).
    softmax: () => softmaxCases(false),
    logSoftmax: () => softmaxCases(false),
    logsumexp: () => [...softmaxCases(true), { args: [r([2, 3, 4]), undefined, false] }, { args: [r([2, 3]), 1, true] }, { args: [r([2, 3, 4]), [0, 2], true] }, { args: [num()] }],
    reshape: () => [{ args: [r([2, 3]), [3, 2]] }, { args: [r([2, 3]), [-1]] }, { args: [r([3, 2]).T, [6]] }, { args: [f32(r([4])), [2, 2]] }],
    flatten: () => [{ args: [r([2, 3])] }, { args: [r([3, 2]).T] }],
    ravel: () => [{ args: [r([2, 3])] }, { args: [r([3, 2]).T] }],
    squeeze: () => [{ args: [r([1, 3, 1])] }, { args: [r([1, 3, 1]), 0] }, { args: [r([2, 1]), [-1]] }],
    expandDims: () => [{ args: [r([2, 3]), 1] }, { args: [r([3]), [0, 2]] }],
    transpose: () => [{ args: [r([2, 3])] }, { args: [r([2, 3, 4]), [1, 0, 2]] }, { args: [f32(r([2, 3])), undefined] }],
    broadcastTo: () => [{ args: [r([3]), [2, 3]] }, { args: [r([2, 1]), [2, 3]] }, { args: [r([]), [4]] }],
    concat: () => [
      { args: [[r([2, 3]), r([1, 3])], 0] },
      { args: [[r([2, 3]), r([2, 2]), r([2, 1])], 1] },
      { args: [[r([2, 3]), r([2, 2])], -1], zeroInList: [0] },
      { args: [[f32(r([2])), f32(r([3]))]] },
    ],
    stack: () => [{ args: [[r([3]), r([3])], 0] }, { args: [[r([2, 3]), r([2, 3]), r([2, 3])], 1] }, { args: [[r([2]), r([2])], -1], zeroInList: [1] }],
    getItem: () => [
      { args: [r([3, 4]), [1]] },
      { args: [r([3, 4]), [":", "1:3"]] },
      { args: [r([3, 4]), ["::-1", null]] },
      { args: [r([2, 3, 4]), ["...", 2]] },
      { args: [r([3, 4]), [-1, np.slice(null, null, 2)]] },
    ],
    matmul: () => [
      { args: [r([2, 3]), r([3, 4])] },
      { args: [r([3]), r([3, 4])] },
      { args: [r([2, 3]), r([3])] },
      { args: [r([3]), r([3])] },
      { args: [r([2, 2, 3]), r([3, 4])] },
      { args: [r([1, 2, 3]), r([2, 3, 2])] },
      { args: [r([3, 2]).T, r([4, 3]).T] },
      { args: [f32(r([2, 3])), f32(r([3, 2]))] },
      { args: [x23.T, x23] },
    ],
    dot: () => [
      { args: [r([4]), r([4])] },
      { args: [x23.get(0), x23.get(0)] },
      { args: [r([2, 3]), r([3])] },
      { args: [r([2, 3]), r([3, 4])] },
      { args: [r([3]), r([3, 2])] },
      { args: [r([2, 2, 3]), r([4, 3, 2])] },
      { args: [num(), r([2, 3])] },
      { args: [r([2, 3]), num()] },
      { args: [r([]), r([3])] },
      { args: [f32(r([3])), f32(r([3]))] },
    ],
    outer: () => [{ args: [r([3]), r([2])] }, { args: [r([2, 2]), r([3])] }, { args: [f32(r([2])), f32(r([2]))] }],
    norm: () => [
      { args: [r([2, 3])] },
      { args: [r([2, 3]), null, 1] },
      { args: [r([2, 3]), 2, 0, true] },
      { args: [r([2, 3]), 1, 1] },
      { args: [r([2, 3]), Infinity, 1] },
      { args: [r([2, 3]), -Infinity, 0] },
      { args: [r([2, 3]), 0, 1] },
      { args: [r([2, 3]), 3, 1] },
      { args: [r([2, 3]), 0.5, -1] },
      { args: [r([2, 3]), "fro", [0, 1]] },
      { args: [r([3, 3]), 1, [0, 1]] },
      { args: [r([3, 3]), Infinity, [1, 0], true] },
      { args: [x234, null, [0, 2]] },
      { args: [num()] },
      { args: [f32(r([4]))] },
      { args: [np.zeros([3])], fd: false },
    ],
    item: () => [{ args: [r([1])] }, { args: [r([])] }, { args: [r([1, 1]).T] }, { args: [f32(r([1]))] }],
    // adjoint-ops.ts: summed down, broadcast up, to a number, from a number; accumulated (each contribution of its operand's shape, or into a number).
    matchShape: () => [{ args: [r([2, 3]), r([3])] }, { args: [r([3]), r([2, 3])] }, { args: [r([2, 3]), num()] }, { args: [num(), r([2, 1])] }, { args: [r([3, 2]).T, r([2, 3])] }],
    addAdjoints: () => [{ args: [r([2, 3]), r([2, 3])] }, { args: [r([2, 3]), r([3])] }, { args: [num(), r([3])] }, { args: [num(), num()] }],
    orZeros: () => [{ args: [r([2, 3]), r([2, 3])] }, { args: [r([3, 2]).T, r([2, 3])] }],
    // The vjps of reductions along axes and of shape operations (adjoint-ops.ts): g of the reduced or reshaped shape.
    sumBack: () => [{ args: [r([2]), r([2, 3]), 1] }, { args: [r([2, 1]), r([2, 3]), 1, true] }, { args: [r([]), r([2, 3])] }, { args: [r([3]), r([2, 3]), 0, false] }, { args: [f32(r([1, 3])), f32(r([2, 3])), 0, true] }],
    meanBack: () => [{ args: [r([2]), r([2, 3]), 1] }, { args: [r([2, 1]), r([2, 3]), -1, true] }, { args: [r([]), r([2, 3])] }, { args: [r([4]), r([2, 4, 3]), [0, 2]] }],
    reshapeLike: () => [{ args: [r([6]), r([2, 3])] }, { args: [r([3, 2]).T, r([6])] }, { args: [f32(r([2, 2])), f32(r([4]))] }],
    astypeLike: () => [{ args: [r([2, 3]), f32(r([2, 3]))] }, { args: [f32(r([2, 3])), r([2, 3])] }, { args: [r([3]), r([3])] }],
    transposeBack: () => [{ args: [r([3, 2])] }, { args: [r([3, 2, 4]), [1, 0, 2]] }, { args: [r([4, 2, 3]), [2, 0, 1]] }],
    getItemBack: () => [{ args: [r([4]), r([3, 4]), [1]] }, { args: [r([3, 2]), r([3, 4]), [":", "1:3"]] }, { args: [r([2, 3]), r([2, 3, 4]), ["...", 2]] }],
    // adjoint-ops-norm.ts: the piecewise linear norms' vjp and its transpose, x and the norm n fixed (vector, keepdims, matrix).
    normBack: () => normPair((x, ord, axis, keepdims, n) => [r([...n.shape]), x, ord, axis, keepdims, n]),
    normAlong: () => normPair((x, ord, axis, keepdims, n) => [r([...x.shape]), x, ord, axis, keepdims, n]),
    // adjoint-ops-prod.ts: lanes laid last and back (one axis, several, every one), the product of the others with zeros in a lane.
    lanesLast: () => [{ args: [r([2, 3]), 1] }, { args: [r([2, 3, 2]), [0, 2]] }, { args: [r([2, 3])] }, { args: [f32(r([3, 2])), 0] }],
    lanesBack: () => [{ args: [r([2, 3]), r([2, 3]), 1] }, { args: [r([3, 4]), r([2, 3, 2]), [0, 2]] }, { args: [r([6]), r([2, 3])] }, { args: [r([2, 3]), r([3, 2]), 0] }],
    othersProduct: () => [{ args: [r([2, 3])] }, { args: [r([4])] }, { args: [np.array([[0, 0.5, -1.2], [0.3, 0, 0]])] }, { args: [f32(r([2, 2]))] }],
    // adjoint-ops-linalg.ts: A(g, b; a) and B(g, a; b), g of the product's shape (1-D operands, batches).
    matmulAdjointA: () => [{ args: [r([2, 4]), r([3, 4]), r([2, 3])] }, { args: [r([4]), r([3, 4]), r([3])] }, { args: [r([2]), r([3]), r([2, 3])] }, { args: [r([2, 2, 4]), r([3, 4]), r([2, 2, 3])] }, { args: [r([2, 2, 4]), r([2, 3, 4]), r([2, 3])] }],
    matmulAdjointB: () => [{ args: [r([2, 4]), r([2, 3]), r([3, 4])] }, { args: [r([4]), r([3]), r([3, 4])] }, { args: [r([2]), r([2, 3]), r([3])] }, { args: [r([2, 2, 4]), r([2, 3]), r([2, 3, 4])] }],
    dotAdjointA: () => [{ args: [r([2, 4]), r([3, 4]), r([2, 3])] }, { args: [r([]), r([4]), r([4])] }, { args: [r([2]), r([3]), r([2, 3])] }, { args: [r([2, 4, 2]), r([4, 3, 2]), r([2, 3])] }],
    dotAdjointB: () => [{ args: [r([2, 4]), r([2, 3]), r([3, 4])] }, { args: [r([]), r([4]), r([4])] }, { args: [r([2]), r([2, 3]), r([3])] }, { args: [r([2, 4, 2]), r([2, 3]), r([4, 3, 2])] }],
    outerAdjointA: () => [{ args: [r([3, 2]), r([2]), r([3])] }, { args: [r([4, 3]), r([3]), r([2, 2])] }],
    outerAdjointB: () => [{ args: [r([3, 2]), r([3]), r([2])] }, { args: [r([4, 3]), r([2, 2]), r([3])] }],
  };
}

const dim = fc.integer({ min: 0, max: 3 });
const shape = fc.array(dim, { minLength: 0, maxLength: 3 });
/** Two shapes that broadcast: the second is a suffix of the first with some axes set to 1. */
const pair = fc.tuple(shape, fc.integer({ min: 0, max: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.boolean()).map(
  ([a, drop, ones, swap]) => {
    const b = a.slice(Math.min(drop, a.length)).map((d, i) => (ones[i] ? 1 : d));
    return swap ? [b, a] : [a, b];
  },
);
const kind = fc.constantFrom<ViewKind>(...viewKinds);

/** A binary rule with operands of random broadcasting shapes, either a view, in its domain; `local` draws what the check needs. */
export const binaryPoints = fc
  .tuple(pair, kind, kind, fc.constantFrom("add", "sub", "mul", "div", "pow", "maximum", "minimum", "where"), fc.integer())
  .map(([[sa, sb], ka, kb, name, seed]) => {
    const local = rng(seed);
    const a = viewOf(ka, sa, local, name === "pow" ? 0.5 : -2, 2);
    const b = viewOf(kb, sb, local, name === "div" ? 0.5 : -2, 2);
    const args = name === "where" ? [np.greater(viewOf("contiguous", sb, local), 0), a, b] : [a, b];
    return { name, args, local };
  });
