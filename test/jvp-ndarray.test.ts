// Forward mode over NDArray code: jvp(f)(...x, ...u) = [f(x), J u], from each adjoint/np rule's
// jvp. Checked at several points against central differences along u (h = 1e-5, relative
// tolerance 1e-5), against reverse mode by <v, J u> = <vjp(f)(x)(v), u> (1e-8), and jacfwd,
// jacrev and jacobian of NDArray functions against each other (1e-10).
import { resolve } from "node:path";
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { expectClose } from "./helpers/finite-diff.js";
import { dot, flat, like, loadModule, type Arg } from "./helpers/ndarray-modules.js";

const dir = resolve(__dirname, "..", ".tmp", "jvp-ndarray");
const load = (source: string) => loadModule(dir, `import { jvp, vjp, jacfwd, jacrev, jacobian } from "adjoint";\nimport * as np from "adjoint/np";\n`, source);

const moved = (point: Arg[], wrt: number[], u: Arg[], s: number): Arg[] =>
  point.map((a, i) => {
    const k = wrt.indexOf(i);
    if (k < 0) return a;
    return typeof a === "number" ? a + s * (u[k] as number) : np.add(a, np.mul(u[k] as np.NDArray, s));
  });

interface Case {
  source: string;
  wrt: number[];
  points: () => Arg[][];
}

async function check({ source, wrt, points }: Case): Promise<void> {
  const w = `[${wrt.join(", ")}]`;
  const m = await load(`${source}\nexport { f };\nexport const J = jvp(f, { wrt: ${w} });\nexport const V = vjp(f, { wrt: ${w} });\n`);
  const f = m.f as (...a: Arg[]) => Arg;
  const J = m.J as (...a: unknown[]) => [Arg, Arg];
  const V = m.V as (...a: Arg[]) => [Arg, (v: unknown) => Arg[]];
  np.random.seed(11);
  points().forEach((point, p) => {
    const where = `at point ${p}`;
    const u = wrt.map((i) => like(point[i]));
    const [value, tangent] = J(...point, ...u);
    expect(flat(value), `value ${where}`).toEqual(flat(f(...point)));
    const h = 1e-5;
    const plus = flat(f(...moved(point, wrt, u, h)));
    const minus = flat(f(...moved(point, wrt, u, -h)));
    const t = flat(tangent);
    expect(t.length, `a tangent of the value's shape ${where}`).toBe(plus.length);
    if (typeof value !== "number") expect((tangent as np.NDArray).shape, `tangent shape ${where}`).toEqual(value.shape);
    t.forEach((x, j) => expectClose(x, (plus[j] - minus[j]) / (2 * h), { rtol: 1e-5, atol: 1e-7, label: `tangent[${j}] vs differences ${where}` }));
    const v = like(value);
    const [, pullback] = V(...point);
    const grads = pullback(v);
    const reverse = wrt.reduce((acc, _, k) => acc + dot(grads[k], u[k]), 0);
    expectClose(dot(v, tangent), reverse, { rtol: 1e-8, atol: 1e-10, label: `<v, J u> vs <vjp(v), u> ${where}` });
  });
}

const normal = (...shape: number[]) => np.random.normal(0, 1, shape);

