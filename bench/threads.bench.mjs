// Both cores: each kind of parallel Wasm job (threads.ts) against the same kernel on the
// main thread alone, by size, to find where splitting breaks even. The two variants are
// interleaved round by round (load from other processes hits both alike); every call makes
// a fresh result. Prints, per kind, the ratio single / threaded at each size and the
// crossover: the smallest measured size from which threads win at every larger size
// (threadOptions in runtime/np/backend/threads.ts holds the defaults taken from it).
// Imports the BUILT package: `npm run build` first. BENCH_QUICK=1 for fewer rounds.
import * as np from "../dist/runtime/np/index.js";
import { pool, threadOptions } from "../dist/runtime/np/backend/threads.js";
import { cpus, loadavg } from "node:os";

const rounds = process.env.BENCH_QUICK === "1" ? 7 : 15;
np.setBackend("wasm");
np.random.seed(0);
const defaults = { ...threadOptions };
np.setThreads("auto");
const threads = np.getThreads();

function median(xs) {
  return xs.slice().sort((a, b) => a - b)[xs.length >> 1];
}

/** Median ms of `fn` with threads off, on (every job split), and on "auto" (which backs off
 * for a second after workers stall it), interleaved (each run repeated to last >= ~3 ms). */
function pair(fn) {
  const split = (setting) => () => {
    np.setThreads(setting);
    for (const k of Object.keys(threadOptions)) threadOptions[k] = 0; // split whatever can be
  };
  const setups = [() => np.setThreads(1), split(threads), split("auto")];
  let reps = 1;
  setups[0]();
  for (let t0 = performance.now(); performance.now() - t0 < 3; reps *= 2) for (let i = 0; i < reps; i++) fn();
  const samples = setups.map(() => []);
  for (let r = 0; r < rounds; r++) {
    setups.forEach((setup, j) => {
      setup();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) fn();
      samples[j].push((performance.now() - t0) / reps);
    });
  }
  Object.assign(threadOptions, defaults);
  return samples.map(median);
}

const kinds = [
  ["tanh (contiguous)", [1e4, 3e4, 1e5, 3e5, 1e6], (n) => { const x = np.random.uniform(-3, 3, [n]); return () => np.tanh(x); }],
  ["exp (contiguous)", [1e4, 3e4, 1e5, 3e5, 1e6], (n) => { const x = np.random.uniform(-3, 3, [n]); return () => np.exp(x); }],
  ["add broadcast (n/1000,1000)+(1000,) (strided)", [3e4, 1e5, 3e5, 1e6, 3e6], (n) => {
    const x = np.random.uniform(-1, 1, [n / 1000, 1000]), y = np.random.uniform(-1, 1, [1000]);
    return () => np.add(x, y);
  }],
  ["mul transposed (n^½,n^½)ᵀ (strided)", [1e4, 1e5, 1e6], (n) => {
    const s = Math.round(Math.sqrt(n)), x = np.random.uniform(-1, 1, [s, s]);
    return () => np.mul(np.transpose(x), x);
  }],
  ["sum axis 0 (n/1000,1000) (reduce)", [3e4, 1e5, 3e5, 1e6, 3e6], (n) => { const x = np.random.uniform(-1, 1, [n / 1000, 1000]); return () => np.sum(x, 0); }],
  ["sum all (reduce)", [3e4, 1e5, 3e5, 1e6, 3e6], (n) => { const x = np.random.uniform(-1, 1, [n]); return () => np.sum(x); }],
  ["matmul m×256·256×256 (gemm, size m·n·k)", [16, 32, 64, 128, 256], (m) => {
    const a = np.random.uniform(-1, 1, [m, 256]), b = np.random.uniform(-1, 1, [256, 256]);
    return () => np.matmul(a, b);
  }],
  ["matmul float32 m×256·256×256 (gemm)", [16, 32, 64, 128, 256], (m) => {
    const a = np.random.uniform(-1, 1, [m, 256]).astype("float32"), b = np.random.uniform(-1, 1, [256, 256]).astype("float32");
    return () => np.matmul(a, b);
  }],
];

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}, ${new Date().toISOString()}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`threads ${threads} (the main thread and ${threads - 1} workers); ${rounds} interleaved rounds; ratio = single / threaded (> 1: threads win)`);
if (threads < 2) console.log("one core or no worker_threads here: nothing to measure");
else {
  np.setThreads(threads);
  np.tanh(np.zeros([1 << 20])); // start the workers
  for (const t0 = Date.now(); pool().stats().ready < threads - 1 && Date.now() - t0 < 5000; ) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  console.log("\n| job | size | single ms | threaded ms | ratio | auto ms | auto ratio | load (1 min) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, sizes, make] of kinds) {
    const ratios = [];
    for (const n of sizes) {
      const [one, many, auto] = pair(make(n));
      ratios.push(one / many);
      const size = name.includes("gemm") ? `${n}·256·256` : n.toExponential(0);
      console.log(`| ${name} | ${size} | ${one.toFixed(3)} | ${many.toFixed(3)} | ${(one / many).toFixed(2)} | ${auto.toFixed(3)} | ${(one / auto).toFixed(2)} | ${loadavg()[0].toFixed(2)} |`);
    }
    let from = sizes.length;
    while (from > 0 && ratios[from - 1] > 1) from--;
    const at = from === sizes.length ? "none measured" : name.includes("gemm") ? `m = ${sizes[from]}` : sizes[from].toExponential(0);
    console.log(`| **${name}: crossover** | ${at} | | | | | | |`);
  }
  // The other design, each worker on its own instance and memory: every chunk copied in
  // and its result out once more (the main thread's copies stay). What that adds, against
  // the threaded call it would slow down.
  console.log("\n| per-worker memories would add | n | two more copies ms (in and out) | threaded add ms | share |\n| --- | ---: | ---: | ---: | ---: |");
  for (const n of [1e5, 1e6]) {
    const src = new Float64Array(n).fill(1.5), dst = new Float64Array(new SharedArrayBuffer(8 * n)), back = new Float64Array(n);
    const copies = median(Array.from({ length: rounds }, () => {
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) {
        dst.set(src);
        back.set(dst);
      }
      return (performance.now() - t0) / 10;
    }));
    const x = np.random.uniform(-1, 1, [n]), y = np.random.uniform(-1, 1, [n]);
    const [, add] = pair(() => np.add(x, y));
    console.log(`| add float64 | ${n.toExponential(0)} | ${copies.toFixed(3)} | ${add.toFixed(3)} | ${(copies / add).toFixed(2)} |`);
  }
}
console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
np.setThreads(1); // the default, for the benches after this one
