// Build cost of the bundler plugins. Runs against the built package (npm run build
// first): node bench/bundle.bench.mjs, or npm run bench bundle.
//
// (1) The plugin's transform of one generated 2,000-line module with 50 differentiated
//     scalar functions (loops, branches, Math calls, wrt both parameters).
// (2) One app bundled with and without the plugin by each bundler, with the
//     configurations of examples/bundlers: the fit app of examples/bundlers/app plus 200
//     generated modules that do not use grad (about 10,000 lines). Target: the plugin
//     adds under 30% to the bundle time (with / without < 1.3).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { adjoint } from "../dist/compiler/frontends/unplugin.js";

const TARGET = 1.3;
const root = fileURLToPath(new URL("..", import.meta.url));
const examples = join(root, "examples", "bundlers");
const work = join(root, ".tmp", "bench-bundle");
const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function time(fn, runs) {
  await fn(); // warm-up: module loading, JIT
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

// ---- (1) one large module ----

/** A differentiated function of about 40 lines: a loop with a branch, then a chain of updates. */
function scalarFunction(k) {
  const lines = [`function f${k}(x: number, y: number): number {`, "  let s = 0;", "  let a = x;", "  let b = y;"];
  lines.push(`  for (let i = 0; i < ${4 + (k % 5)}; i++) {`, `    const t = a * ${(0.1 * (k + 1)).toFixed(1)} + b * i;`);
  lines.push("    if (t > 0) {", "      s += Math.sin(t) * b;", "    } else {", "      s -= Math.cos(t) * a;", "    }", "    a = a * 0.9 + s * 0.01;", "  }");
  const ops = ["Math.exp(-a * a)", "Math.tanh(b)", "Math.log(1 + a * a)", "Math.sqrt(1 + b * b)", "Math.atan2(a, 1 + b * b)"];
  for (let j = 0; j < 22; j++) lines.push(`  ${j % 2 ? "a" : "b"} = ${j % 2 ? "b" : "a"} * ${(1 + j / 100).toFixed(2)} + ${ops[(j + k) % ops.length]};`);
  lines.push("  const c = a > b ? a * b : a + b;", "  return s + c * 0.5;", "}", `export const df${k} = grad(f${k}, { wrt: [0, 1] });`, "");
  return lines.join("\n");
}

const bigModule = `import { grad } from "adjoint";\n\n${Array.from({ length: 50 }, (_, k) => scalarFunction(k)).join("\n")}`;
const context = { error: (e) => { throw new Error(e.message); }, warn: () => {} };
const bigId = join(work, "big.ts");
// A new plugin each time: one plugin reuses its output for a module whose source is unchanged.
const compileBig = () => adjoint.raw(undefined, { framework: "rollup", versions: {} }).transform.handler.call(context, bigModule, bigId);
const transformMs = await time(compileBig, 5);
const lines = bigModule.split("\n").length;
console.log(`transform of a ${lines}-line module with 50 differentiated functions: ${transformMs.toFixed(0)} ms (median of 5)`);

// ---- (2) one app, with and without the plugin ----

/** A module of plain TypeScript that does not use adjoint: a small vector library. */
function plainModule(k) {
  return `export interface Vec${k} { x: number; y: number; z: number }
export function add${k}(a: Vec${k}, b: Vec${k}): Vec${k} {
  return { x: a.x + b.x, y: a.y + b.y, z: a.z + b.z };
}
export function scale${k}(a: Vec${k}, s: number): Vec${k} {
  return { x: a.x * s, y: a.y * s, z: a.z * s };
}
export function dot${k}(a: Vec${k}, b: Vec${k}): number {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
export function norm${k}(a: Vec${k}): number {
  return Math.sqrt(dot${k}(a, a));
}
export function normalize${k}(a: Vec${k}): Vec${k} {
  const n = norm${k}(a);
  return n === 0 ? a : scale${k}(a, 1 / n);
}
export function cross${k}(a: Vec${k}, b: Vec${k}): Vec${k} {
  return { x: a.y * b.z - a.z * b.y, y: a.z * b.x - a.x * b.z, z: a.x * b.y - a.y * b.x };
}
export function lerp${k}(a: Vec${k}, b: Vec${k}, t: number): Vec${k} {
  return add${k}(scale${k}(a, 1 - t), scale${k}(b, t));
}
export function centroid${k}(points: Vec${k}[]): Vec${k} {
  let sum: Vec${k} = { x: 0, y: 0, z: 0 };
  for (const p of points) sum = add${k}(sum, p);
  return points.length === 0 ? sum : scale${k}(sum, 1 / points.length);
}
export class Path${k} {
  private readonly points: Vec${k}[] = [];
  push(p: Vec${k}): this {
    this.points.push(p);
    return this;
  }
  length(): number {
    let total = 0;
    for (let i = 1; i < this.points.length; i++) total += norm${k}(add${k}(this.points[i], scale${k}(this.points[i - 1], -1)));
    return total;
  }
}
export const unit${k}: Vec${k} = normalize${k}({ x: ${k + 1}, y: 2, z: 3 });
`;
}

const PLAIN = 200;
rmSync(join(work, "app"), { recursive: true, force: true });
mkdirSync(join(work, "app", "lib"), { recursive: true });
for (let k = 0; k < PLAIN; k++) writeFileSync(join(work, "app", "lib", `vec${k}.ts`), plainModule(k));
writeFileSync(
  join(work, "app", "main.ts"),
  `${Array.from({ length: PLAIN }, (_, k) => `import { unit${k}, Path${k} } from "./lib/vec${k}.js";`).join("\n")}
import "${join(examples, "app", "src", "fit.ts")}";
console.log([${Array.from({ length: PLAIN }, (_, k) => `unit${k}.x + new Path${k}().push(unit${k}).length()`).join(", ")}].length);
`,
);
const entry = join(work, "app", "main.ts");
const out = (name, variant) => join(work, "out", `${name}-${variant}`);
const config = async (path, name = "default") => (await import(pathToFileURL(join(examples, path)).href))[name];

/**
 * Each bundler with its example configuration; `variant` is "without" the plugin, "with" it,
 * or "idle": the plugin present but told to exclude every module, which times only what
 * it costs to have it in the build (its filters), not the compilation of the app's two
 * adjoint modules.
 */
const plugins = (name, variant, others = []) =>
  variant === "without" ? others : [adjoint[name](variant === "idle" ? { exclude: /./ } : undefined), ...others];

const bundlers = {
  async vite(variant) {
    const { build } = await import("vite");
    const outDir = out("vite", variant);
    await build({ configFile: false, logLevel: "silent", plugins: plugins("vite", variant), build: { ssr: entry, target: "node20", minify: false, outDir, emptyOutDir: true } });
  },
  async rollup(variant) {
    const { rollup } = await import("rollup");
    const { default: options, stripTypes } = await import(pathToFileURL(join(examples, "rollup/rollup.config.mjs")).href);
    const bundle = await rollup({ ...options, input: entry, plugins: plugins("rollup", variant, [stripTypes()]) });
    await bundle.write({ ...options.output, dir: out("rollup", variant) });
    await bundle.close();
  },
  async esbuild(variant) {
    const { build } = await import("esbuild");
    const options = await config("esbuild/build.mjs", "options");
    await build({ ...options, entryPoints: [entry], outfile: join(out("esbuild", variant), "main.mjs"), plugins: plugins("esbuild", variant), logLevel: "silent" });
  },
  async webpack(variant) {
    const { default: webpack } = await import("webpack");
    const options = await config("webpack/webpack.config.mjs");
    const settings = { ...options, entry, output: { ...options.output, path: out("webpack", variant) }, plugins: plugins("webpack", variant) };
    await new Promise((done, fail) =>
      webpack(settings, (error, stats) => (error || stats.hasErrors() ? fail(error ?? new Error(stats.toString("errors-only"))) : done())),
    );
  },
};

console.log(`\nbundle of the fit app + ${PLAIN} modules that do not use grad (median of 5; target: with / without < ${TARGET}), load ${loadavg()[0].toFixed(1)}\n`);
console.log("| bundler | without ms | with ms | ratio | target | idle plugin ms | idle ratio |");
console.log("| --- | ---: | ---: | ---: | --- | ---: | ---: |");
for (const [name, bundle] of Object.entries(bundlers)) {
  const samples = { without: [], with: [], idle: [] };
  for (const variant of Object.keys(samples)) await bundle(variant); // warm-up
  // Interleaved, so every variant sees the same machine load.
  for (let i = 0; i < 5; i++) {
    for (const variant of Object.keys(samples)) {
      const start = performance.now();
      await bundle(variant);
      samples[variant].push(performance.now() - start);
    }
  }
  const [without, withPlugin, idle] = [samples.without, samples.with, samples.idle].map(median);
  const ratio = withPlugin / without;
  const cells = [without.toFixed(0), withPlugin.toFixed(0), ratio.toFixed(2), ratio < TARGET ? "PASS" : "MISS", idle.toFixed(0), (idle / without).toFixed(2)];
  console.log(`| ${name} | ${cells.join(" | ")} |`);
}
console.log(`\nload ${loadavg()[0].toFixed(1)}`);
