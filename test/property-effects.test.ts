// Property (issue 15, soundness): random programs WITH EFFECTS -- out-parameter helpers,
// aliased arguments, views, mutating array methods, swapped buffers, guards, helpers
// returning a different kind by branch -- are either refused with located diagnostics or
// compiled to code whose gradient is right:
//   - calling it never throws,
//   - valueAndGrad's / vjp's value equals the primal's (the untransformed program),
//   - the gradient matches central finite differences at several random points,
//   - the caller's input array ends exactly as the primal leaves it;
//   - forward mode on the same program (jvp(f), TypeScript rendering) compiles too, and its
//     tangent along a random u equals the gradient's <grad, u> (relative 1e-7), its value the
//     primal's, with the input left as the primal leaves it;
//   - second order (hvp(f) over x, forward over the gradient generated in the differentiable
//     subset) is refused with located ADJ016 diagnostics or gives H v equal to central
//     differences of the compiled gradient along v (relative 1e-4; test/helpers/nested-effects.ts).
// Every program is compiled twice: as TypeScript through transform(), and as untyped
// JavaScript (.js) through the Babel plugin.
//
// Coverage is not vacuous: SUPPORTED lists the ingredient categories adjoint must compile;
// half the programs are drawn from those alone, and a refusal of one of them fails the test.
// Extend SUPPORTED as features land (see test/helpers/effect-programs.ts for the categories).
//
// CI runs a few programs. On demand, EFFECT_PROGRAMS=10000 npm run test:effects runs more,
// collects every failure instead of stopping at the first, minimizes each and prints a
// per-category summary. EFFECT_SEED (and EFFECT_PATH, from a failure's report) replay.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileJs, compileTs, moduleLoader, type Outcome } from "./helpers/effect-compile.js";
import { expectClose, smoothCentralDifference } from "./helpers/finite-diff.js";
import { hvpAgrees, nestedOutcome, type NestedOutcome } from "./helpers/nested-effects.js";
import { newTally, table, type Tally } from "./helpers/effect-tally.js";
import {
  CATEGORIES,
  N,
  categoriesOf,
  describeSpec,
  ingredientOf,
  ingredientsWithin,
  primalOf,
  programArbitrary,
  render,
  type Category,
  type ProgramSpec,
  type Statement,
} from "./helpers/effect-programs.js";

/** What adjoint must compile today. The lead extends this as features land. */
const SUPPORTED: ReadonlySet<Category> = new Set<Category>([
  "arithmetic",
  "branch",
  "loop",
  "array-read",
  "local-write",
  "reading-helper",
  // Issue 15: out-parameters, aliasing, views, mutating methods, swapped buffers, guards.
  "input-write",
  "outparam-void",
  "outparam-value",
  "alias-args",
  "alias-assign",
  "view",
  "stack-methods",
  "typed-methods",
  "swap-buffers",
  "guard",
  // Issue 16: everyday JavaScript mixed with the effects.
  "destructuring",
  "record",
  "closure",
  "callback",
  "copy-methods",
]);

const ON_DEMAND = process.env.EFFECT_PROGRAMS !== undefined;
const RUNS = Number(process.env.EFFECT_PROGRAMS ?? 150);
const SEED = Number(process.env.EFFECT_SEED ?? 20_261_206);
const PATH = process.env.EFFECT_PATH;
/** Gradients against central differences (h = 1e-5, checked against 1e-4 for smoothness). */
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };
const SMOOTHNESS = { h: 1e-5, widen: 10, tolerance: 1e-4 };
/** valueAndGrad's value against the primal's: the same arithmetic, up to reassociation. */
const VALUE_TOLERANCE = { rtol: 1e-12, atol: 1e-12 };
/** Points where |f| is larger are skipped: rounding ε |f| / h would exceed the tolerance. */
const MAX_VALUE = 1e4;

type Frontend = "ts" | "js";
type ProblemKind =
  | "compiler-crash"
  | "internal-error"
  | "unlocated-diagnostic"
  | "supported-refused"
  | "throws"
  | "refused-at-run-time"
  | "gradient-shape"
  | "value"
  | "gradient"
  | "input"
  | "jvp"
  | "hvp";

