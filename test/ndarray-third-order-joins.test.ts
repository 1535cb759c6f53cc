// Third and fourth order of NDArray code using the rules whose vjps were last written as
// operations: prod (dout times the product of the others, exact at zeros), concat and stack (each list element's adjoint is getItem of dout at its place in
// the join), and linalg.norm's (2-norm and Frobenius: dout x / n, 0 where n = 0; ord 1, Infinity, 0
// and the matrix norms: a linear map x fixes piecewise; p-norms). At three
// points each: d2, d3 and d4 by s against central differences of the compiled order below
// (h = 1e-5, relative 1e-6, absolute 1e-8), hvp against differences of the gradient; by an
// NDArray, hvp/hessian of df/ds and jvp of d²f/ds² (helpers/mixed-third.ts). Norm at a zero
// lane: no NaN, the first-order rule's 0 at every order. What still refuses, located.
import { resolve } from "node:path";
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectClose } from "./helpers/finite-diff.js";
import { lastCompiled, loadModule } from "./helpers/ndarray-modules.js";
import { checkMixedThird, mixedThirdSource } from "./helpers/mixed-third.js";

const dir = resolve(__dirname, "..", ".tmp", "ndarray-third-order-joins");
const header = `import { grad, hvp, hessian, jvp } from "adjoint";
import * as np from "adjoint/np";
const X = np.array([[0.4, -0.7, 0.25], [1.1, 0.2, -0.45]]);
const Z = np.array([[0, 0, 0], [1.1, 0.2, -0.45]]);
const M = np.array([[0.4, -0.7, 0.25], [1.1, 0.2, -0.45], [0.3, 0.9, -0.6]]);
`;

type D = (s: number) => number;
const h = 1e-5;
const points = [0.3, -0.8, 0.55];
const differences = (g: D, s: number) => (g(s + h) - g(s - h)) / (2 * h);

const cases: Record<string, string> = {
  "concat along axes 1, 0 and -1, three elements": `const u = np.mul(X, s);
  return np.sum(np.sin(np.concat([u, np.tanh(u)], 1))).item() + np.sum(np.square(np.concat([np.exp(u), u, np.cos(u)]))).item()
    + np.sum(np.mul(np.concat([u, np.sin(u)], -1), np.concat([np.tanh(u), u], -1))).item();`,
  "stack along axes 0, 1 and -1": `const u = np.mul(X, s);
  return np.sum(np.sin(np.stack([u, np.exp(u)], 1))).item() + np.sum(np.square(np.stack([np.tanh(u), u]))).item()
    + np.sum(np.exp(np.stack([np.sin(u), np.mul(u, 0.5), u], -1))).item();`,
  "linalg.norm: ord omitted, null along an axis, 2 with keepdims, 'fro', a lane of zeros": `const u = np.mul(X, s);
  return np.linalg.norm(np.sin(u)).item() + np.sum(np.linalg.norm(np.tanh(u), null, 1)).item() + np.sum(np.linalg.norm(np.exp(u), 2, 0, true)).item()
    + np.linalg.norm(np.square(u), "fro", [0, 1]).item() + np.sum(np.linalg.norm(np.mul(Z, s), null, 1)).item();`,
  "linalg.norm by the piecewise linear ords (1, Infinity, 0; matrix 1 and Infinity) and p-norms (3, 1.5)": `const u = np.mul(X, s);
  const m = np.mul(M, s);
  return np.sum(np.linalg.norm(np.sin(u), Infinity, 1)).item() + np.sum(np.linalg.norm(np.exp(u), 1, 0, true)).item() + np.sum(np.linalg.norm(np.sin(u), 3, 1)).item()
    + np.sum(np.linalg.norm(np.tanh(u), 0, 1)).item() + np.linalg.norm(np.sin(m), 1, [0, 1]).item() + np.linalg.norm(np.exp(m), Infinity).item()
    + np.sum(np.linalg.norm(np.exp(u), 1.5, -1)).item();`,
  "prod along an axis, over every axis, with keepdims, along two axes": `const u = np.mul(X, s);
  return np.sum(np.prod(np.add(u, 0.1), 1)).item() + np.prod(np.sin(u)).item() + np.sum(np.prod(np.exp(u), 0, true)).item()
    + np.sum(np.prod(np.sub(np.reshape(u, [1, 2, 3]), 0.2), [0, 2])).item();`,
  "norm of a concat and a stack": `const u = np.mul(X, s);
  return np.linalg.norm(np.concat([np.sin(u), np.getItem(np.stack([u, np.exp(u)]), 0)])).item();`,
};

const source = (body: string) => `function f(s: number): number {
  ${body}
}
export const D1 = grad(f);
export const D2 = grad(grad(f));
export const D3 = grad(grad(grad(f)));
export const D4 = grad(grad(grad(grad(f))));
export const H = hvp(f);
`;

