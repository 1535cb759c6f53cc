// Out-parameters (issue 15): functions that write into an array they are given, called
// from the differentiated function. For each workload the primal, the gradient adjoint
// generates, and an adjoint of the same code written by hand over Float64Arrays (a forward
// pass that keeps what the reverse pass needs in a preallocated workspace, a reverse pass,
// no closures, fresh gradient arrays per call as the generated code returns), measured in
// one process.
//
// Target: generated / hand-written <= 1.2.
//
// `node bench/run.mjs outparams` (after `npm run build`). The three functions of a row are
// timed interleaved, sample by sample (each sample a batch of calls lasting about 2 ms),
// and each column is the median of its samples, so a change of load during the run moves
// all three alike.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "../dist/compiler/index.js";

const TARGET_VS_HAND = 1.2;
const STEPS = 4; // matvec steps in mvLoss / mvSwapLoss
const K = 10; // axpy calls in axpyLoss
const SAMPLE_MS = 2;
const ROW_MS = Number(process.env.OUTPARAMS_ROW_MS ?? 1500); // per row, the three columns together

const source = `
import { grad } from "adjoint";

function matvec(out: Float64Array, m: Float64Array, x: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += m[i * n + j] * x[j];
    out[i] = s;
  }
}

// ${STEPS} steps of cur = tanh(m cur): matvec writes next, the caller writes cur.
export function mvLoss(m: Float64Array, x: Float64Array): number {
  const n = x.length;
  const cur = Float64Array.from(x);
  const next = new Float64Array(n);
  for (let step = 0; step < ${STEPS}; step++) {
    matvec(next, m, cur, n);
    for (let i = 0; i < n; i++) cur[i] = Math.tanh(next[i]);
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += cur[i] * cur[i];
  return s;
}

// The same computation with two buffers swapped each step (ping-pong): cur and next are
// one region, so matvec's out and x may be one array.
export function mvSwapLoss(m: Float64Array, x: Float64Array): number {
  const n = x.length;
  let cur = Float64Array.from(x);
  let next = new Float64Array(n);
  for (let step = 0; step < ${STEPS}; step++) {
    matvec(next, m, cur, n);
    for (let i = 0; i < n; i++) next[i] = Math.tanh(next[i]);
    const t = cur;
    cur = next;
    next = t;
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += cur[i] * cur[i];
  return s;
}

function axpy(y: Float64Array, a: number, x: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

export function axpyLoss(x: Float64Array, a: number): number {
  const y = Float64Array.from(x);
  for (let k = 0; k < ${K}; k++) axpy(y, a, x);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * y[i];
  return s;
}

export const mvGrad = grad(mvLoss, { wrt: [0, 1] });
export const mvSwapGrad = grad(mvSwapLoss, { wrt: [0, 1] });
export const axpyGrad = grad(axpyLoss, { wrt: [0, 1] });
`;

// ---- hand-written adjoints ----

let sinkValue = 0; // the loss each hand-written gradient computes, as the generated one does

/** Workspace kept between calls (what a training loop would preallocate). */
let mvStates = new Float64Array(0);
let mvDnext = new Float64Array(0);

/**
 * STEPS of cur = tanh(m cur), then sum(cur^2): the forward pass stores each step's cur
 * (the matvec's input, and the tanh output the next step's reverse needs); the reverse
 * pass runs the steps backwards over Float64Arrays. Serves mvLoss and mvSwapLoss, which
 * compute the same thing.
 */
function mvHand(m, x) {
  const n = x.length;
  if (mvStates.length !== (STEPS + 1) * n) {
    mvStates = new Float64Array((STEPS + 1) * n);
    mvDnext = new Float64Array(n);
  }
  const st = mvStates;
  st.set(x, 0);
  for (let s = 0; s < STEPS; s++) {
    const c = s * n;
    const o = c + n;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let acc = 0;
      for (let j = 0; j < n; j++) acc += m[row + j] * st[c + j];
      st[o + i] = Math.tanh(acc);
    }
  }
  const last = STEPS * n;
  let value = 0;
  for (let i = 0; i < n; i++) value += st[last + i] * st[last + i];
  sinkValue = value;

  const dm = new Float64Array(n * n);
  const dcur = new Float64Array(n); // becomes dx
  const dnext = mvDnext;
  for (let i = 0; i < n; i++) dcur[i] = 2 * st[last + i];
  for (let s = STEPS - 1; s >= 0; s--) {
    const c = s * n;
    const o = c + n;
    for (let i = 0; i < n; i++) {
      const t = st[o + i];
      dnext[i] = dcur[i] * (1 - t * t);
    }
    dcur.fill(0);
    for (let i = 0; i < n; i++) {
      const g = dnext[i];
      const row = i * n;
      for (let j = 0; j < n; j++) {
        dm[row + j] += g * st[c + j];
        dcur[j] += g * m[row + j];
      }
    }
  }
  return [dm, dcur];
}

let axpyY = new Float64Array(0);
let axpyDy = new Float64Array(0);

/**
 * y = copy of x; K times y += a x; sum(y^2). axpy's reverse reads only a and x, so the
 * forward pass keeps nothing; dy is the same before and after each axpy (its Jacobian in y
 * is the identity), and each step's reverse is one fused pass: da += dy . x, dx += a dy.
 * The K reverse steps are kept (not folded into one multiplication by K): the adjoint of
 * the code as written.
 */
