// adjoint/tspc, the ts-patch transformer, driven by the real `tspc` binary in child
// processes: every fixture built by tspc gives the same code as transform() (the Babel
// front end) after one normalising printer, under TypeScript 5.9 and 6.0; error fixtures
// are TypeScript diagnostics with file, line and column and a non-zero exit; the example
// project builds and fits its curve; `tspc --watch` rebuilds gradients; declarations and
// source maps are what tsc would write.
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import babelGenerator from "@babel/generator";
import { parse } from "@babel/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { centralDifference, expectClose } from "./helpers/finite-diff.js";
import { expectCurveFit, expectFitGradients, fitModule } from "./helpers/curve-fit.js";
import { THROWING_MODULE } from "./helpers/throwing-module.js";
import { verifyFixture } from "./helpers/fixture-checks.js";
import { buildPackage, makeProject, reported, root, tspc, tspcBin, versions } from "./helpers/tspc-project.js";

const tmp = join(root, ".tmp", "tspc");
// @babel/generator is CommonJS: its default export sits on .default under Node's ESM interop.
type Generate = (ast: ReturnType<typeof parse>, options: { comments: boolean }) => { code: string };
const generate = ((babelGenerator as unknown as { default?: Generate }).default ?? babelGenerator) as unknown as Generate;

/** One printer for both front ends' output, so formatting differences do not count. */
function normalize(code: string): string {
  return generate(parse(code, { sourceType: "module" }), { comments: false }).code;
}

beforeAll(buildPackage, 180_000);

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
        it(`${name}: tspc's build has gradients that match finite differences`, async () => {
          verifyFixture(await import(pathToFileURL(join(dir, "out", name, "input.js")).href));
        });
      }
    }
  });
}

describe("examples/tspc-project: built by tspc with adjoint/tspc, run by Node", () => {
  const project = join(root, "examples", "tspc-project");
  beforeAll(() => {
    rmSync(join(project, "dist"), { recursive: true, force: true });
    execFileSync(process.execPath, ["build.mjs"], { cwd: project, encoding: "utf8" });
  }, 180_000);

  it("fits the curve by gradient descent through a differentiable function of another module", () => {
    expectCurveFit(project);
  });

  it("has gradients that match finite differences", async () => {
    await expectFitGradients(fitModule(project));
  });

  for (const version of versions) {
    it(`writes the declarations tsc writes without the plugin (${version.name})`, () => {
      const tscBin = join(root, "node_modules", version.major === "5.9" ? "typescript" : "typescript6", "bin", "tsc");
      const outDir = join(tmp, `example-${version.major}`);
      rmSync(outDir, { recursive: true, force: true });
      // Plain tsc ignores the plugins entry: the reference declarations.
      execFileSync(process.execPath, [tscBin, "-p", project, "--outDir", join(outDir, "plain")], { cwd: root });
      const built = tspc(project, version.env, "--outDir", join(outDir, "tspc"));
      expect(built.status, built.stdout).toBe(0);
      for (const file of ["fit.d.ts", "model.d.ts"]) {
        expect(readFileSync(join(outDir, "tspc", file), "utf8")).toBe(readFileSync(join(outDir, "plain", file), "utf8"));
      }
      expect(readFileSync(join(outDir, "tspc", "fit.js"), "utf8")).toContain("function loss$grad_amplitude_decay(");
    });
  }
});