interface Problem {
  frontend: Frontend;
  kind: ProblemKind;
  detail: string;
}

const load = moduleLoader("property-effects");

type ArrayInput = Float64Array | number[];
interface Point {
  x: number[];
  c: number;
  head: number;
}

const make = (spec: ProgramSpec, values: readonly number[]): ArrayInput => (spec.kind === "Float64Array" ? Float64Array.from(values) : Array.from(values));
const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));
const show = (values: ArrayLike<number>) => `[${Array.from(values).join(", ")}]`;

/** Calls the compiled marker; returns the value (if the marker gives one) and the gradients, scaled by the head. */
function callGradient(spec: ProgramSpec, d: (...args: unknown[]) => unknown, x: ArrayInput, c: number, head: number) {
  let value: number | undefined;
  let grads: unknown;
  if (spec.marker === "grad") grads = d(x, c);
  else if (spec.marker === "valueAndGrad") [value, grads] = d(x, c) as [number, unknown];
  else {
    const [v, pullback] = d(x, c) as [number, (g: number) => unknown];
    value = v;
    grads = pullback(head);
  }
  const [dx, dc] = spec.wrt === "both" ? (grads as [unknown, unknown]) : [grads, undefined];
  return { value, dx, dc };
}

/** The same program's jvp (wrt as the gradient's), compiled from the TypeScript rendering, or the problem. */
async function jvpOf(spec: ProgramSpec): Promise<{ j?: (...args: unknown[]) => [number, number]; problem?: string }> {
  const { source } = render(spec, true);
  const wrt = spec.wrt === "both" ? ", { wrt: [0, 1] }" : "";
  const outcome = compileTs(`${source.replace(`import { ${spec.marker} }`, `import { ${spec.marker}, jvp }`)}export const j = jvp(f${wrt});\n`);
  if (outcome.status === "crashed") return { problem: `jvp: the compiler crashed: ${outcome.error.split("\n").slice(0, 6).join("\n")}` };
  if (outcome.status === "refused") return { problem: `jvp refused what vjp compiles: ${outcome.diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`).join("; ")}` };
  try {
    return { j: ((await load(outcome.code)) as unknown as { j: (...args: unknown[]) => [number, number] }).j };
  } catch (error) {
    return { problem: `importing the jvp module: ${(error as Error)?.stack ?? error}` };
  }
}

/** The same program's hvp over x (TypeScript rendering): compiled, refused by nesting, or the problem. */
async function hvpOf(spec: ProgramSpec): Promise<NestedOutcome> {
  const { source } = render(spec, true);
  const text = `${source.replace(`import { ${spec.marker} }`, `import { ${spec.marker}, hvp }`)}export const h = hvp(f);\n`;
  return nested(compileTs(text), text);
}
const nested = (outcome: Outcome, text: string) =>
  nestedOutcome(outcome.status === "compiled" ? { status: "compiled", code: outcome.code } : outcome.status === "refused" ? outcome : { status: "crashed", error: outcome.error }, text, load as (code: string) => Promise<Record<string, unknown>>);

async function runCompiled(spec: ProgramSpec, frontend: Frontend, code: string, points: Point[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  const problem = (kind: ProblemKind, detail: string) => problems.push({ frontend, kind, detail });
  let d: (...args: unknown[]) => unknown;
  try {
    d = (await load(code)).d;
  } catch (error) {
    problem("throws", `importing the generated module: ${(error as Error)?.stack ?? error}`);
    return problems;
  }
  const forward = frontend === "ts" ? await jvpOf(spec) : {};
  if (forward.problem) problem("jvp", forward.problem);
  const second: NestedOutcome = frontend === "ts" ? await hvpOf(spec) : {};
  if (second.problem) problem("hvp", second.problem);
  if (second.h) totals.nestedCompiled++;
  else if (second.refused) {
    totals.nestedRefused++;
    for (const reason of new Set(second.refused)) nestedReasons.set(reason, (nestedReasons.get(reason) ?? 0) + 1);
  }
  const primal = primalOf(spec);
  for (const point of points) {
    const head = spec.marker === "vjp" ? point.head : 1;
    const where = `at x = ${show(point.x)}, c = ${point.c}${spec.marker === "vjp" ? `, head ${head}` : ""}`;
    const primalInput = make(spec, point.x);
    let primalValue: number;
    try {
      primalValue = primal(primalInput, point.c);
    } catch {
      continue; // a guard taken (never, for these inputs): nothing to compare
    }
    if (!Number.isFinite(primalValue) || Math.abs(primalValue) > MAX_VALUE) continue;
    const input = make(spec, point.x);
    let result: ReturnType<typeof callGradient>;
    try {
      result = callGradient(spec, d, input, point.c, head);
    } catch (error) {
      // adjoint's own run-time refusals ("adjoint: parameters 'u' and 'v' are the same array") are told apart from crashes.
      const message = String((error as Error)?.stack ?? error).split("\n").slice(0, 3).join("\n");
      problem(/^Error: adjoint: /.test(message) ? "refused-at-run-time" : "throws", `${where}: ${message}`);
      continue;
    }
    for (let j = 0; j < N; j++) {
      if (!same(input[j], primalInput[j])) {
        problem("input", `${where}: x after the gradient call is ${show(input)}, after the primal ${show(primalInput)}`);
        break;
      }
    }
    if (result.value !== undefined || spec.marker !== "grad") {
      try {
        expectClose(result.value, primalValue, { ...VALUE_TOLERANCE, label: `the value ${where}` });
      } catch (error) {
        problem("value", (error as Error).message);
      }
    }
    const { dx, dc } = result;
    const kindOk = spec.kind === "Float64Array" ? dx instanceof Float64Array : Array.isArray(dx);
    if (!kindOk || (dx as ArrayLike<number>).length !== N || (spec.wrt === "both" && typeof dc !== "number")) {
      problem("gradient-shape", `${where}: d x is ${dx instanceof Float64Array ? "Float64Array " : ""}${Array.isArray(dx) || dx instanceof Float64Array ? show(dx as ArrayLike<number>) : String(dx)}, d c is ${String(dc)} (x is ${spec.kind})`);
      continue;
    }
    if (forward.j) problems.push(...jvpAgrees(spec, forward.j, point, primalValue, primalInput, head, dx as ArrayLike<number>, dc as number | undefined, where));
    if (second.h) {
      const gradient = (x: ArrayInput, c: number) => {
        const { dx: g } = callGradient(spec, d, x, c, 1);
        return g as ArrayLike<number>;
      };
      const { problems: wrong, compared } = hvpAgrees(second.h, gradient, (values) => make(spec, values), point.x, point.c, primalInput);
      totals.nestedComponents += compared;
      for (const detail of wrong) problem("hvp", `${where}: ${detail}`);
    }
    const scalar = (...args: number[]) => primal(make(spec, args.slice(0, N)), args[N]);
    const args = [...point.x, point.c];
    const components = spec.wrt === "both" ? N + 1 : N;
    for (let j = 0; j < components; j++) {
      const reference = smoothCentralDifference(scalar, args, j, SMOOTHNESS);
      if (reference === undefined) continue; // a branch boundary or kink near the point
      const actual = j < N ? (dx as ArrayLike<number>)[j] : dc;
      try {
        expectClose(actual, head * reference, { ...TOLERANCE, label: `d f / d ${j < N ? `x[${j}]` : "c"} ${where}` });
      } catch (error) {
        problem("gradient", (error as Error).message);
      }
    }
  }
  return problems;
}

/** jvp(f) along u against the gradient's <grad, u> (the gradient already scaled by the head). */
function jvpAgrees(spec: ProgramSpec, j: (...args: unknown[]) => [number, number], point: Point, primalValue: number, primalInput: ArrayInput, head: number, dx: ArrayLike<number>, dc: number | undefined, where: string): Problem[] {
  const problems: Problem[] = [];
  const problem = (detail: string) => problems.push({ frontend: "ts", kind: "jvp", detail: `${where}: ${detail}` });
  const ux = point.x.map((_, k) => Math.sin(7.3 * k + point.c));
  const uc = spec.wrt === "both" ? Math.cos(point.c) : 0;
  const input = make(spec, point.x);
  let value: number;
  let tangent: number;
  try {
    [value, tangent] = spec.wrt === "both" ? j(input, point.c, make(spec, ux), uc) : j(input, point.c, make(spec, ux));
  } catch (error) {
    problem(`the jvp threw ${String((error as Error)?.stack ?? error).split("\n").slice(0, 3).join("\n")}`);
    return problems;
  }
  if (Array.from(input).some((v, k) => !same(v, primalInput[k]))) problem(`x after the jvp is ${show(input)}, after the primal ${show(primalInput)}`);
  const reverse = ux.reduce((acc, u, k) => acc + u * dx[k], 0) + uc * (dc ?? 0);
  for (const [label, actual, expected, tolerance] of [["value", value, primalValue, VALUE_TOLERANCE], ["<grad, u> vs jvp", head * tangent, reverse, { rtol: 1e-7, atol: 1e-9 }]] as const) {
    try {
      expectClose(actual, expected, { ...tolerance, label });
    } catch (error) {
      problem((error as Error).message);
    }
  }
  return problems;
}

interface Examined {
  spec: ProgramSpec;
  outcomes: Record<Frontend, Outcome>;
  problems: Problem[];
}

async function examine(spec: ProgramSpec, points: Point[]): Promise<Examined> {
  const problems: Problem[] = [];
  const outcomes = {} as Record<Frontend, Outcome>;
  const supportedOnly = [...categoriesOf(spec)].every((c) => SUPPORTED.has(c));
  for (const frontend of ["ts", "js"] as const) {
    const { source } = render(spec, frontend === "ts");
    const outcome = frontend === "ts" ? compileTs(source) : compileJs(source);
    outcomes[frontend] = outcome;
    if (outcome.status === "crashed") {
      problems.push({ frontend, kind: "compiler-crash", detail: outcome.error.split("\n").slice(0, 8).join("\n") });
    } else if (outcome.status === "refused") {
      for (const d of outcome.diagnostics) {
        if (d.code === "ADJ000") problems.push({ frontend, kind: "internal-error", detail: `${d.line}:${d.column} ${d.message}` });
        if (!(d.line >= 1 && d.column >= 0 && d.start >= 0 && d.end >= d.start && d.end <= source.length)) {
          problems.push({ frontend, kind: "unlocated-diagnostic", detail: `${d.code} at ${d.line}:${d.column} [${d.start}, ${d.end}): ${d.message}` });
        }
      }
      if (supportedOnly) {
        problems.push({ frontend, kind: "supported-refused", detail: outcome.diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`).join("\n") });
      }
    } else {
      problems.push(...(await runCompiled(spec, frontend, outcome.code, points)));
    }
  }
  return { spec, outcomes, problems };
}

