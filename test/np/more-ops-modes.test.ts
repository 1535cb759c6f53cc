// np.power, log2, log10, softplus, arctan2, var, std, cumsum, trace, diag (and linalg's inv, det,
// solve) in compiled untyped code, every mode: grad against central differences (h = 1e-5,
// relative 1e-6), jvp against <grad, v> (1e-10), hvp against differences of the gradient
// (h = 1e-5, relative 1e-5, absolute 1e-10: detCube is 0 everywhere), and d³/ds³ of each along a line, x = c s, against differences of
// the compiled d²/ds² (relative 1e-5; det: reverse over its gradient is refused). At three points each.
import { resolve } from "node:path";
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { expectClose } from "../helpers/finite-diff.js";
import { dot, flat, loadModule } from "../helpers/ndarray-modules.js";
import { transform } from "../../compiler/index.js";

const dir = resolve(__dirname, "..", "..", ".tmp", "more-ops-modes");
const header = `import { grad, hvp, jvp } from "adjoint";\nimport * as np from "adjoint/np";\n`;

/** Each program: a name and an expression of `x` (a 2x3 array) whose sum is the value. */
export const programs: [string, string][] = [
  ["power", "np.power(np.add(np.square(x), 0.5), np.add(x, 1))"],
  ["powerNumber", "np.power(np.add(np.square(x), 0.5), 2.5)"],
  ["log2", "np.mul(np.log2(np.add(np.square(x), 0.3)), x)"],
  ["log10", "np.mul(np.log10(np.add(np.exp(x), 1)), x)"],
  ["softplus", "np.mul(np.softplus(np.mul(x, 3)), np.sin(x))"],
  ["arctan2", "np.arctan2(np.sin(x), np.add(np.cos(x), 1.5))"],
  ["variance", "np.mul(np.var(np.sin(x), 1, true), x)"],
  ["varianceAll", "np.add(np.var(np.exp(x), null, false, 1), np.var(x, 0))"],
  ["std", "np.mul(np.std(np.sin(x), 0), np.std(x, 1, true, 1))"],
  ["stdAll", "np.std(np.mul(x, np.exp(x)))"],
  ["cumsum", "np.mul(np.cumsum(np.sin(x), 1), np.reshape(np.cumsum(x), [2, 3]))"],
  ["cumsumAxis0", "np.square(np.cumsum(np.exp(x), 0))"],
  ["trace", "np.mul(np.trace(np.matmul(np.transpose(x), np.sin(x)), 1), x)"],
  ["diag", "np.mul(np.square(np.diag(np.diag(np.tanh(x), 1))), np.exp(np.diag(x)))"],
  ["inv", "np.mul(np.linalg.inv(np.add(np.matmul(x, np.transpose(np.sin(x))), np.mul(np.eye(2), 2))), np.array([[1, -2], [0.5, 3]]))"],
  ["det", "np.mul(np.linalg.det(np.add(np.matmul(x, np.transpose(x)), np.eye(2))), x)"],
  ["detCube", "np.mul(np.linalg.det(np.matmul(np.transpose(x), np.cos(x))), np.linalg.det(np.getItem(np.matmul(np.transpose(x), x), [\"1:3\", \"1:3\"])))"],
  ["solve", "np.linalg.solve(np.add(np.matmul(x, np.transpose(np.cos(x))), np.mul(np.eye(2), 2)), np.sin(x))"],
  ["solveVector", "np.linalg.solve(np.add(np.matmul(x, np.transpose(x)), np.eye(2)), np.sum(x, 1))"],
  ["arctan2Number", "np.mul(np.arctan2(x, 0.7), np.arctan2(1.2, x))"],
];

/** Reverse over their gradient is refused (vjp-ops.ts withoutOps): checked to be refused, located; hvp is forward over reverse. */
const secondOnly = new Set(["det", "detCube"]);

const source = (name: string, expression: string) => `
function ${name}(x) { return np.sum(${expression}).item(); }
export const ${name}$f = ${name};
export const ${name}$d = grad(${name});
export const ${name}$j = jvp(${name});
export const ${name}$h = hvp(${name});
const ${name}$c = np.array([[0.9, -0.4, 0.3], [0.2, 1.1, -0.7]]);
function ${name}$line(s) { const x = np.mul(${name}$c, s); return np.sum(${expression}).item(); }
${secondOnly.has(name) ? "" : `export const ${name}$d2 = grad(grad(${name}$line));\nexport const ${name}$d3 = grad(grad(grad(${name}$line)));`}
`;

type F = (x: np.NDArray) => number;
type G = (x: np.NDArray, v?: np.NDArray) => np.NDArray;
const along = (x: np.NDArray, v: np.NDArray, s: number) => np.add(x, np.mul(v, s));

