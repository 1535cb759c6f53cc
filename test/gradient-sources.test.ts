// The flows the gradient analysis follows (compiler/analyze/gradient-sources.ts), seen in the
// variants a record block is compiled to: the `inputs` of each, narrowest first.
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";

function masks(body: string): string[] {
  const result = transform(`import { autograd } from "adjoint";\nimport * as np from "adjoint/np";\n${body}`, { filename: "sources.ts" });
  expect(result.diagnostics.map((d) => d.message)).toEqual([]);
  return [...result.code.matchAll(/inputs: \[([\d, ]*)\]/g)].map((m) => m[1]);
}

// A block reading p and data, in a function whose callers the cases vary.
const step = `
  function step(p: np.NDArray, data: np.NDArray) {
    let y!: np.NDArray;
    autograd.record(() => { y = np.sum(np.mul(p, data)); });
    return y;
  }`;

describe("gradient sources", () => {
  it("follows call sites through several functions, and sees no callers of an exported function", () => {
    expect(masks(`${step}
      function outer(q: np.NDArray, d: np.NDArray) { return step(q, d); }
      export function run(d: np.NDArray) { const w = np.ones([2]); w.attachGrad(); return outer(w, d); }`)).toEqual(["0", "0, 1"]);
    expect(masks(`export ${step.trim()}`)).toEqual(["", "0, 1"]);
  });

  it("attaching an alias attaches what it was taken from (a parameter's arguments, an object's member)", () => {
    expect(masks(`${step}
      function attach(a: np.NDArray) { a.attachGrad(); }
      export function run(d: np.NDArray) { const w = np.ones([2]); attach(w); return step(w, d); }`)).toEqual(["0", "0, 1"]);
    expect(masks(`${step}
      export function run(d: np.NDArray) { const params = { w: np.ones([2]) }; const w = params.w; w.attachGrad(); return step(params.w, d); }`)).toEqual(["0", "0, 1"]);
    expect(masks(`${step}
      export function run(d: np.NDArray) { const params = { w: np.ones([2]) }; params.w.attachGrad(); const { w: weights } = params; return step(weights, d); }`)).toEqual(["0", "0, 1"]);
  });

  it("an object literal's members and a record block's outputs, under other names", () => {
    expect(masks(`${step}
      export function run(w: np.NDArray, d: np.NDArray) { w.attachGrad(); const params = { w }; return step(params.w, d); }`)).toEqual(["0", "0, 1"]);
    expect(masks(`${step}
      export function run(d: np.NDArray) { const w = np.ones([2]); w.attachGrad(); let h!: np.NDArray; autograd.record(() => { h = np.sin(w); }); const g = h; return step(g, d); }`)).toEqual(["0", "0, 1", "0"]);
  });

  it("an np operation outside a block makes an array with no gradient", () => {
    expect(masks(`${step}
      export function run(d: np.NDArray) { const w = np.ones([2]); w.attachGrad(); return step(np.mul(w, 2), d); }`)).toEqual(["", "0, 1"]);
  });
});
