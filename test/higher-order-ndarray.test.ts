// Second order of NDArray code, forward over reverse: hvp(f), hessian(f) and jvp(grad(f)) of
// functions written with adjoint/np. The gradient is generated in the differentiable subset
// and read back; its calls of each rule's vjp and of the reverse sweep's helpers get their
// tangents from the runtime's second-order tables. Checked at several points: H v against
// central differences of the compiled gradient along v (h = 1e-5, relative 1e-5), symmetry
// <u, H v> = <v, H u> (1e-8), jvp(grad(f)) equal to hvp (1e-12), and the Hessian's rows equal
// to hvp of unit vectors, symmetric, laid out [...x.shape, ...x.shape].
import { resolve } from "node:path";
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectClose } from "./helpers/finite-diff.js";
import { dot, flat, like, loadModule, type Arg } from "./helpers/ndarray-modules.js";

const dir = resolve(__dirname, "..", ".tmp", "higher-order-ndarray");
const header = `import { grad, hvp, hessian, jvp, valueAndGrad } from "adjoint";\nimport * as np from "adjoint/np";\n`;
const load = (source: string) => loadModule(dir, header, source);

const along = (point: Arg[], wrt: number, u: Arg, s: number): Arg[] =>
  point.map((a, i) => (i !== wrt ? a : typeof a === "number" ? a + s * (u as number) : np.add(a, np.mul(u as np.NDArray, s))));

interface Case {
  source: string;
  wrt: number;
  points: () => Arg[][];
}

async function check({ source, wrt, points }: Case): Promise<void> {
  const w = `{ wrt: ${wrt} }`;
  const m = await load(`${source}\nexport { f };\nexport const G = grad(f, ${w});\nexport const H = hvp(f, ${w});\nexport const HS = hessian(f, ${w});\nexport const JG = jvp(grad(f, ${w}), ${w});\n`);
  const G = m.G as (...a: Arg[]) => Arg;
  const H = m.H as (...a: Arg[]) => Arg;
  const HS = m.HS as (...a: Arg[]) => Arg;
  const JG = m.JG as (...a: Arg[]) => [Arg, Arg];
  np.random.seed(17);
  points().forEach((point, p) => {
    const where = `at point ${p}`;
    const [v, u] = [like(point[wrt]), like(point[wrt])];
    const Hv = H(...point, v);
    const h = 1e-5;
    const plus = flat(G(...along(point, wrt, v, h)));
    const minus = flat(G(...along(point, wrt, v, -h)));
    const hv = flat(Hv);
    expect(hv.length, `H v has x's size ${where}`).toBe(plus.length);
    hv.forEach((x, j) => expectClose(x, (plus[j] - minus[j]) / (2 * h), { rtol: 1e-5, atol: 1e-6, label: `(H v)[${j}] vs differences of the gradient ${where}` }));
    expectClose(dot(u, Hv), dot(v, H(...point, u)), { rtol: 1e-8, atol: 1e-10, label: `<u, H v> = <v, H u> ${where}` });
    const [gradient, tangent] = JG(...point, v);
    flat(gradient).forEach((x, j) => expectClose(x, flat(G(...point))[j], { rtol: 1e-12, atol: 1e-14, label: `jvp(grad f)'s value is the gradient ${where}` }));
    flat(tangent).forEach((x, j) => expectClose(x, hv[j], { rtol: 1e-12, atol: 1e-14, label: `jvp(grad f) = hvp [${j}] ${where}` }));
    const x = point[wrt];
    const hessian = HS(...point);
    const n = flat(x).length;
    const rows = flat(hessian);
    if (typeof x !== "number") expect((hessian as np.NDArray).shape, `the Hessian's layout ${where}`).toEqual([...x.shape, ...x.shape]);
    for (let i = 0; i < n; i++) {
      const unit = typeof x === "number" ? 1 : np.reshape(np.eye(n).get(i), [...x.shape]);
      const row = flat(H(...point, unit));
      for (let j = 0; j < n; j++) {
        expectClose(rows[i * n + j], row[j], { rtol: 1e-12, atol: 1e-14, label: `Hessian[${i}, ${j}] = (H e_${i})[${j}] ${where}` });
        expectClose(rows[i * n + j], rows[j * n + i], { rtol: 1e-8, atol: 1e-10, label: `Hessian symmetric [${i}, ${j}] ${where}` });
      }
    }
  });
}

const normal = (...shape: number[]) => np.random.normal(0, 1, shape);
const small = (...shape: number[]) => np.mul(np.random.normal(0, 1, shape), 0.5);

const mlp = `function f(w: np.NDArray, b: np.NDArray, x: np.NDArray): number {
  const h = np.tanh(np.add(np.matmul(x, w), b));
  return np.sum(np.mul(h, h)).item();
}`;

