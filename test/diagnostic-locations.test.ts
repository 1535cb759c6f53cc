// The location adjoint prints agrees with the host's: one module with a known error built
// by each host; the host's printed line:column (or, where it prints none for a plugin's
// error, that of its own syntax error) and adjoint's must both point at the offending token.
// Measured: Babel, Rollup, Vite (Rolldown), esbuild and webpack print columns 0-based; tsc 1-based.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { transformSync } from "@babel/core";
import { beforeAll, describe, expect, it } from "vitest";
import adjointBabel from "../compiler/frontends/babel.js";
import { adjoint } from "../compiler/frontends/unplugin.js";
import { buildPackage, makeProject, reported, root, tspc } from "./helpers/tspc-project.js";

const tmp = join(root, ".tmp", "diagnostic-locations");
const source = ['import { grad } from "adjoint";', "", "function f(x: number): number {", '  return x * eval("2");', "}", "export const df = grad(f);", ""].join("\n");
/** Where `eval` is: 1-based line, 0-based column. */
const token = { line: 4, column: source.split("\n")[3].indexOf("eval") };
const syntaxError = "const a = 1;\nlet x = ;\n";
const syntaxToken = { line: 2, column: "let x = ".length };

const file = join(tmp, "bad.ts");
const syntaxFile = join(tmp, "syntax.js");
mkdirSync(tmp, { recursive: true });
writeFileSync(file, source);
writeFileSync(syntaxFile, syntaxError);

/** adjoint's `file:line:col - error ADJ005` in a host's message. */
function adjointLocation(message: string): { line: number; column: number } {
  const m = /bad\.ts:(\d+):(\d+) - error ADJ005/.exec(message);
  expect(m, message).not.toBeNull();
  return { line: Number(m![1]), column: Number(m![2]) };
}

async function failure(build: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  return build().then(
    () => {
      throw new Error("the build succeeded");
    },
    (error) => error,
  );
}

describe("adjoint's location agrees with the host's", () => {
  it("Babel: 0-based, as its parser's `(2:8)`", () => {
    const options = { filename: file, babelrc: false, configFile: false, parserOpts: { plugins: ["typescript" as const] } };
    const own = /\((\d+):(\d+)\)/.exec(String((() => { try { transformSync(syntaxError, options); } catch (e) { return (e as Error).message; } })()));
    expect([Number(own![1]), Number(own![2])]).toEqual([syntaxToken.line, syntaxToken.column]);
    let message = "";
    try {
      transformSync(source, { ...options, plugins: [adjointBabel] });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(adjointLocation(message)).toEqual(token);
  });

  it("Rollup: `[plugin adjoint] file (4:13)`, 0-based", async () => {
    const { rollup } = await import("rollup");
    const error = await failure(() => rollup({ input: file, plugins: [adjoint.rollup()], logLevel: "silent" }));
    const host = /bad\.ts \((\d+):(\d+)\)/.exec(error.message);
    expect({ line: Number(host![1]), column: Number(host![2]) }).toEqual(token);
    expect(adjointLocation(error.message)).toEqual(token);
  });

  it("Vite (Rolldown): `[plugin adjoint] file:4:13`, the plugin's loc as given", async () => {
    const { build } = await import("vite");
    const error = await failure(() => build({ root: tmp, logLevel: "silent", configFile: false, plugins: [adjoint.vite()], build: { ssr: file, write: false } }));
    const host = /\[plugin adjoint\] \S*bad\.ts:(\d+):(\d+)/.exec(error.message);
    expect({ line: Number(host![1]), column: Number(host![2]) }).toEqual(token);
    expect(adjointLocation(error.message)).toEqual(token);
  });

  it("esbuild: `file:4:13: ERROR`, 0-based, as for its own errors", async () => {
    const esbuild = await import("esbuild");
    const own = await failure(() => esbuild.build({ entryPoints: [syntaxFile], bundle: true, write: false, logLevel: "silent" }));
    expect(own.message).toContain(`syntax.js:${syntaxToken.line}:${syntaxToken.column}: ERROR`);
    const error = await failure(() => esbuild.build({ entryPoints: [file], bundle: true, write: false, logLevel: "silent", plugins: [adjoint.esbuild()] }));
    const host = /bad\.ts:(\d+):(\d+): ERROR/.exec(error.message);
    expect({ line: Number(host![1]), column: Number(host![2]) }).toEqual(token);
    expect(adjointLocation(error.message)).toEqual(token);
  });

  it("webpack: 0-based, as its own `ERROR in ./file 2:8` (a loader's error gets no location of webpack's)", async () => {
    const { default: webpack } = await import("webpack");
    const run = (entry: string, plugins: import("webpack").WebpackPluginInstance[]) =>
      new Promise<string>((done, fail) =>
        webpack({ mode: "development", entry, target: "node", output: { path: join(tmp, "webpack") }, plugins, resolve: { extensions: [".ts", ".js"] } }, (error, stats) =>
          error ? fail(error) : done(stats!.toString({ all: false, errors: true, colors: false })),
        ),
      );
    expect(await run(syntaxFile, [])).toMatch(new RegExp(`syntax\\.js ${syntaxToken.line}:${syntaxToken.column}\\b`));
    expect(adjointLocation(await run(file, [adjoint.webpack()]))).toEqual(token);
  });

  describe("tsc (tspc): 1-based, from the diagnostic's offset", () => {
    beforeAll(buildPackage, 180_000);
    it("tsc's `file(4,14)` and the refused gradient's `file:4:14` agree", async () => {
      const dir = join(tmp, "tspc");
      makeProject(dir, { rootDir: "src", outDir: "out" }, ["src"], { "src/bad.ts": source });
      const run = tspc(dir);
      const [d] = reported(run.stdout);
      expect([d.line, d.column, d.code]).toEqual([token.line, token.column + 1, "ADJ005"]);
      // Written anyway (no noEmitOnError): calling the gradient throws adjoint's own text.
      const thrown = spawnSync(process.execPath, ["--input-type=module", "-e", `import(${JSON.stringify(pathToFileURL(join(dir, "out", "bad.js")).href)}).then((m) => m.df(1)).catch((e) => console.log(e.message))`], { encoding: "utf8" });
      const m = /bad\.ts:(\d+):(\d+) ADJ005/.exec(thrown.stdout);
      expect(m, thrown.stdout + thrown.stderr).not.toBeNull();
      expect([Number(m![1]), Number(m![2])]).toEqual([d.line, d.column]);
    });
  });
});
