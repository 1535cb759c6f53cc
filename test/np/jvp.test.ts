// Every rule of `adjoints` has a forward-mode rule (`tangents`), checked at random points
// against central finite differences of the operation and against its own reverse-mode rule
// (<v, J u> = <J^T v, u>): broadcasting shapes, number operands, axis and keepdims variants,
// views, float32. Tolerances (relative to max(1, |value|)): finite differences 1e-6 in
// float64 (h = 1e-5), 2e-3 for float32 operands or output (h = 1e-3); the dot-product
// identity 1e-9 (1e-3 in float32).
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkJvp } from "./jvp-check.js";
import { rng } from "./helpers.js";
import { binaryPoints, opOf, ruleCases } from "./rule-cases.js";
import { rulesReusingDout } from "../../runtime/np/elementwise.js";

const next = rng(20261207);
const cases = ruleCases(next);

describe("every rule with an adjoint has a tangent", () => {
  it("tangents holds exactly the rules of adjoints, the same objects, each with a jvp", () => {
    const names = Object.keys(np.adjoints);
    expect(names.filter((name) => typeof np.adjoints[name].jvp !== "function"), "rules without a jvp").toEqual([]);
    expect(Object.keys(np.tangents).sort()).toEqual(names.sort());
    for (const name of names) expect(np.tangents[name]).toBe(np.adjoints[name]);
  });

  it("the rules generated code calls instead (rulesReusingDout) have the same jvp", () => {
    // The same module at run time; typed here from the sources, not from adjoint/np's declarations.
    for (const [name, rule] of Object.entries(rulesReusingDout as unknown as Record<string, np.AdjointRule>)) {
      expect(typeof rule.jvp, name).toBe("function");
      const x = np.array([0.3, 0.6]);
      const u = np.array([1, -2]);
      const args = name === "mul" ? [x, np.array([2, 3])] : [x];
      const y = opOf(name)(...args);
      const tangents = name === "mul" ? [u, undefined] : [u];
      expect((rule.jvp!(tangents, ...args, y) as np.NDArray).toArray(), name).toEqual((np.tangents[name].jvp(tangents, ...args, y) as np.NDArray).toArray());
    }
  });

  it("every rule has cases here", () => {
    expect(Object.keys(np.adjoints).filter((name) => !(name in cases))).toEqual([]);
  });

  for (const name of Object.keys(np.adjoints)) {
    it(`${name}: finite differences and the dot-product identity`, () => {
      const list = cases[name]?.();
      expect(list, `cases for ${name}`).toBeDefined();
      for (const c of list!) checkJvp(name, opOf(name), c, next);
    });
  }
});

describe("tangents of broadcasting operations on random shapes and layouts", () => {
  it("every binary rule against finite differences and its vjp, either operand a view", () => {
    fc.assert(fc.property(binaryPoints, ({ name, args, local }) => checkJvp(name, opOf(name), { args }, local)), { numRuns: 200 });
  });
});