function report(examined: Examined): string {
  const { spec, problems } = examined;
  const lines = [`${describeSpec(spec)}`];
  // At most two of each kind per front end: the rest are usually the same at other points.
  const shown = new Map<string, number>();
  for (const p of problems) {
    const key = `${p.frontend}:${p.kind}`;
    const count = shown.get(key) ?? 0;
    shown.set(key, count + 1);
    if (count < 2) lines.push(`[${p.frontend}] ${p.kind}: ${p.detail}`);
  }
  const hidden = [...shown].filter(([, n]) => n > 2).map(([key, n]) => `${n - 2} more ${key}`);
  if (hidden.length > 0) lines.push(`(${hidden.join(", ")})`);
  const frontends = new Set(problems.map((p) => p.frontend));
  for (const f of frontends) lines.push(`--- ${f === "ts" ? "TypeScript (transform)" : "JavaScript (Babel plugin)"} source ---`, render(spec, f === "ts").source);
  return lines.join("\n");
}

// ---- counting, per category and per ingredient ---------------------------------------

const byCategory = { ts: new Map<string, Tally>(), js: new Map<string, Tally>() };
const byIngredient = { ts: new Map<string, Tally>(), js: new Map<string, Tally>() };
const totals = { programs: 0, supportedOnly: 0, supportedOnlyCompiled: 0, disagreements: 0, checkedComponents: 0, nestedCompiled: 0, nestedRefused: 0, nestedComponents: 0 };
const disagreementExamples: string[] = [];
/** Why nesting refused programs, by message. */
const nestedReasons = new Map<string, number>();

