// adjoint/np's Wasm SIMD backend against its JS backend, tfjs-cpu and tfjs-wasm, on the same
// data (float32 for tfjs). Variants are interleaved: each round runs every variant once, so
// load from other processes hits them alike; the table gives medians and ratios to the Wasm
// backend (higher = the Wasm backend faster). tfjs has one backend at a time, so its CPU
// and Wasm rows run in two passes, each interleaved with adjoint's. Imports the BUILT
// package: `npm run build` first. BENCH_QUICK=1 for fewer rounds.
import * as np from "../dist/runtime/np/index.js";
import { wasmOptions } from "../dist/runtime/np/backend/wasm.js";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { cpus, loadavg } from "node:os";

const rounds = process.env.BENCH_QUICK === "1" ? 7 : 21;
np.random.seed(0);

/** Median ms per variant, interleaved over `rounds` (each run repeated to last >= ~2 ms). */
function time(variants) {
  const names = Object.keys(variants).filter((k) => variants[k]);
  const reps = {};
  for (const k of names) {
    let r = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < r; i++) variants[k]();
      if (performance.now() - t0 > 2) break;
      r *= 2;
    }
    reps[k] = r;
  }
  const samples = Object.fromEntries(names.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const k of names) {
      const t0 = performance.now();
      for (let i = 0; i < reps[k]; i++) variants[k]();
      samples[k].push((performance.now() - t0) / reps[k]);
    }
  }
  return Object.fromEntries(names.map((k) => [k, samples[k].sort((a, b) => a - b)[rounds >> 1]]));
}

const onBackend = (name, f) => () => { np.setBackend(name); f(); };
const t = (fn) => () => void tf.tidy(() => { fn(); });
const fmt = (x) => (x === undefined ? "-" : x < 0.1 ? x.toPrecision(2) : x.toFixed(2));

const cases = [];
function add(name, make, flops = 0) {
  cases.push({ name, make, flops });
}
for (const n of [256, 512, 1024]) {
  add(`matmul ${n}x${n}`, (dt) => { const a = np.random.uniform(-1, 1, [n, n]).astype(dt); return [() => np.matmul(a, a), a]; }, 2 * n ** 3);
}
const N = 1_000_000;
for (const [label, f] of [["add", (x, y) => np.add(x, y)], ["mul", (x, y) => np.mul(x, y)], ["maximum", (x, y) => np.maximum(x, y)]]) {
  add(`${label} 1e6`, (dt) => { const x = np.random.uniform(-1, 1, [N]).astype(dt), y = np.random.uniform(-1, 1, [N]).astype(dt); return [() => f(x, y), x, y]; });
}
add("add (1000,1000)+(1000,)", (dt) => { const x = np.random.uniform(-1, 1, [1000, 1000]).astype(dt), y = np.random.uniform(-1, 1, [1000]).astype(dt); return [() => np.add(x, y), x, y]; });
add("relu 1e6", (dt) => { const x = np.random.uniform(-1, 1, [N]).astype(dt); return [() => np.relu(x), x]; });
add("sqrt 1e6", (dt) => { const x = np.random.uniform(0, 1, [N]).astype(dt); return [() => np.sqrt(x), x]; });
add("sum 1e6", (dt) => { const x = np.random.uniform(-1, 1, [N]).astype(dt); return [() => np.sum(x), x]; });
add("sum axis 0 (1000,1000)", (dt) => { const x = np.random.uniform(-1, 1, [1000, 1000]).astype(dt); return [() => np.sum(x, 0), x]; });
add("max axis 1 (1000,1000)", (dt) => { const x = np.random.uniform(-1, 1, [1000, 1000]).astype(dt); return [() => np.max(x, 1), x]; });

/** The same operation in tfjs, on float32 copies of adjoint's operands. */
const tfOf = {
  matmul: ([a]) => { const ta = tf.tensor(Float32Array.from(a.data), a.shape); return t(() => tf.matMul(ta, ta)); },
  add: ([x, y]) => { const [a, b] = [x, y].map((v) => tf.tensor(Float32Array.from(v.data), v.shape)); return t(() => tf.add(a, b)); },
  mul: ([x, y]) => { const [a, b] = [x, y].map((v) => tf.tensor(Float32Array.from(v.data), v.shape)); return t(() => tf.mul(a, b)); },
  maximum: ([x, y]) => { const [a, b] = [x, y].map((v) => tf.tensor(Float32Array.from(v.data), v.shape)); return t(() => tf.maximum(a, b)); },
  relu: ([x]) => { const a = tf.tensor(Float32Array.from(x.data), x.shape); return t(() => tf.relu(a)); },
  sqrt: ([x]) => { const a = tf.tensor(Float32Array.from(x.data), x.shape); return t(() => tf.sqrt(a)); },
  sum: ([x], name) => { const a = tf.tensor(Float32Array.from(x.data), x.shape); const axis = name.includes("axis 0") ? 0 : undefined; return t(() => tf.sum(a, axis)); },
  max: ([x]) => { const a = tf.tensor(Float32Array.from(x.data), x.shape); return t(() => tf.max(a, 1)); },
};

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}, ${new Date().toISOString()}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`wasm backend minSize ${wasmOptions.minSize}; ${rounds} interleaved rounds; ratio = other / wasm backend\n`);
console.log("| operation | dtype | wasm ms | js ms | tfjs-cpu ms | tfjs-wasm ms | js/wasm | tfjs-cpu/wasm | tfjs-wasm/wasm | GFLOP/s wasm |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const c of cases) {
  for (const dt of ["float64", "float32"]) {
    const [f, ...operands] = c.make(dt);
    const tfRun = dt === "float32" ? tfOf[c.name.split(" ")[0]]?.(operands, c.name) : undefined;
    await tf.setBackend("cpu");
    const first = time({ wasm: onBackend("wasm", f), js: onBackend("js", f), tfjs: tfRun && (() => tfRun()) });
    let second = {};
    if (tfRun) {
      await tf.setBackend("wasm");
      const tfRunWasm = tfOf[c.name.split(" ")[0]](operands, c.name);
      second = time({ wasm: onBackend("wasm", f), tfjs: () => tfRunWasm() });
    }
    const r = (x, w) => (x === undefined ? "-" : (x / w).toFixed(2));
    const gf = c.flops ? (c.flops / first.wasm / 1e6).toFixed(1) : "";
    console.log(`| ${c.name} | ${dt} | ${fmt(first.wasm)} | ${fmt(first.js)} | ${fmt(first.tfjs)} | ${fmt(second.tfjs)} | ${r(first.js, first.wasm)} | ${r(first.tfjs, first.wasm)} | ${r(second.tfjs, second.wasm)} | ${gf} |`);
  }
}
np.setBackend("wasm");
