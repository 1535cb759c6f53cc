// Every rule of `adjoints` has a second-order rule (`vjpTangents`): the tangent of its vjp's
// result when dout, the arguments and the output move, checked at the points of
// rule-cases.ts (broadcasting shapes, number operands, axis and keepdims, views, float32,
// zeros of prod) and a few more (`need`, pow's and norm's orders) against central differences
// of the vjp; and the binary rules on random broadcasting shapes and view layouts, the
// reductions on random shapes, axes and layouts (fast-check).
// Tolerances (relative to max(1, |value|)): 1e-6 in float64 (h = 1e-5), 5e-3 with
// float32 operands (h = 1e-3).
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Case } from "./jvp-check.js";
import { randomArray, rng, viewKinds, viewOf, type ViewKind } from "./helpers.js";
import { binaryPoints, opOf, ruleCases } from "./rule-cases.js";
import { checkVjpJvp } from "./second-order-check.js";

const next = rng(20261208);
const cases = ruleCases(next);
const r = (shape: number[], lo = -2, hi = 2) => randomArray(shape, next, lo, hi);

/** Points beyond the first-order ones: `need`, curvature where the first-order cases are flat. */
const more: Record<string, () => (Case & { need?: boolean[] })[]> = {
  mul: () => [{ args: [r([2, 3]), r([3])], need: [true, false] }, { args: [r([2, 3]), r([3])], need: [false, true] }],
  div: () => [{ args: [r([2, 3]), r([3], 0.5, 2)], need: [false, true] }, { args: [r([3]), r([2, 3], 0.5, 2)], need: [true, false] }],
  pow: () => [
    { args: [r([2, 3], 0.5, 2), r([2, 3], 0.5, 3)] },
    { args: [r([2, 3], -2, 2), 3], need: [true, false] },
    { args: [r([3], 0.5, 2), r([2, 3])], need: [false, true] },
  ],
  matmul: () => [{ args: [r([2, 3]), r([3, 4])], need: [true, false] }],
  dot: () => [{ args: [r([4]), r([4])], need: [false, true] }],
  prod: () => [{ args: [np.array([[0, 0, 0, 2], [0, 1.5, 0, 0.5], [1, 2, 0.5, 3]]), 1, true] }, { args: [np.array([[0, 0.5], [2, 0]]), 0] }],
  norm: () => [{ args: [r([2, 3]), 3, 0, true] }, { args: [r([3, 4], 0.5, 2), 1.5, 1] }, { args: [r([4, 3]).T, null, 0] }],
};

describe("every rule with an adjoint has a second-order rule", () => {
  it("vjpTangents holds exactly the rules of adjoints, each with a kind and a jvp", () => {
    expect(Object.keys(np.vjpTangents).sort()).toEqual(Object.keys(np.adjoints).sort());
    for (const [name, rule] of Object.entries(np.vjpTangents)) {
      expect(typeof rule.jvp, name).toBe("function");
      expect(["linear", "piecewise", "bilinear", "curved"], name).toContain(rule.kind);
    }
  });

  it("the rules whose vjp reads the arguments only for their shapes are linear, as their metadata says", () => {
    const linear = Object.keys(np.vjpTangents).filter((name) => np.vjpTangents[name].kind === "linear");
    const byMetadata = Object.keys(np.adjoints).filter((name) => np.readsOnlyShapes(np.adjoints[name]));
    expect(linear.sort()).toEqual([...byMetadata, "item"].sort());
    for (const name of linear) expect(np.vjpTangents[name].reads, name).toEqual([]);
    const kinds = (kind: string) => Object.keys(np.vjpTangents).filter((name) => np.vjpTangents[name].kind === kind).sort();
    expect(kinds("linear"), "as docs/np.md lists them").toEqual([
      "neg", "sign", "floor", "ceil", "round", "add", "sub", "where", "copy", "astype", "sum", "mean", "reshape", "flatten", "ravel",
      "squeeze", "expandDims", "transpose", "broadcastTo", "concat", "stack", "getItem", "item",
      "matchShape", "addAdjoints", "orZeros", "sumBack", "meanBack", "reshapeLike", "transposeBack", "getItemBack", "astypeLike", "normBack", "normAlong", "lanesLast", "lanesBack",
      "centered", "cumsum", "cumsumBack", "trace", "traceBack", "diag", "diagBack",
    ].sort());
    expect(kinds("piecewise")).toEqual(["abs", "clip", "max", "maximum", "min", "minimum", "relu"]);
    expect(kinds("bilinear")).toEqual(["dot", "dotAdjointA", "dotAdjointB", "matmul", "matmulAdjointA", "matmulAdjointB", "mul", "outer", "outerAdjointA", "outerAdjointB"]);
  });

  for (const name of Object.keys(np.adjoints)) {
    it(`${name}: the tangent of its vjp against finite differences`, () => {
      const list = [...cases[name](), ...(more[name]?.() ?? [])];
      for (const c of list) checkVjpJvp(name, opOf(name), c, next);
    });
  }
});

describe("second-order rules of broadcasting operations on random shapes and layouts", () => {
  it("every binary rule against finite differences of its vjp, either operand a view", () => {
    fc.assert(fc.property(binaryPoints, ({ name, args, local }) => checkVjpJvp(name, opOf(name), { args }, local)), { numRuns: 150 });
  });
});

describe("second-order rules of reductions on random shapes, axes and layouts", () => {
  const shape = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 });
  const points = fc.tuple(shape, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.boolean(), fc.constantFrom<ViewKind>(...viewKinds), fc.integer(), fc.boolean());
  it("sum, mean, prod (with zeros) and the 2-norm over any axes, keepdims or not, any layout", () => {
    fc.assert(
      fc.property(points, fc.constantFrom("sum", "mean", "prod", "norm"), ([s, picked, keepdims, kind, seed, zeros], name) => {
        const local = rng(seed);
        const view = viewOf(kind, s, local, 0.5, 2);
        // prod's lanes with zeros: a mask of about a third of the elements
        const x = name === "prod" && zeros ? np.mul(view, np.greater(randomArray(s, local, 0, 1), 0.35)) : view;
        const axes = s.map((_, i) => i).filter((i) => picked[i]);
        const axis = axes.length === 0 ? undefined : axes.length === 1 ? axes[0] : axes;
        const args = name === "norm" ? [x, null, axis, keepdims] : [x, axis, keepdims];
        checkVjpJvp(name, opOf(name), { args }, local);
      }),
      { numRuns: 150 },
    );
  });
});
