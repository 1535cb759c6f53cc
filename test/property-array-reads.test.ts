// Property: random programs that make new arrays from an input -- slice, at, concat, spread,
// Array.of / Float64Array.of / Float64Array.from, sort of a copy, Math.max / min / hypot over a
// spread -- then write into the results and into the arrays they were made from, compile (as
// TypeScript through transform() and as untyped JavaScript through the Babel plugin) to code
// whose value is the primal's, whose gradient matches central differences where the primal
// is smooth, and which leaves the input as the primal leaves it. Every program must compile:
// each construct generated here is supported.
import { transformSync } from "@babel/core";
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform, type Diagnostic } from "../compiler/index.js";
import adjointBabel from "../compiler/frontends/babel.js";
import { expectClose, smoothCentralDifference } from "./helpers/finite-diff.js";

/** How a new array is made from `s` (an array local); `plain` says whether the result is a number[]. */
const MAKES: { code: (s: string) => string; plain: (sourcePlain: boolean) => boolean }[] = [
  { code: (s) => `${s}.slice(1)`, plain: (p) => p },
  { code: (s) => `${s}.slice(0, -1)`, plain: (p) => p },
  { code: (s) => `${s}.slice(-3)`, plain: (p) => p },
  { code: (s) => `[...${s}, c]`, plain: () => true },
  { code: (s) => `[c * 2, ...${s}, ${s}[0]]`, plain: () => true },
  { code: (s) => `[...${s}].concat([c], [...${s}].slice(1), 2)`, plain: () => true },
  { code: (s) => `[...${s}].sort((p, q) => p - q)`, plain: () => true },
  { code: (s) => `${s}.slice().sort((p, q) => q - p)`, plain: (p) => p },
  { code: (s) => `Float64Array.from(${s}).sort()`, plain: () => false },
  { code: (s) => `Float64Array.of(${s}.at(-1), c, ${s}[1])`, plain: () => false },
  { code: (s) => `Array.of(...${s}, ${s}.at(1))`, plain: () => true },
];

/** A write after a make: into the new array, or into the array it was made from. */
const WRITES: ((made: string, source: string) => string)[] = [
  () => "",
  (made) => `${made}[0] = ${made}[0] * c;`,
  (made) => `${made}[${made}.length - 1] += ${made}[0];`,
  (_, source) => `${source}[1] = ${source}[0] * c;`,
  (made, source) => `${source}[0] = ${made}[1] + 1; ${made}[1] = 0;`,
];

/** What the result adds of the last array made (`a`). */
const READS: ((a: string) => string)[] = [
  (a) => `${a}[0] * ${a}[1]`,
  (a) => `Math.max(...${a}, c) - Math.min(...${a})`,
  (a) => `Math.hypot(...${a}) * c`,
  (a) => `${a}.at(-1) * ${a}.at(0)`,
  (a) => `(${a}.includes(c) ? 1 : 0) + ${a}.indexOf(${a}[0])`,
];

interface Program {
  typed: boolean;
  steps: { make: number; from: number; write: number }[];
  read: number;
}

const programArbitrary: fc.Arbitrary<Program> = fc.record({
  typed: fc.boolean(),
  steps: fc.array(fc.record({ make: fc.nat(MAKES.length - 1), from: fc.nat(), write: fc.nat(WRITES.length - 1) }), { minLength: 1, maxLength: 3 }),
  read: fc.nat(READS.length - 1),
});

function render({ typed, steps, read }: Program, ts: boolean): string {
  const lines: string[] = [];
  const names = ["x"];
  for (const [k, step] of steps.entries()) {
    const source = names[step.from % names.length];
    const made = `a${k}`;
    lines.push(`  const ${made} = ${MAKES[step.make].code(source)};`);
    const write = WRITES[step.write](made, source);
    if (write) lines.push(`  ${write}`);
    names.push(made);
  }
  const last = names[names.length - 1];
  lines.push(`  let total = 0;`);
  for (const name of names) lines.push(`  for (let i = 0; i < ${name}.length; i++) total += ${name}[i] * (i + 1);`);
  lines.push(`  return total + ${READS[read](last)};`);
  const types = ts ? `: ${typed ? "Float64Array" : "number[]"}, c: number): number` : ", c)";
  const body = ts ? lines.join("\n").replace(/\.at\(([^)]*)\)/g, ".at($1)!") : lines.join("\n");
  return `import { valueAndGrad } from "adjoint";\nexport function f(x${types} {\n${body}\n}\nexport const d = valueAndGrad(f, { wrt: [0, 1] });\n`;
}

