// hvp(f)(x, v) read inside a function that is itself differentiated: H v as f's gradient's
// pullback along v (driver/nested.ts hvpInside), in the subset, so grad, hvp, jvp and hessian
// of that function work (of NDArray code: reverse over reverse over reverse, through the vjps
// as operations). Checked at three points each against central differences (h = 1e-5,
// relative 1e-6) and mode against mode (1e-9): the inner H v equal to the top-level hvp(f);
// grad against differences; hvp against differences of grad; <u, H v> = <v, H u>; hessian
// symmetric, its rows the hvp; jvp's tangent equal to <grad, u>. What stays refused, located.
import { resolve } from "node:path";
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectClose } from "./helpers/finite-diff.js";
import { dot, flat, loadModule } from "./helpers/ndarray-modules.js";

const dir = resolve(__dirname, "..", ".tmp", "hvp-inside");
const header = `import { grad, hvp, hessian, jvp } from "adjoint";\nimport * as np from "adjoint/np";\n`;
const h = 1e-5;
type Fn = (...a: unknown[]) => unknown;

describe("hvp read inside differentiated NDArray code", () => {
  it("grad, hvp, jvp and hessian of a function of H v, against differences and each other", async () => {
    const m = await loadModule(dir, header, `const B = np.array([[0.3, -0.2, 0.5], [0.1, 0.4, -0.6]]);
function f(w: np.NDArray): number {
  return np.sum(np.mul(np.tanh(w), np.sin(np.add(w, B)))).item() + np.prod(np.add(w, 1.5)).item();
}
export function curvature(w: np.NDArray, v: np.NDArray): number {
  return np.sum(np.square(hvp(f)(w, v))).item();
}
export const hvpF = hvp(f);
export const gradC = grad(curvature);
export const hvpC = hvp(curvature);
export const jvpC = jvp(curvature);
export const hessianC = hessian(curvature);
`);
    const [curvature, hvpF, gradC, hvpC, jvpC, hessianC] = [m.curvature, m.hvpF, m.gradC, m.hvpC, m.jvpC, m.hessianC] as Fn[];
    np.random.seed(13);
    for (let k = 0; k < 3; k++) {
      const at = `at point ${k}`;
      const [w, v, u] = [np.random.normal(0, 0.6, [2, 3]), np.random.normal(0, 1, [2, 3]), np.random.normal(0, 1, [2, 3])];
      const shifted = (d: np.NDArray, e: number) => np.add(w, np.mul(d, e));
      // The inner H v is the top-level one: their squares' sums agree.
      expectClose(curvature(w, v) as number, dot(hvpF(w, v), hvpF(w, v)), { rtol: 1e-12, atol: 1e-14, label: `H v inside = hvp(f) ${at}` });
      const g = flat(gradC(w, v));
      for (let i = 0; i < 6; i++) {
        const e = np.zeros([6]);
        e.data[i] = 1;
        const d = np.reshape(e, [2, 3]);
        const diff = ((curvature(shifted(d, h), v) as number) - (curvature(shifted(d, -h), v) as number)) / (2 * h);
        expectClose(g[i], diff, { rtol: 1e-6, atol: 1e-8, label: `grad[${i}] vs differences ${at}` });
      }
      const hu = flat(hvpC(w, v, u));
      const [plus, minus] = [flat(gradC(shifted(u, h), v)), flat(gradC(shifted(u, -h), v))];
      hu.forEach((value, j) => expectClose(value, (plus[j] - minus[j]) / (2 * h), { rtol: 1e-6, atol: 1e-8, label: `hvp[${j}] vs differences of grad ${at}` }));
      expectClose(dot(v, hvpC(w, v, u)), dot(u, hvpC(w, v, v)), { rtol: 1e-9, atol: 1e-11, label: `<v, H u> = <u, H v> ${at}` });
      const [value, tangent] = jvpC(w, v, u, np.zerosLike(v)) as [number, number];
      expectClose(value, curvature(w, v) as number, { rtol: 1e-12, atol: 1e-14, label: `jvp's value ${at}` });
      expectClose(tangent, dot(gradC(w, v), u), { rtol: 1e-9, atol: 1e-11, label: `jvp's tangent = <grad, u> ${at}` });
      const H = flat(hessianC(w, v));
      for (let i = 0; i < 6; i++) for (let j = 0; j < i; j++) expectClose(H[i * 6 + j], H[j * 6 + i], { rtol: 1e-9, atol: 1e-11, label: `hessian symmetric [${i}, ${j}] ${at}` });
      expectClose(H.slice(0, 6).reduce((a, x, j) => a + x * flat(u)[j], 0), hu[0], { rtol: 1e-9, atol: 1e-11, label: `hessian row 0 = hvp ${at}` });
    }
  });
});

