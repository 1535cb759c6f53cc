// Kernels `f(x, c)` over an array `x` of a given type, compiled with their gradient and a
// caller's (`g`: f through a helper call), and checked against central differences
// (h = 1e-5, 6 digits) at four points: shared by the loop lever tests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import { transform } from "../../compiler/index.js";
import { centralDifference } from "./finite-diff.js";

export type Numbers = Float64Array | number[];
export type Kernel = (x: Numbers, c: number) => number;
export type Gradient = (x: Numbers, c: number) => [Numbers, number];
export interface Compiled {
  code: string;
  f: Kernel;
  df: Gradient;
  dg: Gradient;
}

export const KINDS: [string, (values: number[]) => Numbers][] = [
  ["Float64Array", (values) => Float64Array.from(values)],
  ["number[]", (values) => [...values]],
];

const points = [
  [0.3, -0.7, 1.1, 0.4, -0.2],
  [1.2, 0.5, -0.9, 0.8, 0.6, -0.3],
  [-0.5, -0.1, 0.25, 0.9, 1.4],
  [2, 1.5, 1, 0.5],
];

let count = 0;

/** `f(x, c)` of `body` with x of type `T`, its gradient (`options` added to its wrt), and a caller's, compiled into `.tmp/<folder>`. */
export async function compileKernel(folder: string, body: string, T: string, helpers = "", options = ""): Promise<Compiled> {
  const source = `import { grad } from "adjoint";
${helpers}
export function f(x: ${T}, c: number): number {
${body}
}
export function g(x: ${T}, c: number): number {
  return f(x, c) * 1.5;
}
export const df = grad(f, { wrt: [0, 1]${options} });
export const dg = grad(g, { wrt: [0, 1] });
`;
  const result = transform(source, { filename: `${folder}.ts` });
  expect(result.diagnostics).toEqual([]);
  const dir = resolve(__dirname, "..", "..", ".tmp", folder);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `module${process.pid}-${++count}.mjs`);
  writeFileSync(file, result.code);
  return { code: result.code, ...(await import(pathToFileURL(file).href)) };
}

/** f's and the caller's gradients at each point against central differences, the input unchanged. */
export function expectKernelGradients(make: (values: number[]) => Numbers, { f, df, dg }: Compiled, c = 0.6): void {
  const caller: Kernel = (x, c) => f(x, c) * 1.5;
  for (const [primal, gradient] of [[f, df], [caller, dg]] as const) {
    for (const point of points) {
      const x = make(point);
      const [dx, dc] = gradient(x, c);
      expect(Array.from(x)).toEqual(point);
      const flat = (...args: number[]) => primal(make(args.slice(0, -1)), args[args.length - 1]);
      const args = [...point, c];
      point.forEach((_, i) => expect(dx[i]).toBeCloseTo(centralDifference(flat, args, i), 6));
      expect(dc).toBeCloseTo(centralDifference(flat, args, point.length), 6);
    }
  }
}

/** Compiles `body` for each array kind and checks its gradients; returns each kind's code. */
export async function checkedKernels(folder: string, body: string, helpers = "", options = "", c = 0.6): Promise<string[]> {
  const codes: string[] = [];
  for (const [T, make] of KINDS) {
    const compiled = await compileKernel(folder, body, T, helpers, options);
    codes.push(compiled.code);
    expectKernelGradients(make, compiled, c);
  }
  return codes;
}

/** The code generated for f alone: its gradient entry point. */
export const ownCode = (code: string) => {
  const start = code.search(/function f\$(valueAndGrad|grad)(_\w+)?\(/);
  expect(start).toBeGreaterThanOrEqual(0);
  return code.slice(start, code.indexOf("\n}\n", start) + 2);
};
