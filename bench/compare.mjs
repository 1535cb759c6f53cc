// What the by-size benches against TF.js and jax-js share: the peers set up in one process,
// adjoint's backends (the Wasm one when `np.setBackend` exists), an interleaved timer, and
// the printed table with its ratios (peer time / adjoint time: above 1, adjoint is faster).
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as np from "../dist/runtime/np/index.js";

export const quick = process.env.BENCH_QUICK === "1";
// BENCH_THREADS=auto (or a count) runs adjoint/np's large kernels on that many threads; default: 1, the runtime's.
if (process.env.BENCH_THREADS && typeof np.setThreads === "function") np.setThreads(process.env.BENCH_THREADS === "auto" ? "auto" : Number(process.env.BENCH_THREADS));
const here = fileURLToPath(new URL(".", import.meta.url));

let tfjsReady;
/** Both TF.js backends, initialised once per process (`npm run bench` runs every bench in one):
 * the CPU one (JavaScript) and the Wasm one (XNNPACK, SIMD). Leaves the CPU backend current. */
export function setUpTfjs() {
  tfjsReady ??= initTfjs();
  return tfjsReady;
}

async function initTfjs() {
  const require = createRequire(import.meta.url);
  setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
  const wasm = await tf.setBackend("wasm");
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  const threads = tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT");
  await tf.setBackend("cpu");
  return { wasm, describe: `tfjs ${tf.version.tfjs}: cpu; wasm ${wasm ? `(simd ${simd}, threads ${threads})` : "unavailable"}` };
}

/**
 * adjoint/np's backends to time: "js" and "wasm" once the runtime can switch
 * (`setBackend(name)`, sync or async, throwing or returning false for a backend it lacks),
 * else the one it has.
 */
export async function adjointBackends(runtime = np) {
  if (typeof runtime.setBackend !== "function") return [{ name: "js", use: async () => {} }];
  const names = [];
  for (const name of ["js", "wasm"]) {
    try {
      if ((await runtime.setBackend(name)) === false) throw new Error("setBackend returned false");
      names.push(name);
    } catch (error) {
      console.log(`adjoint/np backend "${name}" unavailable: ${String(error?.message ?? error).split("\n")[0]}`);
    }
  }
  await runtime.setBackend("js");
  return names.map((name) => ({ name, use: async () => void (await runtime.setBackend(name)) }));
}

/** A tensor of the array's values (float32) on TF.js's `backend`. */
export async function tensorOn(backend, a) {
  await tf.setBackend(backend);
  return tf.tensor(Float32Array.from(a.copy().data), a.shape, "float32");
}

const isPromise = (result) => result !== null && typeof result === "object" && typeof result.then === "function";

/**
 * Milliseconds `calls` runs of a variant take. Awaits only a variant that returns a promise
 * (jax-js's), and reads the clock before returning: any `await` of a synchronous variant would
 * yield to the microtask queue, and work a peer left queued would run inside its timing.
 */
async function timeCalls(v, calls) {
  const t0 = performance.now();
  for (let c = 0; c < calls; c++) {
    const result = v.run();
    if (isPromise(result)) await result;
  }
  return performance.now() - t0;
}

/**
 * Median milliseconds per call of each variant, the variants interleaved round by round (one
 * sample of each per round) so that a busy moment of the machine falls on all of them.
 * variant: { name, use?: async () => void (switch backends before its sample), run: () => void | Promise }.
 * A sample repeats cheap calls to last about half a millisecond.
 */
export async function timeInterleaved(variants, { budgetMs = quick ? 150 : 400, minRounds = 5, maxRounds = 60 } = {}) {
  const perSample = [];
  for (const v of variants) {
    await v.use?.();
    // Warm-up until the JIT has settled on the hot path: 3 calls (1 s at most) and 30 ms.
    let once = 0;
    for (let i = 0, start = performance.now(); (i < 3 && performance.now() - start < 1000) || performance.now() - start < 30; i++) {
      once = await timeCalls(v, 1);
    }
    perSample.push(Math.max(1, Math.min(1000, Math.ceil(0.5 / Math.max(once, 1e-4)))));
  }
  const samples = variants.map(() => []);
  const start = performance.now();
  for (let round = 0; round < maxRounds && (round < minRounds || performance.now() - start < budgetMs); round++) {
    // Each round starts one variant later: whatever the previous sample leaves behind (a GC,
    // a backend switch) falls on every variant in turn.
    for (let j = 0; j < variants.length; j++) {
      const k = (round + j) % variants.length;
      const v = variants[k];
      await v.use?.();
      // Let what the previous sample queued (microtasks, immediates: jax-js's) run untimed.
      await new Promise((resolve) => setImmediate(resolve));
      samples[k].push((await timeCalls(v, perSample[k])) / perSample[k]);
    }
  }
  return Object.fromEntries(variants.map((v, k) => [v.name, median(samples[k])]));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export const fmtMs = (ms) => (ms === undefined ? "-" : ms < 0.1 ? ms.toPrecision(3) : ms.toFixed(2));
/** Whether a ratio misses its target: { min } it should reach or { max } it should stay under. */
export const misses = (ratio, target) => target !== undefined && isFinite(ratio) && (target.min !== undefined ? ratio < target.min : ratio > target.max);
/** A ratio cell, bold when it misses its target (a number is a minimum). */
export function fmtRatio(ratio, target) {
  if (ratio === undefined || !isFinite(ratio)) return "-";
  return misses(ratio, typeof target === "number" ? { min: target } : target) ? `**${ratio.toFixed(2)}**` : ratio.toFixed(2);
}

/** Machine, Node and load average: the header each bench prints and records. */
export function environment() {
  return {
    machine: `${cpus().length} x ${cpus()[0]?.model}`,
    node: process.version,
    date: new Date().toISOString(),
    load: loadavg().map((l) => Number(l.toFixed(2))),
    // the threads adjoint/np's large Wasm kernels run on (1: the main thread only)
    threads: typeof np.getThreads === "function" ? np.getThreads() : 1,
  };
}

export function printHeader(title, extra) {
  const env = environment();
  console.log(`${title}\nmachine: ${env.machine}, node ${env.node}, ${env.date}; ${extra}; adjoint/np threads: ${env.threads}`);
  console.log(`load average at start: ${env.load.join(" ")} (the machine is shared: compare ratios, not times)\n`);
  return env;
}

/** Prints the load average at the end and puts TF.js back on its CPU backend, for the benches after. */
export async function finish() {
  console.log(`\nload average at end: ${environment().load.join(" ")}`);
  await tf.setBackend("cpu");
}

export function printTable(columns, rows) {
  console.log(`| ${columns.join(" | ")} |`);
  console.log(`| --- | ${columns.slice(1).map(() => "---:").join(" | ")} |`);
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
}

/** Writes the rows a chart is drawn from to bench/results/<name>.json (BENCH_RESULTS=0 to skip). */
export function saveResults(name, data) {
  if (process.env.BENCH_RESULTS === "0" || quick) return;
  const dir = join(here, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ ...data, end: environment() }, null, 1) + "\n");
  console.log(`\nwrote bench/results/${name}.json`);
}
