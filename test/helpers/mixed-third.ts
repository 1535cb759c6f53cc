// Mixed third derivatives of f(x: NDArray, s: number) by x, for the third-order tests: the
// module source deriving them, and their checks against differences and against each other.
import * as np from "adjoint/np";
import { expect } from "vitest";
import { expectClose } from "./finite-diff.js";
import { dot, flat } from "./ndarray-modules.js";

/** `f` (a function declaration of (x, s)), df/ds as `slope`, and what the checks read of them. */
export const mixedThirdSource = (f: string): string => `${f}
/** df/ds: a function of x whose Hessian is a third derivative of f. */
function slope(x: np.NDArray, s: number): number {
  return grad(f, { wrt: 1 })(x, s);
}
export const gradSlope = grad(slope);
export const hvpSlope = hvp(slope);
export const hessianSlope = hessian(slope);
export const hvpF = hvp(f);
export const D2 = grad(grad(f, { wrt: 1 }), { wrt: 1 });
export const jvpD2 = jvp(grad(grad(f, { wrt: 1 }), { wrt: 1 }), { wrt: 0 });
export const gradD2 = grad(grad(grad(f, { wrt: 1 }), { wrt: 1 }), { wrt: 0 });
`;

type Fn = (...a: unknown[]) => unknown;

/**
 * At x0 and each s: H(slope) v against central differences of grad(slope) along v and of
 * hvp(f) along s (h, relative 1e-6); <u, H v> = <v, H u>, hessian(slope) symmetric and its row
 * 0 the hvp (1e-9); jvp of d²f/ds² against differences and equal to <grad of d²f/ds², v>.
 */
export function checkMixedThird(m: Record<string, unknown>, x0: () => np.NDArray, points: readonly number[], h = 1e-5): void {
  const [gradSlope, hvpSlope, hessianSlope, hvpF, D2, jvpD2, gradD2] = [m.gradSlope, m.hvpSlope, m.hessianSlope, m.hvpF, m.D2, m.jvpD2, m.gradD2] as Fn[];
  for (const s of points) {
    const x = x0();
    const n = x.size;
    const [u, v] = [np.random.normal(0, 1, [...x.shape]), np.random.normal(0, 1, [...x.shape])];
    const at = `at s = ${s}`;
    const shifted = (e: number) => np.add(x, np.mul(v, e));
    const hv = flat(hvpSlope(x, s, v));
    const alongV = [flat(gradSlope(shifted(h), s)), flat(gradSlope(shifted(-h), s))];
    const alongS = [flat(hvpF(x, s + h, v)), flat(hvpF(x, s - h, v))];
    hv.forEach((value, j) => {
      expectClose(value, (alongV[0][j] - alongV[1][j]) / (2 * h), { rtol: 1e-6, atol: 1e-8, label: `hvp(slope)[${j}] vs differences of grad(slope) ${at}` });
      expectClose(value, (alongS[0][j] - alongS[1][j]) / (2 * h), { rtol: 1e-6, atol: 1e-8, label: `hvp(slope)[${j}] vs differences of hvp(f) along s ${at}` });
    });
    expectClose(dot(u, hvpSlope(x, s, v)), dot(v, hvpSlope(x, s, u)), { rtol: 1e-9, atol: 1e-11, label: `<u, H v> = <v, H u> ${at}` });
    const hessian = hessianSlope(x, s) as np.NDArray;
    expect(hessian.shape).toEqual([...x.shape, ...x.shape]);
    const rows = flat(hessian);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expectClose(rows[i * n + j], rows[j * n + i], { rtol: 1e-9, atol: 1e-11, label: `hessian(slope) symmetric [${i}, ${j}] ${at}` });
    expectClose(dot(v, hessian.reshape(n, n).get(0)), hv[0], { rtol: 1e-9, atol: 1e-11, label: `hessian(slope) row 0 = hvp ${at}` });
    // d/dx of d²f/ds² along v: forward over reverse over reverse, reverse three times, differences.
    const [value, tangent] = jvpD2(x, s, v) as [number, number];
    expectClose(value, D2(x, s) as number, { rtol: 1e-12, atol: 1e-14, label: `jvp's value is d2 ${at}` });
    expectClose(tangent, ((D2(shifted(h), s) as number) - (D2(shifted(-h), s) as number)) / (2 * h), { rtol: 1e-6, atol: 1e-8, label: `jvp of d2 vs differences ${at}` });
    expectClose(tangent, dot(gradD2(x, s), v), { rtol: 1e-9, atol: 1e-11, label: `jvp of d2 = <grad of d2, v> ${at}` });
  }
}
