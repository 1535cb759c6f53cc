// np.softmax, np.logSoftmax and np.logsumexp in compiled user code, in every mode: grad against
// central differences (h = 1e-4: the curvature is O(1) at any offset; relative 1e-6), jvp against <grad, v> (1e-10),
// hvp against differences of the gradient (h = 1e-5, relative 1e-5), hessian rows against hvp
// of unit vectors (1e-12), and jacfwd / jacrev / jacobian of softmax against its closed form
// diag(s) - s sᵀ (1e-12); at small inputs and at inputs offset by 1e3, where exp in the naive
// formula overflows. float32 programs against the same program in float64 (relative 2e-5 of the largest).
import { resolve } from "node:path";
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { expectClose } from "../helpers/finite-diff.js";
import { dot, flat, loadModule, type Arg } from "../helpers/ndarray-modules.js";

const dir = resolve(__dirname, "..", "..", ".tmp", "softmax-modes");
const header = `import { grad, hvp, hessian, jvp, jacfwd, jacrev, jacobian } from "adjoint";\nimport * as np from "adjoint/np";\n`;

const source = `
/** Cross-entropy of logits x w against one-hot labels y. */
function crossEntropy(w: np.NDArray, x: np.NDArray, y: np.NDArray): number {
  return np.neg(np.mean(np.sum(np.mul(np.logSoftmax(np.matmul(x, w)), y), 1))).item();
}
/** softmax along axis 0 weighted by a logsumexp along axis 1, and a logsumexp of everything. */
function mixed(x: np.NDArray, c: np.NDArray): number {
  const s = np.softmax(np.mul(x, c), 0);
  return np.sum(np.mul(s, np.logsumexp(x, 1, true))).item() + np.logsumexp(np.square(x)).item() * 0.1;
}
function probabilities(x: np.NDArray): np.NDArray { return np.softmax(x); }
/** Masked attention weights: -Infinity where mask is false (a row may keep one entry). */
function masked(x: np.NDArray, mask: np.NDArray, w: np.NDArray): number {
  return np.sum(np.mul(np.softmax(np.where(mask, x, -Infinity)), w)).item();
}
export { masked };
export const dMasked = grad(masked);
export const hMasked = hvp(masked);
export { crossEntropy, mixed };
export const dCE = grad(crossEntropy);
export const jCE = jvp(crossEntropy, { wrt: 0 });
export const hCE = hvp(crossEntropy);
export const HCE = hessian(crossEntropy);
export const dM = grad(mixed);
export const jM = jvp(mixed, { wrt: 0 });
export const hM = hvp(mixed);
export const HM = hessian(mixed);
export const JF = jacfwd(probabilities);
export const JR = jacrev(probabilities);
export const JA = jacobian(probabilities);
`;

type F = (...a: Arg[]) => number;
type G = (...a: Arg[]) => np.NDArray;
const along = (x: np.NDArray, v: np.NDArray, s: number) => np.add(x, np.mul(v, s));