function compile(source: string, ts: boolean): { code: string; diagnostics: Diagnostic[] } {
  if (ts) return transform(source, { filename: "reads.ts", sourceMaps: false });
  const diagnostics: Diagnostic[] = [];
  const result = transformSync(source, {
    filename: "reads.js",
    babelrc: false,
    configFile: false,
    sourceMaps: false,
    plugins: [[adjointBabel, { onDiagnostics: (found: Diagnostic[]) => diagnostics.push(...found) }]],
  });
  return { code: diagnostics.length > 0 ? "" : (result?.code ?? ""), diagnostics };
}

/** CI runs a few programs; ARRAY_READ_PROGRAMS=500 runs more (ARRAY_READ_SEED replays). */
const RUNS = Number(process.env.ARRAY_READ_PROGRAMS ?? 25);

const dir = resolve(__dirname, "..", ".tmp", "property-array-reads");
let written = 0;
async function load(code: string): Promise<{ f: (...a: unknown[]) => number; d: (...a: unknown[]) => [number, [ArrayLike<number>, number]] }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}-${++written}.mjs`);
  writeFileSync(file, code);
  return import(pathToFileURL(file).href);
}

// Elements at least 0.01 apart, none zero, and c equal to none: sort, max and min have no
// derivative at ties, where central differences straddle the kink.
const pointArbitrary = fc.record({
  x: fc.uniqueArray(fc.integer({ min: -300, max: 300 }), { minLength: 8, maxLength: 8 }).map((xs) => xs.map((k) => k / 100 + 0.003)),
  c: fc.integer({ min: -200, max: 200 }).map((k) => k / 100 + 0.005),
});

async function check(program: Program, ts: boolean, point: { x: number[]; c: number }): Promise<void> {
  const source = render(program, ts);
  const { code, diagnostics } = compile(source, ts);
  expect(diagnostics.map((d) => `${d.code} ${d.line}: ${d.message}`), source).toEqual([]);
  const m = await load(code);
  const input = () => (program.typed ? Float64Array.from(point.x) : point.x.slice());
  const primalInput = input();
  const primal = m.f(primalInput, point.c);
  const compiledInput = input();
  const [value, [dx, dc]] = m.d(compiledInput, point.c);
  const where = `${source}\nat x = [${point.x.join(", ")}], c = ${point.c}`;
  expectClose(value, primal, { rtol: 1e-9, atol: 1e-9, label: `value ${where}` });
  expect(Array.from(compiledInput), `the input after the gradient ${where}`).toEqual(Array.from(primalInput));
  expect(dx.length).toBe(point.x.length);
  // Central differences in each direction, where the primal is smooth there (sort and max have kinks).
  const flat = (...args: number[]) => m.f(program.typed ? Float64Array.from(args.slice(0, 8)) : args.slice(0, 8), args[8]);
  const args = [...point.x, point.c];
  const gradient = [...Array.from(dx), dc];
  args.forEach((_, i) => {
    const expected = smoothCentralDifference(flat, args, i);
    if (expected !== undefined) expectClose(gradient[i], expected, { rtol: 1e-4, atol: 1e-5, label: `d/d arg ${i} ${where}` });
  });
}

describe("programs making new arrays from their input (slice, at, concat, spread, of, sort, Math over a spread)", () => {
  it("compile, and give the primal's value, its effects on the input and a gradient matching central differences", async () => {
    await fc.assert(
      fc.asyncProperty(programArbitrary, fc.array(pointArbitrary, { minLength: 2, maxLength: 2 }), async (program, points) => {
        for (const point of points) {
          await check(program, true, point);
          await check(program, false, point);
        }
      }),
      { numRuns: RUNS, seed: process.env.ARRAY_READ_SEED ? Number(process.env.ARRAY_READ_SEED) : undefined },
    );
  }, 30_000 + RUNS * 2_000);
});
