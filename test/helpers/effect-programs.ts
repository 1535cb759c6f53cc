// Random programs with effects, for test/property-effects.test.ts (issues 15 and 16).
//
// A program is a module with one differentiated function `f(x, c)` over an array input
// `x` (Float64Array or number[], length N) and a number `c`, built from a list of
// ingredients: out-parameter helpers (void, and value-returning), aliased arguments,
// aliases by assignment, subarray views, mutating methods of number[] and Float64Array,
// buffers swapped across loop iterations, guards on the input, helpers returning a
// different kind by branch, plain arithmetic, and everyday JavaScript mixed with those
// effects (destructuring, local records, closures writing what they capture, callbacks,
// methods that make a new array). Each ingredient says which categories
// it belongs to, so the test can count refusals per category.
//
// Every program is rendered twice: TypeScript (annotated) and untyped JavaScript (the
// same text without annotations). The primal is the untyped text with the marker and the
// import removed, evaluated as a plain function.
import fc from "fast-check";
import { HELPERS } from "./effect-helpers.js";
import { INGREDIENTS } from "./effect-ingredients.js";
import { N, type Category, type HelperName, type Ingredient, type Kind, type Marker, type Parts, type RowKind, type Wrt } from "./effect-parts.js";
import { ROW_HELPERS, ROW_INGREDIENTS } from "./row-ingredients.js";

export * from "./effect-parts.js";
export { INGREDIENTS, ROW_INGREDIENTS };

const byId = new Map([...INGREDIENTS, ...ROW_INGREDIENTS].map((g) => [g.id, g]));
const ALL_HELPERS: Record<HelperName, (p: Parts) => string> = { ...HELPERS, ...ROW_HELPERS };
const HELPER_ORDER = Object.keys(ALL_HELPERS) as HelperName[];

export interface Statement {
  ingredient: string;
  k: string;
  l: string;
  i: number;
  j: number;
  /** Run it in a loop of 2, or in a branch on the running value s. */
  wrap: "none" | "loop" | "branch";
}

export interface ProgramSpec {
  kind: Kind;
  marker: Marker;
  wrt: Wrt;
  statements: Statement[];
  /** A program over a data matrix: f(x, c, X), X of this kind (never differentiated). */
  rows?: RowKind;
}

const CONSTANTS = ["0.5", "1.5", "(-0.75)", "0.25", "2", "(-1.25)"];

/** Programs whose ingredients all come from `pool` (every ingredient when omitted). */
export function programArbitrary(
  pool: readonly Ingredient[] = INGREDIENTS,
  { maxStatements = 6, wraps = ["none", "none", "loop", "branch"] }: { maxStatements?: number; wraps?: Statement["wrap"][] } = {},
): fc.Arbitrary<ProgramSpec> {
  return fc.constantFrom<Kind>("Float64Array", "number[]").chain((kind) => {
    const usable = pool.filter((g) => kind === "Float64Array" || !g.typedOnly).map((g) => g.id);
    const statement = fc.record({
      ingredient: fc.constantFrom(...usable),
      k: fc.constantFrom(...CONSTANTS),
      l: fc.constantFrom(...CONSTANTS),
      i: fc.nat({ max: N - 1 }),
      j: fc.nat({ max: N - 1 }),
      wrap: fc.constantFrom(...wraps),
    });
    return fc.record({
      kind: fc.constant(kind),
      marker: fc.constantFrom<Marker>("valueAndGrad", "grad", "vjp"),
      wrt: fc.constantFrom<Wrt>("both", "array"),
      statements: fc.array(statement, { minLength: 1, maxLength: maxStatements }),
    });
  });
}

/** Programs f(x, c, X) over a data matrix of either kind, ingredients from `pool`. */
export function rowProgramArbitrary(pool: readonly Ingredient[], options: { maxStatements?: number; wraps?: Statement["wrap"][] } = {}): fc.Arbitrary<ProgramSpec> {
  return fc.tuple(programArbitrary(pool, options), fc.constantFrom<RowKind>("number[][]", "Float64Array[]")).map(([spec, rows]) => ({ ...spec, rows }));
}

/** Every category the program's text belongs to (the skeleton: loops, array reads and local writes are always there). */
export function categoriesOf(spec: ProgramSpec): Set<Category> {
  const found = new Set<Category>(["arithmetic", "loop", "array-read"]);
  for (const s of spec.statements) {
    const g = byId.get(s.ingredient)!;
    for (const c of g.categories) found.add(c);
    if (s.wrap === "loop" && !g.noWrap) found.add("loop");
    if (s.wrap === "branch" && !g.noWrap) found.add("branch");
  }
  return found;
}

