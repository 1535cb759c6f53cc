// adjoint against TF.js (CPU and Wasm backends) and jax-js (Wasm device) in one process, by
// size: grad(sum(tanh(x * w))) at 1e3-1e6 elements, the gradient of an MLP (batch 64, three
// dense layers 256 -> 256 -> 256 -> 10, tanh, squared loss) with respect to every weight and
// bias, and matmul in float32 and float64 at 256, 512, 1024.
//
// adjoint's gradient is the program a user writes (bench/programs.mjs, compiled here with the
// compiler's transform), timed beside the same gradient written by hand with adjoint/np.
// What each side's time includes: adjoint, the forward and reverse sweeps and their fresh
// arrays (the gradient stays in JavaScript memory); TF.js, tf.grad(s) inside tf.tidy (which
// disposes the result; CPU and Wasm run synchronously, so the work is done when it returns);
// jax-js, a call of jit(grad(f)) compiled by a warm-up call, awaited with blockUntilReady and
// its result disposed. No side reads its result back. Peers run in float32 (TF.js has no
// float64); adjoint's ratios are taken on its float32 run, float64 timed beside it.
// Ratio = peer time / adjoint time (above 1: adjoint faster). Targets: issue 19.
import * as jax from "@jax-js/jax";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "../dist/compiler/index.js";
import * as np from "../dist/runtime/np/index.js";
import { adjointBackends, finish, fmtMs, fmtRatio, misses, printHeader, printTable, quick, saveResults, setUpTfjs, tensorOn, timeInterleaved } from "./compare.mjs";
import { compilePrograms, handWritten, jaxPrograms, mlpArguments, MLP, tanhProductArguments, tfjsPrograms } from "./programs.mjs";

const TARGET = {
  "tfjs-cpu": { min: 2 }, // every row at 1e4 elements and more
  "tfjs-wasm": { min: 1 }, // the MLP gradient and float32 matmul
  "jax-js": { min: 1.5 }, // every large row (1e5 elements and more; the MLP; matmul)
  hand: { max: 1.3 }, // generated / hand-written
  f64GflopS: 10,
};
const LARGE = 1e5;
/** The targets a row has, for its table cell: "tfjs-cpu ≥ 2, jax-js ≥ 1.5, gen/hand ≤ 1.3". */
const describeTargets = (targets) =>
  Object.entries(targets)
    .filter(([, t]) => t !== undefined)
    .map(([name, t]) => `${name === "hand" ? "gen/hand" : name} ${t.min !== undefined ? `≥ ${t.min}` : `≤ ${t.max}`}`)
    .join(", ");

const root = fileURLToPath(new URL("..", import.meta.url));
const tfjs = await setUpTfjs();
const backends = await adjointBackends();
await jax.init("wasm");
jax.defaultDevice("wasm");
const env = printHeader(
  "adjoint against tfjs-cpu, tfjs-wasm and jax-js (wasm), by size",
  `${tfjs.describe}; jax-js 0.1.25 on its wasm device (single-threaded in Node); adjoint/np backends: ${backends.map((b) => b.name).join(", ")}`,
);
const generated = await compilePrograms(transform, join(root, ".tmp", "bench", "peers.mjs"));
const hand = handWritten(np);
const tfp = tfjsPrograms(tf);
const jxp = jaxPrograms(jax);

/** The peers' variants of a row: TF.js on each backend, jax-js; `run*` receive their own copies of the inputs. */
async function peerVariants(args64, { cpu, wasm, jaxRun, jaxDtype = "float32" }) {
  const onCpu = [];
  const onWasm = [];
  if (cpu) for (const a of args64) onCpu.push(await tensorOn("cpu", a));
  if (wasm && tfjs.wasm) for (const a of args64) onWasm.push(await tensorOn("wasm", a));
  const jaxArgs = jaxRun ? args64.map((a) => jax.numpy.array(Float32Array.from(a.copy().data)).reshape([...a.shape]).astype(jax.numpy[jaxDtype])) : [];
  const variants = [];
  if (cpu) variants.push({ name: "tfjs-cpu", use: () => tf.setBackend("cpu"), run: () => tf.tidy(() => void cpu(...onCpu)) });
  if (wasm && tfjs.wasm) variants.push({ name: "tfjs-wasm", use: () => tf.setBackend("wasm"), run: () => tf.tidy(() => void wasm(...onWasm)) });
  if (jaxRun) {
    variants.push({
      name: "jax-js",
      run: async () => {
        const out = await jax.blockUntilReady(jaxRun(...jaxArgs.map((a) => a.ref)));
        jax.tree.dispose(out);
      },
    });
  }
  const dispose = () => {
    for (const t of [...onCpu, ...onWasm]) t.dispose();
    jax.tree.dispose(jaxArgs);
  };
  return { variants, dispose };
}

