// Third and fourth order of NDArray code beyond elementwise operations: every rule's vjp written
// as operations (runtime/np/vjp-ops.ts), so matmul layers, softmax cross-entropy, pow and the
// piecewise rules, reductions along axes and shape chains nest. At three points each:
// d³f/ds³ and d⁴f/ds⁴ against central differences of the compiled order below (h = 1e-5,
// relative 1e-6, absolute 1e-8), and against closed forms where one exists (relative 1e-9);
// the piecewise rules' higher derivatives exactly 0, at their kinks too. By an NDArray: hvp and
// hessian of df/ds (a function reading grad(f)) against differences of its gradient, and
// jvp(d²f/ds²) against differences and against <grad of d²f/ds², v> (1e-9).
import { resolve } from "node:path";
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { expectClose } from "./helpers/finite-diff.js";
import { lastCompiled, loadModule } from "./helpers/ndarray-modules.js";
import { checkMixedThird, mixedThirdSource } from "./helpers/mixed-third.js";

const dir = resolve(__dirname, "..", ".tmp", "ndarray-third-order-layers");
const header = `import { grad, hvp, hessian, jvp, valueAndGrad } from "adjoint";
import * as np from "adjoint/np";
const X = np.array([[0.4, -0.7, 0.25], [1.1, 0.2, -0.45], [-0.5, 0.9, 0.6], [0.3, -0.15, -1.2]]);
const W1 = np.array([[0.5, -0.3, 0.8, 0.1, -0.6], [0.2, 0.7, -0.4, 0.9, 0.3], [-0.8, 0.15, 0.35, -0.25, 0.6]]);
const B1 = np.array([0.1, -0.2, 0.05, 0.3, -0.1]);
const W2 = np.array([[0.3, -0.5], [0.6, 0.2], [-0.4, 0.7], [0.25, -0.35], [0.9, 0.1]]);
const B2 = np.array([0.05, -0.15]);
const Y = np.array([[0.2, 0.8], [1, 0], [0.5, 0.5], [0, 1]]);
const L = np.array([[0.3, -1.2, 0.8, 0.1], [1.5, 0.2, -0.6, -0.9], [-0.4, 0.7, 0.05, 1.1]]);
const P = np.array([0, 0.5, 2, 1.3]);
`;

type D = (s: number) => number;
const h = 1e-5;
const points = [0.3, -0.8, 0.55];
const differences = (g: D, s: number) => (g(s + h) - g(s - h)) / (2 * h);

// Softmax cross-entropy of logits s·L (rows of L, targets summing to 1): for n ≥ 2, d^n/ds^n is the
// mean over rows of the n-th cumulant of L under softmax(s·L).
const Lrows = [[0.3, -1.2, 0.8, 0.1], [1.5, 0.2, -0.6, -0.9], [-0.4, 0.7, 0.05, 1.1]];
function cumulants(s: number, order: 3 | 4): number {
  const per = Lrows.map((l) => {
    const m = Math.max(...l.map((v) => v * s));
    const e = l.map((v) => Math.exp(v * s - m));
    const z = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / z);
    const mean = p.reduce((a, pi, i) => a + pi * l[i], 0);
    const central = (k: number) => p.reduce((a, pi, i) => a + pi * (l[i] - mean) ** k, 0);
    return order === 3 ? central(3) : central(4) - 3 * central(2) ** 2;
  });
  return per.reduce((a, b) => a + b, 0) / per.length;
}

interface Case {
  body: string;
  /** d³f/ds³ and d⁴f/ds⁴ in closed form, where there is one. */
  closed?: (s: number) => [number, number];
  /** Piecewise linear in s: every derivative past the first is exactly 0. */
  flat?: boolean;
  /** Points besides `points` (a kink). */
  at?: number[];
}