function parts(spec: ProgramSpec, s: Statement, typed: boolean): Parts {
  const A = spec.kind;
  return {
    k: s.k,
    l: s.l,
    i: s.i,
    j: s.j,
    A,
    kind: spec.kind,
    R: spec.rows === "Float64Array[]" ? "Float64Array" : "number[]",
    t: (annotation) => (typed ? annotation : ""),
    zeros: A === "Float64Array" ? "new Float64Array(n)" : "new Array(n).fill(0)",
    copy: (e) => (A === "Float64Array" ? `Float64Array.from(${e})` : `${e}.slice()`),
  };
}

const indent = (text: string, by = "  ") => text.split("\n").map((line) => (line ? by + line : line)).join("\n");

function statementText(spec: ProgramSpec, s: Statement, typed: boolean): string {
  const g = byId.get(s.ingredient)!;
  const code = g.code(parts(spec, s, typed));
  if (g.noWrap || s.wrap === "none") return code;
  if (s.wrap === "loop") return `for (let k = 0; k < 2; k++) {\n${indent(code)}\n}`;
  return `if (s > ${s.k}) {\n${indent(code)}\n} else {\n  s = s * 0.5 + c;\n}`;
}

/** The helpers and f, without the import and the marker; `owner[k]` is the statement index of line k (0-based), or -1; `helper[k]` the helper it is in. */
function body(spec: ProgramSpec, typed: boolean): { text: string; owner: number[]; helper: (HelperName | undefined)[] } {
  const used = new Set(spec.statements.flatMap((s) => byId.get(s.ingredient)!.helpers ?? []));
  const p = parts(spec, spec.statements[0], typed);
  const lines: string[] = [];
  const owner: number[] = [];
  const helper: (HelperName | undefined)[] = [];
  const add = (text: string, who = -1, inHelper?: HelperName) => {
    for (const line of text.split("\n")) {
      lines.push(line);
      owner.push(who);
      helper.push(inHelper);
    }
  };
  for (const h of HELPER_ORDER.filter((name) => used.has(name))) add(ALL_HELPERS[h](p) + "\n", -1, h);
  const data = spec.rows ? `, X${p.t(`: ${spec.rows}`)}` : "";
  add(`export function f(x${p.t(`: ${p.A}`)}, c${p.t(": number")}${data})${p.t(": number")} {
  const n = x.length;
  let b = ${p.zeros};
  let s = 0;`);
  spec.statements.forEach((s, k) => add(indent(statementText(spec, s, typed)), k));
  add(`  let r = 0;
  for (let i = 0; i < n; i++) r += Math.sin(b[i]) * (i + 1) * 0.1 + x[i] * x[i] * 0.05;
  return s * 0.5 + r;
}`);
  return { text: lines.join("\n"), owner, helper };
}

export interface Rendered {
  source: string;
  /** Which statement a 1-based source line belongs to (undefined: a helper, the skeleton or the marker). */
  statementAt(line: number): number | undefined;
  /** Which helper a 1-based source line is in. */
  helperAt(line: number): HelperName | undefined;
}

/** The module adjoint compiles: `typed` gives the TypeScript rendering, otherwise untyped JavaScript. */
export function render(spec: ProgramSpec, typed: boolean): Rendered {
  const options = spec.wrt === "both" ? ", { wrt: [0, 1] }" : "";
  const { text, owner, helper } = body(spec, typed);
  const header = 2; // the import and a blank line
  const imports = text.includes("customGrad(") ? `${spec.marker}, customGrad` : spec.marker;
  const source = `import { ${imports} } from "adjoint";\n\n${text}\n\nexport const d = ${spec.marker}(f${options});\n`;
  return {
    source,
    statementAt: (line) => {
      const who = owner[line - 1 - header];
      return who === undefined || who < 0 ? undefined : who;
    },
    helperAt: (line) => helper[line - 1 - header],
  };
}

/** The untransformed program as a plain function (the untyped source without the import and the marker). */
export function primalOf(spec: ProgramSpec): (x: Float64Array | number[], c: number, X?: (number[] | Float64Array)[]) => number {
  const text = body(spec, false).text.replace(/^export function f/m, "function f");
  // customGrad's function as it runs uncompiled: the rule aside.
  return new Function("customGrad", `"use strict";\n${text}\nreturn f;`)((f: unknown) => f) as (x: Float64Array | number[], c: number, X?: (number[] | Float64Array)[]) => number;
}

export function ingredientOf(id: string): Ingredient {
  return byId.get(id)!;
}

export function describeSpec(spec: ProgramSpec): string {
  return `${spec.marker}, wrt ${spec.wrt === "both" ? "[0, 1]" : "0"}, x: ${spec.kind}${spec.rows ? `, X: ${spec.rows}` : ""}; ingredients ${spec.statements.map((s) => s.ingredient + (s.wrap === "none" ? "" : `(${s.wrap})`)).join(", ")}`;
}

/** The ingredients whose every category is in `allowed`. */
export function ingredientsWithin(allowed: ReadonlySet<Category>, from: readonly Ingredient[] = INGREDIENTS): Ingredient[] {
  return from.filter((g) => g.categories.every((c) => allowed.has(c)));
}