function axpyHand(x, a) {
  const n = x.length;
  if (axpyY.length !== n) {
    axpyY = new Float64Array(n);
    axpyDy = new Float64Array(n);
  }
  const y = axpyY;
  y.set(x);
  for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) y[i] += a * x[i];
  let value = 0;
  for (let i = 0; i < n; i++) value += y[i] * y[i];
  sinkValue = value;

  const dx = new Float64Array(n);
  const dy = axpyDy;
  for (let i = 0; i < n; i++) dy[i] = 2 * y[i];
  let da = 0;
  for (let k = K - 1; k >= 0; k--) {
    for (let i = 0; i < n; i++) {
      const g = dy[i];
      da += g * x[i];
      dx[i] += a * g;
    }
  }
  for (let i = 0; i < n; i++) dx[i] += dy[i];
  return [dx, da];
}

// ---- compile, load, check ----

const root = fileURLToPath(new URL("..", import.meta.url));
const result = transform(source, { filename: "bench/outparams.ts", sourceMaps: false });
if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
const outDir = join(root, ".tmp", "bench");
mkdirSync(outDir, { recursive: true });
const modulePath = join(outDir, "outparams.mjs");
writeFileSync(modulePath, result.code);
// "adjoint" and "adjoint/runtime" resolve to dist/ by the package's self-reference.
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

/**
 * Why the gradients differ, or null: each gradient array within 1e-10 of the hand-written
 * one relative to its largest entry, a scalar gradient within 1e-10 relative.
 */
function disagreement(generated, reference) {
  if (generated.length !== reference.length) return "number of gradients";
  for (let k = 0; k < reference.length; k++) {
    const ref = reference[k];
    const got = generated[k];
    if (typeof ref === "number") {
      if (!(Math.abs(got - ref) <= 1e-10 * Math.abs(ref))) return `gradient ${k}: ${got} vs ${ref}`;
      continue;
    }
    if (!(got instanceof Float64Array) || got.length !== ref.length) return `gradient ${k}: not a Float64Array of ${ref.length}`;
    let scale = 0;
    for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
    if (!(scale > 0)) return `gradient ${k} is all zeros`;
    for (let i = 0; i < ref.length; i++) {
      if (!(Math.abs(got[i] - ref[i]) <= 1e-10 * scale)) return `gradient ${k}[${i}]: ${got[i]} vs ${ref[i]}`;
    }
  }
  return null;
}

const mainRows = [];
const swapRows = [];
for (const n of [4, 16, 64, 256]) {
  // entries of size 1/sqrt(n), so the pre-activations stay O(1) and tanh does not saturate
  const m = random(n * n, 7 + n, 2.5 / Math.sqrt(n));
  const x = random(n, 11 + n, 2);
  mainRows.push({
    name: `matvec x${STEPS}, tanh into cur, n = ${n}`,
    primal: () => gen.mvLoss(m, x),
    generated: () => gen.mvGrad(m, x),
    hand: () => mvHand(m, x),
  });
  if (n !== 16) {
    swapRows.push({
      name: `matvec x${STEPS}, swapped buffers, n = ${n}`,
      primal: () => gen.mvSwapLoss(m, x),
      generated: () => gen.mvSwapGrad(m, x),
      hand: () => mvHand(m, x),
    });
  }
}
for (const n of [1e3, 1e5]) {
  const x = random(n, 5, 2);
  const a = 0.3;
  mainRows.push({
    name: `axpy x${K}, n = ${n === 1e3 ? "1e3" : "1e5"}`,
    primal: () => gen.axpyLoss(x, a),
    generated: () => gen.axpyGrad(x, a),
    hand: () => axpyHand(x, a),
  });
}
const tables = [
  { title: "out-parameters: matvec (tanh written into cur by the caller) and axpy", workloads: mainRows },
  { title: "out-parameters: matvec with cur and next swapped each step (one region: the out_is_x vjp variant)", workloads: swapRows },
];

/**
 * Once per table, before any timing: the same gradients (and the same loss). A table whose
 * gradients disagree is not timed or printed (the run exits with status 1 at the end; the
 * other tables, and the other benches of `npm run bench`, still run).
 */
function check(table) {
  for (const w of table.workloads) {
    const why = disagreement(w.generated(), w.hand());
    const primal = w.primal();
    const loss = Math.abs(primal - sinkValue) <= 1e-10 * Math.abs(primal) ? null : `hand-written loss ${sinkValue} vs primal ${primal}`;
    if (why || loss) {
      console.error(`outparams bench: ${w.name}: generated and hand-written gradients disagree (${why ?? loss}); table "${table.title}" aborted`);
      process.exitCode = 1;
      return false;
    }
  }
  return true;
}

// ---- measure ----

const state = { sink: 0 };
/** A batch of `reps` calls, compiled on its own so that no call site is shared between functions. */
function batch(fn) {
  return new Function(
    "fn",
    "state",
    `return (reps) => { let sink = 0; for (let k = 0; k < reps; k++) { const r = fn(); sink += typeof r === "number" ? r : r.length; } state.sink += sink; };`,
  )(fn, state);
}

/** Calls per sample so that one sample of `run` lasts about SAMPLE_MS. */
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

/** Milliseconds per call of each function, interleaved sample by sample; medians. */
function measure(fns) {
  const runs = fns.map(batch);
  for (const run of runs) run(3); // warm-up (and first compilation)
  const reps = runs.map(calibrate);
  for (let i = 0; i < runs.length; i++) runs[i](reps[i]); // one sample each at the calibrated size, before recording
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
for (const table of tables) {
  if (!check(table)) continue;
  const rows = table.workloads.map((w) => {
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
  console.log(`\n${table.title}`);
  console.table(rows);
}
console.log(
  `grad wrt (m, x) for matvec, (x, a) for axpy; gradients checked against the hand-written ones to 1e-10 before timing. ` +
    `Load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.`,
);
if (!Number.isFinite(state.sink)) console.log("(sink)", state.sink);
