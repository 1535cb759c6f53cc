// Build cost of the bundler plugins. Runs against the built package (npm run build
// first): node bench/bundle.bench.mjs, or npm run bench bundle.
//
// (1) The plugin's transform of one generated 2,000-line module with 50 differentiated
//     scalar functions (loops, branches, Math calls, wrt both parameters).
// (2) One app bundled with and without the plugin by each bundler, with the
//     configurations of examples/bundlers: the fit app of examples/bundlers/app plus 200
//     generated modules that do not use grad (about 10,000 lines). Target: the plugin
//     adds under 30% to the bundle time (with / without < 1.3). The app and the bundlers'
//     configurations are in bench/bundle-app.mjs.
// (3) The same builds cold: one build in a fresh process, with the import of the bundler
//     and of the plugin (the engine loads on the first module that uses adjoint).
// BUNDLE_PLUGIN=<path of unplugin.js> measures another build of the plugin (for a before /
// after in one session); the default is dist/.
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundlers, defaultPlugin, PLAIN, work, writeApp } from "./bundle-app.mjs";

const TARGET = 1.3;
const pluginPath = resolve(process.env.BUNDLE_PLUGIN ?? defaultPlugin);
const { adjoint } = await import(pathToFileURL(pluginPath).href);
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

writeApp();

/**
 * The plugin list for each variant: "without" the plugin, "with" it, or "idle": the plugin
 * present but told to exclude every module, which times only what it costs to have it in
 * the build (its filters), not the compilation of the app's two adjoint modules.
 */
const plugins = (name, variant) => (variant === "without" ? [] : [adjoint[name](variant === "idle" ? { exclude: /./ } : undefined)]);

console.log(`\nplugin: ${pluginPath}`);
console.log(`bundle of the fit app + ${PLAIN} modules that do not use grad (median of 5; target: with / without < ${TARGET}), load ${loadavg()[0].toFixed(1)}\n`);
console.log("| bundler | without ms | with ms | ratio | target | idle plugin ms | idle ratio |");
console.log("| --- | ---: | ---: | ---: | --- | ---: | ---: |");
for (const [name, bundle] of Object.entries(bundlers)) {
  const samples = { without: [], with: [], idle: [] };
  for (const variant of Object.keys(samples)) await bundle(variant, plugins(name, variant)); // warm-up
  // Interleaved, so every variant sees the same machine load.
  for (let i = 0; i < 5; i++) {
    for (const variant of Object.keys(samples)) {
      const start = performance.now();
      await bundle(variant, plugins(name, variant));
      samples[variant].push(performance.now() - start);
    }
  }
  const [without, withPlugin, idle] = [samples.without, samples.with, samples.idle].map(median);
  const ratio = withPlugin / without;
  const cells = [without.toFixed(0), withPlugin.toFixed(0), ratio.toFixed(2), ratio < TARGET ? "PASS" : "MISS", idle.toFixed(0), (idle / without).toFixed(2)];
  console.log(`| ${name} | ${cells.join(" | ")} |`);
}

// ---- (3) cold: one build per fresh process ----

const coldBuild = (name, variant) => Number(execFileSync(process.execPath, [fileURLToPath(new URL("bundle-app.mjs", import.meta.url)), name, variant, pluginPath], { encoding: "utf8" }).trim());
console.log(`\ncold: one build in a fresh process, from the import of the bundler and the plugin (median of 5), load ${loadavg()[0].toFixed(1)}\n`);
console.log("| bundler | without ms | with ms | with - without ms | ratio |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const name of Object.keys(bundlers)) {
  const samples = { without: [], with: [] };
  for (let i = 0; i < 5; i++) for (const variant of Object.keys(samples)) samples[variant].push(coldBuild(name, variant));
  const [without, withPlugin] = [samples.without, samples.with].map(median);
  console.log(`| ${name} | ${without.toFixed(0)} | ${withPlugin.toFixed(0)} | ${(withPlugin - without).toFixed(0)} | ${(withPlugin / without).toFixed(2)} |`);
}
console.log(`\nload ${loadavg()[0].toFixed(1)}`);
