// adjoint/tspc, the ts-patch transformer, driven by the real `tspc` binary in child
// processes: every fixture built by tspc gives the same code as transform() (the Babel
// front end) after one normalising printer, under TypeScript 5.9 and 6.0; error fixtures
// are TypeScript diagnostics with file, line and column and a non-zero exit; the example
// project builds and fits its curve; `tspc --watch` rebuilds gradients; declarations and
// source maps are what tsc would write.
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import babelGenerator from "@babel/generator";
import { parse } from "@babel/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { centralDifference, expectClose } from "./helpers/finite-diff.js";

const root = resolve(__dirname, "..");
const tmp = join(root, ".tmp", "tspc");
const tspcBin = join(root, "node_modules", "ts-patch", "bin", "tspc.js");

/** The TypeScript versions tspc drives: the installed one, and 6.0 through ts-patch's TSP_COMPILER_TS_PATH. */
const versions = [
  { name: "TypeScript 5.9", major: "5.9", env: {} },
  { name: "TypeScript 6.0", major: "6.0", env: { TSP_COMPILER_TS_PATH: join(root, "node_modules", "typescript6") } },
];

// @babel/generator is CommonJS: its default export sits on .default under Node's ESM interop.
type Generate = (ast: ReturnType<typeof parse>, options: { comments: boolean }) => { code: string };
const generate = ((babelGenerator as unknown as { default?: Generate }).default ?? babelGenerator) as unknown as Generate;

/** One printer for both front ends' output, so formatting differences do not count. */
function normalize(code: string): string {
  return generate(parse(code, { sourceType: "module" }), { comments: false }).code;
}

/** A folder with a tsconfig.json and `node_modules/adjoint` linked to this checkout, as an installed project has. */
function makeProject(dir: string, compilerOptions: object, include: string[], files: Record<string, string> = {}): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(root, join(dir, "node_modules", "adjoint"), "dir");
  const options = { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: [], ...compilerOptions };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { ...options, plugins: [{ transform: "adjoint/tspc" }] }, include }, null, 2));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

function tspc(project: string, env: Record<string, string> = {}, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [tspcBin, "-p", project, "--pretty", "false", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
}

interface Reported {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
}

/** `file(line,col): error TS990010: ADJ010: message` lines of tsc's plain output. */
function reported(output: string): Reported[] {
  return [...output.matchAll(/^(.+?)\((\d+),(\d+)\): error TS99(\d{4}): (ADJ\d{3}): (.*)$/gm)].map((m) => ({
    file: m[1],
    line: Number(m[2]),
    column: Number(m[3]),
    code: m[5],
    message: m[6],
  }));
}

beforeAll(() => {
  // tspc loads "adjoint/tspc" by name from the package's dist/, as a user's build does.
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root });
}, 180_000);

const fixtureNames = readdirSync(join(root, "fixtures"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, "fixtures", entry.name, "input.ts")))
  .map((entry) => entry.name)
  .sort();

for (const version of versions) {
  describe(`every fixture through tspc (${version.name})`, () => {
    const dir = join(tmp, `fixtures-${version.major}`);
    let run: SpawnSyncReturns<string>;
    beforeAll(() => {
      // One program over the whole fixture set, error fixtures included.
      makeProject(dir, { target: "ESNext", strict: false, rootDir: "../../../fixtures", outDir: "out" }, ["../../../fixtures/*/input.ts"]);
      run = tspc(dir, version.env);
    }, 180_000);

    it(`runs ${version.name}`, () => {
      const tsc = spawnSync(process.execPath, ["-e", "console.log(require('typescript').version)"], { encoding: "utf8" });
      const expected = version.major === "5.9" ? tsc.stdout.trim() : JSON.parse(readFileSync(join(root, "node_modules/typescript6/package.json"), "utf8")).version;
      expect(expected.startsWith(version.major)).toBe(true);
      // tspc prints its version with --version: the live compiler patched that TypeScript.
      expect(tspc(dir, version.env, "--version").stdout).toContain(expected);
    });

    it("exits non-zero, with adjoint's diagnostics and never a stack trace", () => {
      expect(run.status).not.toBe(0);
      expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m);
      expect(reported(run.stdout).length).toBeGreaterThan(0);
    });

    for (const name of fixtureNames) {
      const filename = `fixtures/${name}/input.ts`;
      if (name.startsWith("error-")) {
        it(`${name}: the same diagnostics as transform(), as TypeScript errors`, () => {
          const { diagnostics } = transform(readFileSync(join(root, filename), "utf8"), { filename, sourceMaps: false });
          const ours = reported(run.stdout).filter((d) => d.file === filename);
          expect(ours.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(diagnostics.map((d) => `${d.code} ${d.line}:${d.column + 1}`));
          expect(ours.map((d) => d.message)).toEqual(diagnostics.map((d) => d.message));
        });
      } else {
        it(`${name}: the same code as transform()`, () => {
          const { code, diagnostics } = transform(readFileSync(join(root, filename), "utf8"), { filename, sourceMaps: false });
          expect(diagnostics).toEqual([]);
          expect(reported(run.stdout).filter((d) => d.file === filename)).toEqual([]);
          const built = readFileSync(join(dir, "out", name, "input.js"), "utf8");
          expect(normalize(built)).toBe(normalize(code));
        });
      }
    }
  });
}
