// A loop's one copy of an array it overwrites element by element (analyze/loop-snapshots.ts),
// allowed only where two names are proven to hold different arrays (analyze/distinct.ts):
// which programs get it, and the gradients of those that must not, against finite differences.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { centralDifference } from "./helpers/finite-diff.js";

const dir = resolve(__dirname, "..", ".tmp", "loop-snapshots");
let count = 0;

/** A two-buffer stencil whose step `prepare` may rebind `next` first. */
const stencil = (prepare: string, helper = "") => `
import { grad } from "adjoint";
${helper}
export function f(x: Float64Array, c: number): number {
  let u = Float64Array.from(x);
  let next = new Float64Array(x.length);
  for (let step = 0; step < 3; step++) {
    ${prepare}
    for (let i = 1; i < u.length - 1; i++) next[i] = u[i - 1] * c + u[i] * u[i + 1];
    const swap = u;
    u = next;
    next = swap;
  }
  return u[1] * u[2] + next[2];
}
export const df = grad(f, { wrt: [0, 1] });
`;

async function compile(source: string): Promise<{ code: string; f: (x: Float64Array, c: number) => number; df: (x: Float64Array, c: number) => [Float64Array, number] }> {
  const result = transform(source, { filename: "snapshots.ts" });
  expect(result.diagnostics).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `module${++count}.mjs`);
  writeFileSync(file, result.code);
  return { code: result.code, ...(await import(pathToFileURL(file).href)) };
}

/** The gradient at two points against central differences, and the input left as it was. */
function expectGradient(f: (x: Float64Array, c: number) => number, df: (x: Float64Array, c: number) => [Float64Array, number]) {
  for (const point of [[0.3, -0.7, 1.1, 0.4, -0.2], [1.2, 0.5, -0.9, 0.8, 0.6, -0.3]]) {
    const x = Float64Array.from(point);
    const [dx, dc] = df(x, 0.6);
    expect(Array.from(x)).toEqual(point);
    const flat = (...args: number[]) => f(Float64Array.from(args.slice(0, -1)), args[args.length - 1]);
    const args = [...point, 0.6];
    point.forEach((_, i) => expect(dx[i]).toBeCloseTo(centralDifference(flat, args, i), 6));
    expect(dc).toBeCloseTo(centralDifference(flat, args, point.length), 6);
  }
}

describe("loop snapshots", () => {
  it("copies next once per step where u and next are two new arrays swapped", async () => {
    const { code, f, df } = await compile(stencil(""));
    expect(code).toContain("stack.pushElements(next);");
    expect(code).not.toContain("stack.push(next[i]);");
    expect(code).not.toMatch(/slots\d*\[[^\]]+\] = next\[i\];/);
    expectGradient(f, df);
  });

  // Each of these may make next the array u holds, which the stencil reads.
  const unproven: [string, string, string?][] = [
    ["next rebound to u on one step", "if (step === 1) next = u;"],
    ["next a view of u", "if (step === 1) next = u.subarray(0);"],
    ["next a helper's result that is its argument", "if (step === 1) next = same(u);", "function same(a: Float64Array): Float64Array { a[0] = a[0] * 1; return a; }"],
  ];
  for (const [name, prepare, helper] of unproven) {
    it(`keeps per-element saves: ${name}`, async () => {
      const { code, f, df } = await compile(stencil(prepare, helper));
      expect(code).not.toContain("stack.pushElements(next);");
      expectGradient(f, df);
    });
  }
});
