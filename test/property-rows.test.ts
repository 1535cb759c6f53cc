// Property (soundness of arrays of arrays as data, lower/rows.ts): random programs f(x, c, X)
// over a data matrix X (number[][] or Float64Array[]) read as X[i][j], rows in locals, for…of
// with patterns, helpers (inlined and kept as calls), a customGrad function given a row,
// map/forEach/reduce over the rows, mixed with the effect ingredients on x (writes, pushes,
// swaps, views, out-parameters; test/helpers/effect-ingredients.ts) are either refused with
// located diagnostics or compiled to code that
//   - never throws,
//   - gives valueAndGrad's / vjp's value equal to the primal's,
//   - gives gradients (by x, and by c where wrt is [0, 1]) equal to central differences at
//     three random points (h = 1e-5, relative 1e-5 and absolute 1e-6, where f is smooth there),
//   - leaves x and every row of X as the primal leaves them.
// Each program through TypeScript (transform, small callees inlined) and untyped JavaScript
// (the Babel plugin, small callees kept as calls). A program of ROW_SUPPORTED categories only
// must compile. ROW_PROGRAMS=2000 runs more; ROW_SEED replays; ROW_SUMMARY prints the tally.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileJs, compileTs, moduleLoader, type Outcome } from "./helpers/effect-compile.js";
import { categoriesOf, describeSpec, ingredientsWithin, INGREDIENTS, N, primalOf, render, ROW_INGREDIENTS, rowProgramArbitrary, type Category, type ProgramSpec } from "./helpers/effect-programs.js";
import { newTally, table, type Tally } from "./helpers/effect-tally.js";
import { expectClose, smoothCentralDifference } from "./helpers/finite-diff.js";
import { ROWS, WIDTH } from "./helpers/row-ingredients.js";

/** Everything compiles but what writes a row or x: with rows read, writing x is refused (f(x, c, [x]) would change a row unseen). */
const ROW_SUPPORTED: ReadonlySet<Category> = new Set<Category>([
  "arithmetic", "branch", "loop", "array-read", "local-write", "reading-helper", "outparam-void", "outparam-value", "alias-args",
  "alias-assign", "view", "stack-methods", "typed-methods", "guard", "destructuring", "record", "closure", "callback", "copy-methods",
  "row-index", "row-local", "row-for-of", "row-helper", "row-callback", "row-copy", "row-attached",
]);

const RUNS = Number(process.env.ROW_PROGRAMS ?? 120);
const SEED = Number(process.env.ROW_SEED ?? 20_261_208);
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };
const SMOOTHNESS = { h: 1e-5, widen: 10, tolerance: 1e-4 };
const VALUE_TOLERANCE = { rtol: 1e-12, atol: 1e-12 };
const MAX_VALUE = 1e4;

type Rows = (number[] | Float64Array)[];
type ArrayInput = Float64Array | number[];
interface Point {
  x: number[];
  c: number;
  X: number[][];
  head: number;
}

const load = moduleLoader("property-rows");
const make = (spec: ProgramSpec, values: readonly number[]): ArrayInput => (spec.kind === "Float64Array" ? Float64Array.from(values) : Array.from(values));
const rowsOf = (spec: ProgramSpec, X: number[][]): Rows => X.map((r) => (spec.rows === "Float64Array[]" ? Float64Array.from(r) : r.slice()));
const show = (values: ArrayLike<number>) => `[${Array.from(values).join(", ")}]`;
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, k) => Object.is(v, b[k]) || v === b[k]);

function located(source: string, diagnostics: Extract<Outcome, { status: "refused" }>["diagnostics"]): string[] {
  return diagnostics.flatMap((d) => {
    if (d.code === "ADJ000") return [`internal error ${d.line}:${d.column} ${d.message}`];
    return d.line >= 1 && d.column >= 0 && d.start >= 0 && d.end >= d.start && d.end <= source.length ? [] : [`unlocated ${d.code} ${d.message}`];
  });
}

