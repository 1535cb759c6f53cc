// Golden fixtures: every fixtures/<case>/input.ts is compiled through transform() and
// through a user's Babel configuration (adjoint/babel + preset-typescript). The output
// must equal output.js (or, for a module adjoint refuses, diagnostics.txt), and every
// gradient it exports in `checks` must match central finite differences.
// UPDATE_FIXTURES=1 rewrites the golden files: read their diff like code.
import { transformSync } from "@babel/core";
import babelGenerator from "@babel/generator";
import { parse } from "@babel/parser";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, transform } from "../compiler/index.js";
import adjointBabel from "../compiler/frontends/babel.js";
import { centralDifference, expectClose } from "./helpers/finite-diff.js";

const root = resolve(__dirname, "..");
const fixturesDir = join(root, "fixtures");
const outDir = join(root, ".tmp", "fixtures");
const update = process.env.UPDATE_FIXTURES === "1";

/** Relative tolerance of gradients against central differences (h = 1e-5). */
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

interface Check {
  primal: (...args: number[]) => number;
  grad?: (...args: number[]) => number | number[];
  valueAndGrad?: (...args: number[]) => [number, number | number[]];
  vjp?: (...args: number[]) => [number, (dvalue: number) => number | number[]];
  wrt: number[];
  points: number[][];
  dvalue?: number;
}

const cases = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(fixturesDir, entry.name, "input.ts")))
  .map((entry) => entry.name)
  .sort();

function compile(name: string) {
  const filename = `fixtures/${name}/input.ts`;
  const source = readFileSync(join(root, filename), "utf8");
  return { source, filename, result: transform(source, { filename, sourceMaps: false }) };
}

// @babel/generator is CommonJS: its default export sits on .default under Node's ESM interop.
type Generate = (ast: ReturnType<typeof parse>, options: { comments: boolean }) => { code: string };
const generate = ((babelGenerator as unknown as { default?: Generate }).default ?? babelGenerator) as unknown as Generate;

/** One printer for both front ends' output, so formatting differences do not count. */
function normalize(code: string): string {
  return generate(parse(code, { sourceType: "module" }), { comments: false }).code;
}

function checkGolden(path: string, actual: string): void {
  if (update || !existsSync(path)) {
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, "utf8"));
}

describe("fixtures", () => {
  it("has at least 40 numeric cases and every unsupported construct as an error case", () => {
    expect(cases.filter((c) => !c.startsWith("error-")).length).toBeGreaterThanOrEqual(40);
    expect(cases.filter((c) => c.startsWith("error-")).length).toBeGreaterThanOrEqual(10);
  });

  for (const name of cases) {
    describe(name, () => {
      const expectsError = name.startsWith("error-");
      const outputPath = join(fixturesDir, name, "output.js");
      const diagnosticsPath = join(fixturesDir, name, "diagnostics.txt");

      if (expectsError) {
        it("is refused with diagnostics (diagnostics.txt)", () => {
          const { source, result } = compile(name);
          expect(result.diagnostics.length).toBeGreaterThan(0);
          expect(result.code).toBe("");
          checkGolden(diagnosticsPath, result.diagnostics.map((d) => formatDiagnostic(d, source)).join("\n\n") + "\n");
          if (update) rmSync(outputPath, { force: true });
        });
        it("fails a Babel build with the same diagnostics", () => {
          const { source, filename, result } = compile(name);
          const build = () => transformSync(source, { filename, babelrc: false, configFile: false, presets: ["@babel/preset-typescript"], plugins: [adjointBabel] });
          expect(build).toThrow(result.diagnostics[0].code);
        });
        return;
      }

      it("compiles to output.js", () => {
        const { result, source } = compile(name);
        expect(result.diagnostics.map((d) => formatDiagnostic(d, source))).toEqual([]);
        checkGolden(outputPath, result.code + "\n");
        if (update) rmSync(diagnosticsPath, { force: true });
      });

      it("gives the same code through a Babel configuration", () => {
        const { source, filename, result } = compile(name);
        const viaBabel = transformSync(source, {
          filename,
          babelrc: false,
          configFile: false,
          presets: ["@babel/preset-typescript"],
          plugins: [adjointBabel],
        });
        expect(normalize(viaBabel!.code!)).toBe(normalize(result.code));
      });

      it("has gradients that match central finite differences", async () => {
        const { result } = compile(name);
        mkdirSync(outDir, { recursive: true });
        const modulePath = join(outDir, `${name}.mjs`);
        writeFileSync(modulePath, result.code);
        const module = (await import(pathToFileURL(modulePath).href)) as { checks?: Check[] };
        expect(module.checks, "a numeric fixture exports `checks`").toBeDefined();
        for (const check of module.checks!) {
          expect(check.points.length).toBeGreaterThanOrEqual(2);
          for (const point of check.points) verify(check, point);
        }
      });
    });
  }
});

function verify(check: Check, point: number[]): void {
  const expected = check.wrt.map((i) => centralDifference(check.primal, point, i));
  const scale = check.dvalue ?? 1;
  let actual: number | number[];
  const where = `at (${point.join(", ")})`;
  if (check.grad) {
    actual = check.grad(...point);
  } else if (check.valueAndGrad) {
    const [value, gradient] = check.valueAndGrad(...point);
    expectClose(value, check.primal(...point), { ...TOLERANCE, label: `value ${where}` });
    actual = gradient;
  } else if (check.vjp) {
    const [value, pullback] = check.vjp(...point);
    expectClose(value, check.primal(...point), { ...TOLERANCE, label: `value ${where}` });
    actual = pullback(scale);
    // A pullback may be called again, with the same result.
    expect(pullback(scale)).toEqual(actual);
  } else {
    throw new Error("a check needs grad, valueAndGrad or vjp");
  }
  const list = Array.isArray(actual) ? actual : [actual];
  expect(list.length, `one gradient per wrt ${where}`).toBe(check.wrt.length);
  list.forEach((g, k) => expectClose(g, expected[k] * scale, { ...TOLERANCE, label: `d/d arg ${check.wrt[k]} ${where}` }));
}

describe("diagnostics catalogue", () => {
  it("every code has an error fixture showing it, and docs/diagnostics.md lists it", async () => {
    const { catalogue } = await import("../compiler/diagnostics.js");
    const shown = cases
      .filter((c) => c.startsWith("error-") && existsSync(join(fixturesDir, c, "diagnostics.txt")))
      .map((c) => readFileSync(join(fixturesDir, c, "diagnostics.txt"), "utf8"))
      .join("\n");
    const docs = readFileSync(join(root, "docs", "diagnostics.md"), "utf8");
    for (const code of Object.keys(catalogue)) {
      expect(shown, `a fixture shows ${code}`).toContain(`error ${code}:`);
      expect(docs, `docs/diagnostics.md lists ${code}`).toContain(`| ${code} |`);
    }
  });
});
