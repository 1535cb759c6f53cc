// The app bench/bundle.bench.mjs bundles, and each bundler with the configurations of
// examples/bundlers. Run directly, it is one cold build for that bench: a fresh process
// imports the bundler (and, with the plugin, the plugin), builds once, and prints the ms:
//   node bench/bundle-app.mjs <bundler> <without|with> [plugin module]
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const examples = join(root, "examples", "bundlers");
export const work = join(root, ".tmp", "bench-bundle");
export const entry = join(work, "app", "main.ts");
/** The plugin module measured: the built one, or another build of it (to compare two versions in one session). */
export const defaultPlugin = join(root, "dist", "compiler", "frontends", "unplugin.js");
export const PLAIN = 200;

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

/**
 * Writes the app: the fit app of examples/bundlers/app plus PLAIN modules that do not use grad.
 * The entry imports the fit app bare: every bundler loads and compiles it, and then drops it
 * (this package's `sideEffects` does not list examples/), so both variants bundle the same
 * modules. Calling its gradient instead would make the build without the plugin bundle all
 * of `adjoint`'s entry, and look slower than the build with it.
 */
export function writeApp() {
  rmSync(join(work, "app"), { recursive: true, force: true });
  mkdirSync(join(work, "app", "lib"), { recursive: true });
  for (let k = 0; k < PLAIN; k++) writeFileSync(join(work, "app", "lib", `vec${k}.ts`), plainModule(k));
  writeFileSync(
    entry,
    `${Array.from({ length: PLAIN }, (_, k) => `import { unit${k}, Path${k} } from "./lib/vec${k}.js";`).join("\n")}
import "${join(examples, "app", "src", "fit.ts")}";
console.log([${Array.from({ length: PLAIN }, (_, k) => `unit${k}.x + new Path${k}().push(unit${k}).length()`).join(", ")}].length);
`,
  );
}

const out = (name, variant) => join(work, "out", `${name}-${variant}`);
const config = async (path, name = "default") => (await import(pathToFileURL(join(examples, path)).href))[name];

/**
 * Each bundler with its example configuration, building the app; `plugins` is what goes in
 * the configuration's plugin list before the configuration's own (none, or adjoint's).
 */
export const bundlers = {
  async vite(variant, plugins) {
    const { build } = await import("vite");
    const outDir = out("vite", variant);
    await build({ configFile: false, logLevel: "silent", plugins, build: { ssr: entry, target: "node20", minify: false, outDir, emptyOutDir: true } });
  },
  async rollup(variant, plugins) {
    const { rollup } = await import("rollup");
    const { default: options, stripTypes } = await import(pathToFileURL(join(examples, "rollup/rollup.config.mjs")).href);
    const bundle = await rollup({ ...options, input: entry, plugins: [...plugins, stripTypes()] });
    await bundle.write({ ...options.output, dir: out("rollup", variant) });
    await bundle.close();
  },
  async esbuild(variant, plugins) {
    const { build } = await import("esbuild");
    const options = await config("esbuild/build.mjs", "options");
    await build({ ...options, entryPoints: [entry], outfile: join(out("esbuild", variant), "main.mjs"), plugins, logLevel: "silent" });
  },
  async webpack(variant, plugins) {
    const { default: webpack } = await import("webpack");
    const options = await config("webpack/webpack.config.mjs");
    const settings = { ...options, entry, output: { ...options.output, path: out("webpack", variant) }, plugins };
    await new Promise((done, fail) =>
      webpack(settings, (error, stats) => (error || stats.hasErrors() ? fail(error ?? new Error(stats.toString("errors-only"))) : done())),
    );
  },
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [name, variant, plugin = defaultPlugin] = process.argv.slice(2);
  const start = performance.now();
  const plugins = variant === "with" ? [(await import(pathToFileURL(resolve(plugin)).href)).adjoint[name]()] : [];
  await bundlers[name](variant, plugins);
  console.log((performance.now() - start).toFixed(1));
}