const results = [];
// Rows whose slowest side takes 50 ms or more get fewer rounds (3, or `minRounds`).
const rowOptions = (ms, minRounds = 3) => (ms >= 50 ? { budgetMs: quick ? 50 : 150, minRounds: quick ? 3 : minRounds } : undefined);

// ---- gradients of programs ----
const gradColumns = ["program"];
for (const b of backends) gradColumns.push(`${b.name} generated f64 ms`, `${b.name} generated f32 ms`, `${b.name} hand-written f32 ms`);
gradColumns.push("tfjs-cpu ms", "tfjs-wasm ms", "jax-js ms");
for (const b of backends) gradColumns.push(`tfjs-cpu / ${b.name}`, `tfjs-wasm / ${b.name}`, `jax-js / ${b.name}`, `${b.name} gen / hand f32`, `${b.name} gen / hand f64`);
gradColumns.push("targets", "below target");
console.log("Gradients (ratios on adjoint's float32 run; bold: below target)\n");
printTable(gradColumns, []);

/** Times one program's gradient on every side and prints its row (warmUp: time it, print nothing). */
async function gradRow(name, key, args64, size, { mlp = false, expectMs = 0, warmUp = false } = {}) {
  const args32 = args64.map((a) => a.astype("float32"));
  const variants = [];
  for (const b of backends) {
    variants.push({ name: `${b.name} gen f64`, use: b.use, run: () => generated[`${key}Grad`](...args64) });
    variants.push({ name: `${b.name} hand f64`, use: b.use, run: () => hand[key](...args64) });
    variants.push({ name: `${b.name} gen f32`, use: b.use, run: () => generated[`${key}Grad`](...args32) });
    variants.push({ name: `${b.name} hand f32`, use: b.use, run: () => hand[key](...args32) });
  }
  const peers = await peerVariants(args64, { cpu: tfp[key], wasm: tfp[key], jaxRun: jxp[key] });
  const ms = await timeInterleaved([...variants, ...peers.variants], rowOptions(expectMs, 7));
  peers.dispose();
  if (warmUp) return;
  const targets = {
    "tfjs-cpu": size >= 1e4 ? TARGET["tfjs-cpu"] : undefined,
    "tfjs-wasm": mlp ? TARGET["tfjs-wasm"] : undefined,
    "jax-js": size >= LARGE || mlp ? TARGET["jax-js"] : undefined,
  };
  const ratios = {};
  const below = [];
  const cells = [name];
  for (const b of backends) cells.push(fmtMs(ms[`${b.name} gen f64`]), fmtMs(ms[`${b.name} gen f32`]), fmtMs(ms[`${b.name} hand f32`]));
  cells.push(fmtMs(ms["tfjs-cpu"]), fmtMs(ms["tfjs-wasm"]), fmtMs(ms["jax-js"]));
  for (const b of backends) {
    for (const peer of ["tfjs-cpu", "tfjs-wasm", "jax-js"]) {
      const ratio = ms[peer] / ms[`${b.name} gen f32`];
      ratios[`${peer} / ${b.name} f32`] = ratio;
      cells.push(fmtRatio(ratio, targets[peer]));
      if (misses(ratio, targets[peer])) below.push(`${peer} (${b.name})`);
    }
    for (const dtype of ["f32", "f64"]) {
      const ratio = ms[`${b.name} gen ${dtype}`] / ms[`${b.name} hand ${dtype}`];
      ratios[`generated / hand-written ${b.name} ${dtype}`] = ratio;
      cells.push(fmtRatio(ratio, TARGET.hand));
      if (misses(ratio, TARGET.hand)) below.push(`gen/hand ${dtype} (${b.name})`);
    }
  }
  cells.push(describeTargets({ ...targets, hand: TARGET.hand }), below.join(", ") || "-");
  console.log(`| ${cells.join(" | ")} |`);
  results.push({ table: "grad", program: key, name, size, ms, ratios, targets, below });
}