function tally(examined: Examined): void {
  const { spec, outcomes, problems } = examined;
  const categories = categoriesOf(spec);
  totals.programs++;
  const supportedOnly = [...categories].every((c) => SUPPORTED.has(c));
  if (supportedOnly) totals.supportedOnly++;
  if (supportedOnly && outcomes.ts.status === "compiled" && outcomes.js.status === "compiled") totals.supportedOnlyCompiled++;
  const codesOf = (o: Outcome) => (o.status === "refused" ? [...new Set(o.diagnostics.map((d) => d.code))].sort().join(",") : o.status);
  if (codesOf(outcomes.ts) !== codesOf(outcomes.js)) {
    totals.disagreements++;
    if (disagreementExamples.length < 5) disagreementExamples.push(`ts ${codesOf(outcomes.ts)} / js ${codesOf(outcomes.js)}: ${describeSpec(spec)}`);
  }
  for (const frontend of ["ts", "js"] as const) {
    const outcome = outcomes[frontend];
    const wrong = problems.some((p) => p.frontend === frontend && p.kind !== "supported-refused" && p.kind !== "unlocated-diagnostic");
    const blamedStatements = new Map<number, Set<string>>();
    if (outcome.status === "refused") {
      const { statementAt, helperAt } = render(spec, frontend === "ts");
      const blame = (at: number, code: string) => {
        if (!blamedStatements.has(at)) blamedStatements.set(at, new Set());
        blamedStatements.get(at)!.add(code);
      };
      for (const d of outcome.diagnostics) {
        const at = statementAt(d.line);
        if (at !== undefined) blame(at, d.code);
        // A diagnostic inside a helper blames the statements that call it.
        const helper = helperAt(d.line);
        if (helper) spec.statements.forEach((s, k) => ingredientOf(s.ingredient).helpers?.includes(helper) && blame(k, d.code));
      }
    }
    const count = (table: Map<string, Tally>, key: string, blamedCodes: Set<string> | undefined) => {
      if (!table.has(key)) table.set(key, newTally());
      const t = table.get(key)!;
      t.programs++;
      if (outcome.status === "compiled") t.compiled++;
      else t.refused++;
      if (outcome.status === "refused") for (const code of new Set(outcome.diagnostics.map((d) => d.code))) t.allCodes.set(code, (t.allCodes.get(code) ?? 0) + 1);
      if (wrong) t.wrong++;
      if (blamedCodes) {
        t.blamed++;
        for (const code of blamedCodes) t.codes.set(code, (t.codes.get(code) ?? 0) + 1);
      }
    };
    for (const category of categories) {
      let blamed: Set<string> | undefined;
      spec.statements.forEach((s, k) => {
        const codes = blamedStatements.get(k);
        if (codes && ingredientOf(s.ingredient).categories.includes(category)) blamed = new Set([...(blamed ?? []), ...codes]);
      });
      count(byCategory[frontend], category, blamed);
    }
    const ids = new Set(spec.statements.map((s) => s.ingredient));
    for (const id of ids) {
      let blamed: Set<string> | undefined;
      spec.statements.forEach((s, k) => {
        const codes = blamedStatements.get(k);
        if (codes && s.ingredient === id) blamed = new Set([...(blamed ?? []), ...codes]);
      });
      count(byIngredient[frontend], id, blamed);
    }
  }
}


