// adjoint/vite, adjoint/rollup, adjoint/esbuild and adjoint/webpack, driven through each
// real bundler's JavaScript API with the configurations in examples/bundlers/: the app
// (two modules, a gradient-descent fit) bundled and run by Node prints what the same app
// prints when built by tspc and by Babel; a module outside the differentiable subset
// fails the build with adjoint's diagnostic; Vite's dev server and Rollup's watch pick up
// an edit to a differentiated function; a user's Vitest run with the Vite plugin works.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { transformFileAsync } from "@babel/core";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { transform as esbuildTransform } from "esbuild";
import { spliceModule } from "../compiler/frontends/splice.js";
import { expectCurveFit, expectFitGradients } from "./helpers/curve-fit.js";
import { verifyFixture } from "./helpers/fixture-checks.js";
// @ts-expect-error a plain .mjs module shared with bench/bundle-size.bench.mjs, no declarations
import { bundlers as minifiedBundlers, programs } from "../bench/bundles.mjs";

const root = resolve(__dirname, "..");
const examples = join(root, "examples", "bundlers");
const tmp = join(root, ".tmp", "bundlers");
const app = join(examples, "app", "src");
const entry = join(app, "fit.ts");
const broken = join(examples, "broken", "broken.ts");

/** A differentiated function that throws at line 7 of its module when called with x > 5; types to strip above it. */
const THROWER = [
  'import { grad } from "adjoint";',
  "interface Unused {",
  "  label: string;",
  "}",
  "function f(x: number): number {",
  "  const y = x * 2;",
  '  if (y > 10) throw new RangeError("too big");',
  "  return y * y;",
  "}",
  "",
  "console.log(grad(f)(6));",
  "",
].join("\n");

/** Runs a built script with Node and returns what it printed. Inside the checkout, "adjoint" resolves to dist/. */
function run(file: string): string {
  return execFileSync(process.execPath, [file], { cwd: root, encoding: "utf8" }).trim();
}

async function config<T>(path: string, name = "default"): Promise<T> {
  return (await import(pathToFileURL(join(examples, path)).href))[name] as T;
}

/** Each bundler with its example configuration, building `input` into `outDir`; returns the bundle's path. */
const bundlers: Record<string, (input: string, outDir: string) => Promise<string>> = {
  async vite(input, outDir) {
    const { build } = await import("vite");
    await build({ configFile: join(examples, "vite", "vite.config.mjs"), logLevel: "silent", build: { ssr: input, outDir, emptyOutDir: true } });
    return join(outDir, basename(input).replace(/\.ts$/, ".js"));
  },
  async rollup(input, outDir) {
    const { rollup } = await import("rollup");
    const options = await config<import("rollup").RollupOptions & { output: import("rollup").OutputOptions }>("rollup/rollup.config.mjs");
    const bundle = await rollup({ ...options, input });
    await bundle.write({ ...options.output, dir: outDir });
    await bundle.close();
    return join(outDir, basename(input).replace(/\.ts$/, ".mjs"));
  },
  async esbuild(input, outDir) {
    const { build } = await import("esbuild");
    const options = await config<import("esbuild").BuildOptions>("esbuild/build.mjs", "options");
    const outfile = join(outDir, basename(input).replace(/\.ts$/, ".mjs"));
    await build({ ...options, entryPoints: [input], outfile, logLevel: "silent" });
    return outfile;
  },
  async webpack(input, outDir) {
    const { default: webpack } = await import("webpack");
    const options = await config<import("webpack").Configuration>("webpack/webpack.config.mjs");
    const stats = await new Promise<import("webpack").Stats>((done, fail) =>
      webpack({ ...options, entry: input, output: { ...options.output, path: outDir } }, (error, result) => (error ? fail(error) : done(result!))),
    );
    if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true, colors: false }));
    return join(outDir, "fit.mjs");
  },
};

