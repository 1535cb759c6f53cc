// The README's and docs' code blocks, run as a user would run them. Every fenced block of
// README.md and docs/*.md has a decision below, keyed by page, heading and first line
// (`README.md § Vite › // vite.config.js`): a program is compiled by the built
// adjoint/compiler and run by Node, with each expectation comment (`x.grad; // array(...)`,
// `df(1.5, 2); // ≈ 12.68`) printed and compared; a configuration is copied into a fresh
// project folder (.tmp/docs/<name>, node_modules/adjoint linked to this checkout, so the
// plugins load from dist/ by name) and built by the tool it configures, the built program
// run by Node; the rest is checked against what it quotes or skipped with a reason. A block
// without a decision, or a decision whose block is gone, fails the test. So does a relative
// link of a page that does not resolve to a file of the repository.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { type Block, documentationPages, extractBlocks, matchesExpectation, relativeLinks, splitFiles, withPrints } from "./helpers/docs-blocks.js";
import { COMPILE_SCRIPT, type Project, project, root } from "./helpers/docs-project.js";

const blocks = documentationPages(root).flatMap((page) => extractBlocks(root, page));
const block = (id: string): Block => {
  const found = blocks.find((b) => b.id === id);
  if (!found) throw new Error(`no block ${id}`);
  return found;
};

/** A line the harness prints after each expected value, so values that print on several lines stay apart. */
const SEPARATOR = "\u001e";

/** `code` with every expectation comment printed (each value followed by a SEPARATOR line), and the expectations. */
function printing(code: string) {
  return withPrints(code, (expression) => `console.log(${expression}); console.log("${SEPARATOR}");`);
}

/** Compares what a program printed with the expectations of its comments. */
function expectPrinted(stdout: string, expectations: { line: number; expected: string }[], where: string) {
  const values = stdout.split(`${SEPARATOR}\n`).slice(0, -1).map((value) => value.trim());
  expect(values.length, `${where}: values printed`).toBe(expectations.length);
  expectations.forEach(({ line, expected }, i) => {
    expect(matchesExpectation(values[i], expected), `${where}, line ${line} of the block: printed ${values[i]}, the comment says ${expected}`).toBe(true);
  });
}

/**
 * The README's first example, the program the build-tool configurations build as their
 * `src/main.ts`; it prints `df(1.5, 2)`, which its comment states.
 */
const APP_ID = 'README.md § adjoint › import { grad } from "adjoint";';
const app = () => printing(block(APP_ID).text);

/** A project with the app as src/main.ts plus `files`. */
function appProject(name: string, files: Record<string, string>): Project {
  return project(name, { "src/main.ts": app().code, ...files });
}

/** Runs the built app and compares its output with the README's comment. */
async function expectAppRuns(p: Project, built: string, where: string, ...nodeOptions: string[]) {
  expectPrinted(await p.node(...nodeOptions, built), app().expectations, where);
}

/** The single file of a configuration block (its first line may name it: `// vite.config.js`). */
const configText = (id: string) => [...splitFiles(block(id).text, "config").values()][0];

// ---- programs: compiled by the built adjoint/compiler (transform), run by Node ----

interface ProgramHarness {
  /** Code the fragment needs before it (imports, the values it is applied to). */
  readonly before?: string;
  /** Code after it: checks of what it computed, with expectation comments of their own. */
  readonly after?: string;
}

/** A block that is a program (one file, or several after `// name.ts` headers, the last one run). */
function program(harness: ProgramHarness = {}) {
  return async (b: Block) => {
    const files = [...splitFiles(b.text, "main.ts")];
    const [entry, text] = files[files.length - 1];
    const { code, expectations } = printing(`${harness.before ?? ""}${text}${harness.after ?? ""}`);
    expect(expectations.length, `${b.id}: a program block shows at least one printed value`).toBeGreaterThan(0);
    const p = project(`program-${slug(b)}`, { ...Object.fromEntries(files), [entry]: code, "compile.mjs": COMPILE_SCRIPT });
    await p.node("compile.mjs", ...files.map(([name]) => name));
    expectPrinted(await p.node(entry.replace(/\.ts$/, ".js")), expectations, b.id);
  };
}

const slug = (b: Block) => `${b.file}-${b.line}`.replace(/[^\w]+/g, "-");

// ---- what each block is ----

type Decision = { skip: string } | { run: (b: Block) => Promise<void> };