function summary(): string {
  const ingredientOrder = [...new Set([...byIngredient.ts.keys()])].sort();
  return [
    `effect programs: ${totals.programs} (${totals.supportedOnly} of SUPPORTED categories only, ${totals.supportedOnlyCompiled} of those compiled by both front ends); ` +
      `ts/js outcome disagreements: ${totals.disagreements}; hvp (second order): ${totals.nestedCompiled} compiled, ${totals.nestedRefused} refused by nesting, ${totals.nestedComponents} components of H v compared`,
    `why nesting refused (programs): ${[...nestedReasons].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `\n  ${n}  ${reason}`).join("")}`,
    ...disagreementExamples.map((e) => `  disagreement: ${e}`),
    "(* = SUPPORTED; a program counts under every category it contains; blamed = a diagnostic points at a statement of it)",
    table("per category, TypeScript through transform():", byCategory.ts, CATEGORIES, SUPPORTED),
    table("per category, untyped JavaScript through the Babel plugin:", byCategory.js, CATEGORIES, SUPPORTED),
    table("per ingredient, TypeScript:", byIngredient.ts, ingredientOrder, SUPPORTED),
    table("per ingredient, TypeScript, every code of the refused programs:", byIngredient.ts, ingredientOrder, SUPPORTED, true),
    table("per ingredient, JavaScript:", byIngredient.js, ingredientOrder, SUPPORTED),
  ].join("\n\n");
}

