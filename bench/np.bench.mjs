// adjoint/np against TF.js's CPU and Wasm backends on inputs as users meet them: elementwise
// operations at 1e4, 1e5 and 1e6 elements, on typical activations ([-0.5, 0.5]) and, for the
// transcendental functions, on wider ranges ([-5, 5], [-20, 20]); the broadcasts users write
// (a bias over a batch, an outer sum, a scalar); reductions over everything and along each axis.
//
// Every call returns a fresh array on both sides: adjoint's operation allocates its result;
// TF.js runs inside tf.tidy, which disposes the result (so TF.js's time includes the dispose,
// and adjoint's includes its allocation; neither reads the result back). Ratio = TF.js time /
// adjoint time (above 1: adjoint faster). Target (issue 19): every row ≥ 2x tfjs-cpu.
// The sides of a row are interleaved (compare.mjs). Imports the BUILT package: `npm run build`.
// BENCH_QUICK=1 for a short run that writes no results.
import * as tf from "@tensorflow/tfjs";
import * as np from "../dist/runtime/np/index.js";
import { npRows } from "./np-rows.mjs";
import { adjointBackends, finish, fmtMs, fmtRatio, printHeader, printTable, quick, saveResults, setUpTfjs, tensorOn, timeInterleaved } from "./compare.mjs";

const TARGET_VS_CPU = 2;

const tfjs = await setUpTfjs();
const backends = await adjointBackends();
const env = printHeader("adjoint/np against tfjs-cpu and tfjs-wasm, by size, range and shape", `${tfjs.describe}; adjoint/np backends: ${backends.map((b) => b.name).join(", ")}`);
np.random.seed(0);

const specs = npRows(np, tf);

// ---- time them ----
const columns = ["operation"];
for (const b of backends) columns.push(`adjoint ${b.name} f64 ms`, `adjoint ${b.name} f32 ms`);
columns.push("tfjs-cpu ms", "tfjs-wasm ms");
for (const b of backends) columns.push(`tfjs-cpu / ${b.name} f64`, `tfjs-cpu / ${b.name} f32`, `tfjs-wasm / ${b.name} f32`);
columns.push(`below ${TARGET_VS_CPU}x tfjs-cpu`);
console.log("Ratios: peer time / adjoint time; bold: below target.\n");
printTable(columns, []);

/** Median ms of each side of a row, interleaved, on fresh inputs of the row's shapes and range. */
async function measure(spec) {
  const f64 = spec.shapes.map((shape) => np.random.uniform(spec.range[0], spec.range[1], shape));
  const f32 = f64.map((a) => a.astype("float32"));
  const onCpu = [];
  const onWasm = [];
  for (const a of f64) onCpu.push(await tensorOn("cpu", a));
  if (tfjs.wasm) for (const a of f64) onWasm.push(await tensorOn("wasm", a));
  const variants = [];
  for (const b of backends) {
    variants.push({ name: `${b.name} f64`, use: b.use, run: () => spec.np(...f64) });
    variants.push({ name: `${b.name} f32`, use: b.use, run: () => spec.np(...f32) });
  }
  variants.push({ name: "tfjs-cpu", use: () => tf.setBackend("cpu"), run: () => tf.tidy(() => void spec.tf(...onCpu)) });
  if (tfjs.wasm) variants.push({ name: "tfjs-wasm", use: () => tf.setBackend("wasm"), run: () => tf.tidy(() => void spec.tf(...onWasm)) });
  const ms = await timeInterleaved(variants, spec.size >= 1e6 ? { budgetMs: quick ? 60 : 200, minRounds: quick ? 3 : 5 } : undefined);
  for (const t of [...onCpu, ...onWasm]) t.dispose();
  return ms;
}

// The first row timed in a process runs code V8 has not optimised yet: a discarded round first.
await measure(specs[0]);
const results = [];
for (const spec of specs) {
  const ms = await measure(spec);

  const ratios = {};
  const below = [];
  for (const b of backends) {
    for (const dtype of ["f64", "f32"]) ratios[`tfjs-cpu / ${b.name} ${dtype}`] = ms["tfjs-cpu"] / ms[`${b.name} ${dtype}`];
    ratios[`tfjs-wasm / ${b.name} f32`] = ms["tfjs-wasm"] / ms[`${b.name} f32`];
    for (const dtype of ["f64", "f32"]) if (ratios[`tfjs-cpu / ${b.name} ${dtype}`] < TARGET_VS_CPU) below.push(`${b.name} ${dtype}`);
  }
  results.push({ ...spec, np: undefined, tf: undefined, ms, ratios, below });
  const cells = [spec.name];
  for (const b of backends) cells.push(fmtMs(ms[`${b.name} f64`]), fmtMs(ms[`${b.name} f32`]));
  cells.push(fmtMs(ms["tfjs-cpu"]), fmtMs(ms["tfjs-wasm"]));
  for (const b of backends) {
    cells.push(fmtRatio(ratios[`tfjs-cpu / ${b.name} f64`], TARGET_VS_CPU), fmtRatio(ratios[`tfjs-cpu / ${b.name} f32`], TARGET_VS_CPU), fmtRatio(ratios[`tfjs-wasm / ${b.name} f32`]));
  }
  cells.push(below.join(", ") || "-");
  console.log(`| ${cells.join(" | ")} |`);
}

const missed = results.filter((r) => r.below.length > 0);
console.log(`\n${missed.length} of ${results.length} rows below ${TARGET_VS_CPU}x tfjs-cpu in at least one adjoint column.`);
await finish();
saveResults("np", { env, tfjs: tfjs.describe, backends: backends.map((b) => b.name), target: { "tfjs-cpu": TARGET_VS_CPU }, rows: results });
