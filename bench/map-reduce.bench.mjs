// Callbacks (map, reduce): a mean squared error written with map and reduce, its gradient
// as adjoint generates it (the callbacks inlined into loops), against an adjoint of the same
// loss written by hand over Float64Arrays (residuals kept in a preallocated workspace, a
// fresh gradient array per call as the generated code returns) and the primal.
//
// Target: generated / hand-written <= 1.3.
//
// `node bench/run.mjs map-reduce` (after `npm run build`). The three functions of a row are
// timed interleaved, sample by sample, and each column is the median of its samples.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "../dist/compiler/index.js";

const TARGET_VS_HAND = 1.3;
const SAMPLE_MS = 2;
const ROW_MS = Number(process.env.MAP_REDUCE_ROW_MS ?? 1500);

const source = `
import { grad } from "adjoint";

export function mse(pred: Float64Array, ys: Float64Array): number {
  const n = ys.length;
  return ys.map((y, i) => (y - pred[i]) ** 2).reduce((a, b) => a + b, 0) / n;
}

export const mseGrad = grad(mse);
`;

// ---- the hand-written adjoint ----

let sinkValue = 0;
let residuals = new Float64Array(0);

function mseHand(pred, ys) {
  const n = ys.length;
  if (residuals.length !== n) residuals = new Float64Array(n);
  const r = residuals;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = ys[i] - pred[i];
    r[i] = d;
    s += d * d;
  }
  sinkValue = s / n;
  const dpred = new Float64Array(n);
  const scale = -2 / n;
  for (let i = 0; i < n; i++) dpred[i] = scale * r[i];
  return dpred;
}

// ---- compile, load, check ----

const root = fileURLToPath(new URL("..", import.meta.url));
const result = transform(source, { filename: "bench/map-reduce.ts", sourceMaps: false });
if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
const outDir = join(root, ".tmp", "bench");
mkdirSync(outDir, { recursive: true });
const modulePath = join(outDir, "map-reduce.mjs");
writeFileSync(modulePath, result.code);
const gen = await import(pathToFileURL(modulePath).href);

const random = (n, seed, scale = 1) => {
  const out = new Float64Array(n);
  let state = seed;
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = (state / 2147483648 - 0.5) * scale;
  }
  return out;
};

/** Why the gradients differ, or null: within 1e-10 of the hand-written one relative to its largest entry. */
function disagreement(got, ref) {
  if (!(got instanceof Float64Array) || got.length !== ref.length) return `not a Float64Array of ${ref.length}`;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
  if (!(scale > 0)) return "all zeros";
  for (let i = 0; i < ref.length; i++) if (!(Math.abs(got[i] - ref[i]) <= 1e-10 * scale)) return `[${i}]: ${got[i]} vs ${ref[i]}`;
  return null;
}

const workloads = [1e3, 1e5].map((n) => {
  const pred = random(n, 3, 2);
  const ys = random(n, 17, 2);
  return { name: `mse with map and reduce, n = ${n === 1e3 ? "1e3" : "1e5"}`, primal: () => gen.mse(pred, ys), generated: () => gen.mseGrad(pred, ys), hand: () => mseHand(pred, ys) };
});

let agree = true;
for (const w of workloads) {
  const why = disagreement(w.generated(), w.hand());
  const primal = w.primal();
  const loss = Math.abs(primal - sinkValue) <= 1e-10 * Math.abs(primal) ? null : `hand-written loss ${sinkValue} vs primal ${primal}`;
  if (why || loss) {
    console.error(`map-reduce bench: ${w.name}: generated and hand-written gradients disagree (${why ?? loss})`);
    process.exitCode = 1;
    agree = false;
  }
}

// ---- measure ----

const state = { sink: 0 };
function batch(fn) {
  return new Function(
    "fn",
    "state",
    `return (reps) => { let sink = 0; for (let k = 0; k < reps; k++) { const r = fn(); sink += typeof r === "number" ? r : r.length; } state.sink += sink; };`,
  )(fn, state);
}

function calibrate(run) {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    run(reps);
    const ms = performance.now() - t0;
    if (ms >= SAMPLE_MS / 4 || reps >= 1 << 24) return Math.max(1, Math.round((reps * SAMPLE_MS) / Math.max(ms, 1e-3)));
    reps *= 2;
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function measure(fns) {
  const runs = fns.map(batch);
  for (const run of runs) run(3);
  const reps = runs.map(calibrate);
  for (let i = 0; i < runs.length; i++) runs[i](reps[i]);
  const samples = runs.map(() => []);
  const start = performance.now();
  while (performance.now() - start < ROW_MS || samples[0].length < 9) {
    for (let i = 0; i < runs.length; i++) {
      const t0 = performance.now();
      runs[i](reps[i]);
      samples[i].push((performance.now() - t0) / reps[i]);
    }
  }
  return samples.map(median);
}

const load0 = loadavg()[0];
const fmt = (ms) => {
  const us = ms * 1000;
  return us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2);
};
if (agree) {
  const rows = workloads.map((w) => {
    const [primal, generated, hand] = measure([w.primal, w.generated, w.hand]);
    const vsHand = generated / hand;
    return {
      workload: w.name,
      "primal µs": fmt(primal),
      "generated µs": fmt(generated),
      "hand-written µs": fmt(hand),
      [`generated/hand (<= ${TARGET_VS_HAND})`]: vsHand.toFixed(2),
      "gradient/primal": (generated / primal).toFixed(2),
      result: vsHand <= TARGET_VS_HAND ? "PASS" : "MISS",
    };
  });
  console.log("\ncallbacks: mean squared error as ys.map(...).reduce(...)");
  console.table(rows);
}
console.log(`grad wrt pred; checked against the hand-written gradient to 1e-10 before timing. Load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.`);
if (!Number.isFinite(state.sink)) console.log("(sink)", state.sink);
