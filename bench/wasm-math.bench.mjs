// wasm/math.ts's SIMD transcendentals (issue 19) against a JS loop of Math.* over the same
// typed array, interleaved in one process: data already in Wasm memory, n = 1e4, 1e5, 1e6,
// inputs in [-0.5, 0.5] and [-20, 20] (log takes |x|). Prints time per element and ratios.
// Run: node bench/wasm-math.bench.mjs [op…]
import { compileMath, instantiateMath } from "./wasm-math-build.mjs";
import { time } from "./timing.mjs";
import { loadavg } from "node:os";

const OPS = ["exp", "log", "tanh", "sigmoid", "sin", "cos", "softplus"];
const SIZES = [1e4, 1e5, 1e6];
const RANGES = [0.5, 20];
const ROUNDS = 3;

// The loops adjoint/np runs today (runtime/np/elementwise.ts), one compiled function per op.
const EXPRESSIONS = {
  exp: "Math.exp(x)",
  log: "Math.log(x)",
  tanh: "Math.tanh(x)",
  sin: "Math.sin(x)",
  cos: "Math.cos(x)",
  sigmoid: "x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))",
  softplus: "Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))",
};
const jsLoop = (op) => new Function("a", "out", "n", `for (let i = 0; i < n; i++) { const x = a[i]; out[i] = ${EXPRESSIONS[op]}; }`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const load = () => loadavg()[0].toFixed(1);
console.log(`load average at the start: ${load()}`);
const chosen = process.argv.slice(2).filter((a) => OPS.includes(a)); // bench/run.mjs passes its own filter
const ops = chosen.length > 0 ? chosen : OPS;
const maxN = Math.max(...SIZES);
const math = await instantiateMath(await compileMath(), 4 * 8 * maxN);
const rows = [];
for (const op of ops) {
  const loop = jsLoop(op);
  for (const dtype of ["f64", "f32"]) {
    const Type = dtype === "f64" ? Float64Array : Float32Array;
    const kernel = math.exports[`${op}_${dtype}`];
    for (const range of RANGES) {
      for (const n of SIZES) {
        const src = math.base, dst = math.base + 8 * maxN;
        const wasmIn = new Type(math.memory.buffer, src, n);
        let state = 12345;
        for (let i = 0; i < n; i++) {
          state = (state * 1103515245 + 12345) % 2147483648;
          const x = (2 * state / 2147483648 - 1) * range;
          wasmIn[i] = op === "log" ? Math.abs(x) : x;
        }
        const jsIn = Type.from(wasmIn), jsOut = new Type(n);
        const minMs = 60;
        const js = [], wasm = [];
        for (let r = 0; r < ROUNDS; r++) {
          js.push(time(() => loop(jsIn, jsOut, n), minMs));
          wasm.push(time(() => kernel(src, dst, n), minMs));
        }
        const [tj, tw] = [median(js), median(wasm)];
        rows.push({ op, dtype, range, n, jsNs: (tj * 1e6) / n, wasmNs: (tw * 1e6) / n, speedup: tj / tw });
        console.log(`${op}_${dtype} |x|≤${range} n=${n}: js ${((tj * 1e6) / n).toFixed(2)} ns/el, wasm ${((tw * 1e6) / n).toFixed(2)} ns/el, ×${(tj / tw).toFixed(2)}`);
      }
    }
  }
}

console.log(`load average at the end: ${load()}`);
console.log("\n| op | dtype | inputs | n | Math.* loop (ns/el) | SIMD (ns/el) | speed-up |");
console.log("| --- | --- | --- | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(`| ${r.op} | ${r.dtype} | ±${r.range} | ${r.n.toExponential(0).replace("e+", "e")} | ${r.jsNs.toFixed(2)} | ${r.wasmNs.toFixed(2)} | ${r.speedup.toFixed(2)}× |`);
}
