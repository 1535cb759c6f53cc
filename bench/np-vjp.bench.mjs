// adjoint/np's adjoint rules against the gradients TF.js registers (CPU backend, float32) on
// the same data, 1e6 elements: the rule alone (forward values given) against
// tf.getGradient(kernel).gradFunc, what tf.grad runs in its backward pass, every input's
// adjoint computed. Ratio = tfjs time / adjoint time (higher is better for adjoint); times
// are tinybench medians. Imports the BUILT package: run `npm run build` first.
// BENCH_QUICK=1 for a shorter run. (The forward operations by size, range and shape are in
// np.bench.mjs; matmul and whole gradients against TF.js and jax-js in peers.bench.mjs.)
import { Bench } from "tinybench";
import * as np from "../dist/runtime/np/index.js";
import * as tf from "@tensorflow/tfjs";
import { cpus, loadavg } from "node:os";

const quick = process.env.BENCH_QUICK === "1";
await tf.setBackend("cpu");
np.random.seed(0);

const N = 1_000_000;
const x = np.random.uniform(0.1, 1, [N]);
const y = np.random.uniform(0.1, 1, [N]);
const g = np.random.uniform(-1, 1, [N]);
const [tx, ty, tg] = [x, y, g].map((a) => tf.tensor(Float32Array.from(a.data), a.shape));
const M = np.random.uniform(0, 1, [1000, 1000]);
const v = np.random.uniform(0, 1, [1000]);
const [tM, tv] = [M, v].map((a) => tf.tensor(Float32Array.from(a.data), a.shape));

const rows = [];
/** Times each variant (null = not applicable) and records one table row. */
async function row(name, variants, flops = 0) {
  const bench = new Bench({ time: quick ? 60 : 200, warmupTime: quick ? 20 : 60, iterations: 5, warmupIterations: 2 });
  for (const [label, fn] of Object.entries(variants)) if (fn) bench.add(label, fn);
  await bench.run();
  const ms = {};
  for (const task of bench.tasks) {
    ms[task.name] = task.result?.state === "completed" ? task.result.latency.p50 : task.result?.error?.message ?? "error";
  }
  rows.push({ name, ms, flops });
  const cell = (k) => (typeof ms[k] === "number" ? (ms[k] < 0.1 ? ms[k].toPrecision(3) : ms[k].toFixed(2)) : ms[k] ?? "-");
  const ratio = typeof ms.tfjs === "number" && typeof ms.f64 === "number" ? (ms.tfjs / ms.f64).toFixed(2) : "-";
  const ratio32 = typeof ms.tfjs === "number" && typeof ms.f32 === "number" ? (ms.tfjs / ms.f32).toFixed(2) : "-";
  const gf = flops && typeof ms.f64 === "number" ? ` | ${(flops / ms.f64 / 1e6).toFixed(2)} GFLOP/s f64` : "";
  console.log(`| ${name} | ${cell("f64")} | ${cell("f32")} | ${cell("tfjs")} | ${ratio} | ${ratio32}${gf} |`);
}

/** tfjs's registered gradient of `kernel` (what tf.grad runs in its backward pass),
 * every input's adjoint computed. */
function tfGrad(kernel, dy, saved, attrs = {}) {
  const { gradFunc } = tf.getGradient(kernel);
  return () => void tf.tidy(() => {
    for (const f of Object.values(gradFunc(dy, saved, attrs))) f();
  });
}
const adj = (name) => np.adjoints[name].vjp;

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}, ${new Date().toISOString()}`);
console.log(`load average at start: ${load()} (other processes distort the timings; compare ratios)\n`);
console.log("| operation | adjoint/np f64 ms | - | tfjs f32 ms | ratio f64 | - |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");


const mats = {};
for (const n of [64, 256]) {
  const a = np.random.normal(0, 1, [n, n]);
  const b = np.random.normal(0, 1, [n, n]);
  const [ta, tb] = [a, b].map((m) => tf.tensor(Float32Array.from(m.data), m.shape));
  mats[n] = { a, b, ta, tb };
}

// adjoints: the rule alone (forward values given), against tfjs's registered gradient
const ex = np.exp(x), th = np.tanh(x), sg = np.sigmoid(x);
const [tex, tth, tsg] = [tf.exp(tx), tf.tanh(tx), tf.sigmoid(tx)];
for (const [name, args, out, kernel, saved] of [
  ["add", [x, y], null, "Add", [tx, ty]],
  ["mul", [x, y], null, "Multiply", [tx, ty]],
  ["div", [x, y], np.div(x, y), "RealDiv", [tx, ty]],
  ["exp", [x], ex, "Exp", [tex]],
  ["sin", [x], null, "Sin", [tx]],
  ["tanh", [x], th, "Tanh", [tth]],
  ["sigmoid", [x], sg, "Sigmoid", [tsg]],
  ["relu", [x], null, "Relu", [tx]],
  ["log", [x], null, "Log", [tx]],
  ["sqrt", [x], np.sqrt(x), "Sqrt", [tx]],
  ["maximum", [x, y], null, "Maximum", [tx, ty]],
  ["pow", [x, y], np.pow(x, y), "Pow", [tx, ty, tf.pow(tx, ty)]],
]) {
  await row(`vjp ${name} 1e6`, { f64: () => adj(name)(g, ...args, out), tfjs: tfGrad(kernel, tg, saved) });
}
await row("vjp broadcast add (1000,1000)+(1000,)", {
  f64: () => adj("add")(M, M, v, null),
  tfjs: tfGrad("Add", tM, [tM, tv]),
});
const gs = np.array(1);
const tgs = tf.scalar(1);
await row("vjp sum 1e6 (materialised)", { f64: () => adj("sum")(gs, x, undefined, false, null)[0].copy(), tfjs: tfGrad("Sum", tgs, [tx], { axis: [0], keepDims: false }) });
await row("vjp mean 1e6 (materialised)", { f64: () => adj("mean")(gs, x, undefined, false, np.mean(x))[0].copy(), tfjs: tfGrad("Mean", tgs, [tx], { axis: [0], keepDims: false }) });
await row("vjp prod 1e6", { f64: () => adj("prod")(gs, x, undefined, false, np.prod(x)), tfjs: tfGrad("Prod", tgs, [tx], { axis: [0], keepDims: false }) });
await row("vjp max 1e6", { f64: () => adj("max")(gs, x, undefined, false, np.max(x)), tfjs: tfGrad("Max", tgs, [tx, tf.max(tx)], { reductionIndices: [0], keepDims: false }) });
for (const n of [64, 256]) {
  const { a, b, ta, tb } = mats[n];
  const dn = np.random.normal(0, 1, [n, n]);
  const tdn = tf.tensor(Float32Array.from(dn.data), [n, n]);
  await row(`vjp matmul ${n}`, { f64: () => adj("matmul")(dn, a, b, null), tfjs: tfGrad("BatchMatMul", tdn, [ta, tb], { transposeA: false, transposeB: false }) }, 4 * n ** 3);
}

console.log(`\nload average at end: ${load()}`);
