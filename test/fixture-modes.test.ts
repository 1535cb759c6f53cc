// Forward mode against reverse mode on every golden fixture where both apply: for each entry
// of a fixture's `checks` naming a module function (`primal: f`), the fixture is compiled
// again with `jvp(f, { wrt })` and `vjp(f, { wrt })` appended, and at each of its points
// <w, J u> from the jvp equals <J^T w, u> from the vjp (relative 1e-7), for random u and w;
// the jvp's value equals the primal's. Where forward mode refuses a function, the refusal
// must be located and one of forward mode's own codes.
import { parse } from "@babel/parser";
import type * as t from "@babel/types";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { NDArray } from "../runtime/np/index.js";
import { expectClose } from "./helpers/finite-diff.js";

const root = resolve(__dirname, "..");
const fixturesDir = join(root, "fixtures");
const outDir = join(root, ".tmp", "fixture-modes");
/** What forward mode may refuse where reverse mode compiles: attached vjps, kinds known only at run time. */
const FORWARD_REFUSALS = new Set(["ADJ029", "ADJ027"]);

interface Site {
  primal: string;
  wrt: number[];
  /** Index of the entry in `checks`. */
  entry: number;
}

/** The entries of `export const checks = [...]` that name a module function and a wrt list. */
function sitesOf(source: string): Site[] {
  const file = parse(source, { sourceType: "module", plugins: ["typescript"] });
  const sites: Site[] = [];
  // Functions the module declares (a derivative bound to a const, `const g = grad(f)`, is not one).
  const functions = new Set<string>();
  for (const statement of file.program.body) {
    const inner = statement.type === "ExportNamedDeclaration" ? statement.declaration : statement;
    if (inner?.type === "FunctionDeclaration" && inner.id) functions.add(inner.id.name);
    if (inner?.type === "VariableDeclaration") {
      for (const d of inner.declarations) if (d.id.type === "Identifier" && (d.init?.type === "ArrowFunctionExpression" || d.init?.type === "FunctionExpression")) functions.add(d.id.name);
    }
  }
  for (const statement of file.program.body) {
    const declaration = statement.type === "ExportNamedDeclaration" ? statement.declaration : null;
    if (declaration?.type !== "VariableDeclaration") continue;
    for (const d of declaration.declarations) {
      if (d.id.type !== "Identifier" || d.id.name !== "checks" || d.init?.type !== "ArrayExpression") continue;
      d.init.elements.forEach((element, entry) => {
        if (element?.type !== "ObjectExpression") return;
        const prop = (name: string) => element.properties.find((p): p is t.ObjectProperty => p.type === "ObjectProperty" && p.key.type === "Identifier" && p.key.name === name)?.value;
        const primal = prop("primal");
        const wrt = prop("wrt");
        if (primal?.type !== "Identifier" || !functions.has(primal.name) || wrt?.type !== "ArrayExpression" || prop("jvp")) return;
        const indices = wrt.elements.map((e) => (e?.type === "NumericLiteral" ? e.value : NaN));
        if (indices.some(Number.isNaN)) return;
        sites.push({ primal: primal.name, wrt: indices, entry });
      });
    }
  }
  return sites;
}

type Value = number | Float64Array | Float32Array | number[] | NDArray;
const isNumbers = (x: unknown): x is Float64Array | Float32Array | number[] => x instanceof Float64Array || x instanceof Float32Array || Array.isArray(x);
const differentiable = (x: unknown): x is Value => typeof x === "number" || isNumbers(x) || x instanceof NDArray;
const clone = (x: unknown): unknown => (isNumbers(x) ? x.slice() : x instanceof NDArray ? x.copy() : x && typeof x === "object" ? structuredClone(x) : x);
const elements = (x: unknown): number[] => (typeof x === "number" ? [x] : isNumbers(x) ? Array.from(x) : x instanceof NDArray ? Array.from(x.astype("float64").copy().data) : []);
const dot = (a: unknown, b: unknown) => elements(a).reduce((s, v, i) => s + v * elements(b)[i], 0);

