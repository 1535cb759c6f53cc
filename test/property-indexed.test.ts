// Property: for random indexed programs f(a: Float64Array, x) -- loops that read and write
// elements, in-place updates of the input, a second buffer, swaps, copies, branches on
// elements -- the gradient adjoint generates matches central finite differences of f with
// respect to x and every element of a, and a comes back as f leaves it.
//
// The array machinery (elements re-read instead of saved, overwritten elements saved and
// restored, alias classes, integer counters stepped back) is where a silently wrong
// gradient would hide; this test shakes it.
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectClose } from "./helpers/finite-diff.js";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
const SEED = Number(process.env.PROPERTY_SEED ?? 20_261_127);
const N = 4;
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

/** One random statement over `a` (the input), `b` (a second buffer), `s` and `x`. Values stay bounded (tanh, sin, 0.5 factors). */
const statement = fc.oneof(
  fc.constant("for (let i = 0; i < n; i++) s += Math.tanh(a[i] * x) * 0.5;"),
  fc.constant("for (let i = 1; i < n; i++) a[i] = a[i] * 0.5 + Math.sin(a[i - 1] * x) * 0.5;"),
  fc.constant("for (let i = 0; i < n; i++) b[i] = Math.sin(b[i] + a[i] * x);"),
  fc.constant("for (let i = n - 1; i >= 1; i--) b[i - 1] += b[i] * 0.25;"),
  fc.constant("{ const t = a; a = b; b = t; }"),
  fc.constant("a[0] = Math.tanh(s);"),
  fc.constant("b[n - 1] *= 0.5;"),
  fc.constant("a[1]++;"),
  fc.constant("if (a[0] > b[1]) s += a[2] * x; else s -= Math.tanh(b[3]);"),
  fc.constant("for (const v of b) s += Math.tanh(v) * 0.25;"),
  fc.constant("{ const c = a.slice(); c[2] = c[2] * x; s += c[2] + c[0]; }"),
  fc.constant("for (let i = 0; i < n; i++) { if (b[i] > 0.1) continue; s += a[i] * 0.5; }"),
  fc.constant("s = s * 0.5 + weigh(a, x);"),
);

const program = fc.array(statement, { minLength: 1, maxLength: 7 }).map(
  (body) => `import { grad } from "adjoint";

function weigh(values: Float64Array, scale: number): number {
  let t = 0;
  for (let i = 0; i < values.length; i++) t += Math.sin(values[i] * scale) * (i + 1);
  return t * 0.25;
}

export function f(a: Float64Array, x: number): number {
  const n = a.length;
  let b = new Float64Array(n);
  let s = 0;
${body.map((line) => `  ${line}`).join("\n")}
  return s + a[0] * b[1] + a[3] + b[2];
}

export const df = grad(f, { wrt: [0, 1] });
`,
);

const point = fc.tuple(fc.array(fc.integer({ min: -900, max: 900 }), { minLength: N, maxLength: N }), fc.integer({ min: -900, max: 900 })).map(
  ([values, x]) => [Float64Array.from(values, (v) => v / 1000), x / 1000] as const,
);

const dir = resolve(__dirname, "..", ".tmp", "property-indexed");
let count = 0;

type Compiled = { f: (a: Float64Array, x: number) => number; df: (a: Float64Array, x: number) => [Float64Array, number] };

async function compile(source: string): Promise<Compiled> {
  const result = transform(source, { filename: "prop.ts", sourceMaps: false });
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${++count}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as Compiled;
}

function check({ f, df }: Compiled, a: Float64Array, x: number, source: string): void {
  const h = 1e-6;
  const value = (values: Float64Array, scale: number) => f(values.slice(), scale);
  const primalInput = a.slice();
  f(primalInput, x);
  const input = a.slice();
  const [da, dx] = df(input, x);
  const where = `at a = [${Array.from(a).join(", ")}], x = ${x} in\n${source}`;
  expect(Array.from(input), `the input comes back as f leaves it ${where}`).toEqual(Array.from(primalInput));
  expectClose(dx, (value(a, x + h) - value(a, x - h)) / (2 * h), { ...TOLERANCE, label: `d f / d x ${where}` });
  for (let j = 0; j < N; j++) {
    const plus = a.slice();
    const minus = a.slice();
    plus[j] += h;
    minus[j] -= h;
    expectClose(da[j], (value(plus, x) - value(minus, x)) / (2 * h), { ...TOLERANCE, label: `d f / d a[${j}] ${where}` });
  }
}

describe("random indexed programs", () => {
  it("have gradients that match central finite differences", async () => {
    await fc.assert(
      fc.asyncProperty(program, point, async (source, [a, x]) => {
        const compiled = await compile(source);
        // Skip points on a branch boundary in any direction: differences at h and 100h disagree there.
        const f = (values: Float64Array, scale: number) => compiled.f(values.slice(), scale);
        const along = (j: number, h: number) => {
          const plus = a.slice();
          const minus = a.slice();
          if (j < N) {
            plus[j] += h;
            minus[j] -= h;
            return (f(plus, x) - f(minus, x)) / (2 * h);
          }
          return (f(a, x + h) - f(a, x - h)) / (2 * h);
        };
        for (let j = 0; j <= N; j++) {
          const fine = along(j, 1e-6);
          if (Math.abs(fine - along(j, 1e-4)) > 1e-3 * (1 + Math.abs(fine))) return;
        }
        check(compiled, a, x, source);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 60_000);
});
