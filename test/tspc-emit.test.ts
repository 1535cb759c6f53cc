// What tspc writes when adjoint refuses a module: with noEmitOnError, nothing (as tsc for
// its own errors), the diagnostic printed and a non-zero exit; without it, every file, and
// each marker call of the refused module throws the build's diagnostic (code, file, line,
// message) when called, not "ran uncompiled". Also under `tspc --watch`.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { VJP } from "../runtime/generated.js";
import { buildPackage, makeProject, reported, root, tspc, tspcBin, versions } from "./helpers/tspc-project.js";

const tmp = join(root, ".tmp", "tspc-emit");

const model = [
  'import { differentiable, grad } from "adjoint";',
  "",
  "function f(x: number): number {",
  "  try {",
  "    return x * x;",
  "  } finally {",
  '    console.log("done");',
  "  }",
  "}",
  "function g(x: number): number {",
  "  return Math.sin(x);",
  "}",
  "export const df = grad(f);",
  "export const dg = grad(g);",
  "export const value = g(0.5);",
  "export const square = differentiable((x: number) => x * x);",
  "",
].join("\n");

const fine = ['import { grad } from "adjoint";', "", "export const dsq = grad((x: number) => x * x);", ""].join("\n");

const files = { "src/model.ts": model, "src/fine.ts": fine };
const options = { rootDir: "src", outDir: "out", declaration: true, sourceMap: true };

beforeAll(buildPackage, 180_000);

for (const version of versions) {
  describe(`a module adjoint refuses (${version.name})`, () => {
    it("noEmitOnError: nothing is written, the diagnostic is printed, the exit is non-zero", () => {
      const dir = join(tmp, `held-${version.major}`);
      makeProject(dir, { ...options, noEmitOnError: true }, ["src"], files);
      const run = tspc(dir, version.env);
      expect(run.status).not.toBe(0);
      const file = join(".tmp", "tspc-emit", `held-${version.major}`, "src", "model.ts");
      expect(reported(run.stdout).map((d) => `${d.file} ${d.line}:${d.column} ${d.code}`)).toEqual([`${file} 4:3 ADJ001`]);
      for (const output of ["model.js", "model.d.ts", "model.js.map", "fine.js", "fine.d.ts"]) expect(existsSync(join(dir, "out", output)), output).toBe(false);
    });

    it("without noEmitOnError: everything is written, and the refused gradient throws its diagnostic when called", async () => {
      const dir = join(tmp, `written-${version.major}`);
      makeProject(dir, options, ["src"], files);
      const run = tspc(dir, version.env);
      expect(run.status).not.toBe(0);
      expect(reported(run.stdout).map((d) => d.code)).toEqual(["ADJ001"]);
      for (const output of ["model.js", "model.d.ts", "model.js.map", "fine.js", "fine.d.ts"]) expect(existsSync(join(dir, "out", output)), output).toBe(true);
      // The declarations are tsc's: the markers' types, not the throwing stand-ins'.
      expect(readFileSync(join(dir, "out", "model.d.ts"), "utf8")).toContain("export declare const df: (x: number) => number;");

      const module = (await import(pathToFileURL(join(dir, "out", "model.js")).href)) as {
        df: (x: number) => number;
        dg: (x: number) => number;
        value: number;
        square: ((x: number) => number) & { [VJP]?: (...args: unknown[]) => unknown };
      };
      // Importing it works, and code that is no marker runs; a differentiable function still computes.
      expect(module.value).toBe(Math.sin(0.5));
      expect(module.square(3)).toBe(9);
      const where = `${join(".tmp", "tspc-emit", `written-${version.major}`, "src", "model.ts")}:4:3`;
      const message = (fn: () => unknown) => {
        try {
          fn();
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error("did not throw");
      };
      const refused = message(() => module.df(2));
      expect(refused).toContain("grad(f)");
      expect(refused).toContain(`${where} ADJ001: try/catch/finally is not differentiable`);
      expect(refused).not.toContain("uncompiled");
      // grad(g) compiled, but its module was not written as compiled: it names the module's diagnostic.
      expect(message(() => module.dg(2))).toContain(`${where} ADJ001`);
      // A gradient through it, from another module, throws the same.
      expect(message(() => module.square[VJP]!(3))).toContain(`${where} ADJ001`);

      // The module without diagnostics is compiled as always.
      const { dsq } = (await import(pathToFileURL(join(dir, "out", "fine.js")).href)) as { dsq: (x: number) => number };
      expect(dsq(3)).toBe(6);
    });
  });
}

describe("tspc --watch with noEmitOnError", () => {
  it("holds the refused module back, and writes it once fixed", async () => {
    const dir = join(tmp, "watch");
    makeProject(dir, { ...options, noEmitOnError: true }, ["src"], { "src/fine.ts": fine, "src/model.ts": model });
    const child = spawn(process.execPath, [tspcBin, "-p", dir, "--watch", "--preserveWatchOutput", "--pretty", "false"], { cwd: root });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const builds = () => output.match(/Watching for file changes/g)?.length ?? 0;
    const waitFor = async (what: string, test: () => boolean) => {
      for (let waited = 0; !test(); waited += 100) {
        if (waited > 60_000) throw new Error(`tspc --watch: no ${what} after 60 s; output:\n${output}`);
        await new Promise((done) => setTimeout(done, 100));
      }
    };
    try {
      await waitFor("first build", () => builds() >= 1);
      expect(reported(output).map((d) => d.code)).toEqual(["ADJ001"]);
      expect(existsSync(join(dir, "out", "model.js"))).toBe(false);
      const before = output.length;
      writeFileSync(join(dir, "src", "model.ts"), model.replace("  try {\n    return x * x;\n  } finally {\n    console.log(\"done\");\n  }", "  return x * x;"));
      await waitFor("rebuild after the fix", () => builds() >= 2);
      expect(reported(output.slice(before))).toEqual([]);
      await waitFor("model.js", () => existsSync(join(dir, "out", "model.js")));
      const { df } = (await import(`${pathToFileURL(join(dir, "out", "model.js")).href}?fixed`)) as { df: (x: number) => number };
      expect(df(3)).toBe(6);
    } finally {
      child.kill();
    }
  }, 180_000);
});
