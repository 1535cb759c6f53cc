// Indexed code at run time: aliasing, repeated pullbacks, and inputs left as the primal leaves them.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";

const dir = resolve(__dirname, "..", ".tmp", "indexed");
let count = 0;

async function compile<T>(source: string): Promise<T> {
  const result = transform(source, { filename: "indexed.ts" });
  expect(result.diagnostics).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `module${++count}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as T;
}

describe("indexed code", () => {
  it("takes two read-only array parameters that are one array, and refuses them where one is written", async () => {
    const { dweighted, dscaled } = await compile<{ dweighted: (a: Float64Array, b: Float64Array) => unknown; dscaled: (a: Float64Array, b: Float64Array) => unknown }>(`
      import { grad } from "adjoint";
      function weighted(a: Float64Array, b: Float64Array): number {
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
      }
      function scaled(a: Float64Array, b: Float64Array): number {
        for (let i = 0; i < a.length; i++) a[i] = a[i] * 2;
        return weighted(a, b);
      }
      export const dweighted = grad(weighted, { wrt: [0, 1] });
      export const dscaled = grad(scaled, { wrt: [0, 1] });
    `);
    const shared = Float64Array.from([1, 2, 3]);
    // Each partial derivative holds the other argument fixed, as JAX's grad of dot(x, x) with argnums=(0, 1) does.
    expect(dweighted(shared, shared)).toEqual([Float64Array.from([1, 2, 3]), Float64Array.from([1, 2, 3])]);
    expect(dweighted(shared, shared.slice())).toEqual([Float64Array.from([1, 2, 3]), Float64Array.from([1, 2, 3])]);
    // A write through one is a write through the other: the gradient with respect to each is not defined.
    expect(() => dscaled(shared, shared)).toThrow(/parameters 'a' and 'b' are the same array/);
    expect(dscaled(shared, shared.slice())).toEqual([Float64Array.from([2, 4, 6]), Float64Array.from([2, 4, 6])]);
  });

  it("runs a pullback that restores array elements once, and says so on a second call", async () => {
    const { vscale } = await compile<{ vscale: (a: Float64Array) => [number, (d: number) => Float64Array] }>(`
      import { vjp } from "adjoint";
      function scale(values: Float64Array): number {
        for (let i = 0; i < values.length; i++) values[i] = values[i] * values[i];
        let s = 0;
        for (let i = 0; i < values.length; i++) s += values[i] * values[i];
        return s;
      }
      export const vscale = vjp(scale);
    `);
    const input = Float64Array.from([1, 2]);
    const [value, pullback] = vscale(input);
    expect(value).toBe(1 + 16);
    expect(Array.from(input)).toEqual([1, 4]); // mutated exactly as the primal does
    expect(Array.from(pullback(1))).toEqual([4, 32]); // d/dx x^4 = 4x^3
    expect(Array.from(input)).toEqual([1, 4]); // and left that way after the reverse sweep
    expect(() => pullback(1)).toThrow(/pullback of scale was already called/);
  });

  it("lets a pullback that only reads arrays run many times", async () => {
    const { vnorm } = await compile<{ vnorm: (a: Float64Array) => [number, (d: number) => Float64Array] }>(`
      import { vjp } from "adjoint";
      function norm(values: Float64Array): number {
        let s = 0;
        for (const v of values) s += v * v;
        return Math.sqrt(s);
      }
      export const vnorm = vjp(norm);
    `);
    const [value, pullback] = vnorm(Float64Array.from([3, 4]));
    expect(value).toBe(5);
    const first = pullback(1);
    const close = (actual: Float64Array, expected: number[]) => expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 12));
    close(first, [0.6, 0.8]);
    close(pullback(2), [1.2, 1.6]);
    close(first, [0.6, 0.8]); // a later call does not touch an earlier result
  });
});
