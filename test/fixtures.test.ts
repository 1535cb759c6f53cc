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
import { inlineSmallCallees } from "../compiler/lower/index.js";
import { verifyFixture } from "./helpers/fixture-checks.js";

const root = resolve(__dirname, "..");
const fixturesDir = join(root, "fixtures");
const outDir = join(root, ".tmp", "fixtures");
const update = process.env.UPDATE_FIXTURES === "1";

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
  if (update) {
    writeFileSync(path, actual);
    return;
  }
  // A missing golden is a failure: writing it here would record whatever the engine does now.
  expect(existsSync(path), `${path} is missing: run npm run fixtures:update and review it`).toBe(true);
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
        verifyFixture(await import(pathToFileURL(modulePath).href));
      });

      it("has the same gradients with small callees kept as calls", async () => {
        // The golden inlines small callees (lower/small-callees.ts); their split vjps are checked here.
        const was = inlineSmallCallees(false);
        const kept = (() => {
          try {
            return compile(name).result;
          } finally {
            inlineSmallCallees(was);
          }
        })();
        expect(kept.diagnostics.map((d) => d.message)).toEqual([]);
        if (kept.code === compile(name).result.code) return;
        const modulePath = join(outDir, `${name}.calls.mjs`);
        mkdirSync(outDir, { recursive: true });
        writeFileSync(modulePath, kept.code);
        verifyFixture(await import(pathToFileURL(modulePath).href));
      });
    });
  }
});