// ---- minimizing a failure (on demand, where the run goes on past it) -----------------

const signature = (e: Examined) => [...new Set(e.problems.map((p) => `${p.frontend}:${p.kind}`))].sort().join(" ");

async function minimize(failed: Examined, points: Point[]): Promise<Examined> {
  const wanted = new Set(failed.problems.map((p) => `${p.frontend}:${p.kind}`));
  // The same failure: every front end and kind of problem is still there, so a failure of both
  // front ends never shrinks into another one's of only one.
  const stillFails = (e: Examined) => {
    const found = new Set(e.problems.map((p) => `${p.frontend}:${p.kind}`));
    return [...wanted].every((w) => found.has(w));
  };
  let best = failed;
  const attempt = async (statements: Statement[], extra: Partial<ProgramSpec> = {}) => {
    if (statements.length === 0) return false;
    const candidate = await examine({ ...best.spec, ...extra, statements }, points);
    if (!stillFails(candidate)) return false;
    best = candidate;
    return true;
  };
  for (let k = best.spec.statements.length - 1; k >= 0; k--) {
    await attempt(best.spec.statements.filter((_, j) => j !== k));
  }
  for (let k = 0; k < best.spec.statements.length; k++) {
    if (best.spec.statements[k].wrap !== "none") await attempt(best.spec.statements.map((s, j) => (j === k ? { ...s, wrap: "none" as const } : s)));
  }
  if (best.spec.wrt !== "array") await attempt(best.spec.statements, { wrt: "array" });
  if (best.spec.marker !== "grad") await attempt(best.spec.statements, { marker: "grad" });
  return best;
}

// ---- the property ------------------------------------------------------------------

const coordinate = fc.integer({ min: -900, max: 900 }).map((v) => v / 1000);
const pointArbitrary = fc.record({
  x: fc.array(coordinate, { minLength: N, maxLength: N }),
  c: coordinate,
  head: fc.constantFrom(1, 0.5, -2, 1.75),
});
const pointsArbitrary = fc.array(pointArbitrary, { minLength: 3, maxLength: 3 });

const supportedPool = ingredientsWithin(SUPPORTED);
const wraps: Statement["wrap"][] = ["none", "none", ...(SUPPORTED.has("loop") ? (["loop"] as const) : []), ...(SUPPORTED.has("branch") ? (["branch"] as const) : [])];
const programs = fc.oneof(programArbitrary(supportedPool, { wraps }), programArbitrary());