describe("softmax, logSoftmax and logsumexp in compiled code, every mode", () => {
  let m: Record<string, unknown>;
  const modules = async () => (m ??= await loadModule(dir, header, source));
  np.random.seed(19);
  const labels = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 0]]);
  // At offset 1e3 every logit is about 1e3 (exp overflows in the naive formula), the lanes still spread by O(1).
  const programs: [string, string, (offset: number) => Arg[]][] = [
    ["cross-entropy", "CE", (offset) => {
      // x's last column is 1, so w's last row is a bias added to every logit.
      const x = np.concat([np.random.normal(0, 1, [4, 4]), np.ones([4, 1])], 1);
      return [np.add(np.random.normal(0, 1, [5, 3]), np.concat([np.zeros([4, 3]), np.full([1, 3], offset)], 0)), x, labels];
    }],
    ["mixed softmax and logsumexp", "M", (offset) => [np.add(np.random.normal(0, 1, [3, 4]), offset), np.random.uniform(1 - 1 / (1 + offset), 1 + 1 / (1 + offset), [3, 4])]],
  ];

  for (const [name, key, point] of programs) {
    for (const offset of [0, 1e3]) {
      it(`${name} at inputs offset by ${offset}: grad, jvp, hvp, hessian`, async () => {
        const mod = await modules();
        const f = mod[key === "CE" ? "crossEntropy" : "mixed"] as F;
        const [dF, jF, hF, HF] = ["d", "j", "h", "H"].map((p) => mod[p + key]) as [G, (...a: Arg[]) => [number, number], G, G];
        for (let trial = 0; trial < 2; trial++) {
          const args = point(offset);
          const x = args[0] as np.NDArray;
          const g = dF(...args);
          expect(g.shape).toEqual(x.shape);
          expect(flat(g).every(Number.isFinite), "a finite gradient").toBe(true);
          flat(g).forEach((gj, j) => {
            const h = 1e-4;
            const at = (d: number) => {
              const y = x.copy();
              y.data[j] += d;
              return f(y, ...args.slice(1));
            };
            expectClose(gj, (at(h) - at(-h)) / (2 * h), { rtol: 1e-6, atol: 1e-7, label: `${name} d/dx[${j}]` });
          });
          const v = np.random.normal(0, 1, [...x.shape]);
          const [value, tangent] = jF(...args, v);
          expectClose(value, f(...args), { rtol: 1e-12, label: `${name} jvp's value` });
          expectClose(tangent, dot(g, v), { rtol: 1e-10, atol: 1e-12, label: `${name} jvp = <grad, v>` });
          const hv = flat(hF(...args, v));
          const step = 1e-5;
          const [plus, minus] = [flat(dF(along(x, v, step), ...args.slice(1))), flat(dF(along(x, v, -step), ...args.slice(1)))];
          const big = Math.max(...hv.map(Math.abs), 1e-300);
          hv.forEach((e, j) => expectClose(e, (plus[j] - minus[j]) / (2 * step), { rtol: 1e-5, atol: 1e-6 * big, label: `${name} (H v)[${j}]` }));
          const H = flat(HF(...args));
          const n = x.size;
          for (let i = 0; i < n; i += 3) {
            const row = flat(hF(...args, np.reshape(np.eye(n).get(i), [...x.shape])));
            row.forEach((e, j) => expectClose(H[i * n + j], e, { rtol: 1e-12, atol: 1e-14 * big, label: `${name} Hessian[${i}, ${j}]` }));
          }
        }
      });
    }
    it(`${name}: float32 inputs against float64`, async () => {
      const mod = await modules();
      const dF = mod["d" + key] as G;
      const args = point(0);
      const g64 = flat(dF(...args));
      const g32 = dF(...args.map((a) => (a instanceof np.NDArray ? a.astype("float32") : a)));
      expect(g32.dtype).toBe("float32");
      const big = Math.max(...g64.map(Math.abs));
      flat(g32).forEach((e, j) => expectClose(e, g64[j], { rtol: 2e-5, atol: 2e-5 * big, label: `${name} float32 gradient [${j}]` }));
    });
  }

  it("masked softmax (-Infinity entries): finite gradients, 0 where masked, differences elsewhere; hvp finite", async () => {
    const mod = await modules();
    const f = mod.masked as F;
    const x = np.random.normal(0, 1, [3, 4]);
    const mask = np.array([[true, true, false, true], [false, false, true, false], [true, true, true, true]]);
    const w = np.random.normal(0, 1, [3, 4]);
    const g = (mod.dMasked as G)(x, mask, w);
    const hv = (mod.hMasked as G)(x, mask, w, np.random.normal(0, 1, [3, 4]));
    expect(flat(g).every(Number.isFinite) && flat(hv).every(Number.isFinite), "finite").toBe(true);
    flat(g).forEach((gj, j) => {
      if (!mask.data[j]) return void expect(Math.abs(gj), `masked [${j}]`).toBe(0);
      const at = (d: number) => {
        const y = x.copy();
        y.data[j] += d;
        return f(y, mask, w);
      };
      expectClose(gj, (at(1e-5) - at(-1e-5)) / 2e-5, { rtol: 1e-6, atol: 1e-9, label: `masked d/dx[${j}]` });
    });
    // The row with one entry left: softmax is 1 there whatever x is.
    expect(Math.abs(flat(g)[6])).toBe(0);
  });

  it("jacfwd, jacrev and jacobian of softmax: diag(s) - s sᵀ, also at 1e3", async () => {
    const mod = await modules();
    for (const x of [np.random.normal(0, 1, [4]), np.mul(np.random.normal(0, 1, [4]), 1e3), np.array([1000, 1000, 999.5, -1000])]) {
      const s = np.softmax(x);
      for (const key of ["JF", "JR", "JA"]) {
        const J = (mod[key] as G)(x);
        expect(J.shape).toEqual([4, 4]);
        for (let i = 0; i < 4; i++) {
          for (let j = 0; j < 4; j++) {
            const want = (i === j ? s.get(i).item() : 0) - s.get(i).item() * s.get(j).item();
            expectClose(J.get(i, j).item(), want, { rtol: 1e-12, atol: 1e-15, label: `${key}[${i}, ${j}]` });
          }
        }
      }
    }
  });
});