/** An abridgement: each of its lines (blank lines aside) is a line of `full`, in order. */
function expectLinesInOrder(abridged: string, full: string, what: string): void {
  const lines = full.split("\n");
  let at = 0;
  for (const line of abridged.split("\n").filter((l) => l.trim() !== "")) {
    const found = lines.indexOf(line, at);
    expect(found, `"${line}" is not in ${what} after line ${at}`).toBeGreaterThanOrEqual(0);
    at = found + 1;
  }
}

const decisions: Record<string, Decision> = {
  [APP_ID]: { run: program() },
  "README.md § Set-up › npm ci && npm run demo   # the main job: the seed notebook, every cell, compiled with tspc + adjoint and run": {
    skip: "shell commands for the checkout itself (test/seed-notebook.test.ts builds and runs the demo's notebook)",
  },

  "README.md § Using it with Babel › {": {
    async run(b) {
      // The config as the project's babel.config.json, @babel/core finding it as a user's build does.
      const p = appProject("babel", { "babel.config.json": b.text });
      p.write("build.mjs", 'import { transformFileAsync } from "@babel/core";\nimport { writeFileSync } from "node:fs";\nwriteFileSync("main.js", (await transformFileAsync("src/main.ts")).code);\n');
      await p.node("build.mjs");
      await expectAppRuns(p, "main.js", b.id);
    },
  },
  "README.md § Using it with Babel › // compile.mjs: node compile.mjs writes model.js from model.ts": {
    async run(b) {
      const p = project("transform", { "compile.mjs": configText(b.id), "model.ts": app().code });
      await p.node("compile.mjs");
      expect(JSON.parse(readFileSync(join(p.dir, "model.js.map"), "utf8")).sources).toEqual(["model.ts"]);
      expectPrinted(await p.node("--enable-source-maps", "model.js"), app().expectations, b.id);
    },
  },

  "README.md § Vite › // vite.config.js": {
    async run(b) {
      // A browser app: this config and the README's index.html. The bundle, an ES module, runs
      // in Node too, given the one thing of a browser's it touches: Vite's modulepreload
      // polyfill asks `document` whether links support modulepreload.
      const html = block("README.md § Vite › <!-- index.html -->").text;
      const p = appProject("vite-browser", { "vite.config.js": b.text, "index.html": html });
      await p.tool("vite/bin/vite.js", "build", "--logLevel", "error");
      const assets = readdirSync(join(p.dir, "dist", "assets")).filter((name) => name.endsWith(".js"));
      expect(assets).toHaveLength(1);
      expect(readFileSync(join(p.dir, "dist", "index.html"), "utf8")).toContain(`/assets/${assets[0]}`);
      p.write("browser.mjs", "globalThis.document = { createElement: () => ({ relList: { supports: () => true } }) };\n");
      await expectAppRuns(p, `dist/assets/${assets[0]}`, b.id, "--import", "./browser.mjs");
    },
  },
  "README.md § Vite › <!-- index.html -->": { skip: "the browser app's index.html: built with the Vite config before it (README.md § Vite › // vite.config.js)" },
  "README.md § Vite › // vite.config.js, for a Node script": {
    async run(b) {
      const p = appProject("vite-node", { "vite.config.js": configText(b.id) });
      await p.tool("vite/bin/vite.js", "build", "--logLevel", "error");
      await expectAppRuns(p, "dist/main.js", b.id);
    },
  },
  "README.md § Vitest › // vitest.config.js": {
    async run(b) {
      const p = project("vitest", {
        "vitest.config.js": b.text,
        "src/main.ts": 'import { grad } from "adjoint";\nexport const df = grad((x: number) => x * x * x);\n',
        "src/main.test.ts": 'import { expect, test } from "vitest";\nimport { df } from "./main.js";\ntest("the compiled gradient", () => expect(df(2)).toBe(12));\n',
      });
      expect(await p.tool("vitest/vitest.mjs", "run")).toMatch(/Tests\s+1 passed/);
    },
  },
  "README.md § Rollup › // rollup.config.js": {
    async run(b) {
      // rollup-plugin-esbuild is not a dependency of this checkout: the example's few-line
      // stand-in over esbuild's transform takes its place in the project's node_modules.
      const stand_in = join(root, "examples", "bundlers", "rollup", "rollup.config.mjs");
      const p = appProject("rollup", {
        "rollup.config.js": b.text,
        "node_modules/rollup-plugin-esbuild/package.json": '{ "type": "module", "main": "index.js" }\n',
        "node_modules/rollup-plugin-esbuild/index.js": `export { stripTypes as default } from ${JSON.stringify(stand_in)};\n`,
      });
      await p.tool("rollup/dist/bin/rollup", "-c", "--silent");
      await expectAppRuns(p, "dist/main.js", b.id);
    },
  },
  'README.md § esbuild › import { build } from "esbuild";': {
    async run(b) {
      const p = appProject("esbuild", { "build.mjs": b.text });
      await p.node("build.mjs");
      await expectAppRuns(p, "dist/main.js", b.id);
    },
  },
  "README.md § webpack › // webpack.config.js": {
    async run(b) {
      // The README leaves entry, output and the TypeScript rule to the project: the harness
      // fills them in (the example's loader over esbuild's transform stands in for
      // esbuild-loader) and builds with webpack's API (webpack-cli is not a dependency here).
      const loader = join(root, "examples", "bundlers", "webpack", "strip-types-loader.cjs");
      const p = appProject("webpack", { "webpack.config.js": configText(b.id) });
      p.write(
        "build.mjs",
        `import webpack from "webpack";
import config from "./webpack.config.js";
const harness = {
  mode: "none", target: "node", entry: "./src/main.ts", output: { path: new URL("dist", import.meta.url).pathname, filename: "main.cjs" },
  resolve: { extensions: [".ts", ".js"] }, module: { rules: [{ test: /\\.ts$/, loader: ${JSON.stringify(loader)} }] },
};
const stats = await new Promise((done, fail) => webpack({ ...harness, ...config }, (error, result) => (error ? fail(error) : done(result))));
if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }));
`,
      );
      await p.node("build.mjs");
      await expectAppRuns(p, "dist/main.cjs", b.id);
    },
  },

  "README.md § Using it with tsc (ts-patch) › {": {
    async run(b) {
      const p = appProject("tspc", { "tsconfig.json": b.text });
      await p.tool("ts-patch/bin/tspc.js", "-p", ".");
      expect(existsSync(join(p.dir, "dist", "main.d.ts"))).toBe(true);
      await expectAppRuns(p, "dist/main.js", b.id);
    },
  },

  'README.md § The notebook\'s style: `autograd.record` and `backward()` › import { autograd } from "adjoint";': { run: program() },
  "README.md § Across modules: `differentiable` › // model.ts": { run: program() },
  'README.md § Hand-written rules: `customGrad` › import { customGrad, grad } from "adjoint";': { run: program() },
  'README.md § Indexed code: loops over Float64Array and number[] › import { grad } from "adjoint";': { run: program() },
  'README.md § Array programs: adjoint/np › import { grad } from "adjoint";': { run: program() },
  'README.md § Arrays of arrays as data › import { grad } from "adjoint";': { run: program() },
  'README.md § Object records › import { grad } from "adjoint";': { run: program() },
  'README.md § Higher order: `grad(grad(f))` › import { grad } from "adjoint";': { run: program() },

  "README.md § The generated code › function f$valueAndGrad(a) {": {
    async run(b) {
      // An abridgement of the golden file: each of its lines (blank lines aside) is a line of it, in order.
      expectLinesInOrder(b.text, readFileSync(join(root, "fixtures", "seed-control-flow", "output.js"), "utf8"), "fixtures/seed-control-flow/output.js");
    },
  },
  "docs/ARCHITECTURE.md § Architecture › source ──▶ frontends/ ──▶ driver/ ──▶ lower/ ──▶ optimize/ ──▶ analyze/ ──▶ reverse/ ──▶ emit/ ──▶ frontends/ ──▶ output": {
    skip: "a drawing of the pipeline",
  },
  'docs/ARCHITECTURE.md § A `grad(f)` call, from the front end to emitted code › import { grad } from "adjoint";': { run: program() },
  "docs/ARCHITECTURE.md § A `grad(f)` call, from the front end to emitted code › y = copy x": { skip: "the IR drawn as text; the IR itself is data" },
  "docs/ARCHITECTURE.md § A `grad(f)` call, from the front end to emitted code › export const df = f$grad;": {
    async run(b) {
      // What the engine makes of the example above it: each line, in order.
      const example = blocks.find((other) => other.file === b.file && other.firstLine === 'import { grad } from "adjoint";')!;
      expectLinesInOrder(b.text, transform(example.text, { filename: "example.ts" }).code, "what transform() generates for the example");
    },
  },
  "README.md § How it is built › compiler/": {
    async run(b) {
      // The layout as it is: every folder the listing names exists, and every stage folder of compiler/ is named.
      const named = [...b.text.matchAll(/^( *)([\w.-]+\/)/gm)].map(([, indent, dir]) => (indent.length > 0 ? `compiler/${dir}` : dir));
      for (const dir of named) expect(existsSync(join(root, dir)), `${dir} is not a folder of the repository`).toBe(true);
      const stages = readdirSync(join(root, "compiler"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `compiler/${d.name}/`);
      expect(stages.filter((dir) => !named.includes(dir))).toEqual([]);
    },
  },

  "docs/bundlers.md § Build cost › transform of a 2002-line module with 50 differentiated functions: 1470-1560 ms": {
    skip: "timings measured by `npm run bench bundle` on one machine; they vary from run to run",
  },
  "docs/diagnostics.md § Diagnostics › fixtures/error-two-problems/input.ts:5:3 - error ADJ001: try/catch/finally is not differentiable": {
    async run(b) {
      // The golden file it quotes (test/fixtures.test.ts checks that file against the compiler).
      expect(b.text.trim()).toBe(readFileSync(join(root, "fixtures", "error-two-problems", "diagnostics.txt"), "utf8").trim());
    },
  },

  'docs/modes.md § Using it › import { jacfwd, jvp, vjp } from "adjoint";': { run: program() },
  "docs/modes.md § The generated code › // jvp of f with tangents of x (line 3); generated by adjoint": {
    async run(b) {
      // What the engine makes of the example above it: each line, in order.
      const example = blocks.find((other) => other.file === b.file && other.firstLine === 'import { jacfwd, jvp, vjp } from "adjoint";')!;
      expectLinesInOrder(b.text, transform(example.text, { filename: "example.ts" }).code, "what transform() generates for the example");
    },
  },
  "docs/modes.md § Higher order › // gradient of f with respect to x, in the differentiable subset (to be differentiated again); generated by adjoint": {
    async run(b) {
      // What the engine makes of the source shown after it: each line, in order.
      const example = blocks.find((other) => other.file === b.file && other.firstLine === 'import { hvp } from "adjoint";')!;
      expectLinesInOrder(b.text, transform(example.text, { filename: "example.ts" }).code, "what transform() generates for the example");
    },
  },
  'docs/modes.md § Higher order › import { hvp } from "adjoint";': { skip: "the source of the generated code above it, which that block's check compiles" },
  "docs/modes.md § Code whose gradient needs arrays by identity › // u = next;  (line 16)": {
    async run(b) {
      // Lines of the golden tangent function it quotes, in order.
      expectLinesInOrder(b.text, readFileSync(join(root, "fixtures", "modes-by-identity", "output.js"), "utf8"), "fixtures/modes-by-identity/output.js");
    },
  },
  "docs/modes.md § Code whose gradient needs arrays by identity › function relax$grad$rev(stack, dgradient, dinitial) {": {
    async run(b) {
      // The golden reverse half it quotes, line by line.
      expectLinesInOrder(b.text, readFileSync(join(root, "fixtures", "gradient-inside-identity", "output.js"), "utf8"), "fixtures/gradient-inside-identity/output.js");
    },
  },
  'docs/modes.md § Records › import { grad, hessian, hvp } from "adjoint";': { run: program() },
  'docs/modes.md § NDArray code › import { grad, hessian, hvp } from "adjoint";': { run: program() },
  'docs/modes.md § Third order of NDArray code › import { grad } from "adjoint";': { run: program() },
  "docs/modes.md § NDArray code › // if (dh !== undefined)  (line 10)": {
    async run(b) {
      // What the engine makes of the example above it: each line, in order.
      const example = block('docs/modes.md § NDArray code › import { grad, hessian, hvp } from "adjoint";');
      expectLinesInOrder(b.text, transform(example.text, { filename: "example.ts" }).code, "what transform() generates for the example");
    },
  },
  'README.md § Forward mode: `jvp` and `jacfwd` › import { jvp } from "adjoint";': { run: program() },
  'README.md § Long loops: `checkpoint` › import { checkpoint, grad } from "adjoint";': { run: program() },
  'README.md § Reused gradient arrays: `out` › import { grad } from "adjoint";': { run: program() },
  'docs/design.md § What a user writes › import { grad, valueAndGrad, autograd } from "adjoint";': { run: program() },
  'docs/np.md § `adjoint/np` — the typed-array runtime › import * as np from "adjoint/np";': { run: program() },
  'docs/np.md § The kernel backend: JS or WebAssembly SIMD › import * as np from "adjoint/np";': { run: program() },
  'docs/np.md § softmax, logSoftmax, logsumexp › import { grad } from "adjoint";': { run: program() },
  'docs/np.md § Both cores: worker threads › import * as np from "adjoint/np";': { run: program() },
  "docs/np.md § NDArray › class NDArray {": { skip: "a summary of the class's members, not a program (its declaration: dist/runtime/np/ndarray.d.ts)" },
  "docs/np.md § Printing › array([0., 1., 2., 3.])            [0. 1. 2. 3.]": {
    async run(b) {
      // Two columns, repr and str, of the arrays the block shows.
      const p = project("np-printing", {
        "main.js": `import * as np from "adjoint/np";
const arrays = [np.arange(4), np.array(28), np.array([true, true]), np.array([[0.7740038, 0.4838046], [1.0434403, 0.29956347]])];
for (const a of arrays) console.log(JSON.stringify([np.repr(a).split("\\n"), np.str(a).split("\\n")]));
`,
      });
      const printed = (await p.node("main.js")).trim().split("\n").map((line) => JSON.parse(line) as [string[], string[]]);
      const rows = printed.flatMap(([repr, str]) => repr.map((left, i) => [left, str[i]]));
      const lines = b.text.trimEnd().split("\n");
      expect(lines).toHaveLength(rows.length);
      rows.forEach(([left, right], i) => {
        const line = lines[i].trimEnd();
        expect(line.startsWith(left), `${b.id}: line ${i + 1} starts with ${left}`).toBe(true);
        expect(line.endsWith(right) && line.slice(left.length, line.length - right.length).trim() === "", `${b.id}: line ${i + 1} ends with ${right}`).toBe(true);
      });
    },
  },
  'docs/np.md § Adjoints › import { adjoints, accumulate, addInto, unbroadcast } from "adjoint/np";': {
    skip: "the shape of a rule (an interface listing), not a program; the next block calls the rules",
  },
  "docs/np.md § Second-order rules › interface SecondOrderRule {": {
    skip: "the shape of a second-order rule (an interface listing), not a program; test/np/second-order-hvp.test.ts calls the rules",
  },
  "docs/np.md § Adjoints › // y = sum(tanh(w @ x)); reverse sweep by hand, as generated code does it": {
    run: program({
      before: 'import { grad } from "adjoint";\nimport * as np from "adjoint/np";\nimport { adjoints } from "adjoint/np";\nconst w = np.array([[0.5, -0.3], [0.8, 0.1]]), x = np.array([1, 2]);\n',
      after: "const compiled = grad((w: np.NDArray) => np.sum(np.tanh(np.matmul(w, x))))(w);\ndw!.toString() === compiled.toString(); // true\n",
    }),
  },
};

describe("every code block of README.md and docs/*.md has a decision", () => {
  it("is run, checked or skipped with a reason; none is left undecided, no decision names a block that is gone", () => {
    const ids = blocks.map((b) => b.id);
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(repeated, "blocks with the same page, heading and first line: make their first lines differ").toEqual([]);
    const undecided = blocks.filter((b) => !(b.id in decisions)).map((b) => `${b.file}:${b.line}: ${b.id}`);
    expect(undecided, "add each of these blocks to `decisions` in test/docs.test.ts: run it, or skip it with a reason").toEqual([]);
    expect(Object.keys(decisions).filter((id) => !ids.includes(id)), "decisions for blocks no longer in the docs").toEqual([]);
  });
});

describe("the docs' code blocks, run", () => {
  beforeAll(() => {
    // The blocks load the package by name, as a user's project does: build dist/ first.
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root });
  }, 120_000);

  const runs = blocks.filter((b) => "run" in (decisions[b.id] ?? {}));
  it.concurrent.each(runs.map((b) => [`${b.file}:${b.line} ${b.heading} › ${b.firstLine}`, b] as const))("%s", async (_, b) => {
    await (decisions[b.id] as { run: (b: Block) => Promise<void> }).run(b);
  }, 120_000);
});

describe("relative links", () => {
  it.each(documentationPages(root))("every relative link of %s resolves to a file of the repository", (page) => {
    const broken = relativeLinks(root, page)
      .map(({ target, line }) => ({ line, target, path: relative(root, resolve(root, page, "..", target)) }))
      .filter(({ path }) => (path.startsWith("..") || !existsSync(join(root, path))))
      .map(({ line, target }) => `${page}:${line}: ${target}`);
    expect(broken).toEqual([]);
  });
});