describe("hvp read inside differentiated code of numbers", () => {
  it("by its second parameter, another passing through: grad and grad(grad) against differences", async () => {
    const m = await loadModule(dir, header, `function f(c: number, x: number): number {
  return Math.tanh(c * x) * Math.exp(x);
}
export function bent(c: number, x: number): number {
  return hvp(f, { wrt: 1 })(c, x, 2) * x;
}
export const d = grad(bent, { wrt: 1 });
export const d2 = grad(grad(bent, { wrt: 1 }), { wrt: 1 });
export const dc = grad(bent, { wrt: 0 });
`);
    const [bent, d, d2, dc] = [m.bent, m.d, m.d2, m.dc] as ((c: number, x: number) => number)[];
    // f'' by x in closed form: the inner H v with v = 2.
    const second = (c: number, x: number) => {
      const t = Math.tanh(c * x);
      const s = 1 - t * t;
      return Math.exp(x) * (t + 2 * c * s - 2 * c * c * t * s);
    };
    for (const [c, x] of [[0.7, 0.3], [-1.2, 0.8], [0.4, -0.5]]) {
      expectClose(bent(c, x), 2 * second(c, x) * x, { rtol: 1e-12, atol: 1e-14, label: `H v at ${c}, ${x}` });
      expectClose(d(c, x), (bent(c, x + h) - bent(c, x - h)) / (2 * h), { rtol: 1e-6, atol: 1e-8, label: `d/dx at ${c}, ${x}` });
      expectClose(d2(c, x), (d(c, x + h) - d(c, x - h)) / (2 * h), { rtol: 1e-6, atol: 1e-8, label: `d²/dx² at ${c}, ${x}` });
      expectClose(dc(c, x), (bent(c + h, x) - bent(c - h, x)) / (2 * h), { rtol: 1e-6, atol: 1e-8, label: `d/dc at ${c}, ${x}` });
    }
  });
});

describe("what stays refused, located", () => {
  it("jvp(grad(f)) of NDArray code read inside a gradient: its tangents nest no further; the message points to hvp", () => {
    const { diagnostics } = transform(`${header}function f(w: np.NDArray): number {
  return np.sum(np.tanh(w)).item();
}
function g(w: np.NDArray, v: np.NDArray): number {
  return np.sum(np.square(jvp(grad(f))(w, v)[1])).item();
}
export const dg = grad(g);
`, { filename: "jvp-inside.ts" });
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([["ADJ016", 7]]);
    expect(diagnostics[0].message).toContain("inside a function, hvp(f)(x, v) is H v as the gradient's pullback, which nests");
  });
  it("hvp inside by a list of parameters", () => {
    const { diagnostics } = transform(`${header}function f(a: number, b: number): number {
  return a * a * b;
}
function g(a: number, b: number): number {
  return hvp(f, { wrt: [0, 1] })(a, b, [1, 0])[0];
}
export const dg = grad(g);
`, { filename: "hvp-inside-list.ts" });
    // The site itself refuses too: hvp takes one parameter anywhere.
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([["ADJ016", 7], ["ADJ016", 7]]);
    expect(diagnostics[0].message).toContain("hvp(…) inside differentiated code takes one wrt parameter");
  });
});
