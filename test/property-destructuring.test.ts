// Property: random small programs that destructure (declarations, defaults, rest elements,
// parameters), swap through patterns, loop over entries() and with comma heads, and write
// arrays read through patterns, compile without diagnostics (as TypeScript and as untyped
// JavaScript) to code whose value is the primal's, whose gradient matches central finite
// differences at several points, and which leaves the input array as the primal does.
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectClose } from "./helpers/finite-diff.js";

const N = 4;
const RUNS = Number(process.env.DESTRUCTURING_PROGRAMS ?? 30);
const SEED = Number(process.env.DESTRUCTURING_SEED ?? 20_261_207);
const dir = resolve(__dirname, "..", ".tmp", "property-destructuring");

type Kind = "Float64Array" | "number[]";
/** An ingredient: its statement(s), given a unique suffix, two indices below N and a constant. */
type Ingredient = (n: number, i: number, j: number, k: string) => string;

const INGREDIENTS: Record<string, Ingredient> = {
  "declare elements": (n, i) => `const [p${n}, , q${n}] = x;\n  s += p${n} * q${n} * c + x[${i}];`,
  "swap numbers": (_n, _i, _j, k) => `[a, b] = [b, a * c + ${k}];`,
  "plain swap": () => `[a, b] = [b, a];\n  s += a * c;`,
  "swap arrays": (n, i, j) => `let y${n} = x.slice();\n  let z${n} = x;\n  for (let r = 0; r < 2; r++) { [y${n}, z${n}] = [z${n}, y${n}]; y${n}[${i}] = z${n}[${j}] * a; }\n  s += y${n}[${i}] * z${n}[${j}];`,
  "swap in a loop": (_n, _i, _j, k) => `for (let r = 0; r < 3; r++) [a, b] = [b * ${k}, Math.sin(a) + b * c];`,
  "rest element": (n, i) => `const [h${n}, ...t${n}] = x;\n  s += h${n} * t${n}[${i % (N - 1)}] * a;`,
  "entries": (_n, _i, _j, k) => `for (const [e, v] of x.entries()) s += v * (e + ${k}) * a;`,
  "values and let": () => `for (let v of x) { v = v * b; s += Math.sin(v); }`,
  "write through an alias": (n, i, j) => `const [u${n}] = [x];\n  u${n}[${i}] = u${n}[${j}] * a + c;`,
  "swap elements": (_n, i, j) => `[x[${i}], x[${j}]] = [x[${j}] * c, x[${i}]];`,
  "defaults": (n) => `const [m${n} = c, w${n} = a] = [undefined, b];\n  s += m${n} * w${n};`,
  "default past the end": (n, i) => `const [f${n}, g${n} = c] = [x[${i}]];\n  s += f${n} * g${n};`,
  "default in range": (n) => `const [, d${n} = 2] = x;\n  s += d${n} * a;`,
  "comma": () => `(a = Math.cos(b), b = a * c);`,
  "two counters": () => `for (let lo = 0, hi = ${N - 1}; lo < hi; lo++, hi--) s += x[lo] * x[hi] * a;`,
  "pattern parameter": (n) => `s += pair([a, b], c) * ${n + 1};`,
  "read then write": (n, i) => `const [z${n}] = x;\n  x[0] = z${n} * c + x[${i}];\n  s += z${n} * x[0];`,
};
const NAMES = Object.keys(INGREDIENTS);

interface Spec {
  kind: Kind;
  steps: { name: string; i: number; j: number; k: number }[];
}

const specArbitrary: fc.Arbitrary<Spec> = fc.record({
  kind: fc.constantFrom<Kind>("Float64Array", "number[]"),
  steps: fc.array(fc.record({ name: fc.constantFrom(...NAMES), i: fc.nat(N - 1), j: fc.nat(N - 1), k: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 5 }),
});

function render(spec: Spec, typed: boolean): string {
  const t = (annotation: string) => (typed ? `: ${annotation}` : "");
  const body = spec.steps.map((s, n) => `  ${INGREDIENTS[s.name](n, s.i, s.j, `0.${s.k}`)}`).join("\n");
  return `import { valueAndGrad } from "adjoint";
function pair([u, v]${t("number[]")}, w${t("number")})${t("number")} {
  return u * v + w;
}
export function f(x${t(spec.kind)}, c${t("number")})${t("number")} {
  let a = c;
  let b = x[1];
  let s = 0;
${body}
  return s + a * b;
}
export const df = valueAndGrad(f, { wrt: [0, 1] });
`;
}

let count = 0;
async function compile(source: string, typed: boolean): Promise<{ f: (x: unknown, c: number) => number; df: (x: unknown, c: number) => [number, [ArrayLike<number>, number]] }> {
  const result = transform(source, { filename: typed ? "program.ts" : "program.js" });
  expect(result.diagnostics.map((d) => `${d.code}: ${d.message} (line ${d.line})`), source).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `program${++count}.mjs`);
  writeFileSync(file, result.code);
  return import(pathToFileURL(file).href);
}

const make = (kind: Kind, values: number[]) => (kind === "Float64Array" ? Float64Array.from(values) : [...values]);

async function check(spec: Spec, typed: boolean, points: { x: number[]; c: number }[]): Promise<void> {
  const source = render(spec, typed);
  const { f, df } = await compile(source, typed);
  for (const { x, c } of points) {
    const where = `${source}\nat x = [${x.join(", ")}], c = ${c}`;
    const primalInput = make(spec.kind, x);
    const value = f(primalInput, c);
    const input = make(spec.kind, x);
    const [got, [dx, dc]] = df(input, c);
    expectClose(got, value, { rtol: 1e-12, atol: 1e-12, label: `value ${where}` });
    expect(Array.from(input), `the input after the gradient ${where}`).toEqual(Array.from(primalInput));
    const h = 1e-5;
    const at = (xs: number[], cc: number) => f(make(spec.kind, xs), cc);
    x.forEach((_, e) => {
      const up = x.slice();
      const down = x.slice();
      up[e] += h;
      down[e] -= h;
      expectClose(dx[e], (at(up, c) - at(down, c)) / (2 * h), { rtol: 1e-5, atol: 1e-6, label: `d/dx[${e}] ${where}` });
    });
    expectClose(dc, (at(x, c + h) - at(x, c - h)) / (2 * h), { rtol: 1e-5, atol: 1e-6, label: `d/dc ${where}` });
  }
}

const pointArbitrary = fc.record({
  x: fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: N, maxLength: N }),
  c: fc.double({ min: -1.5, max: 1.5, noNaN: true }),
});

describe("random programs with destructuring, swaps and loops", () => {
  it("compile, as TypeScript and as untyped JavaScript, to gradients that match finite differences", async () => {
    await fc.assert(
      fc.asyncProperty(specArbitrary, fc.array(pointArbitrary, { minLength: 3, maxLength: 3 }), async (spec, points) => {
        await check(spec, true, points);
        await check(spec, false, points);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 60_000);

  it("cover every ingredient", () => {
    // Each ingredient alone, so a refusal of any is a failure whatever the random draw.
    return Promise.all(NAMES.map((name) => check({ kind: "number[]", steps: [{ name, i: 1, j: 2, k: 2 }] }, false, [{ x: [0.3, -0.7, 1.1, 0.45], c: 0.8 }])));
  });
});
