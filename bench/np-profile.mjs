// Where the time of one Wasm-backend row goes (docs/BENCHMARKS.md, "Session 10"): the whole
// call, the fresh result alone, the copy into the module's memory, the kernel on memory already
// there, the copy out; interleaved medians. `npm run build && node bench/np-profile.mjs`.
import * as np from "../dist/runtime/np/index.js";
import { wasmBase64, wasmMemory } from "../dist/runtime/np/backend/wasm-module.generated.js";
import { loadavg } from "node:os";

const memory = new WebAssembly.Memory({ initial: wasmMemory.initial, maximum: wasmMemory.maximum });
const bytes = Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0));
const wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;

/** Median ms of each variant, interleaved over `rounds`. */
function time(variants, rounds = 31) {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(variants)) {
      const reps = 5;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) f();
      samples[k].push((performance.now() - t0) / reps);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, s]) => [k, s.sort((a, b) => a - b)[s.length >> 1]]));
}

const rows = [];
for (const [op, dtype, n] of [["square", "float64", 1e6], ["abs", "float32", 1e6], ["sum", "float64", 1e6], ["square", "float64", 1e4]]) {
  const x = np.random.uniform(-0.5, 0.5, [n]).astype(dtype);
  const Ctor = dtype === "float64" ? Float64Array : Float32Array;
  const shift = dtype === "float64" ? 3 : 2;
  const base = wasm.heapBase();
  const need = base + 2 * (n << shift) + 64;
  if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
  const view = new Ctor(memory.buffer);
  const [src, dst] = [base, base + ((n << shift) + 15 & ~15)];
  const suffix = dtype === "float64" ? "_f64" : "_f32";
  const reduce = op === "sum";
  const kernel = reduce ? () => wasm["sum_into" + suffix](n, dst, 0, src, 1) : () => wasm[op + suffix](n, dst, 1, src, 1);
  const out = reduce ? np.zeros([], dtype) : np.zeros([n], dtype);
  const ms = time({
    call: () => (reduce ? np.sum(x) : np[op](x)),
    "call into out": () => (reduce ? undefined : np[op](x, out)),
    "fresh result": () => (reduce ? new Ctor(1) : new Ctor(n).fill(1)),
    "copy in": () => view.set(x.data, src >> shift),
    kernel,
    "copy out": () => (reduce ? undefined : out.data.set(view.subarray(dst >> shift, (dst >> shift) + n))),
  });
  rows.push({ row: `${op} ${dtype} ${n}`, ...ms });
}
const keys = Object.keys(rows[0]).filter((k) => k !== "row");
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`| row | ${keys.join(" ms | ")} ms |\n| --- |${keys.map(() => " ---: |").join("")}`);
for (const r of rows) console.log(`| ${r.row} | ${keys.map((k) => (r[k] < 0.1 ? r[k].toPrecision(2) : r[k].toFixed(3))).join(" | ")} |`);