// The first row timed in a process runs code V8 has not optimised yet: a discarded round first.
await gradRow("warm-up", "tanhProduct", tanhProductArguments(np, 1e3), 1e3, { warmUp: true });
for (const n of [1e3, 1e4, 1e5, 1e6]) {
  await gradRow(`grad(sum(tanh(x * w))) n = 1e${Math.log10(n)}`, "tanhProduct", tanhProductArguments(np, n), n, { expectMs: n / 1e4 });
}
const mlpArgs = mlpArguments(np);
await gradRow(`MLP ${MLP.batch}x${MLP.widths.join("x")} gradient`, "mlpLoss", mlpArgs, MLP.batch * MLP.widths[0], { mlp: true, expectMs: 30 });

// ---- matmul ----
const mmColumns = ["matmul", ...backends.map((b) => `adjoint ${b.name} ms (GFLOP/s)`), "tfjs-cpu ms (GFLOP/s)", "tfjs-wasm ms (GFLOP/s)", "jax-js ms (GFLOP/s)"];
for (const b of backends) mmColumns.push(`tfjs-cpu / ${b.name}`, `tfjs-wasm / ${b.name}`, `jax-js / ${b.name}`);
mmColumns.push("targets", "below target");
console.log("\nmatmul n x n (float64 rows against jax-js's float64; target 10 GFLOP/s)\n");
printTable(mmColumns, []);
const jaxMatmul = jax.jit((a, b) => jax.numpy.matmul(a, b));
for (const dtype of ["float32", "float64"]) {
  for (const n of [256, 512, 1024]) {
    np.random.seed(n);
    const args = [np.random.normal(0, 1, [n, n], dtype), np.random.normal(0, 1, [n, n], dtype)];
    const variants = backends.map((b) => ({ name: b.name, use: b.use, run: () => np.matmul(...args) }));
    // jax-js's float64 matmul runs at about 0.5 GFLOP/s: 1024 would take 4 s a call.
    const jaxRun = dtype === "float32" || n <= 512 ? jaxMatmul : undefined;
    // TF.js has no float64 (its float32 rows stand), and its CPU matmul at 1024 takes 3-6 s a call.
    const float32 = dtype === "float32";
    const peers = await peerVariants(args, { cpu: float32 && n < 1024 && tf.matMul, wasm: float32 && tf.matMul, jaxRun, jaxDtype: dtype });
    const ms = await timeInterleaved([...variants, ...peers.variants], rowOptions((n / 256) ** 3 * 40));
    peers.dispose();
    const flops = 2 * n ** 3;
    const gflops = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, flops / v / 1e6]));
    const cell = (k) => (ms[k] === undefined ? "-" : `${fmtMs(ms[k])} (${gflops[k].toFixed(1)})`);
    const targets = { "tfjs-cpu": float32 ? TARGET["tfjs-cpu"] : undefined, "tfjs-wasm": float32 ? TARGET["tfjs-wasm"] : undefined, "jax-js": TARGET["jax-js"] };
    const ratios = {};
    const below = [];
    const cells = [`${dtype} ${n}`, ...backends.map((b) => cell(b.name)), cell("tfjs-cpu"), cell("tfjs-wasm"), cell("jax-js")];
    for (const b of backends) {
      for (const peer of ["tfjs-cpu", "tfjs-wasm", "jax-js"]) {
        const ratio = ms[peer] / ms[b.name];
        ratios[`${peer} / ${b.name}`] = ratio;
        cells.push(fmtRatio(ratio, targets[peer]));
        if (misses(ratio, targets[peer])) below.push(`${peer} (${b.name})`);
      }
      if (dtype === "float64" && gflops[b.name] < TARGET.f64GflopS) below.push(`${TARGET.f64GflopS} GFLOP/s (${b.name})`);
    }
    cells.push(describeTargets({ ...targets, ...(dtype === "float64" ? { "GFLOP/s": { min: TARGET.f64GflopS } } : {}) }), below.join(", ") || "-");
    console.log(`| ${cells.join(" | ")} |`);
    results.push({ table: "matmul", name: `matmul ${dtype} ${n}`, dtype, size: n, ms, gflops, ratios, targets, below });
  }
}

const missed = results.filter((r) => r.below.length > 0).map((r) => r.name);
console.log(`\nrows below a target: ${missed.length ? missed.join("; ") : "none"}`);
await finish();
saveResults("peers", { env, tfjs: tfjs.describe, backends: backends.map((b) => b.name), target: TARGET, rows: results });
