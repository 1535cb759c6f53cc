// Both cores, taken apart: what splitting a job across the main thread and one worker costs,
// component by component, with the components interleaved round by round (other processes'
// load hits them alike) and the load average printed with every row. Jobs run on operands
// already in the kernel memory, so the kernel, the hand-off and the copies are told apart:
// - handoff: an empty two-chunk job, with the worker spinning (just done) or asleep;
// - kernel on the main thread, whole and half; on the worker alone (main thread waits);
// - both halves at once: each thread's half timed (does one slow the other: shared caches,
//   memory bandwidth, a vCPU the hypervisor gives back late);
// - the np call on one thread and on two: what the copies in and out and the fresh result add.
// Reaches into the pool's fields (JS has no private): a probe, not an API.
// `npm run build` first. BENCH_QUICK=1 for fewer rounds.
import * as np from "../dist/runtime/np/index.js";
import { pool, threadOptions } from "../dist/runtime/np/backend/threads.js";
import { runContiguous, runGemm } from "../dist/runtime/np/backend/parallel.js";
import { runChunk, takeChunks, NEXT, DONE, CLOSED } from "../dist/runtime/np/backend/chunks.js";
import { cpus, loadavg } from "node:os";

const rounds = process.env.BENCH_QUICK === "1" ? 9 : 21;
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const load = () => loadavg()[0].toFixed(2);
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

np.setBackend("wasm");
np.setThreads(2);
const defaults = { ...threadOptions };
// Warm the scratch up to the largest size used below, so it never grows into our region.
const big = np.random.uniform(-3, 3, [1 << 20]);
np.tanh(big);
np.matmul(np.ones([256, 256]), np.ones([256, 256]));
const p = pool();
for (const t0 = Date.now(); p.stats().ready < 1 && Date.now() - t0 < 5000; ) sleep(10);
const { memory, names, fns } = p.kernels;
const fn = (name) => names.indexOf(name);
// Our region: past the scratch, 40 MB.
const base = memory.buffer.byteLength;
memory.grow(640);
const f64 = () => new Float64Array(memory.buffer);
const f32 = () => new Float32Array(memory.buffer);

/** A parallel job's header written by `write(fake runner)`; returns its chunk count. */
function prepare(write) {
  let chunks = 0;
  write({ size: 2, job: p.job, run: (c) => (chunks = c) });
  return chunks;
}

/** Runs the prepared job: the worker is woken, the main thread takes chunks (or not), then
 * spins until all are done. Returns [total ms, main thread's own chunk ms, chunks it took]. */
function dispatch(chunks, mainTakes) {
  const ctrl = p.ctrl;
  const t0 = performance.now();
  p.open(chunks);
  let own = 0, taken = 0;
  if (mainTakes) {
    taken = takeChunks(ctrl, 0, (c) => {
      const s = performance.now();
      runChunk(fns, p.job, c, 0, memory);
      own += performance.now() - s;
    });
  }
  while (Atomics.load(ctrl, DONE) < chunks);
  Atomics.store(ctrl, NEXT, (p.generation << 11) | CLOSED);
  return [performance.now() - t0, own, taken];
}

/** Interleaved medians of each named variant (each a function returning ms, or [ms, ...]). */
function measure(variants) {
  const out = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [k, v] of Object.entries(variants)) {
      const x = v();
      out[k].push(Array.isArray(x) ? x : [x]);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, xs]) => [k, xs[0].map((_, j) => median(xs.map((x) => x[j])))]));
}
const timed = (f) => () => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}, ${new Date().toISOString()}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`${rounds} interleaved rounds, medians, ms; "both" = the main thread and one worker\n`);

// 1. The hand-off alone: an empty job of two chunks (chunk size 1, total 0).
{
  const empty = () => {
    p.job.set([1, fn("tanh_f64"), 0, 1, 3, base, base]);
    return 2;
  };
  const r = measure({
    hot: () => dispatch(empty(), false)[0],
    cold: () => {
      sleep(2); // the worker has gone back to Atomics.wait
      return dispatch(empty(), false)[0];
    },
  });
  console.log("| hand-off (empty job, worker takes it) | ms | load |\n| --- | ---: | ---: |");
  console.log(`| worker spinning (called again within 50 µs) | ${r.hot[0].toFixed(3)} | ${load()} |`);
  console.log(`| worker asleep (Atomics.wait, woken by notify) | ${r.cold[0].toFixed(3)} | ${load()} |\n`);
}

console.log("| job | main whole | main half | worker alone (whole) | both: total | both: main's chunks | chunks main/all | np 1 thread | np 2 threads | np copies + result (1 thread − kernel) | load |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");

/** ms of the np call with every threshold at `at` (0: every job splits; Infinity: none). */
function npWith(at, f) {
  for (const k of Object.keys(threadOptions)) threadOptions[k] = at;
  const t = timed(f)();
  Object.assign(threadOptions, defaults);
  return t;
}

function row(name, kernelWhole, kernelHalf, write, np1) {
  const chunks = prepare(write);
  const r = measure({
    whole: timed(kernelWhole),
    half: timed(kernelHalf),
    worker: () => (prepare(write), dispatch(chunks, false)[0]),
    both: () => (prepare(write), dispatch(chunks, true)),
    // (setThreads(1) would stop the pool's worker: thresholds decide instead)
    np1: () => npWith(Infinity, np1),
    np2: () => npWith(0, np1),
  });
  const f = (x) => x.toFixed(3);
  console.log(`| ${name} | ${f(r.whole[0])} | ${f(r.half[0])} | ${f(r.worker[0])} | ${f(r.both[0])} | ${f(r.both[1])} | ${r.both[2]}/${chunks} | ${f(r.np1[0])} | ${f(r.np2[0])} | ${f(r.np1[0] - r.whole[0])} | ${load()} |`);
}

for (const n of [1e5, 1e6]) {
  for (const op of ["tanh", "exp"]) {
    const src = base, dst = base + 8 * n;
    f64().set(big.data.subarray(0, n), src / 8);
    const k = fns[fn(op + "_f64")];
    const x = np.array(Array.from(big.data.subarray(0, n)));
    row(`${op} float64 ${n.toExponential(0)}`, () => k(src, dst, n), () => k(src, dst, n / 2), (q) => runContiguous(q, fn(op + "_f64"), 3, src / 8, dst / 8, n), () => np[op](x));
  }
}

for (const [dt, shift] of [["float64", 3], ["float32", 2]]) {
  for (const m of [64, 256]) {
    const n = 256, k = 256, bytes = 1 << shift;
    const a = base, b = a + m * k * bytes, c = b + k * n * bytes, pack = c + m * n * bytes + 64;
    const view = dt === "float64" ? f64() : f32();
    for (let i = 0; i < m * k + k * n; i++) view[a / bytes + i] = Math.sin(i);
    const packStride = 4 << 20, packB = 2 << 20;
    const g = fns[fn(dt === "float64" ? "gemm_f64" : "gemm_f32")];
    const args = (rows) => [rows, n, k, a, k, 1, b, n, 1, c, n, 1];
    const A = np.random.uniform(-1, 1, [m, k]).astype(dt), B = np.random.uniform(-1, 1, [k, n]).astype(dt);
    row(`gemm ${dt} ${m}·256·256`, () => g(...args(m), pack, pack + packB), () => g(...args(m / 2), pack, pack + packB),
      (q) => runGemm(q, fn(dt === "float64" ? "gemm_f64" : "gemm_f32"), shift, args(m), pack, packStride, packB), () => np.matmul(A, B));
  }
}
console.log(`\nload average at end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
np.setThreads(1);