describe("third and fourth order of prod, concat, stack and linalg.norm by a number", () => {
  for (const [name, body] of Object.entries(cases)) {
    it(name, async () => {
      const m = await loadModule(dir, header, source(body));
      const [D1, D2, D3, D4] = [m.D1, m.D2, m.D3, m.D4] as D[];
      const H = m.H as (s: number, v: number) => number;
      // Reverse mode over the operations forms every time, never the jvps that nest no further.
      expect(lastCompiled).not.toContain("reverse mode does not differentiate again");
      for (const s of points) {
        expectClose(D2(s), differences(D1, s), { rtol: 1e-6, atol: 1e-8, label: `d2 vs differences of d1 at s = ${s}` });
        expectClose(H(s, 1), D2(s), { rtol: 1e-12, atol: 1e-14, label: `hvp vs d2 at s = ${s}` });
        expectClose(D3(s), differences(D2, s), { rtol: 1e-6, atol: 1e-8, label: `d3 vs differences of d2 at s = ${s}` });
        expectClose(D4(s), differences(D3, s), { rtol: 1e-6, atol: 1e-8, label: `d4 vs differences of d3 at s = ${s}` });
      }
    });
  }

  it("the 2-norm where the norm is 0: the first-order rule's 0, and no NaN, at every order", async () => {
    const m = await loadModule(dir, header, source("return np.linalg.norm(np.mul(X, s)).item() + np.sum(np.linalg.norm(np.mul(X, s), null, 1)).item();"));
    const [D1, D2, D3, D4] = [m.D1, m.D2, m.D3, m.D4] as D[];
    expect([D1(0), D2(0), D3(0), D4(0)]).toEqual([0, 0, 0, 0]);
    // Away from 0, |s| times a constant: d1 its sign times the norms, the rest 0.
    const norms = Math.hypot(0.4, -0.7, 0.25, 1.1, 0.2, -0.45) + Math.hypot(0.4, -0.7, 0.25) + Math.hypot(1.1, 0.2, -0.45);
    for (const s of points) {
      expectClose(D1(s), Math.sign(s) * norms, { rtol: 1e-12, atol: 1e-14, label: `d1 at s = ${s}` });
      for (const d of [D2, D3, D4]) expectClose(d(s), 0, { rtol: 0, atol: 1e-12, label: `higher at s = ${s}` });
    }
  });
});

describe("prod through zeros", () => {
  it("lanes whose elements pass through 0 (one zero, two zeros): every order exact against the polynomial's closed form", async () => {
    // (s - 0.3)² (s + 1) and the column products (s - 0.3)(s + 1), s (s - 0.3) and (s - 2)(s - 0.5).
    const m = await loadModule(dir, header, source(`const c = np.array([0.3, 0.3, -1]);
  const grid = np.reshape(np.sub(np.mul(np.ones([6]), s), np.array([0.3, 0, 2, -1, 0.3, 0.5])), [2, 3]);
  return np.prod(np.sub(np.mul(np.ones([3]), s), c)).item() + np.sum(np.prod(grid, 0)).item();`));
    const [D1, D2, D3, D4] = [m.D1, m.D2, m.D3, m.D4] as D[];
    for (const s of [0.3, 0, -1, 0.5, 0.7]) {
      const closed = [2 * (s - 0.3) * (s + 1) + (s - 0.3) ** 2 + (2 * s + 0.7) + (2 * s - 0.3) + (2 * s - 2.5), 6 * s + 6.8, 6, 0];
      [D1, D2, D3, D4].forEach((d, k) => expectClose(d(s), closed[k], { rtol: 1e-12, atol: 1e-12, label: `d${k + 1} at s = ${s}` }));
    }
  });
});

describe("mixed third derivatives by an NDArray", () => {
  it("concat, stack, the 2-norm and prod: hvp, hessian and grad of df/ds, jvp of d²f/ds², against differences and each other", async () => {
    const m = await loadModule(dir, header, mixedThirdSource(`function f(x: np.NDArray, s: number): number {
  const u = np.mul(np.tanh(x), s);
  return np.sum(np.sin(np.concat([u, np.exp(u)], 1))).item() + np.sum(np.square(np.stack([u, np.sin(x)], -1))).item() + np.linalg.norm(np.add(u, x), null, 1).mul(s).sum().item()
    + np.sum(np.prod(np.add(u, 0.5), 1)).item();
}`));
    np.random.seed(11);
    checkMixedThird(m, () => np.random.normal(0, 0.5, [2, 3]), points, h);
  });
});

describe("what third order of these rules refuses", () => {
  it("a norm whose ord is not written as a constant (-Infinity), located, naming it and why", () => {
    const { diagnostics } = transform(`${header}function f(s: number): number {
  return np.sum(np.linalg.norm(np.mul(X, s), -Infinity, 1)).item();
}
export const second = grad(grad(f));
export const third = grad(grad(grad(f)));
`, { filename: "norm-ord.ts" });
    expect(diagnostics.map((d) => d.code)).toEqual(["ADJ016"]);
    expect(diagnostics[0].message).toContain("the vjp of norm (its vjp depends on ord case by case: written as operations where ord is a constant");
    expect(diagnostics[0].line).toBe(10);
  });
});

describe("a concat in the gradient, forward over reverse", () => {
  it("hvp of f(x) = sum(exp(concat([x, sin(x)]))) against differences of its gradient", async () => {
    const m = await loadModule(dir, header, `function f(x: np.NDArray): number { return np.sum(np.exp(np.concat([x, np.sin(x)]))).item(); }
export const G = grad(f);
export const H = hvp(f);
`);
    const [G, H] = [m.G, m.H] as ((...a: np.NDArray[]) => np.NDArray)[];
    np.random.seed(5);
    for (let k = 0; k < 3; k++) {
      const [x, v] = [np.random.normal(0, 0.7, [2, 3]), np.random.normal(0, 1, [2, 3])];
      const along = (t: number) => G(np.add(x, np.mul(v, t)));
      const expected = np.div(np.sub(along(h), along(-h)), 2 * h);
      const got = H(x, v);
      for (let i = 0; i < 6; i++) expectClose(got.data[i], expected.data[i], { rtol: 1e-6, atol: 1e-8, label: `H v [${i}] at point ${k}` });
    }
  });
});