/** What is wrong with a compiled program at the points (empty: nothing). */
async function check(spec: ProgramSpec, code: string, points: Point[]): Promise<string[]> {
  const problems: string[] = [];
  let d: (...args: unknown[]) => unknown;
  try {
    d = (await load(code)).d;
  } catch (error) {
    return [`importing the generated module: ${(error as Error)?.stack ?? error}`];
  }
  const primal = primalOf(spec);
  for (const point of points) {
    const head = spec.marker === "vjp" ? point.head : 1;
    const where = `at x = ${show(point.x)}, c = ${point.c}`;
    const primalInput = make(spec, point.x);
    const primalRows = rowsOf(spec, point.X);
    let primalValue: number;
    try {
      primalValue = primal(primalInput, point.c, primalRows);
    } catch {
      continue;
    }
    if (!Number.isFinite(primalValue) || Math.abs(primalValue) > MAX_VALUE) continue;
    const input = make(spec, point.x);
    const rows = rowsOf(spec, point.X);
    let value: number | undefined;
    let grads: unknown;
    try {
      if (spec.marker === "grad") grads = d(input, point.c, rows);
      else if (spec.marker === "valueAndGrad") [value, grads] = d(input, point.c, rows) as [number, unknown];
      else {
        const [v, pullback] = d(input, point.c, rows) as [number, (g: number) => unknown];
        value = v;
        grads = pullback(head);
      }
    } catch (error) {
      problems.push(`${where}: threw ${String((error as Error)?.stack ?? error).split("\n").slice(0, 3).join("\n")}`);
      continue;
    }
    if (!same(input, primalInput)) problems.push(`${where}: x after the gradient is ${show(input)}, after the primal ${show(primalInput)}`);
    rows.forEach((r, k) => same(r, primalRows[k]) || problems.push(`${where}: X[${k}] after the gradient is ${show(r)}, after the primal ${show(primalRows[k])}`));
    if (spec.marker !== "grad") {
      try {
        expectClose(value, primalValue, { ...VALUE_TOLERANCE, label: `the value ${where}` });
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    const [dx, dc] = spec.wrt === "both" ? (grads as [ArrayLike<number>, number]) : [grads as ArrayLike<number>, undefined];
    const kindOk = spec.kind === "Float64Array" ? dx instanceof Float64Array : Array.isArray(dx);
    if (!kindOk || dx.length !== N || (spec.wrt === "both" && typeof dc !== "number")) {
      problems.push(`${where}: d x is ${String(dx)}, d c ${String(dc)} (x is ${spec.kind})`);
      continue;
    }
    const scalar = (...args: number[]) => primal(make(spec, args.slice(0, N)), args[N], rowsOf(spec, point.X));
    const args = [...point.x, point.c];
    for (let j = 0; j < (spec.wrt === "both" ? N + 1 : N); j++) {
      const reference = smoothCentralDifference(scalar, args, j, SMOOTHNESS);
      if (reference === undefined) continue;
      try {
        expectClose(j < N ? dx[j] : dc, head * reference, { ...TOLERANCE, label: `d f / d ${j < N ? `x[${j}]` : "c"} ${where}` });
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
  }
  return problems;
}

const tallies = { ts: new Map<string, Tally>(), js: new Map<string, Tally>() };
let programs = 0;
let supportedOnly = 0;

async function examine(spec: ProgramSpec, points: Point[]): Promise<string[]> {
  const problems: string[] = [];
  const categories = categoriesOf(spec);
  const onlySupported = [...categories].every((c) => ROW_SUPPORTED.has(c));
  programs++;
  if (onlySupported) supportedOnly++;
  for (const frontend of ["ts", "js"] as const) {
    const { source } = render(spec, frontend === "ts");
    const outcome = frontend === "ts" ? compileTs(source) : compileJs(source);
    const found =
      outcome.status === "crashed"
        ? [`the compiler crashed: ${outcome.error.split("\n").slice(0, 8).join("\n")}`]
        : outcome.status === "refused"
          ? [...located(source, outcome.diagnostics), ...(onlySupported ? [`refused: ${outcome.diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`).join("\n")}`] : [])]
          : await check(spec, outcome.code, points);
    problems.push(...found.map((p) => `[${frontend}] ${p}`));
    for (const category of categories) {
      const t = tallies[frontend].get(category) ?? newTally();
      tallies[frontend].set(category, t);
      t.programs++;
      if (outcome.status === "compiled") t.compiled++;
      else t.refused++;
      if (found.length > 0) t.wrong++;
      if (outcome.status === "refused") for (const code of new Set(outcome.diagnostics.map((d) => d.code))) t.allCodes.set(code, (t.allCodes.get(code) ?? 0) + 1);
    }
  }
  return problems;
}

const coordinate = fc.integer({ min: -900, max: 900 }).map((v) => v / 1000);
const pointsArbitrary = fc.array(
  fc.record({
    x: fc.array(coordinate, { minLength: N, maxLength: N }),
    c: coordinate,
    X: fc.array(fc.array(coordinate, { minLength: WIDTH, maxLength: WIDTH }), { minLength: ROWS, maxLength: ROWS }),
    head: fc.constantFrom(1, 0.5, -2),
  }),
  { minLength: 3, maxLength: 3 },
);
// Row ingredients weighed three to one against each effect ingredient, so most programs read rows.
const weighed = (pool: typeof INGREDIENTS) => [...pool.filter((g) => g.id.startsWith("rows-")), ...pool.filter((g) => g.id.startsWith("rows-")), ...pool];
const everything = weighed([...ROW_INGREDIENTS, ...INGREDIENTS]);
const supported = weighed(ingredientsWithin(ROW_SUPPORTED, [...ROW_INGREDIENTS, ...INGREDIENTS]));
const specs = fc.oneof(rowProgramArbitrary(supported, { maxStatements: 5 }), rowProgramArbitrary(everything, { maxStatements: 5 }));

describe("random programs over arrays of arrays, with effects", () => {
  it(
    "are refused with located diagnostics, or compiled to gradients equal to central differences that leave x and X as the primal does",
    async () => {
      try {
        await fc.assert(
          fc.asyncProperty(specs, pointsArbitrary, async (spec, points) => {
            const problems = await examine(spec, points);
            if (problems.length > 0) throw new Error(`${describeSpec(spec)}\n${problems.slice(0, 6).join("\n")}\n--- TypeScript ---\n${render(spec, true).source}\n--- JavaScript ---\n${render(spec, false).source}`);
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
      } finally {
        if (process.env.ROW_SUMMARY) {
          const order = [...new Set([...tallies.ts.keys()])].sort();
          console.log(`${programs} programs, ${supportedOnly} of ROW_SUPPORTED only\n${table("TypeScript:", tallies.ts, order, ROW_SUPPORTED, true)}\n\n${table("JavaScript:", tallies.js, order, ROW_SUPPORTED, true)}`);
        }
      }
    },
    600_000,
  );

  it("compiled programs of every supported row category in both front ends", () => {
    expect(supportedOnly).toBeGreaterThan(programs / 5);
    for (const frontend of ["ts", "js"] as const) {
      for (const category of [...ROW_SUPPORTED].filter((c) => c.startsWith("row-"))) expect(tallies[frontend].get(category)?.compiled ?? 0, `${frontend}: ${category} compiled`).toBeGreaterThan(0);
    }
  });
});
