// np.softmax, np.logSoftmax and np.logsumexp (issue 19) against the composition users wrote
// before them ("before": exp, sum, log and a max shift, four intermediates), tfjs-cpu,
// tfjs-wasm and jax-js (jit on its Wasm device), in one process: along the rows of
// (rows × 1000) logits at 1e4, 1e5 and 1e6 elements, forward and the gradient of a loss
// through them (adjoint's compiled grad, tf.grad, jit(grad)). Every call makes a fresh result
// (TF.js inside tf.tidy; jax-js's outputs disposed after blockUntilReady); the sides of a row
// are interleaved (compare.mjs). Ratios: peer time / adjoint time (above 1: adjoint faster),
// against adjoint in float32 (the peers' type) on its default backend. BENCH_QUICK=1: short.
import * as jax from "@jax-js/jax";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "../dist/compiler/index.js";
import * as np from "../dist/runtime/np/index.js";
import { finish, fmtMs, fmtRatio, printHeader, printTable, quick, saveResults, setUpTfjs, tensorOn, timeInterleaved } from "./compare.mjs";
import { compileSoftmaxPrograms, labelsFor, softmaxRows } from "./softmax-rows.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const tfjs = await setUpTfjs();
await jax.init("wasm");
jax.defaultDevice("wasm");
const backend = np.getBackend();
const env = printHeader(
  "softmax, logSoftmax, logsumexp: adjoint against its composition before, tfjs-cpu, tfjs-wasm and jax-js",
  `${tfjs.describe}; jax-js 0.1.25 (wasm device, jit); adjoint/np backend ${backend}`,
);
const programs = await compileSoftmaxPrograms(transform, join(root, ".tmp", "bench", "softmax.mjs"));
const specs = softmaxRows(np, tf, jax, programs);

const columns = ["row", "adjoint f64 ms", "adjoint f32 ms", "before f64 ms", "before f32 ms", "tfjs-cpu ms", "tfjs-wasm ms", "jax-js ms",
  "before / adjoint f64", "before / adjoint f32", "tfjs-cpu / adjoint", "tfjs-wasm / adjoint", "jax-js / adjoint"];
console.log("Ratios: peer time / adjoint f32 time; before / adjoint in each dtype.\n");
printTable(columns, []);

async function measure(spec) {
  np.random.seed(11);
  const x64 = np.random.uniform(-5, 5, spec.shapes[0]);
  const args64 = spec.labels ? [x64, labelsFor(np, ...spec.shapes[0])] : [x64];
  const args32 = args64.map((a) => a.astype("float32"));
  const onCpu = [];
  const onWasm = [];
  for (const a of args64) onCpu.push(await tensorOn("cpu", a));
  if (tfjs.wasm) for (const a of args64) onWasm.push(await tensorOn("wasm", a));
  const jaxArgs = args64.map((a) => jax.numpy.array(Float32Array.from(a.data)).reshape([...a.shape]));
  const variants = [
    { name: "adjoint f64", run: () => spec.adjoint(...args64) },
    { name: "adjoint f32", run: () => spec.adjoint(...args32) },
    { name: "before f64", run: () => spec.before(...args64) },
    { name: "before f32", run: () => spec.before(...args32) },
    { name: "tfjs-cpu", use: () => tf.setBackend("cpu"), run: () => tf.tidy(() => void spec.tf(...onCpu)) },
  ];
  if (tfjs.wasm) variants.push({ name: "tfjs-wasm", use: () => tf.setBackend("wasm"), run: () => tf.tidy(() => void spec.tf(...onWasm)) });
  variants.push({
    name: "jax-js",
    run: async () => {
      const out = await jax.blockUntilReady(spec.jax(...jaxArgs.map((a) => a.ref)));
      jax.tree.dispose(out);
    },
  });
  const ms = await timeInterleaved(variants, spec.size >= 1e6 ? { budgetMs: quick ? 60 : 300, minRounds: quick ? 3 : 5 } : undefined);
  for (const t of [...onCpu, ...onWasm]) t.dispose();
  jax.tree.dispose(jaxArgs);
  return ms;
}

// The first row timed in a process runs code V8 has not optimised yet: a discarded round first.
await measure(specs[0]);
const results = [];
for (const spec of specs) {
  const ms = await measure(spec);
  const ratios = {
    "before / adjoint f64": ms["before f64"] / ms["adjoint f64"],
    "before / adjoint f32": ms["before f32"] / ms["adjoint f32"],
    "tfjs-cpu / adjoint": ms["tfjs-cpu"] / ms["adjoint f32"],
    "tfjs-wasm / adjoint": ms["tfjs-wasm"] / ms["adjoint f32"],
    "jax-js / adjoint": ms["jax-js"] / ms["adjoint f32"],
  };
  results.push({ group: spec.group, name: spec.name, size: spec.size, ms, ratios });
  const cells = [spec.name, ...["adjoint f64", "adjoint f32", "before f64", "before f32", "tfjs-cpu", "tfjs-wasm", "jax-js"].map((k) => fmtMs(ms[k]))];
  cells.push(...Object.values(ratios).map((r) => fmtRatio(r)));
  console.log(`| ${cells.join(" | ")} |`);
}
await finish();
saveResults("softmax", { env, tfjs: tfjs.describe, backend, rows: results });
