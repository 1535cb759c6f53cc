// Programs whose gradient needs arrays by identity (buffers swapped by reference, arrays made in
// each step of a loop, arrays resized by push and pop, views written through, arrays filled
// whole), the points they are checked at, and the checks: shared by the tests of their second
// order (higher-order-identity) and of their gradient read inside differentiated code.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import { transform } from "../../compiler/index.js";

const dir = resolve(__dirname, "..", "..", ".tmp", "identity-programs");
let count = 0;

/** A module compiled with no diagnostics, and imported. */
export async function compile<T>(body: string, filename = "identity.ts"): Promise<T> {
  const source = `import { grad, hessian, hvp, jvp, jacfwd } from "adjoint";\n${body}`;
  const result = transform(source, { filename });
  expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `module${++count}-${filename.replace(/\W/g, "_")}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as T;
}

export type Vector = Float64Array | number[];
export const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i])));
};
/** H v from central differences of the compiled first-order gradient along v. */
export function differencedHvp(gradient: (x: Vector, c: number) => ArrayLike<number>, x: Vector, c: number, v: Vector, h = 1e-5): number[] {
  const moved = (s: number) => {
    const y = Array.from(x, (xi, i) => xi + s * h * v[i]);
    return gradient(x instanceof Float64Array ? Float64Array.from(y) : y, c);
  };
  const [up, down] = [moved(1), moved(-1)];
  return Array.from(up, (u, i) => (u - down[i]) / (2 * h));
}

// Programs the way users write them, each with what makes its gradient need arrays by identity.
export const PROGRAMS = `
  export function swapped(x: Float64Array, c: number): number {
    let u = Float64Array.from(x);
    let next = new Float64Array(x.length);
    for (let step = 0; step < 3; step++) {
      for (let i = 1; i < x.length; i++) next[i] = Math.sin(u[i] * c + u[i - 1]);
      const t = u;
      u = next;
      next = t;
    }
    let s = 0;
    for (let i = 0; i < x.length; i++) s += u[i] * u[i] * (i + 1);
    return s;
  }
  export function madeInLoop(x: number[], c: number): number {
    let s = 0;
    for (let k = 0; k + 2 < x.length; k++) {
      const w = x.slice(k, k + 3);
      w[1] = Math.tanh(w[0] * c + w[2] * w[1]);
      s += w[1] * w[0];
    }
    return s;
  }
  export function pushedAndPopped(x: number[], c: number): number {
    const st: number[] = [];
    let s = 0;
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < x.length; i++) st.push(x[i] * c + k);
      while (st.length > 1) s += Math.sin(st.pop()!) * st[st.length - 1];
      st.pop();
    }
    return s;
  }
  function axpy(y: Float64Array, a: number, v: Float64Array): void {
    for (let i = 0; i < y.length; i++) y[i] += a * v[i];
  }
  export function throughView(x: Float64Array, c: number): number {
    const b = new Float64Array(x.length);
    const v = b.subarray(1, 3);
    axpy(v, c, x);
    b.set(x.subarray(2), 2);
    let s = 0;
    for (let i = 0; i < b.length; i++) s += Math.exp(0.3 * b[i]) * x[i];
    return s;
  }
  export function filledWhole(x: Float64Array, c: number): number {
    const y = x.slice();
    let s = 0;
    for (let k = 0; k < 2; k++) {
      s += y[0] * y[1] * y[2];
      y.fill(s * c, 1);
      y[0] = y[1] * x[0];
    }
    return s + y[1] * x[3];
  }
`;
export const NAMES = ["swapped", "madeInLoop", "pushedAndPopped", "throughView", "filledWhole"];
export const POINTS: [number[], number][] = [
  [[0.2, -0.5, 0.9, 0.4], 0.7],
  [[-1.1, 0.3, 0.6, -0.2], -0.4],
];
export const V = [0.5, -1, 0.25, 2];
export const typed = (name: string) => name === "swapped" || name === "throughView" || name === "filledWhole";
export const input = (name: string, x: number[]) => (typed(name) ? Float64Array.from(x) : x.slice());

/** The programs as untyped JavaScript. */
export const UNTYPED = PROGRAMS.replace(/: (?:Float64Array|number\[\]|number|void)(?!\w)/g, "").replace(/!\)/g, ")");