const cases: Record<string, Case> = {
  "an MLP layer's loss (matmul, broadcast bias, tanh, squares), by its weights": {
    source: mlp,
    wrt: 0,
    points: () => [[small(3, 2), small(2), normal(4, 3)], [small(3, 2), small(2), normal(4, 3)]],
  },
  "the same loss by its bias": {
    source: mlp,
    wrt: 1,
    points: () => [[small(3, 2), small(2), normal(4, 3)]],
  },
  "softmax cross-entropy: logsumexp over an axis with keepdims, a detached max, mean": {
    source: `function f(w: np.NDArray, xs: np.NDArray, labels: np.NDArray): number {
      const logits = np.matmul(xs, w.T);
      const shifted = np.sub(logits, np.max(logits, 1, true).detach());
      const lse = np.log(np.sum(np.exp(shifted), 1, true));
      return np.mean(np.sum(np.mul(labels, np.sub(lse, shifted)), 1)).item();
    }`,
    wrt: 0,
    points: () => [[normal(3, 2), normal(5, 2), np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]])]],
  },
  "logistic regression: sigmoid, log, 1 - p, a division by the batch": {
    source: `function f(w: np.NDArray, x: np.NDArray, y: np.NDArray): number {
      const p = np.sigmoid(np.matmul(x, w));
      const nll = np.add(np.mul(y, np.log(p)), np.mul(np.sub(1, y), np.log(np.sub(1, p))));
      return -np.sum(nll).item() / 6 + 0.01 * np.sum(np.square(w)).item();
    }`,
    wrt: 0,
    points: () => [[small(3), normal(6, 3), np.array([1, 0, 1, 1, 0, 0])], [small(3), normal(6, 3), np.array([0, 0, 1, 0, 1, 1])]],
  },
  "a number parameter of NDArray code, by the NDArray": {
    source: `function f(x: np.NDArray, c: number): number {
      const h = np.sin(np.add(np.mul(x, c), x));
      const k = np.sin(np.add(np.mul(h, c), x));
      return np.sum(np.exp(k)).item();
    }`,
    wrt: 0,
    points: () => [[small(4), 1.3], [small(2, 2), -0.7]],
  },
  "a loop over NDArray state (its old values on the plain stack, their tangents beside them)": {
    source: `function f(x: np.NDArray, c: number, n: number): number {
      let h = x;
      for (let i = 0; i < n; i++) h = np.sin(np.add(np.mul(h, c), x));
      return np.sum(np.exp(h)).item();
    }`,
    wrt: 0,
    points: () => [[small(4), 1.3, 3], [small(2, 2), -0.7, 5], [small(3), 0.9, 0]],
  },
  "the same loop by its number parameter, with an early exit on an item": {
    source: `function f(x: np.NDArray, c: number, n: number): number {
      let h = x;
      for (let i = 0; i < n; i++) {
        h = np.tanh(np.add(np.mul(h, c), x));
        if (np.sum(h).item() > 2) break;
      }
      return np.sum(np.mul(h, h)).item() * c;
    }`,
    wrt: 1,
    points: () => [[small(4), 1.3, 3], [np.array([0.9, 1.2, 0.8]), 1.5, 6]],
  },
  "adds whose adjoint is dout for both operands, accumulated where another adjoint holds it too": {
    source: `function f(x: np.NDArray, m: np.NDArray): np.NDArray {
      let acc = np.mul(x, 0);
      for (let i = 0; i < 3; i++) acc = np.add(acc, np.tanh(np.matmul(m, x)));
      const a = np.sin(x);
      return np.add(np.add(x, acc), np.add(a, np.mul(a, a)));
    }`,
    wrt: 0,
    points: () => [[np.array([0, 0, 0.001]), np.array([[0, 0, 0], [0, -0.001, 0], [0, 0, -0.126]])], [small(3), small(3, 3)]],
  },
  "the Hessian with respect to a number of NDArray code": {
    source: `function f(x: np.NDArray, c: number): number {
      const h = np.sin(np.add(np.mul(x, c), x));
      return np.sum(np.exp(np.mul(h, c))).item() * c;
    }`,
    wrt: 1,
    points: () => [[small(4), 1.3], [small(3), 0.4]],
  },
  "branches on an item, division, sqrt, pow, reshape, get, transpose": {
    source: `function f(x: np.NDArray, y: np.NDArray): number {
      const s = np.sum(x).item();
      const r = np.reshape(np.mul(x, y), [3, 2]);
      if (s > 0) return np.sum(np.div(r.get(":", 0), np.sqrt(np.add(np.square(y.get(":3")), 1)))).item();
      return np.sum(np.pow(np.add(np.square(r.T), 1), 1.5)).item();
    }`,
    wrt: 0,
    points: () => [[np.array([0.5, 1, -0.2, 0.3, 0.8, 0.1]), normal(6)], [np.array([-0.5, -1, 0.2, 0.3, -0.8, 0.1]), normal(6)]],
  },
  "module callees with NDArray parameters and results, inlined": {
    source: `function dense(w: np.NDArray, x: np.NDArray): np.NDArray { return np.sigmoid(np.matmul(w, x)); }
    function norm2(x: np.NDArray): number { return np.sqrt(np.sum(np.square(x))).item(); }
    function f(w1: np.NDArray, w2: np.NDArray, x: np.NDArray): number {
      const h = dense(w1, x);
      return norm2(dense(w2, h)) + norm2(h) * 0.5;
    }`,
    wrt: 0,
    points: () => [[small(3, 2), small(2, 3), normal(2)]],
  },
  "softplus, log1p, expm1, cosh, reductions along axis 0": {
    source: `function f(x: np.NDArray): number {
      const soft = np.log1p(np.exp(x));
      const m = np.mean(np.mul(soft, np.cosh(x)), 0);
      return np.sum(np.mul(m, np.expm1(np.mul(m, 0.5)))).item();
    }`,
    wrt: 0,
    points: () => [[small(3, 2)], [normal(2, 4)]],
  },
  "relu and maximum: piecewise linear, H v from the smooth parts": {
    source: `function f(w: np.NDArray, x: np.NDArray): number {
      const h = np.relu(np.matmul(x, w));
      return np.sum(np.mul(np.maximum(h, 0.1), np.tanh(h))).item();
    }`,
    wrt: 0,
    points: () => [[np.array([[0.4, -0.3], [0.2, 0.5]]), np.array([[1, 0.5], [-0.3, 2], [0.7, 0.7]])]],
  },
};