const cases: Record<string, Case> = {
  "an MLP layer (matmul, broadcast add, tanh, x * x, sum)": {
    source: `function f(w: np.NDArray, b: np.NDArray, x: np.NDArray): np.NDArray {
      const h = np.tanh(np.add(np.matmul(w, x), b));
      return np.sum(np.mul(h, h));
    }`,
    wrt: [0, 1, 2],
    points: () => [[normal(3, 4), normal(3), normal(4)], [normal(3, 4), normal(3), normal(4)]],
  },
  "a batch: transpose, axes, keepdims, softmax cross-entropy": {
    source: `function f(w: np.NDArray, xs: np.NDArray, labels: np.NDArray): np.NDArray {
      const logits = np.matmul(xs, w.T);
      const shifted = np.sub(logits, np.max(logits, 1, true).detach());
      const lse = np.log(np.sum(np.exp(shifted), 1, true));
      return np.mean(np.sum(np.mul(labels, np.sub(lse, shifted)), 1));
    }`,
    wrt: [0, 1],
    points: () => [[normal(3, 4), normal(5, 4), np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]])]],
  },
  "a loop over NDArray state, concat and item into a number": {
    source: `function f(x: np.NDArray, c: number, n: number): number {
      let h = x;
      for (let i = 0; i < n; i++) h = np.sin(np.mul(h, c));
      return np.sum(np.concat([h, np.exp(x)])).item() * c;
    }`,
    wrt: [0, 1],
    points: () => [[normal(4), 1.3, 3], [normal(2, 3), -0.7, 0], [normal(5), 0.4, 5]],
  },
  "branches on an item, reshape, get, an array result": {
    source: `function f(x: np.NDArray, y: np.NDArray): np.NDArray {
      const s = np.sum(x).item();
      const r = np.reshape(np.mul(x, y), [3, 2]);
      if (s > 0) return np.div(r.get(":", 0), np.add(np.square(y.get(":3")), 1));
      return np.pow(np.abs(r.get(1)), 1.5);
    }`,
    wrt: [0, 1],
    points: () => [[np.array([0.5, 1, -0.2, 0.3, 0.8, 0.1]), normal(6)], [np.array([-0.5, -1, 0.2, 0.3, -0.8, 0.1]), normal(6)]],
  },
  "module callees with NDArray parameters and results": {
    source: `function dense(w: np.NDArray, x: np.NDArray): np.NDArray { return np.sigmoid(np.matmul(w, x)); }
    function norm2(x: np.NDArray): number { return np.sqrt(np.sum(np.square(x))).item(); }
    function f(w1: np.NDArray, w2: np.NDArray, x: np.NDArray): number {
      const h = dense(w1, x);
      return norm2(dense(w2, h)) + norm2(h) * 0.5;
    }`,
    wrt: [0, 1, 2],
    points: () => [[normal(4, 3), normal(2, 4), normal(3)]],
  },
  "a constant NDArray times an active number": {
    source: `function f(x: number): number {
      const w = np.arange(3);
      return np.sum(np.mul(w, x)).item() + np.prod(np.add(w, x)).item();
    }`,
    wrt: [0],
    points: () => [[0.7], [-1.5]],
  },
};

describe("jvp of NDArray code", () => {
  for (const [name, c] of Object.entries(cases)) it(name, () => check(c));
});

describe("Jacobians of NDArray functions", () => {
  it("jacfwd, jacrev and jacobian agree, laid out as [...output shape, ...input shape]", async () => {
    const m = await load(`function f(w: np.NDArray, x: np.NDArray): np.NDArray { return np.tanh(np.matmul(w, x)); }
      function g(x: np.NDArray): number { return np.sum(np.exp(np.mul(x, x))).item(); }
      export const F = jacfwd(f, { wrt: 0 });
      export const R = jacrev(f, { wrt: 0 });
      export const A = jacobian(f, { wrt: 1 });
      export const FX = jacfwd(f, { wrt: 1 });
      export const G = jacfwd(g);
      export const GR = jacrev(g);
      export const VG = vjp(g);\n`);
    np.random.seed(5);
    const [w, x] = [normal(2, 3), normal(3)];
    const [F, R] = [(m.F as (...a: Arg[]) => np.NDArray)(w, x), (m.R as (...a: Arg[]) => np.NDArray)(w, x)];
    expect(F.shape).toEqual([2, 2, 3]);
    expect(R.shape).toEqual([2, 2, 3]);
    flat(F).forEach((v, i) => expectClose(v, flat(R)[i], { rtol: 1e-10, atol: 1e-12, label: `jacfwd vs jacrev [${i}]` }));
    const [A, FX] = [(m.A as (...a: Arg[]) => np.NDArray)(w, x), (m.FX as (...a: Arg[]) => np.NDArray)(w, x)];
    expect(A.shape).toEqual([2, 3]);
    flat(A).forEach((v, i) => expectClose(v, flat(FX)[i], { rtol: 1e-10, atol: 1e-12, label: `jacobian vs jacfwd [${i}]` }));
    // d tanh(w x)_i / d x_j = (1 - y_i^2) w_ij.
    const y = np.tanh(np.matmul(w, x));
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expectClose(FX.get(i, j).item(), (1 - y.get(i).item() ** 2) * w.get(i, j).item(), { rtol: 1e-12, label: `closed form [${i}, ${j}]` });
    // A number's Jacobian has the input's shape: its gradient.
    const xs = normal(2, 2);
    const G = (m.G as (a: Arg) => np.NDArray)(xs);
    const GR = (m.GR as (a: Arg) => np.NDArray)(xs);
    const [, pullback] = (m.VG as (a: Arg) => [number, (v: number) => np.NDArray])(xs);
    expect(G.shape).toEqual([2, 2]);
    flat(G).forEach((v, i) => expectClose(v, flat(pullback(1))[i], { rtol: 1e-12, label: `jacfwd vs gradient [${i}]` }));
    flat(GR).forEach((v, i) => expectClose(v, flat(G)[i], { rtol: 1e-12, label: `jacrev vs jacfwd [${i}]` }));
  });
});
