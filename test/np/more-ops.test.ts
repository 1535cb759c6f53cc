// The operations added for NumPy's test functions (power, log2, log10, softplus, arctan2, var,
// std, cumsum, trace, diag, linalg.inv/det/solve): values against closed forms and NumPy's
// results (1e-12; float32 1e-6), dtypes kept, the edges (ddof >= n, zero variance, softplus at
// ±800), and each rule's operations form (vjp-ops.ts, what third order differentiates) equal to
// its vjp at the rule cases' points (1e-11; float32 operands 1e-5). The vjps and jvps themselves are
// checked against differences by jvp.test.ts and second-order.test.ts (rule-cases.ts).
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { ops } from "../../runtime/np/vjp-ops.js";
import { rng } from "./helpers.js";
import { ruleCases, opOf } from "./rule-cases.js";

const values = (x: np.NDArray | number): number[] => (typeof x === "number" ? [x] : Array.from(np.astype(np.ravel(x), "float64").data));
function close(actual: np.NDArray | number, expected: number[], tol = 1e-12): void {
  const got = values(actual);
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => {
    if (!Number.isFinite(expected[i])) expect(v, `[${i}]`).toBe(expected[i]);
    else expect(Math.abs(v - expected[i]), `[${i}]: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i])));
  });
}

describe("values", () => {
  it("power is pow; log2, log10", () => {
    expect(np.power).toBe(np.pow);
    close(np.power(np.array([2, 3, 0.5]), np.array([3, 2, -1])), [8, 9, 2]);
    close(np.log2(np.array([1, 2, 8, 0.25])), [0, 1, 3, -2]);
    close(np.log10(np.array([1, 10, 1000, 0.01])), [0, 1, 3, -2]);
    expect(np.log2(np.array([2], "float32")).dtype).toBe("float32");
    expect(np.log10(np.array([1, 2], "int32")).dtype).toBe("float64");
  });

  it("softplus: log(1 + e^x), no overflow at ±800; its derivatives finite there", () => {
    close(np.softplus(np.array([0, 1, -1, 30, -30])), [Math.LN2, Math.log1p(Math.E), Math.log1p(1 / Math.E), 30 + Math.exp(-30), Math.exp(-30)]);
    close(np.softplus(np.array([800, -800, 50])), [800, 0, 50]);
    expect(np.softplus(np.array([1], "float32")).dtype).toBe("float32");
    const x = np.array([800, -800, 0]);
    const out = np.softplus(x);
    const [g] = np.adjoints.softplus.vjp(np.onesLike(x), x, out);
    close(g as np.NDArray, [1, 0, 0.5]);
    const [h] = np.vjpTangents.softplus.jvp({ args: [np.onesLike(x)] }, np.onesLike(x), x, out);
    close(h as np.NDArray, [0, 0, 0.25]);
  });

  it("arctan2(y, x): the angle, in every quadrant; broadcasting and numbers", () => {
    close(np.arctan2(np.array([1, 1, -1, 0, 0]), np.array([1, -1, -1, -1, 1])), [Math.PI / 4, (3 * Math.PI) / 4, (-3 * Math.PI) / 4, Math.PI, 0]);
    expect(np.arctan2(np.array([[1], [2]]), np.array([1, 2, 3])).shape).toEqual([2, 3]);
    close(np.arctan2(1, np.array([0])), [Math.PI / 2]);
    expect(np.arctan2(np.array([1], "float32"), 2).dtype).toBe("float32");
  });

  it("var and std as NumPy's: axis, keepdims, ddof; ddof >= n gives inf or NaN", () => {
    const x = np.array([[1, 2], [3, 5]]);
    close(np.var(np.array([1, 2, 3, 4])), [1.25]);
    close(np.var(np.array([1, 2, 3, 4]), null, false, 1), [5 / 3]);
    close(np.var(x, 0), [1, 2.25]);
    expect(np.var(x, 1, true).shape).toEqual([2, 1]);
    close(np.var(x, 1, true), [0.25, 1]);
    close(np.std(x, [0, 1]), [Math.sqrt(2.1875)]);
    close(np.std(x, 0, false, 1), [Math.sqrt(2), Math.sqrt(4.5)]);
    close(np.var(np.array([1, 2]), null, false, 2), [Infinity]);
    close(np.var(np.array([1, 2]), null, false, 3), [Infinity]);
    close(np.var(np.array([1, 1]), null, false, 2), [NaN]);
    expect(np.std(np.array([1, 2], "float32")).dtype).toBe("float32");
    close(np.var(3), [0]);
  });

  it("cumsum: along an axis, flattened without one; dtypes kept", () => {
    const x = np.array([[1, 2, 3], [4, 5, 6]]);
    close(np.cumsum(x, 1), [1, 3, 6, 4, 9, 15]);
    close(np.cumsum(x, 0), [1, 2, 3, 5, 7, 9]);
    close(np.cumsum(x, -2), [1, 2, 3, 5, 7, 9]);
    close(np.cumsum(x), [1, 3, 6, 10, 15, 21]);
    expect(np.cumsum(x).shape).toEqual([6]);
    close(np.cumsum(x.T, 1), [1, 5, 2, 7, 3, 9]);
    expect(np.cumsum(np.array([1, 2], "float32")).dtype).toBe("float32");
    expect(np.cumsum(np.array([1, 2], "int32")).dtype).toBe("int32");
    close(np.cumsum(2.5), [2.5]);
    close(np.cumsumBack(np.array([1, 2, 3]), np.array([0, 0, 0]), 0), [6, 5, 3]);
  });

  it("trace and diag, with offsets", () => {
    const x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 10]]);
    close(np.trace(x), [16]);
    close(np.trace(x, 1), [8]);
    close(np.trace(x, -2), [7]);
    close(np.trace(np.array([[1, 2, 3], [4, 5, 6]]), 1), [8]);
    close(np.trace(x.T, 1), [12]);
    close(np.diag(x), [1, 5, 10]);
    close(np.diag(x, 1), [2, 6]);
    close(np.diag(x, -1), [4, 8]);
    close(np.diag(np.array([[1, 2, 3], [4, 5, 6]]), 2), [3]);
    close(np.diag(np.array([1, 2])), [1, 0, 0, 2]);
    close(np.diag(np.array([1, 2]), 1), [0, 1, 0, 0, 0, 2, 0, 0, 0]);
    close(np.diag(np.array([1, 2]), -1), [0, 0, 0, 1, 0, 0, 0, 2, 0]);
    expect(np.diag(np.array([1, 2], "float32")).dtype).toBe("float32");
    expect(() => np.trace(np.array([1, 2]))).toThrow(/2-D/);
  });

  it("linalg.inv, det, solve; a singular matrix: inv and solve throw, det is 0 with exact cofactors", () => {
    const a = np.array([[4, 7], [2, 6]]);
    close(np.linalg.inv(a), [0.6, -0.7, -0.2, 0.4]);
    close(np.linalg.det(a), [10]);
    close(np.linalg.det(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 2]])), [-2]);
    close(np.linalg.solve(a, np.array([1, 2])), [-0.8, 0.6]);
    close(np.linalg.solve(a, np.array([[1, 0], [2, 1]])), [-0.8, -0.7, 0.6, 0.4]);
    close(np.linalg.inv(a.T), [0.6, -0.2, -0.7, 0.4]);
    expect(np.linalg.inv(np.array([[2]], "float32")).dtype).toBe("float32");
    const singular = np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]]);
    expect(() => np.linalg.inv(singular)).toThrow(/singular/);
    expect(() => np.linalg.solve(singular, np.array([1, 2, 3]))).toThrow(/singular/);
    close(np.linalg.det(singular), [0]);
    // Cofactors of the singular matrix: [[4, 4, -4], [-2, -2, 2], [0, 0, 0]].
    const [g] = np.adjoints.det.vjp(np.array(1), singular, np.linalg.det(singular));
    close(g as np.NDArray, [4, 4, -4, -2, -2, 2, 0, 0, 0]);
    expect(() => np.linalg.det(np.array([1, 2]))).toThrow(/square/);
  });

  it("std's adjoint is 0 at zero variance (as norm's at 0), not NaN", () => {
    const x = np.array([[2, 2, 2], [1, 2, 4]]);
    const out = np.std(x, 1);
    const [g] = np.adjoints.std.vjp(np.array([1, 1]), x, 1, undefined, undefined, out);
    close((g as np.NDArray).get(0), [0, 0, 0]);
    expect(values(g as np.NDArray).every(Number.isFinite)).toBe(true);
  });
});

type Term = np.Term;
/** A rule's operations form evaluated with np's operations (as generated code calls `secondOrder.ops`). */
function evaluate(term: Term, env: Record<string, unknown>): unknown {
  if (typeof term === "number") return term;
  if (typeof term === "string") return env[term];
  const [op, ...args] = term;
  return (ops[op] as (...a: unknown[]) => unknown)(...args.map((t) => evaluate(t, env)));
}

describe("each added rule's operations form is its vjp", () => {
  const next = rng(20261208);
  const cases = ruleCases(next);
  const added = ["log2", "log10", "softplus", "arctan2", "var", "std", "centered", "cumsum", "cumsumBack", "trace", "traceBack", "diag", "diagBack", "inv", "solve"];
  for (const name of added) {
    it(name, () => {
      const rule = np.adjoints[name];
      const forms = ([] as np.VjpOps[]).concat(np.vjpOps[name]);
      // Zero-size operands are left out: matchShape broadcasts a (0, 3) adjoint up to (3,) (it compares sizes).
      for (const c of cases[name]().filter((k) => k.args.every((a) => !(a instanceof np.NDArray) || a.size > 0))) {
        const args = [...c.args, ...Array(rule.params.length - c.args.length).fill(undefined)];
        const out = opOf(name)(...args) as np.NDArray;
        const dout = np.random.normal(0, 1, [...out.shape]);
        const expected = rule.vjp(dout, ...args, out);
        const form = forms.find((f) => (f.undefinedParams ?? []).every((i) => args[i] === undefined))!;
        const env: Record<string, unknown> = { dout, out, ...Object.fromEntries(rule.params.map((p, i) => [p, args[i]])) };
        for (const [i, term] of Object.entries(form.adjoints)) {
          const value = evaluate(term, env) as np.NDArray | number;
          const shaped = form.unmatched?.includes(Number(i)) ? value : np.matchShape(value, args[Number(i)] as np.NDArray);
          const want = expected[Number(i)] as np.NDArray | number;
          const f32 = args.some((a) => a instanceof np.NDArray && a.dtype === "float32");
          close(shaped as np.NDArray, values(want), f32 ? 1e-5 : 1e-11);
        }
      }
    });
  }
});
