// adjoint/np against @tensorflow/tfjs (CPU backend, float32) on the same data: elementwise
// and reductions on 1e6 elements, a broadcasting add, matmul, and the adjoints.
// Ratio = tfjs time / adjoint time (higher is better for adjoint); times are medians
// of the samples, which are steadier than means on a shared machine. Imports the BUILT
// package: run `npm run build` first. BENCH_QUICK=1 for a shorter run.
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
const [x32, y32, g32] = [x, y, g].map((a) => a.astype("float32"));
const [tx, ty, tg] = [x, y, g].map((a) => tf.tensor(Float32Array.from(a.data), a.shape));
const M = np.random.uniform(0, 1, [1000, 1000]);
const v = np.random.uniform(0, 1, [1000]);
const [M32, v32] = [M, v].map((a) => a.astype("float32"));
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

/** tfjs inside tidy, so intermediates are freed; returns nothing. */
const t = (fn) => () => void tf.tidy(() => { fn(); });
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
console.log("| operation | adjoint/np f64 ms | adjoint/np f32 ms | tfjs f32 ms | ratio f64 | ratio f32 |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");

// elementwise, 1e6 elements
for (const [name, op, tfop] of [
  ["add", np.add, tf.add], ["mul", np.mul, tf.mul], ["div", np.div, tf.div], ["maximum", np.maximum, tf.maximum],
]) {
  await row(`${name} 1e6`, { f64: () => op(x, y), f32: () => op(x32, y32), tfjs: t(() => tfop(tx, ty)) });
}
for (const [name, op, tfop] of [
  ["exp", np.exp, tf.exp], ["log", np.log, tf.log], ["sin", np.sin, tf.sin], ["tanh", np.tanh, tf.tanh],
  ["sigmoid", np.sigmoid, tf.sigmoid], ["relu", np.relu, tf.relu], ["sqrt", np.sqrt, tf.sqrt], ["abs", np.abs, tf.abs],
]) {
  await row(`${name} 1e6`, { f64: () => op(x), f32: () => op(x32), tfjs: t(() => tfop(tx)) });
}
await row("chain tanh(x*y+x) 1e6", {
  f64: () => np.tanh(np.add(np.mul(x, y), x)),
  f32: () => np.tanh(np.add(np.mul(x32, y32), x32)),
  tfjs: t(() => tf.tanh(tf.add(tf.mul(tx, ty), tx))),
});
const t1 = np.zeros([N]);
const t32 = np.zeros([N], "float32");
await row("chain tanh(x*y+x) 1e6, in place (out=)", {
  f64: () => np.tanh(np.add(np.mul(x, y, t1), x, t1), t1),
  f32: () => np.tanh(np.add(np.mul(x32, y32, t32), x32, t32), t32),
  tfjs: t(() => tf.tanh(tf.add(tf.mul(tx, ty), tx))),
});
const fusedChain = (a, b) => Math.tanh(a * b + a);
await row("chain tanh(x*y+x) 1e6, fused (np.elementwise)", {
  f64: () => np.elementwise("chain", fusedChain, [x, y], "float64"),
  f32: () => np.elementwise("chain", fusedChain, [x32, y32], "float32"),
  tfjs: t(() => tf.tanh(tf.add(tf.mul(tx, ty), tx))),
});
const [s4, u4] = [np.arange(4), np.ones(4)];
const [ts4, tu4] = [tf.tensor([0, 1, 2, 3]), tf.ones([4])];
await row("add of 4 elements (per-call overhead)", { f64: () => np.add(s4, u4), tfjs: t(() => tf.add(ts4, tu4)) });
await row("broadcast add (1000,1000)+(1000,)", { f64: () => np.add(M, v), f32: () => np.add(M32, v32), tfjs: t(() => tf.add(tM, tv)) });

// reductions
await row("sum 1e6", { f64: () => np.sum(x), f32: () => np.sum(x32), tfjs: t(() => tf.sum(tx)) });
await row("mean 1e6", { f64: () => np.mean(x), f32: () => np.mean(x32), tfjs: t(() => tf.mean(tx)) });
await row("max 1e6", { f64: () => np.max(x), f32: () => np.max(x32), tfjs: t(() => tf.max(tx)) });
await row("prod 1e6", { f64: () => np.prod(x), f32: () => np.prod(x32), tfjs: t(() => tf.prod(tx)) });
await row("argmax 1e6", { f64: () => np.argmax(x), f32: () => np.argmax(x32), tfjs: t(() => tf.argMax(tx)) });
await row("sum axis 0 (1000,1000)", { f64: () => np.sum(M, 0), f32: () => np.sum(M32, 0), tfjs: t(() => tf.sum(tM, 0)) });
await row("sum axis 1 (1000,1000)", { f64: () => np.sum(M, 1), f32: () => np.sum(M32, 1), tfjs: t(() => tf.sum(tM, 1)) });
await row("norm 1e6", { f64: () => np.linalg.norm(x), f32: () => np.linalg.norm(x32), tfjs: t(() => tf.norm(tx)) });

// matmul
const mats = {};
for (const n of [64, 256, 512]) {
  const a = np.random.normal(0, 1, [n, n]);
  const b = np.random.normal(0, 1, [n, n]);
  const [a32, b32] = [a, b].map((m) => m.astype("float32"));
  const [ta, tb] = [a, b].map((m) => tf.tensor(Float32Array.from(m.data), m.shape));
  mats[n] = { a, b, ta, tb };
  await row(`matmul ${n}`, { f64: () => np.matmul(a, b), f32: () => np.matmul(a32, b32), tfjs: t(() => tf.matMul(ta, tb)) }, 2 * n ** 3);
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

// tfjs-backend-wasm float32 matmul, for context
try {
  await import("@tensorflow/tfjs-backend-wasm");
  if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') returned false");
  for (const n of [64, 256, 512]) {
    const ta = tf.randomNormal([n, n]);
    const tb = tf.randomNormal([n, n]);
    const bench = new Bench({ time: quick ? 60 : 200, warmupTime: quick ? 20 : 60, iterations: 5, warmupIterations: 2 });
    bench.add("wasm", () => void tf.tidy(() => { tf.matMul(ta, tb).dataSync(); }));
    await bench.run();
    const ms = bench.tasks[0].result.latency.p50;
    console.log(`| tfjs-backend-wasm f32 matmul ${n} (context) | | | ${ms.toFixed(3)} | | | ${(2 * n ** 3 / ms / 1e6).toFixed(2)} GFLOP/s |`);
  }
} catch (e) {
  console.log(`| tfjs-backend-wasm f32 matmul (context) | unavailable: ${String(e.message ?? e).split("\n")[0]} |`);
} finally {
  await tf.setBackend("cpu");
}
console.log(`\nload average at end: ${load()}`);