describe("hvp, hessian and jvp(grad) of NDArray code (forward over reverse)", () => {
  for (const [name, c] of Object.entries(cases)) it(name, () => check(c));
});

describe("grad of the gradient of NDArray code by numbers: its jvps", () => {
  it("grad(grad(f)), with wrt lists and valueAndGrad, against differences of the closed-form derivative", async () => {
    const m = await load(`function f(x: number, c: number): number { return np.sum(np.tanh(np.mul(np.arange(4), x * c))).item(); }
export const d2 = grad(grad(f));
export const both = grad(grad(f), { wrt: [0, 1] });
export const mixed = grad(grad(f, { wrt: 1 }));
export const valued = valueAndGrad(grad(f));
function g(x: number, c: number): number {
  let h = np.arange(4);
  for (let i = 0; i < 3; i++) h = np.tanh(np.mul(h, x * c));
  return np.sum(h).item();
}
export const dg = grad(g);
export const d2g = grad(grad(g));\n`);
    // f' = sum_k k c (1 - tanh(k x c)^2).
    const d1 = (x: number, c: number) => [0, 1, 2, 3].reduce((s, k) => s + k * c * (1 - Math.tanh(k * x * c) ** 2), 0);
    const h = 1e-5;
    for (const [x, c] of [[0.3, 0.7], [-0.4, 1.2], [0.05, -2]]) {
      const dx = (d1(x + h, c) - d1(x - h, c)) / (2 * h);
      const dc = (d1(x, c + h) - d1(x, c - h)) / (2 * h);
      expectClose((m.d2 as (x: number, c: number) => number)(x, c), dx, { rtol: 1e-6, atol: 1e-8, label: `f'' at ${x}, ${c}` });
      const [bx, bc] = (m.both as (x: number, c: number) => number[])(x, c);
      expectClose(bx, dx, { rtol: 1e-6, atol: 1e-8, label: "d/dx f'" });
      expectClose(bc, dc, { rtol: 1e-6, atol: 1e-8, label: "d/dc f'" });
      expectClose((m.mixed as (x: number, c: number) => number)(x, c), dc, { rtol: 1e-6, atol: 1e-8, label: "d/dx (df/dc) = d/dc (df/dx)" });
      const [value, second] = (m.valued as (x: number, c: number) => number[])(x, c);
      expectClose(value, d1(x, c), { rtol: 1e-12, atol: 1e-14, label: "valueAndGrad's value is f'" });
      expectClose(second, dx, { rtol: 1e-6, atol: 1e-8, label: "valueAndGrad's gradient is f''" });
      const dg = m.dg as (x: number, c: number) => number;
      expectClose((m.d2g as (x: number, c: number) => number)(x, c), (dg(x + h, c) - dg(x - h, c)) / (2 * h), { rtol: 1e-6, atol: 1e-8, label: `g'' (a loop over NDArray state) at ${x}, ${c}` });
    }
  });
});

describe("what NDArray nesting refuses, located", () => {
  const refusal = (source: string) => transform(header + source, { filename: "refused.ts" }).diagnostics.map((d) => [d.code, d.message, d.line]);
  it("third order of a rule whose vjp is not written as operations (norm by an ord not written as a constant: -Infinity)", () => {
    const found = refusal(`function f(x: number): number { return np.linalg.norm(np.tanh(np.matmul(np.ones([2, 2]), np.mul(np.arange(2), x))), -Infinity).item(); }
export const d2 = grad(grad(f));
export const d3 = grad(grad(grad(f)));\n`);
    expect(found.map((d) => d[0])).toEqual(["ADJ016"]);
    expect(found[0][1]).toContain("NDArray code nests to second order");
    expect(found[0][1]).toContain("the vjp of norm (its vjp depends on ord case by case");
    expect(found[0][2]).toBe(5);
  });
});