function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
/** A random value of x's kind and shape. */
function like(x: Value, next: () => number): Value {
  if (typeof x === "number") return next();
  if (x instanceof NDArray) return new NDArray(Float64Array.from({ length: x.size }, next), x.shape);
  const t = x.slice();
  for (let i = 0; i < t.length; i++) t[i] = next();
  return t;
}

function compile(name: string, source: string, sites: Site[]) {
  const markers = sites.map((s) => `[__jvp(${s.primal}, { wrt: [${s.wrt.join(", ")}] }), __vjp(${s.primal}, { wrt: [${s.wrt.join(", ")}] })]`);
  const text = `${source}\nimport { jvp as __jvp, vjp as __vjp } from "adjoint";\nexport const __modes = [${markers.join(", ")}];\n`;
  return { text, result: transform(text, { filename: `fixtures/${name}/input.ts`, sourceMaps: false }) };
}

const cases = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !e.name.startsWith("error-") && existsSync(join(fixturesDir, e.name, "input.ts")))
  .map((e) => e.name)
  .sort();
const compared = { fixtures: 0, points: 0, refused: 0 };

describe("forward mode against reverse mode on the fixtures", () => {
  for (const name of cases) {
    const source = readFileSync(join(fixturesDir, name, "input.ts"), "utf8");
    const sites = sitesOf(source);
    if (sites.length === 0) continue;
    it(name, async () => {
      // One module for all the fixture's sites; where forward mode refuses one, each alone.
      let groups = [sites];
      let { text, result } = compile(name, source, sites);
      if (result.diagnostics.length > 0) groups = sites.map((s) => [s]);
      let any = false;
      for (const group of groups) {
        if (groups.length > 1) ({ text, result } = compile(name, source, group));
        if (result.diagnostics.length > 0) {
          for (const d of result.diagnostics) {
            // A function of an NDArray gradient has a jvp but no vjp: reverse over reverse by an NDArray is refused.
            const secondOrder = d.code === "ADJ016" && d.message.includes("reverse mode over the gradient of NDArray code");
            expect(FORWARD_REFUSALS.has(d.code) || secondOrder, `${d.code} ${d.line}:${d.column} ${d.message}`).toBe(true);
            expect(d.start >= 0 && d.end <= text.length && d.line >= 1, "a located refusal").toBe(true);
          }
          compared.refused++;
          continue;
        }
        mkdirSync(outDir, { recursive: true });
        const file = join(outDir, `${name}-${group[0].entry}.mjs`);
        writeFileSync(file, result.code);
        const m = (await import(pathToFileURL(file).href)) as { checks: { primal: (...a: unknown[]) => unknown; points: unknown[][] }[]; __modes: [(...a: unknown[]) => [unknown, unknown], (...a: unknown[]) => [unknown, (w: unknown) => unknown[]]][] };
        group.forEach((site, k) => {
          const [jvp, vjp] = m.__modes[k];
          const check = m.checks[site.entry];
          check.points.forEach((point, p) => {
            if (!site.wrt.every((i) => differentiable(point[i]))) return;
            const where = `${site.primal}, point ${p}`;
            const next = generator(101 + p);
            const u = site.wrt.map((i) => like(point[i] as Value, next));
            const primal = check.primal(...point.map(clone));
            if (!differentiable(primal)) return;
            const [value, tangent] = jvp(...point.map(clone), ...u.map(clone));
            expect(elements(value), `the jvp's value, ${where}`).toEqual(elements(primal));
            const w = like(primal, next);
            const [, pullback] = vjp(...point.map(clone));
            const grads = pullback(clone(w));
            const reverse = site.wrt.reduce((s, _, k) => s + dot(grads[k], u[k]), 0);
            expectClose(dot(w, tangent), reverse, { rtol: 1e-7, atol: 1e-9, label: `<w, J u> vs <J^T w, u>, ${where}` });
            compared.points++;
            any = true;
          });
        });
      }
      if (any) compared.fixtures++;
    });
  }

  it("compared forward and reverse mode on most fixtures", () => {
    expect(compared.fixtures, `fixtures compared (${compared.points} points; ${compared.refused} refused by forward mode)`).toBeGreaterThanOrEqual(110);
  });
});