describe("what only TypeScript knows", () => {
  const files = {
    "src/lib.ts": [
      'import { differentiable } from "adjoint";',
      "",
      "export function helper(x: number): number {",
      "  return x * x;",
      "}",
      "export const marked = differentiable((x: number) => Math.sin(x));",
      "",
    ].join("\n"),
    "src/uses-lib.ts": [
      'import { grad } from "adjoint";',
      'import { helper, marked } from "./lib.js";',
      "",
      "function f(x: number): number {",
      "  return helper(x) + marked(x);",
      "}",
      "export const df = grad(f);",
      "export const dh = grad(helper);",
      "export const dm = grad(marked);",
      "",
    ].join("\n"),
    "src/contextual.ts": [
      'import { grad } from "adjoint";',
      "",
      "type Loss = (w: number[], scale: number) => number;",
      "// No annotation on w or a: the checker knows they are number[] from the function types.",
      "const sumSquares: Loss = (w, scale) => {",
      "  let s = 0;",
      "  for (let i = 0; i < w.length; i++) s += w[i] * w[i] * scale;",
      "  return s;",
      "};",
      "export const dSum = grad(sumSquares);",
      "export const dScale = grad(sumSquares, { wrt: 1 });",
      "",
      "function product(a: number[], b: number[]): number {",
      "  return a[0] * b[0];",
      "}",
      "const passOn: (a: number[], b: number[]) => number = (a, b) => product(a, b);",
      "export const dPassOn = grad(passOn);",
      "",
    ].join("\n"),
    "src/ndarray.ts": [
      'import { grad } from "adjoint";',
      'import * as np from "adjoint/np";',
      'import { dense } from "./layers.js";',
      "",
      "type Layer = (w: np.NDArray, x: np.NDArray) => np.NDArray;",
      "const layer: Layer = (w, x) => np.sum(np.tanh(np.matmul(w, x)));",
      "export const dw = grad(layer);",
      "",
      "// Only the checker knows h is an NDArray (dense is imported): its .sum() is differentiated.",
      "function viaImport(w: np.NDArray, x: np.NDArray) {",
      "  const h = dense(w, x);",
      "  return h.sum();",
      "}",
      "export const dImported = grad(viaImport);",
      "",
    ].join("\n"),
    "src/layers.ts": [
      'import { differentiable } from "adjoint";',
      'import * as np from "adjoint/np";',
      "",
      "export const dense = differentiable((w: np.NDArray, x: np.NDArray) => np.tanh(np.matmul(w, x)));",
      "",
    ].join("\n"),
    "src/wrt-string.ts": [
      'import { grad } from "adjoint";',
      "",
      "type Scaled = (x: number, label: string) => number;",
      "const scaled: Scaled = (x, label) => x * label.length;",
      "export const dLabel = grad(scaled, { wrt: 1 });",
      "",
    ].join("\n"),
  };

  for (const version of versions) {
    describe(version.name, () => {
      const dir = join(tmp, `checker-${version.major}`);
      let run: SpawnSyncReturns<string>;
      beforeAll(() => {
        makeProject(dir, { rootDir: "src", outDir: "out" }, ["src"], files);
        run = tspc(dir, version.env);
      }, 180_000);

      it("reports an imported function that is not marked differentiable, naming it and the fix", () => {
        expect(run.status).not.toBe(0);
        const file = join(".tmp", "tspc", `checker-${version.major}`, "src", "uses-lib.ts");
        const ours = reported(run.stdout).filter((d) => d.file === file);
        expect(ours.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual(["5:10 ADJ010", "8:24 ADJ018"]);
        for (const d of ours) {
          expect(d.message).toContain("'helper' is imported from ./lib.ts, where it is not marked differentiable");
          expect(d.message).toContain("export const helper = differentiable(");
        }
        expect(run.stdout).toContain("hint: ");
        expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m);
      });

      it("types unannotated parameters from their contextual type", async () => {
        expect(reported(run.stdout).filter((d) => d.file.endsWith("contextual.ts"))).toEqual([]);
        const module = (await import(pathToFileURL(join(dir, "out", "contextual.js")).href)) as {
          dSum: (w: number[], scale: number) => number[];
          dScale: (w: number[], scale: number) => number;
          dPassOn: (a: number[], b: number[]) => number[];
        };
        expect(module.dSum([1, 2, 3], 2)).toEqual([4, 8, 12]);
        expect(module.dScale([1, 2, 3], 2)).toBe(14);
        expect(Array.from(module.dPassOn([2, 3], [5, 7]))).toEqual([5, 0]);
      });

      it("types an unannotated NDArray parameter, and a local only the checker knows is an NDArray", async () => {
        expect(reported(run.stdout).filter((d) => d.file.endsWith("ndarray.ts"))).toEqual([]);
        const np = await import("../runtime/np/index.js");
        type Gradient = (w: unknown, x: unknown) => { toArray(): unknown };
        const module = (await import(pathToFileURL(join(dir, "out", "ndarray.js")).href)) as { dw: Gradient; dImported: Gradient };
        for (const gradient of [module.dw, module.dImported]) {
          const dw = gradient(np.array([[0.1, 0.2], [0.3, -0.4]]), np.array([[1], [2]]));
          // d/dw sum(tanh(w x)) = (1 - tanh(w x)^2) x^T, and w x = [0.5, -0.5].
          const slope = 1 - Math.tanh(0.5) ** 2;
          (dw.toArray() as number[][]).flat().forEach((g, k) => expectClose(g, slope * [1, 2, 1, 2][k], { rtol: 1e-12 }));
        }
      });

      it("refuses a gradient with respect to a parameter the checker knows is a string", () => {
        const ours = reported(run.stdout).filter((d) => d.file.endsWith("wrt-string.ts"));
        expect(ours.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual(["4:28 ADJ020"]);
      });
    });
  }

  it("without the checker (Babel), the string parameter is taken for a number", () => {
    const { diagnostics } = transform(files["src/wrt-string.ts"], { filename: "wrt-string.ts", sourceMaps: false });
    expect(diagnostics).toEqual([]);
  });
});

describe("CommonJS output", () => {
  for (const version of versions) {
    it(`rewrites imported names in generated code to their require() result (${version.name})`, () => {
      const dir = join(tmp, `commonjs-${version.major}`);
      const model = readFileSync(join(root, "examples", "tspc-project", "src", "model.ts"), "utf8");
      const fit = [
        'import { grad } from "adjoint";',
        'import { curve } from "./model.js";',
        "",
        "function loss(a: number, b: number): number {",
        "  return curve(a, b, 0.5) ** 2;",
        "}",
        "export const lossGrad = grad(loss, { wrt: [0, 1] });",
        "",
      ].join("\n");
      makeProject(dir, { rootDir: "src", outDir: "out" }, ["src"], { "package.json": '{ "type": "commonjs" }', "src/model.ts": model, "src/fit.ts": fit });
      const built = tspc(dir, version.env);
      expect(reported(built.stdout)).toEqual([]);
      expect(readFileSync(join(dir, "out", "fit.js"), "utf8")).toContain('require("./model.js")');
      const run = spawnSync(process.execPath, ["-e", "console.log(JSON.stringify(require('./out/fit.js').lossGrad(1, 2)))"], { cwd: dir, encoding: "utf8" });
      expect(run.stderr).toBe("");
      const c = Math.exp(-1) * Math.cos(1.5);
      const [da, db] = JSON.parse(run.stdout) as [number, number];
      expectClose(da, 2 * c * c, { rtol: 1e-12 });
      expectClose(db, -c * c, { rtol: 1e-12 });
    });
  }
});

describe("source maps", () => {
  it("point a run-time error inside generated code back to the user's line", () => {
    const dir = join(tmp, "source-maps");
    const source = THROWING_MODULE;
    makeProject(dir, { rootDir: "src", outDir: "out", sourceMap: true }, ["src"], { "src/input.ts": source });
    const built = tspc(dir);
    expect(built.status, built.stdout).toBe(0);
    const run = spawnSync(process.execPath, ["--enable-source-maps", "-e", `import("./out/input.js").then((m) => m.df(6))`], { cwd: dir, encoding: "utf8" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("too big");
    expect(run.stderr).toMatch(/src\/input\.ts:5:\d+/);
  });
});

describe("tspc --watch", () => {
  it("rebuilds a changed file with its gradients, and reports and clears diagnostics", async () => {
    const dir = join(tmp, "watch");
    const example = join(root, "examples", "tspc-project");
    makeProject(dir, { rootDir: "src", outDir: "out", types: ["node"] }, ["src"]);
    cpSync(join(example, "src"), join(dir, "src"), { recursive: true });
    const child = spawn(process.execPath, [tspcBin, "-p", dir, "--watch", "--preserveWatchOutput", "--pretty", "false"], { cwd: root });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const model = join(dir, "out", "model.js");
    const waitFor = async (what: string, test: () => boolean) => {
      for (let waited = 0; !test(); waited += 100) {
        if (waited > 60_000) throw new Error(`tspc --watch: no ${what} after 60 s; output:\n${output}`);
        await new Promise((done) => setTimeout(done, 100));
      }
    };
    const builds = () => output.match(/Watching for file changes/g)?.length ?? 0;
    try {
      await waitFor("first build", () => builds() >= 1);
      expect(readFileSync(model, "utf8")).toContain("t6 = Math.cos(t5);");
      const source = readFileSync(join(dir, "src", "model.ts"), "utf8");
      // A change: the gradient code must follow (sin's derivative is cos).
      writeFileSync(join(dir, "src", "model.ts"), source.replace("Math.cos(3 * t)", "Math.sin(3 * t)"));
      await waitFor("rebuild", () => builds() >= 2);
      await waitFor("new model.js", () => readFileSync(model, "utf8").includes("Math.sin(t5)"));
      expect(readFileSync(model, "utf8")).toMatch(/dt5 = dt6 \* Math\.cos\(t5\)/);
      // A change adjoint refuses: a diagnostic, then gone once fixed.
      writeFileSync(join(dir, "src", "model.ts"), source.replace("return amplitude", "try { return amplitude").replace("});", "} finally {} });"));
      await waitFor("rebuild with the error", () => builds() >= 3);
      expect(reported(output).map((d) => d.code)).toEqual(["ADJ001"]);
      const before = output.length;
      writeFileSync(join(dir, "src", "model.ts"), source);
      await waitFor("rebuild after the fix", () => builds() >= 4);
      expect(reported(output.slice(before))).toEqual([]);
      expect(output.slice(before)).toContain("Found 0 errors");
    } finally {
      child.kill();
    }
  }, 180_000);
});