describe("the added np operations in compiled code, every mode", () => {
  it("grad(grad(f)) and d³/ds³ through linalg.det are refused, located", () => {
    const expression = programs.find(([n]) => n === "det")![1];
    const code = `${header}const c = np.array([[0.9, -0.4, 0.3], [0.2, 1.1, -0.7]]);\nfunction line(s) { const x = np.mul(c, s); return np.sum(${expression}).item(); }\nexport const d3 = grad(grad(grad(line)));\n`;
    const { diagnostics } = transform(code, { filename: "det-third.js" });
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.map((d) => [d.code, d.line])).toContainEqual(["ADJ016", 5]);
  });

  let m: Record<string, unknown>;
  const edges = `
function softplusOnly(x) { return np.sum(np.softplus(x)).item(); }
export const softplusOnly$d = grad(softplusOnly);
export const softplusOnly$h = hvp(softplusOnly);
function stdRows(x) { return np.sum(np.std(x, 1)).item(); }
export const stdRows$d = grad(stdRows);
export const stdRows$h = hvp(stdRows);
`;
  const modules = async () => (m ??= await loadModule(dir, header, programs.map(([n, e]) => source(n, e)).join("") + edges));
  const points = [
    np.array([[0.3, -0.5, 0.8], [1.1, -0.2, 0.45]]),
    np.array([[-0.9, 0.15, 0.6], [0.35, -1.3, 0.7]]),
    np.array([[0.05, 1.4, -0.65], [-0.4, 0.95, 0.25]]),
  ];

  it("softplus's hvp at ±50 and ±800 is sigmoid (1 - sigmoid), finite (relative 1e-12)", async () => {
    const mod = await modules();
    const x = np.array([[800, -800, 50], [-50, 0, 3]]);
    const v = np.onesLike(x);
    const hv = flat((mod["softplusOnly$h"] as G)(x, v));
    const curvature = (t: number) => Math.exp(-Math.abs(t)) / (1 + Math.exp(-Math.abs(t))) ** 2;
    flat(x).forEach((t, j) => expectClose(hv[j], curvature(t), { rtol: 1e-12, atol: 1e-300, label: `softplus'' at ${t}` }));
    expect(flat((mod["softplusOnly$d"] as G)(x)).every(Number.isFinite)).toBe(true);
  });

  it("std's gradient and hvp at a lane of equal values: 0 there, finite", async () => {
    const mod = await modules();
    const x = np.array([[0.5, 0.5, 0.5], [0.1, -0.4, 0.8]]);
    const g = flat((mod["stdRows$d"] as G)(x));
    expect(g.slice(0, 3)).toEqual([0, 0, 0]);
    expect(flat((mod["stdRows$h"] as G)(x, np.onesLike(x))).every(Number.isFinite)).toBe(true);
  });

  it("float32 inputs give float32 gradients near the float64 ones (relative 1e-4 of the largest, at least 1e-6)", async () => {
    const mod = await modules();
    const x = np.array([[0.3, -0.5, 0.8], [1.1, -0.2, 0.45]]);
    // A float64 constant (np.eye, np.array) promotes the program to float64, as NumPy does.
    for (const [name] of programs.filter(([, e]) => !/np\.(eye|array)/.test(e))) {
      const dF = mod[`${name}$d`] as G;
      const [g64, g32] = [flat(dF(x.copy())), dF(x.astype("float32"))];
      expect(g32.dtype, name).toBe("float32");
      const big = Math.max(...g64.map(Math.abs));
      flat(g32).forEach((e, j) => expectClose(e, g64[j], { rtol: 1e-4, atol: Math.max(1e-4 * big, 1e-6), label: `${name} float32 [${j}]` }));
    }
  });

  for (const [name] of programs) {
    it(`${name}: grad, jvp and hvp against differences; d³/ds³ against differences of d²/ds²`, async () => {
      const mod = await modules();
      const f = mod[`${name}$f`] as F;
      const [dF, hF] = [mod[`${name}$d`], mod[`${name}$h`]] as [G, G];
      const jF = mod[`${name}$j`] as (x: np.NDArray, v: np.NDArray) => [number, number];
      for (const x of points) {
        const g = dF(x.copy());
        expect(g.shape).toEqual(x.shape);
        flat(g).forEach((gj, j) => {
          const at = (d: number) => {
            const y = x.copy();
            y.data[j] += d;
            return f(y);
          };
          expectClose(gj, (at(1e-5) - at(-1e-5)) / 2e-5, { rtol: 1e-6, atol: 1e-7, label: `${name} d/dx[${j}]` });
        });
        const v = np.array([[0.7, -0.3, 0.2], [-0.5, 0.9, 0.4]]);
        const [value, tangent] = jF(x.copy(), v);
        expectClose(value, f(x.copy()), { rtol: 1e-12, label: `${name} jvp's value` });
        expectClose(tangent, dot(g, v), { rtol: 1e-10, atol: 1e-12, label: `${name} jvp = <grad, v>` });
        const hv = flat(hF(x.copy(), v));
        const [plus, minus] = [flat(dF(along(x, v, 1e-5))), flat(dF(along(x, v, -1e-5)))];
        const big = Math.max(...hv.map(Math.abs), 1e-300);
        hv.forEach((e, j) => expectClose(e, (plus[j] - minus[j]) / 2e-5, { rtol: 1e-5, atol: Math.max(1e-6 * big, 1e-10), label: `${name} (H v)[${j}]` }));
      }
      const [d2, d3] = [mod[`${name}$d2`], mod[`${name}$d3`]] as [(s: number) => number, (s: number) => number];
      if (secondOnly.has(name)) return;
      for (const s of [0.4, 0.75, 1.1]) {
        expectClose(d3(s), (d2(s + 1e-5) - d2(s - 1e-5)) / 2e-5, { rtol: 1e-5, atol: 1e-6, label: `${name} d³/ds³ at ${s}` });
      }
    });
  }
});
