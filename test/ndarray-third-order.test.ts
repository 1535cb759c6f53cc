// Third order (and fourth) of NDArray code: a gradient differentiated by reverse mode again
// reads each rule's vjp as np operations (runtime/np/vjp-ops.ts), so it is plain NDArray
// code every mode differentiates once more. Checked at three points each: d³f/ds³ against
// central differences of the compiled second derivative (h = 1e-5, relative 1e-6) and against
// its closed form (relative 1e-10); mixed third derivatives by an NDArray (hvp, hessian, jvp
// and grad of second-order functions) against differences of the second-order function they
// differentiate, and against each other (the third derivative is symmetric: 1e-9).
import { resolve } from "node:path";
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectClose } from "./helpers/finite-diff.js";
import { flat, loadModule } from "./helpers/ndarray-modules.js";
import { checkMixedThird, mixedThirdSource } from "./helpers/mixed-third.js";

const dir = resolve(__dirname, "..", ".tmp", "ndarray-third-order");
const header = `import { grad, hvp, hessian, jvp } from "adjoint";\nimport * as np from "adjoint/np";\n`;

const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));

interface Case {
  body: string;
  /** d³/du³ of the elementwise function summed (u = x s: d³f/ds³ = Σ x³ φ'''(x s)); none where f is not such a sum. */
  third?: (u: number) => number;
}

const cases: Record<string, Case> = {
  "sum(tanh(x s))": { body: "np.sum(np.tanh(np.mul(x, s))).item()", third: (u) => (6 * Math.tanh(u) ** 2 - 2) * (1 - Math.tanh(u) ** 2) },
  "sum(exp(x s))": { body: "np.sum(np.exp(np.mul(x, s))).item()", third: (u) => Math.exp(u) },
  "softplus: sum(log1p(exp(x s)))": { body: "np.sum(np.log1p(np.exp(np.mul(x, s)))).item()", third: (u) => sigmoid(u) * (1 - sigmoid(u)) * (1 - 2 * sigmoid(u)) },
  "sum(sigmoid(x s))": { body: "np.sum(np.sigmoid(np.mul(x, s))).item()", third: (u) => sigmoid(u) * (1 - sigmoid(u)) * (1 - 6 * sigmoid(u) + 6 * sigmoid(u) ** 2) },
  "logsumexp(x s)": { body: "np.logsumexp(np.mul(x, s)).item()" },
  "sin, square, a broadcast number and a division": { body: "np.sum(np.div(np.sin(np.mul(x, s)), np.add(np.square(x), np.add(s, 2)))).item()" },
  "a broadcast bias, sub, neg and sqrt": { body: "np.sum(np.sqrt(np.add(np.square(np.sub(np.mul(x, s), b)), 1))).item() - np.sum(np.neg(np.exp(np.mul(b, s)))).item()" },
};

const x = np.array([[0.4, -0.7], [1.1, 0.2], [-0.5, 0.9]]);
const b = np.array([0.3, -0.2]);
const points = [0.3, -0.8, 0.55];
const h = 1e-5;
const differences = (g: (s: number) => number, s: number) => (g(s + h) - g(s - h)) / (2 * h);

describe("third order of NDArray code by a number", () => {
  for (const [name, { body, third }] of Object.entries(cases)) {
    it(name, async () => {
      const m = await loadModule(dir, header, `function f(x: np.NDArray, b: np.NDArray, s: number): number {\n  return ${body};\n}\nexport const D2 = grad(grad(f, { wrt: 2 }), { wrt: 2 });\nexport const D3 = grad(grad(grad(f, { wrt: 2 }), { wrt: 2 }), { wrt: 2 });\nexport const D4 = grad(grad(grad(grad(f, { wrt: 2 }), { wrt: 2 }), { wrt: 2 }), { wrt: 2 });\n`);
      const [D2, D3, D4] = [m.D2, m.D3, m.D4] as ((x: np.NDArray, b: np.NDArray, s: number) => number)[];
      for (const s of points) {
        const d3 = D3(x, b, s);
        expectClose(d3, differences((t) => D2(x, b, t), s), { rtol: 1e-6, atol: 1e-8, label: `d3 vs differences of d2 at s = ${s}` });
        if (third) expectClose(d3, flat(x).reduce((acc, xi) => acc + xi ** 3 * third(xi * s), 0), { rtol: 1e-10, atol: 1e-12, label: `d3 closed form at s = ${s}` });
        expectClose(D4(x, b, s), differences((t) => D3(x, b, t), s), { rtol: 1e-6, atol: 1e-8, label: `d4 vs differences of d3 at s = ${s}` });
      }
    });
  }
});

describe("mixed third derivatives by an NDArray", () => {
  it("hvp, hessian, jvp and grad of second-order functions agree with differences and with each other", async () => {
    const m = await loadModule(dir, header, mixedThirdSource(`function f(x: np.NDArray, s: number): number {
  return np.sum(np.log1p(np.exp(np.mul(np.tanh(x), s)))).item();
}`));
    np.random.seed(3);
    checkMixedThird(m, () => np.random.normal(0, 1, [2, 3]), points, h);
  });
});

describe("what third order refuses", () => {
  it("a rule whose vjp has no operations form here (norm by a non-constant ord), located, naming it and why", () => {
    const source = `${header}const x = np.array([[1, 0.5], [-0.3, 2]]);
function product(s: number): number {
  const h = np.tanh(np.matmul(x, np.mul(np.array([0.2, -0.4]), s)));
  return np.linalg.norm(np.mul(h, h), -Infinity).item();
}
export const second = grad(grad(product));
export const third = grad(grad(grad(product)));
`;
    const { diagnostics } = transform(source, { filename: "third.ts" });
    expect(diagnostics.map((d) => d.code)).toEqual(["ADJ016"]);
    expect(diagnostics[0].message).toContain("the vjp of norm (its vjp depends on ord case by case: written as operations where ord is a constant (omitted, null, a number, Infinity or \"fro\")) is not written as np operations");
    expect(diagnostics[0].line).toBe(9);
  });
});

describe("reverse over reverse by an NDArray", () => {
  it("the gradient of a function of an NDArray gradient, against differences", async () => {
    const m = await loadModule(dir, header, `function f(w: np.NDArray): number { return np.sum(np.tanh(w)).item(); }
function penalty(w: np.NDArray): number { return np.sum(np.square(grad(f)(w))).item(); }
export { penalty };
export const d = grad(penalty);
`);
    const penalty = m.penalty as (w: np.NDArray) => number;
    const d = m.d as (w: np.NDArray) => np.NDArray;
    for (const w of [np.array([0.3, -1.2, 0.8]), np.array([1.5, 0.1, -0.4])]) {
      const g = flat(d(w));
      g.forEach((value, j) => {
        const e = np.mul(np.eye(3).get(j), h);
        expectClose(value, (penalty(np.add(w, e)) - penalty(np.sub(w, e))) / (2 * h), { rtol: 1e-6, atol: 1e-8, label: `grad(penalty)[${j}]` });
      });
    }
  });
});
