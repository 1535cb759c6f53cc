// Out-parameters, views and aliasing at run time: gradients against central differences,
// inputs left as the primal leaves them, and what stays refused (a result that is an argument
// on some paths, a differentiable helper of another module that writes its arguments).
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { verifyFixture } from "./helpers/fixture-checks.js";

const dir = resolve(__dirname, "..", ".tmp", "out-parameters");
let count = 0;

async function load(source: string, name = `module${++count}`): Promise<Record<string, unknown>> {
  const result = transform(source, { filename: `${name}.ts` });
  expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

const X = "Float64Array.from([0.3, -0.7, 1.1, 0.45])";
const Y = "Float64Array.from([1.5, 0.25, -2, 0.8])";

/** Each case exports `checks` (see test/helpers/fixture-checks.ts). */
const cases: Record<string, string> = {
  // A helper that writes into its out-parameter and reads another array the caller later writes.
  "an out-parameter read again after the caller overwrites its input": `
    function scale(out: Float64Array, x: Float64Array, c: number): void { for (let i = 0; i < x.length; i++) out[i] = x[i] * c; }
    function f(x: Float64Array, c: number): number {
      const y = Float64Array.from(x);
      const out = new Float64Array(x.length);
      scale(out, y, c);
      y[0] = out[1] * out[2];
      scale(out, y, c);
      return out[0] + y[0] * x[3];
    }
    export const checks = [{ primal: f, grad: grad(f, { wrt: [0, 1] }), wrt: [0, 1], points: [[${X}, 0.7], [${Y}, -1.2]] }];`,
  // Recursion through a helper that writes its argument.
  "a recursive helper writing its argument": `
    function smooth(a: Float64Array, k: number): void {
      if (k === 0) return;
      for (let i = 1; i < a.length; i++) a[i] = 0.5 * (a[i] + a[i - 1] * a[i - 1]);
      smooth(a, k - 1);
    }
    function f(x: Float64Array): number {
      const a = Float64Array.from(x);
      smooth(a, 3);
      return a[a.length - 1];
    }
    export const checks = [{ primal: f, grad: grad(f), wrt: [0], points: [[${X}], [${Y}]] }];`,
  // A helper that writes through another helper (summaries compose).
  "writes through two levels of helpers": `
    function addTo(y: Float64Array, x: Float64Array): void { for (let i = 0; i < y.length; i++) y[i] += Math.sin(x[i]); }
    function twice(y: Float64Array, x: Float64Array): number { addTo(y, x); addTo(y, y); return y[0]; }
    function f(x: Float64Array): number {
      const y = new Float64Array(x.length);
      const first = twice(y, x);
      return first * y[1] + y[2];
    }
    export const checks = [{ primal: f, grad: grad(f), wrt: [0], points: [[${X}], [${Y}]] }];`,
  // dot(x, x): two read-only parameters given one array, each partial derivative summed.
  "one array given twice to a read-only helper": `
    function dot(a: Float64Array, b: Float64Array): number { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
    function norm(x: Float64Array): number { return Math.sqrt(dot(x, x)); }
    export const checks = [{ primal: norm, grad: grad(norm), wrt: [0], points: [[${X}], [${Y}]] }];`,
  // The same array as the written and the read argument, in a loop.
  "an aliased out-parameter in a loop": `
    function axpy(y: Float64Array, a: number, x: Float64Array): void { for (let i = 0; i < y.length; i++) y[i] += a * x[i]; }
    function f(x: Float64Array, a: number): number {
      const y = Float64Array.from(x);
      for (let k = 0; k < 3; k++) axpy(y, a, y);
      return y[0] * y[3];
    }
    export const checks = [{ primal: f, grad: grad(f, { wrt: [0, 1] }), wrt: [0, 1], points: [[${X}, 0.3], [${Y}, -0.4]] }];`,
  // Found by bench/outparams: swapped buffers, each step's matvec reads the buffer the next
  // step overwrites; its pullback must see it as it was (the later call's pullback puts its
  // own output back, so the caller copies the buffer before each call).
  "swapped buffers through an out-parameter helper": `
    function matvec(out: Float64Array, m: Float64Array, x: Float64Array, n: number): void {
      for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += m[i * n + j] * x[j]; out[i] = s; }
    }
    function loss(m: Float64Array, x: Float64Array): number {
      let cur = Float64Array.from(x);
      let next = new Float64Array(2);
      for (let k = 0; k < 3; k++) {
        matvec(next, m, cur, 2);
        for (let i = 0; i < 2; i++) next[i] = Math.tanh(next[i]);
        const t = cur; cur = next; next = t;
      }
      return cur[0] + 2 * cur[1];
    }
    export const checks = [{ primal: loss, grad: grad(loss, { wrt: [0, 1] }), wrt: [0, 1], points: [[Float64Array.from([0.5, -1, 2, 0.25]), Float64Array.from([0.9, -0.4])], [Float64Array.from([1, 0.3, -0.2, 0.7]), Float64Array.from([0.1, 0.8])]] }];`,
  // Found by test/property-effects: an inactive call that overwrites an array an earlier
  // adjoint reads, its result read once (it was written into its reader, and its copy lost).
  "an inactive out-parameter call whose result is read once": `
    function dot(u: Float64Array, v: Float64Array): number { let t = 0; for (let i = 0; i < u.length; i++) t += u[i] * v[i]; return t; }
    function scaleInto(out: Float64Array, v: Float64Array, k: number): number {
      let t = 0; for (let i = 0; i < out.length; i++) { out[i] = v[i] * k + 1; t += out[i]; } return t;
    }
    function f(x: Float64Array): number {
      const b = new Float64Array(x.length);
      b[1] = 0.5;
      let s = dot(x, b);
      s += scaleInto(b, b, 1.5);
      return s * x[0];
    }
    export const checks = [{ primal: f, grad: grad(f), wrt: [0], points: [[${X}], [${Y}]] }];`,
  // A number[] out-parameter.
  "a number[] out-parameter": `
    function square(out: number[], x: number[]): void { for (let i = 0; i < x.length; i++) out[i] = x[i] * x[i]; }
    function f(x: number[]): number {
      const out: number[] = [0, 0, 0, 0];
      square(out, x);
      return out[0] * out[1] + out[3];
    }
    export const checks = [{ primal: f, grad: grad(f), wrt: [0], points: [[[0.3, -0.7, 1.1, 0.45]], [[1.5, 0.25, -2, 0.8]]] }];`,
  // A view written through inside a loop.
  "views in a loop": `
    function f(x: Float64Array, c: number): number {
      const y = Float64Array.from(x);
      for (let i = 0; i < 3; i++) {
        const v = y.subarray(i, i + 2);
        v[1] = v[0] * c + Math.sin(v[1]);
      }
      return y[3] * y[2];
    }
    export const checks = [{ primal: f, grad: grad(f, { wrt: [0, 1] }), wrt: [0, 1], points: [[${X}, 0.7], [${Y}, -1.1]] }];`,
};

describe("out-parameters, views and aliasing", () => {
  for (const [name, body] of Object.entries(cases)) {
    it(name, async () => verifyFixture(await load(`import { grad } from "adjoint";\n${body}\n`)));
  }

  it("refuses a differentiable helper of another module that writes its arguments, at run time, by name", async () => {
    await load(
      `import { differentiable } from "adjoint";
      function axpyImpl(y: Float64Array, a: number, x: Float64Array): void { for (let i = 0; i < y.length; i++) y[i] += a * x[i]; }
      export const axpy = differentiable(axpyImpl);
      function dotImpl(a: Float64Array, b: Float64Array): number { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
      export const dot = differentiable(dotImpl);`,
      "helpers",
    );
    const { df, dg } = (await load(
      `import { grad } from "adjoint";
      import { axpy, dot } from "./helpers.mjs";
      function f(x: Float64Array, a: number): number { const y = Float64Array.from(x); axpy(y, a, x); return y[0]; }
      function g(x: Float64Array): number { return dot(x, x) * 2; }
      export const df = grad(f, { wrt: [0, 1] });
      export const dg = grad(g);`,
    )) as { df: (x: Float64Array, a: number) => unknown; dg: (x: Float64Array) => Float64Array };
    expect(() => df(Float64Array.from([1, 2]), 3)).toThrow(/cannot differentiate through 'axpy' from another module: it writes into the array it is given as parameter 0/);
    expect(Array.from(dg(Float64Array.from([1, 2])))).toEqual([4, 8]);
  });

  it("refuses two overlapping views given for parameters one of which is written", async () => {
    const { df } = (await load(
      `import { grad } from "adjoint";
      function f(a: Float64Array, b: Float64Array): number { a[0] = a[0] * b[1]; return a[0] + b[0]; }
      export const df = grad(f, { wrt: [0, 1] });`,
    )) as { df: (a: Float64Array, b: Float64Array) => unknown };
    const buffer = Float64Array.from([1, 2, 3, 4]);
    expect(() => df(buffer.subarray(0, 3), buffer.subarray(1))).toThrow(/parameters 'a' and 'b' are the same array/);
    expect(df(buffer.subarray(0, 2), buffer.subarray(2))).toEqual([Float64Array.from([4, 0]), Float64Array.from([1, 1])]);
  });

  it("checks at the entry point that arrays a callee needs distinct are distinct (a callee's halves trust their caller)", async () => {
    const { df } = (await load(
      `import { grad } from "adjoint";
      // A view: g finds adjoints by array, so a and b must be two arrays.
      function g(a: Float64Array, b: Float64Array): number {
        const v = a.subarray(1);
        let s = 0;
        for (let i = 0; i < v.length; i++) s += v[i] * b[i];
        return s;
      }
      function f(a: Float64Array, b: Float64Array): number { return g(a, b); }
      export const df = grad(f, { wrt: [0, 1] });`,
    )) as { df: (a: Float64Array, b: Float64Array) => Float64Array[] };
    const a = Float64Array.from([1, 2, 3]);
    expect(() => df(a, a)).toThrow(/parameters 'a' and 'b' are the same array/);
    expect(df(a, Float64Array.from([4, 5, 6]))).toEqual([Float64Array.from([0, 4, 5]), Float64Array.from([2, 3, 0])]);
  });
});