describe("random programs with effects", () => {
  it(
    "are refused with located diagnostics, or compiled to code whose value, gradient and effects on the input are right",
    async () => {
      const started = Date.now();
      const failures: { examined: Examined; points: Point[] }[] = [];
      const property = fc.asyncProperty(programs, pointsArbitrary, async (spec, points) => {
        const examined = await examine(spec, points);
        tally(examined);
        if (examined.problems.length === 0) return;
        if (ON_DEMAND) {
          failures.push({ examined, points });
          return;
        }
        const minimal = await minimize(examined, points);
        throw new Error(
          `minimized:\n${report(minimal)}\n\nas generated:\n${report(examined)}\n` +
            `(replay: EFFECT_SEED=${SEED} EFFECT_PATH=<the path fast-check prints below> npx vitest run test/property-effects.test.ts)`,
        );
      });
      try {
        // No shrinking by fast-check: minimize() removes statements itself, far fewer compilations.
        await fc.assert(property, { numRuns: RUNS, seed: SEED, ...(PATH ? { path: PATH } : {}), endOnFailure: true });
      } finally {
        if (ON_DEMAND || process.env.EFFECT_SUMMARY) console.log(`${summary()}\n\n${totals.programs} programs in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED})`);
      }
      // Second order compiles where first order does (reverse over forward where the gradient needs arrays by identity).
      expect(totals.nestedCompiled).toBeGreaterThanOrEqual(0.9 * (totals.nestedCompiled + totals.nestedRefused));
      if (failures.length > 0) {
        // One minimized program per distinct (problems, ingredients) signature.
        // Group by what went wrong (problem kinds, the array kind, a thrown message without its numbers),
        // minimize a few of each group, then keep one per minimized program.
        const groups = new Map<string, number>();
        const groupSizes = new Map<string, number>();
        const seen = new Map<string, Examined>();
        for (const { examined } of failures) {
          const thrown = examined.problems.find((p) => p.kind === "throws" || p.kind === "refused-at-run-time");
          const message = thrown ? thrown.detail.replace(/^at x = [^:]*: /, "").split("\n")[0].replace(/[-\d.]+/g, "#") : "";
          const group = `${signature(examined)} | ${examined.spec.kind} | ${message}`;
          groupSizes.set(group, (groupSizes.get(group) ?? 0) + 1);
        }
        console.log(`failures by what went wrong:\n${[...groupSizes].sort((a, b) => b[1] - a[1]).map(([g, n]) => `${String(n).padStart(6)}  ${g}`).join("\n")}`);
        for (const { examined, points } of failures) {
          const thrown = examined.problems.find((p) => p.kind === "throws" || p.kind === "refused-at-run-time");
          const message = thrown ? thrown.detail.replace(/^at x = [^:]*: /, "").split("\n")[0].replace(/[-\d.]+/g, "#") : "";
          const group = `${signature(examined)} | ${examined.spec.kind} | ${message}`;
          const rough = `${group} | ${[...new Set(examined.spec.statements.map((s) => s.ingredient))].sort().join(",")}`;
          if (seen.has(rough) || (groups.get(group) ?? 0) >= 6 || seen.size >= 120) continue;
          groups.set(group, (groups.get(group) ?? 0) + 1);
          seen.set(rough, await minimize(examined, points));
        }
        const distinct = new Map<string, Examined>();
        for (const m of seen.values()) {
          const key = `${signature(m)} | ${m.spec.statements.map((s) => `${s.ingredient}/${s.wrap}`).join(",")}`;
          if (!distinct.has(key)) distinct.set(key, m);
        }
        const text = [...distinct.values()].map((m, k) => `==== failure ${k + 1} of ${distinct.size} distinct (minimized) ====\n${report(m)}`).join("\n\n");
        console.log(`${failures.length} of ${totals.programs} programs failed (seed ${SEED}); distinct minimized failures:\n\n${text}`);
        expect.fail(`${failures.length} programs failed (seed ${SEED}), ${distinct.size} distinct; the first:\n${[...distinct.values()][0] ? report([...distinct.values()][0]) : ""}`);
      }
    },
    ON_DEMAND ? 24 * 3_600_000 : 120_000,
  );

  it("compiled programs of every SUPPORTED category, and refused none of them", () => {
    expect(totals.programs, "the property ran").toBeGreaterThan(0);
    expect(totals.supportedOnly, "programs drawn from SUPPORTED categories only").toBeGreaterThan(totals.programs / 5);
    for (const frontend of ["ts", "js"] as const) {
      for (const category of SUPPORTED) {
        const t = byCategory[frontend].get(category);
        expect(t?.compiled ?? 0, `${frontend}: programs with ${category} compiled`).toBeGreaterThan(0);
      }
    }
    expect(totals.supportedOnlyCompiled, "every program of SUPPORTED categories only compiles").toBe(totals.supportedOnly);
  });
});
