// Forward mode over untyped JavaScript NDArray code (forward/index.ts `ndarrayLike`): a value
// nothing types, read only by adjoint/np operations (directly, through copies, or through the
// value stack of a gradient differentiated again), is a number or an NDArray at run time, and
// the np rules take either. Checked: jvp against central differences along u and against
// vjp (<v, J u> = <vjp(v), u>), hvp against central differences of the gradient, with NDArrays
// and with plain numbers passed for the same parameters; what forward mode cannot know stays
// refused, located. Reverse mode over the same gradient (grad of <∇f, v>) equals H v.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectClose } from "./helpers/finite-diff.js";
import { dot, flat, like, type Arg } from "./helpers/ndarray-modules.js";

const dir = resolve(__dirname, "..", ".tmp", "jvp-untyped-ndarray");
const header = `import { grad, hvp, jvp, vjp } from "adjoint";\nimport * as np from "adjoint/np";\n`;
let count = 0;

/** Untyped JavaScript compiled as a `.js` file, as the Babel plugin sees it in a JS project. */
async function loadJs(source: string): Promise<Record<string, unknown>> {
  const name = `untyped${++count}`;
  const result = transform(header + source, { filename: `${name}.js` });
  expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

const add = (a: Arg, u: Arg, s: number): Arg => (typeof a === "number" ? a + s * (u as number) : np.add(a, np.mul(u as np.NDArray, s)));
const moved = (point: Arg[], wrt: number[], u: Arg[], s: number): Arg[] => point.map((a, i) => (wrt.includes(i) ? add(a, u[wrt.indexOf(i)], s) : a));
const normal = (...shape: number[]) => np.random.normal(0, 0.6, shape);

interface Case {
  source: string;
  wrt: number[];
  points: () => Arg[][];
  /** Also checked: hvp by the first parameter (its gradient against differences). */
  hvp?: boolean;
}

const cases: Record<string, Case> = {
  "elementwise and a sum": {
    source: `function f(w) { return np.sum(np.tanh(np.mul(w, w))); }`,
    wrt: [0],
    points: () => [[normal(4)], [normal(2, 3)], [0.4]],
    hvp: true,
  },
  "NDArray state overwritten in a loop, started from a parameter": {
    source: `function f(w, x) {
      let h = x;
      for (let i = 0; i < 3; i++) h = np.tanh(np.mul(h, w));
      return np.sum(np.square(h));
    }`,
    wrt: [0, 1],
    points: () => [[normal(3), normal(3)], [normal(2, 3), normal(3)], [0.7, normal(3)], [0.7, -0.3]],
    hvp: true,
  },
  "a layer: matmul, a broadcast add and a loop": {
    source: `function f(w, b, x) {
      let h = x;
      for (let k = 0; k < 2; k++) h = np.tanh(np.add(np.matmul(h, w), b));
      return np.mean(np.square(h));
    }`,
    wrt: [0, 1],
    points: () => [[normal(3, 3), normal(3), normal(4, 3)], [normal(3, 3), 0.2, normal(2, 3)]],
    hvp: true,
  },
  "a copy chosen by a branch on a number": {
    source: `function f(w, c) {
      const h = c > 0 ? w : np.exp(w);
      return np.sum(np.mul(h, np.sin(w)));
    }`,
    wrt: [0],
    points: () => [[normal(3), 1], [normal(3), -1], [0.3, -1]],
  },
  "the parameter itself returned on one path": {
    source: `function f(w, c) {
      if (c > 0) return w;
      return np.mul(np.exp(w), 2);
    }`,
    wrt: [0],
    points: () => [[normal(3), 1], [normal(2, 2), -1], [0.5, 1], [0.5, -1]],
  },
};

async function check({ source, wrt, points, hvp }: Case): Promise<void> {
  const w = `[${wrt.join(", ")}]`;
  // Reverse over the gradient too: slope's gradient is H d (nested.ts takes what only np operations read for NDArrays).
  const params = /function f\(([^)]*)\)/.exec(source)![1];
  const slope = `function slope(${params}, d) { return np.sum(np.mul(G(${params}), d)).item(); }\nexport const S = grad(slope);\n`;
  const m = await loadJs(`${source}\nexport { f };\nexport const J = jvp(f, { wrt: ${w} });\nexport const V = vjp(f, { wrt: ${w} });\n${hvp ? `export const G = grad(f);\nexport const H = hvp(f);\n${slope}` : ""}`);
  const f = m.f as (...a: Arg[]) => Arg;
  const J = m.J as (...a: unknown[]) => [Arg, Arg];
  const V = m.V as (...a: Arg[]) => [Arg, (v: unknown) => Arg[]];
  np.random.seed(5);
  points().forEach((point, p) => {
    const where = `at point ${p}`;
    const u = wrt.map((i) => like(point[i]));
    const [value, tangent] = J(...point, ...u);
    expect(flat(value), `value ${where}`).toEqual(flat(f(...point)));
    const h = 1e-5;
    const [plus, minus] = [flat(f(...moved(point, wrt, u, h))), flat(f(...moved(point, wrt, u, -h)))];
    const t = flat(tangent);
    expect(t.length, `a tangent of the value's size ${where}`).toBe(plus.length);
    t.forEach((x, j) => expectClose(x, (plus[j] - minus[j]) / (2 * h), { rtol: 1e-5, atol: 1e-7, label: `tangent[${j}] vs differences ${where}` }));
    const v = like(value);
    const grads = V(...point)[1](v);
    expectClose(dot(v, tangent), wrt.reduce((acc, _, k) => acc + dot(grads[k], u[k]), 0), { rtol: 1e-8, atol: 1e-10, label: `<v, J u> vs <vjp(v), u> ${where}` });
    if (!hvp) return;
    const [G, H] = [m.G as (...a: Arg[]) => Arg, m.H as (...a: Arg[]) => Arg];
    const dir0 = like(point[0]);
    const hv = flat(H(...point, dir0));
    const [gp, gm] = [flat(G(...moved(point, [0], [dir0], h))), flat(G(...moved(point, [0], [dir0], -h)))];
    expect(hv.length, `H v of the parameter's size ${where}`).toBe(gp.length);
    hv.forEach((x, j) => expectClose(x, (gp[j] - gm[j]) / (2 * h), { rtol: 1e-5, atol: 1e-7, label: `(H v)[${j}] vs differences of the gradient ${where}` }));
    const bySlope = flat((m.S as (...a: Arg[]) => Arg)(...point, dir0));
    expect(bySlope.length, `grad of <∇f, v> of the parameter's size ${where}`).toBe(hv.length);
    bySlope.forEach((x, j) => expectClose(x, hv[j], { rtol: 1e-9, atol: 1e-12, label: `grad(<∇f, v>)[${j}] (reverse over reverse) vs (H v)[${j}] ${where}` }));
  });
}