const cases: Record<string, Case> = {
  "a 2-layer MLP: tanh(X (W1 s) + B1) W2 + B2, mean squared error": {
    body: `const h = np.tanh(np.add(np.matmul(X, np.mul(W1, s)), B1));
  const z = np.add(np.matmul(h, W2), B2);
  return np.mean(np.square(np.sub(z, Y))).item();`,
  },
  "the MLP with s in both layers, methods and a column mean": {
    body: `const h = np.tanh(np.matmul(X, np.mul(W1, s)).add(B1));
  const z = h.dot(np.mul(W2, s)).add(B2);
  return np.sum(z.sub(Y).mul(z.sub(Y)).mean(0)).item();`,
  },
  "softmax cross-entropy by logSoftmax along the last axis (closed form: cumulants)": {
    body: "return np.neg(np.mean(np.sum(np.mul(np.softmax(np.mul(L, 0)), np.logSoftmax(np.mul(L, s), -1)), 1))).item() * 4;",
    closed: (s) => [4 * cumulants(s, 3), 4 * cumulants(s, 4)],
  },
  "softmax's log along axis 0 and its default axis": {
    body: `const logits = np.matmul(np.transpose(X), np.mul(X, s));
  return np.sum(np.mul(np.log(np.softmax(logits, 0)), 0.5)).item() + np.sum(np.mul(np.softmax(logits), logits)).item();`,
  },
  "pow of |u| by 3, maximum, minimum, clip and where": {
    body: `const u = np.mul(X, s);
  return np.sum(np.pow(np.abs(np.sub(u, 0.05)), 3)).item() + np.sum(np.maximum(np.sin(u), np.mul(u, 0.5))).item()
    + np.sum(np.minimum(np.exp(u), 1.2)).item() + np.sum(np.clip(np.tanh(u), -0.3, 0.4)).item()
    + np.sum(np.where(np.greater(X, 0), np.exp(u), np.square(u))).item();`,
  },
  "pow with the exponent varying, a base 0 among them (guarded; closed form)": {
    body: "return np.sum(np.pow(P, np.add(s, 1.5))).item() + np.sum(np.pow(np.mul(P, s), 3)).item();",
    closed: (s) => {
      const ps = [0.5, 2, 1.3];
      const series = (n: number) => ps.reduce((a, p) => a + p ** (s + 1.5) * Math.log(p) ** n, 0);
      const cubes = ps.reduce((a, p) => a + p ** 3, 0);
      return [series(3) + 6 * cubes, series(4)];
    },
  },
  "relu and abs: piecewise linear, every higher derivative 0, at the kink s = 0 too": {
    body: "return np.sum(np.relu(np.mul(X, s))).item() + np.sum(np.abs(np.mul(X, s))).item() + np.sum(np.maximum(np.mul(X, s), 0)).item();",
    flat: true,
    at: [0],
  },
  "reductions along axes with keepdims: sum, mean, max, min, logsumexp": {
    body: `const u = np.mul(X, s);
  const rows = np.mul(np.sum(np.exp(u), 1, true), np.max(np.sin(u), 1, true));
  return np.sum(rows).item() + np.sum(np.square(np.mean(np.cos(u), 0))).item() + np.sum(np.logsumexp(u, 1)).item()
    + np.sum(np.mul(np.min(np.tanh(u), 0, true), np.logsumexp(u, 0, true))).item() + np.mean(np.exp(np.mean(u, [0, 1], true))).item();`,
  },
  "reshape, transpose, squeeze, expandDims, getItem, broadcastTo, astype, outer chains": {
    body: `const u = np.reshape(np.transpose(np.mul(X, s)), [2, 6]);
  const v = np.squeeze(np.expandDims(np.tanh(u), 0));
  const w = np.transpose(np.reshape(v, [2, 3, 2]), [2, 0, 1]);
  return np.sum(np.matmul(v.T, np.sin(v))).item() + np.sum(np.square(np.getItem(np.ravel(w), "1:9"))).item()
    + np.dot(np.flatten(u), np.flatten(np.exp(u))).item() + np.sum(np.outer(np.getItem(u, [0]), np.sin(np.getItem(u, [1])))).item()
    + np.sum(np.mul(np.broadcastTo(np.sum(np.sin(u), 0), [3, 6]), np.cos(np.sum(u)))).item()
    + np.sum(np.exp(np.astype(u, "float64"))).item();`,
  },
};

describe("third and fourth order of NDArray layers by a number", () => {
  for (const [name, { body, closed, flat: piecewise, at = [] }] of Object.entries(cases)) {
    it(name, async () => {
      const m = await loadModule(dir, header, `function f(s: number): number {\n  ${body}\n}\nexport const D1 = grad(f);\nexport const D2 = grad(grad(f));\nexport const D3 = grad(grad(grad(f)));\nexport const D4 = grad(grad(grad(grad(f))));\nexport const V2 = valueAndGrad(grad(f));\nexport const V3 = valueAndGrad(grad(grad(f)));\n`);
      const [D1, D2, D3, D4] = [m.D1, m.D2, m.D3, m.D4] as D[];
      const [V2, V3] = [m.V2, m.V3] as ((s: number) => [number, number])[];
      // Reverse mode over the operations forms every time, never the jvps that nest no further.
      expect(lastCompiled).not.toContain("reverse mode does not differentiate again");
      for (const s of [...points, ...at]) {
        const [d3, d4] = [D3(s), D4(s)];
        if (piecewise) {
          expect([D2(s), d3, d4].map((d) => d === 0), `higher derivatives exactly 0 at s = ${s}`).toEqual([true, true, true]);
          // The operations form's masks choose at the kink as the first-order rules do.
          expectClose(V2(s)[0], D1(s), { rtol: 1e-14, atol: 1e-14, label: `d1 by the operations form at s = ${s}` });
          continue;
        }
        // The lower orders the operations forms recompute are the rules' own.
        expectClose(V2(s)[0], D1(s), { rtol: 1e-12, atol: 1e-14, label: `d1 by the operations form at s = ${s}` });
        expectClose(V3(s)[0], D2(s), { rtol: 1e-12, atol: 1e-14, label: `d2 by the operations form at s = ${s}` });
        expectClose(d3, differences(D2, s), { rtol: 1e-6, atol: 1e-8, label: `d3 vs differences of d2 at s = ${s}` });
        expectClose(d4, differences(D3, s), { rtol: 1e-6, atol: 1e-8, label: `d4 vs differences of d3 at s = ${s}` });
        if (closed) {
          const [c3, c4] = closed(s);
          expectClose(d3, c3, { rtol: 1e-9, atol: 1e-11, label: `d3 closed form at s = ${s}` });
          expectClose(d4, c4, { rtol: 1e-9, atol: 1e-11, label: `d4 closed form at s = ${s}` });
        }
      }
    });
  }
});

describe("mixed third derivatives of the MLP by an NDArray", () => {
  it("hvp, hessian and grad of df/ds, and jvp of d²f/ds², against differences and each other", async () => {
    const m = await loadModule(dir, header, mixedThirdSource(`function f(w1: np.NDArray, s: number): number {
  const h = np.tanh(np.add(np.matmul(np.mul(X, s), w1), B1));
  return np.mean(np.square(np.sub(np.matmul(h, W2), Y))).item();
}`));
    np.random.seed(7);
    checkMixedThird(m, () => np.random.normal(0, 0.5, [3, 5]), points, h);
  });
});