/** The same app built by tspc (as examples/tspc-project is) and by Babel (as examples/babel-project is). */
function referenceBuilds(): { tspc: string; babel: Promise<string> } {
  const tspcDir = join(tmp, "tspc");
  rmSync(tspcDir, { recursive: true, force: true });
  mkdirSync(join(tspcDir, "node_modules"), { recursive: true });
  symlinkSync(root, join(tspcDir, "node_modules", "adjoint"), "dir");
  const compilerOptions = { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: ["node"], rootDir: app, outDir: "dist" };
  writeFileSync(join(tspcDir, "tsconfig.json"), JSON.stringify({ compilerOptions: { ...compilerOptions, plugins: [{ transform: "adjoint/tspc" }] }, include: [app] }));
  execFileSync(process.execPath, [join(root, "node_modules", "ts-patch", "bin", "tspc.js"), "-p", tspcDir], { cwd: root });

  const babelDir = join(tmp, "babel");
  mkdirSync(babelDir, { recursive: true });
  const babel = Promise.all(
    ["model.ts", "fit.ts"].map(async (file) => {
      const result = await transformFileAsync(join(app, file), { babelrc: false, configFile: false, presets: ["@babel/preset-typescript"], plugins: ["adjoint/babel"] });
      writeFileSync(join(babelDir, file.replace(/\.ts$/, ".js")), result!.code!);
    }),
  ).then(() => run(join(babelDir, "fit.js")));
  return { tspc: run(join(tspcDir, "dist", "fit.js")), babel };
}

let expected: { tspc: string; babel: string };

beforeAll(async () => {
  // The configurations load the plugins by name ("adjoint/vite", …), as a user's do: build dist/ first.
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root });
  const { tspc, babel } = referenceBuilds();
  expected = { tspc, babel: await babel };
}, 60_000);

describe.each(Object.keys(bundlers))("%s with adjoint's plugin", (name) => {
  it("bundles the two-module app; run by Node it fits the curve exactly as the tspc and Babel builds do", async () => {
    const bundle = await bundlers[name](entry, join(tmp, name, "app"));
    const result = expectCurveFit(dirname(bundle), basename(bundle));
    expect(result).toEqual(JSON.parse(expected.tspc));
    expect(result).toEqual(JSON.parse(expected.babel));
    await expectFitGradients(bundle);
  });

  it("fails the build on an unsupported construct with adjoint's diagnostic: code, file, line, column, code frame", async () => {
    const failure = await bundlers[name](broken, join(tmp, name, "broken")).then(
      () => new Error("the build succeeded"),
      (error: Error) => error,
    );
    expect(failure.message).toContain("error ADJ001: try/catch/finally is not differentiable");
    expect(failure.message).toMatch(/broken\.ts:6:2 - error ADJ001/); // 0-based, as bundlers print columns
    expect(failure.message).toContain("> 6 |   try {");
    expect(failure.message).toContain("hint: move the try block outside");
  });

  it("passes source maps through: an error thrown in generated code points at the user's TypeScript line", async () => {
    const dir = join(tmp, name, "maps");
    mkdirSync(dir, { recursive: true });
    const thrower = join(dir, "thrower.ts");
    writeFileSync(thrower, THROWER);
    const bundle = await bundlers[name](thrower, join(dir, "out"));
    const result = spawnSync(process.execPath, ["--enable-source-maps", bundle], { cwd: root, encoding: "utf8" });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("too big");
    expect(result.stderr).toMatch(/thrower\.ts:7:\d+/);
  });
});

/** Strings only NDArray code has: the class (item's error), the kernels (their cache's symbol), the formatter. */
const NDARRAY_CODE = ["can only convert an array of size 1", "adjoint.kernels", "dtype="];

describe.each(["vite", "esbuild"])("what %s bundles of the runtime (minified, everything bundled)", (name) => {
  const build = (entry: string): Promise<string> => minifiedBundlers[name](entry);
  it("a program of numbers only (the curve fit) gets no NDArray code: not the class, its kernels or the formatter", async () => {
    const code = await build(programs().scalar);
    for (const marker of NDARRAY_CODE) expect(code).not.toContain(marker);
    expect(code).not.toMatch(/\bNDArray\b/);
  });

  it("an NDArray program gets all of it, and runs", async () => {
    const code = await build(programs().ndarray);
    for (const marker of NDARRAY_CODE) expect(code).toContain(marker);
    const file = join(tmp, `${name}-ndarray.mjs`);
    mkdirSync(tmp, { recursive: true });
    writeFileSync(file, code);
    const gradient = JSON.parse(run(file)) as number[][];
    expect(gradient.map((row) => row.length)).toEqual([4, 4, 4]);
  });
});

describe("the fast path", () => {
  it("parses only modules that import adjoint, outside node_modules", async () => {
    const { adjoint } = await import("../compiler/frontends/unplugin.js");
    const hook = adjoint.raw(undefined, { framework: "rollup", versions: {} }).transform as {
      filter: { id: { include: RegExp; exclude: RegExp[] }; code: RegExp };
    };
    const imports = (code: string) => hook.filter.code.test(code);
    expect(imports('import { grad } from "adjoint";')).toBe(true);
    expect(imports("import * as ad from 'adjoint'")).toBe(true);
    expect(imports('const { grad } = require("adjoint");')).toBe(true);
    expect(imports('import * as np from "adjoint/np";')).toBe(false);
    expect(imports('const name = "adjoint";')).toBe(false);
    const considered = (id: string) => hook.filter.id.include.test(id) && !hook.filter.id.exclude.some((re) => re.test(id));
    expect(["/app/src/fit.ts", "/app/a.tsx", "/app/b.mjs", "/app/c.mts?v=3"].every(considered)).toBe(true);
    expect(["/app/node_modules/x/index.js", "/app/style.css", "\0virtual:x.ts"].some(considered)).toBe(false);
  });
});