describe("forward mode over untyped NDArray code", () => {
  for (const [name, c] of Object.entries(cases)) it(name, () => check(c));

  it("refuses, located, a value of run-time kind that forward mode cannot follow, and NDArrays put into arrays", () => {
    const refused = (source: string) => transform(header + source, { filename: "refused.js" }).diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`);
    // Given to a module function whose parameter nothing types and which gives it to another module's code: its jvp would guess.
    expect(refused(`function scale(v, k) { describe(v); return np.mul(v, k); }
function f(w) { return np.sum(np.tanh(scale(w, 2))); }
export const j = jvp(f);`)).toEqual([expect.stringMatching(/^ADJ027 4:11 .*jvp needs to know whether 'w' is a number or an array/)]);
    // An NDArray pushed into an array: adjoint's arrays hold numbers (as in grad).
    expect(refused(`function f(w, n) {
  const st = [];
  let h = w;
  for (let i = 0; i < n; i++) { st.push(h); st.push(i * 0.5); h = np.sin(h); }
  let s = np.sum(h);
  while (st.length > 0) { const a = st.pop(); const b = st.pop(); s = np.add(s, np.mul(b, a)); }
  return s;
}
export const j = jvp(f);`)).toEqual([expect.stringMatching(/^ADJ011 6:32 .*\.push\(\) puts a value not known to be a number into an array: an NDArray/)]);
  });
});

describe("reverse mode over a gradient whose loop overwrites NDArray state (typed)", () => {
  it("grad of <∇f, v> equals H v: a pop's adjoint is reset to no gradient, not to the number 0", async () => {
    const name = `typed${++count}`;
    const source = `${header}function f(w: np.NDArray, b: np.NDArray, x: np.NDArray) {
  let h = x;
  for (let k = 0; k < 2; k++) h = np.tanh(np.add(np.matmul(h, w), b));
  return np.mean(np.square(h));
}
const G = grad(f);
function slope(w: np.NDArray, b: np.NDArray, x: np.NDArray, d: np.NDArray): number { return np.sum(np.mul(G(w, b, x), d)).item(); }
export const S = grad(slope);
export const H = hvp(f);
`;
    const result = transform(source, { filename: `${name}.ts` });
    expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, result.code);
    const m = (await import(pathToFileURL(file).href)) as Record<string, (...a: Arg[]) => Arg>;
    np.random.seed(9);
    for (const point of [[normal(3, 3), normal(3), normal(4, 3)], [normal(2, 2), normal(2), normal(1, 2)]]) {
      const d = like(point[0]);
      const hv = flat(m.H(...point, d));
      flat(m.S(...point, d)).forEach((x, j) => expectClose(x, hv[j], { rtol: 1e-9, atol: 1e-12, label: `grad(<∇f, v>)[${j}] vs (H v)[${j}]` }));
    }
  });
});