describe("watch mode", () => {
  const dir = join(tmp, "watch");
  const source = (scale: number) => `import { grad } from "adjoint";\nfunction f(x: number): number {\n  return ${scale} * x * x;\n}\nexport const df = grad(f);\n`;

  it("Vite's dev server serves the new gradient after an edit to the differentiated function", async () => {
    const { createServer } = await import("vite");
    const { default: adjoint } = (await import(pathToFileURL(join(root, "dist/compiler/frontends/vite.js")).href)) as { default: () => import("vite").Plugin };
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "vite-model.ts");
    writeFileSync(file, source(3));
    const server = await createServer({ configFile: false, root: dir, logLevel: "silent", plugins: [adjoint()], server: { middlewareMode: true, hmr: false } });
    try {
      const load = async () => ((await server.ssrLoadModule(file)) as { df: (x: number) => number }).df(2);
      expect(await load()).toBe(12);
      writeFileSync(file, source(5));
      // The watcher sees the edit, the module graph drops the module, the next load compiles it again.
      await vi.waitFor(async () => expect(await load()).toBe(20), { timeout: 10_000, interval: 50 });
    } finally {
      await server.close();
    }
  });

  it("Rollup's watch rebuilds the gradient after an edit", async () => {
    const { watch } = await import("rollup");
    const options = await config<import("rollup").RollupOptions>("rollup/rollup.config.mjs");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "rollup-model.ts");
    const out = join(dir, "rollup-out");
    writeFileSync(file, `${source(3)}console.log(df(2));\n`);
    const watcher = watch({ ...options, input: file, output: { dir: out, format: "es", entryFileNames: "[name].mjs" }, watch: { skipWrite: false } });
    const outputs: string[] = [];
    try {
      await new Promise<void>((done, fail) => {
        watcher.on("event", (event) => {
          if (event.code === "ERROR") fail(event.error);
          if (event.code === "BUNDLE_END") event.result.close();
          if (event.code !== "END") return;
          outputs.push(run(join(out, "rollup-model.mjs")));
          if (outputs.length === 1) setTimeout(() => writeFileSync(file, `${source(5)}console.log(df(2));\n`), 100);
          else done();
        });
      });
    } finally {
      await watcher.close();
    }
    expect(outputs).toEqual(["12", "20"]);
  });
});

describe("Vitest with the Vite plugin in vitest.config", () => {
  it("runs a user's tests of code that uses grad", () => {
    const usage = join(examples, "vitest-usage");
    const result = spawnSync(process.execPath, [join(root, "node_modules/vitest/vitest.mjs"), "run", "--config", join(usage, "vitest.config.mjs")], {
      cwd: usage,
      encoding: "utf8",
      env: { ...process.env, CI: "1", NO_COLOR: "1" },
    });
    expect(result.stdout + result.stderr).toMatch(/Tests\s+3 passed/);
    expect(result.status).toBe(0);
    expect(readFileSync(join(usage, "src", "spring.ts"), "utf8")).toContain("grad(");
  }, 60_000);
});

describe("every numeric fixture as the bundler plugins compile it", () => {
  // The plugins splice the engine's edits into the module's text and the bundler strips the
  // types: here esbuild does, as in a Vite or esbuild build.
  const fixtures = join(root, "fixtures");
  const names = readdirSync(fixtures).filter((name) => !name.startsWith("error-") && existsSync(join(fixtures, name, "input.ts"))).sort();
  const out = join(tmp, "fixtures");

  it.each(names)("%s: spliced, then stripped by esbuild, has gradients that match finite differences", async (name) => {
    const filename = join(fixtures, name, "input.ts");
    const spliced = spliceModule(readFileSync(filename, "utf8"), filename)!;
    const { code } = await esbuildTransform(spliced.code, { loader: "ts", format: "esm", target: "es2022" });
    mkdirSync(out, { recursive: true });
    const file = join(out, `${name}.mjs`);
    writeFileSync(file, code);
    verifyFixture(await import(pathToFileURL(file).href));
  });
});
