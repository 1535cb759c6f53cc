// The issue 18 grid: generated gradients against adjoints a careful engineer writes by hand
// in plain JS, for scalar and indexed kernels. Each kernel runs in four forms: called
// directly and from a helper the differentiated function calls, over Float64Array and over
// number[] inputs, and directly with `out: true` (its gradient arrays reused from call to
// call; the hand-written adjoint still returns new ones). Then statistics written as helpers
// calling helpers.
//
// Per row, the primal, the generated gradient and the hand-written one are timed
// interleaved, sample by sample (each sample a batch of calls lasting about 2 ms), and
// each column is the median of its samples, so load moves all three alike.
// Targets: generated / hand-written <= 1.1, gradient / primal <= 3.
// node bench/kernels.bench.mjs [filter]; KERNELS_ROW_MS sets the time per row.
// KERNELS_BASELINE=<a copy of an older dist/> adds that build's generated gradient to each
// row, timed in the same interleaving (an A/B of two compilers; the runtime is this one's).
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "../dist/compiler/index.js";
import { random } from "./timing.mjs";
import { hand, HEAT_STEPS, PENDULUM_STEPS } from "./kernels.hand.mjs";

const TARGET_VS_HAND = 1.1;
const TARGET_VS_PRIMAL = 3;
const SAMPLE_MS = 2;
const ROW_MS = Number(process.env.KERNELS_ROW_MS ?? 400);
const only = process.argv.slice(2).find((a) => !a.endsWith(".mjs") && a !== "kernels");

/** The kernels, for one array type `T`; every name ends in `$` (replaced by the type's suffix). */
const kernels = (T) => `
export function horner$(c: ${T}, x: number): number {
  let y = 0;
  for (let i = c.length - 1; i >= 0; i--) {
    y = y * x + c[i];
    if (y > 2) y = y * 0.5;
  }
  return y;
}

export function dot$(a: ${T}, b: ${T}): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function cumsum$(x: ${T}): number {
  const n = x.length;
  const out = new Float64Array(n);
  let running = 0;
  for (let i = 0; i < n; i++) {
    running += x[i];
    out[i] = running;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += out[i] * out[i];
  return total;
}

export function smooth$(signal: ${T}, width: number): number {
  const n = signal.length - width + 1;
  const averaged = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let window = 0;
    for (let k = 0; k < width; k++) window += signal[i + k];
    averaged[i] = window / width;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += averaged[i] * averaged[i] * (1 + 0.1 * i);
  return total;
}

export function matvec$(m: ${T}, x: ${T}): number {
  const n = x.length;
  let total = 0;
  for (let r = 0; r < n; r++) {
    let acc = 0;
    for (let c = 0; c < n; c++) acc += m[r * n + c] * x[c];
    total += Math.tanh(acc);
  }
  return total;
}

export function pendulum$(state: ${T}, length: number, damping: number): number {
  const dt = 0.005;
  let theta = state[0];
  let omega = state[1];
  for (let step = 0; step < ${PENDULUM_STEPS}; step++) {
    const k1t = omega;
    const k1w = (-9.81 / length) * Math.sin(theta) - damping * omega;
    const k2t = omega + 0.5 * dt * k1w;
    const k2w = (-9.81 / length) * Math.sin(theta + 0.5 * dt * k1t) - damping * k2t;
    const k3t = omega + 0.5 * dt * k2w;
    const k3w = (-9.81 / length) * Math.sin(theta + 0.5 * dt * k2t) - damping * k3t;
    const k4t = omega + dt * k3w;
    const k4w = (-9.81 / length) * Math.sin(theta + dt * k3t) - damping * k4t;
    theta += (dt / 6) * (k1t + 2 * k2t + 2 * k3t + k4t);
    omega += (dt / 6) * (k1w + 2 * k2w + 2 * k3w + k4w);
  }
  return theta;
}

export function heat$(initial: ${T}, alpha: number): number {
  const n = initial.length;
  let u = Float64Array.from(initial);
  let next = new Float64Array(n);
  for (let step = 0; step < ${HEAT_STEPS}; step++) {
    for (let i = 1; i < n - 1; i++) next[i] = u[i] + alpha * (u[i - 1] - 2 * u[i] + u[i + 1]);
    next[0] = 0;
    next[n - 1] = 0;
    const swap = u;
    u = next;
    next = swap;
  }
  let energy = 0;
  for (let i = 0; i < n; i++) energy += u[i] * u[i];
  return energy;
}

export function sum$(x: ${T}): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

export function mean$(x: ${T}): number {
  return sum$(x) / x.length;
}

export function variance$(x: ${T}): number {
  const m = mean$(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - m;
    s += d * d;
  }
  return s / x.length;
}

export function logsumexp$(x: ${T}): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] - m);
  return m + Math.log(s);
}
`;

/** Each kernel's parameters (`T`: an array of the row's type) and the inputs that get gradients. */
const signatures = {
  horner: { params: ["c: T", "x: number"], wrt: [0, 1] },
  dot: { params: ["a: T", "b: T"], wrt: [0, 1] },
  cumsum: { params: ["x: T"], wrt: [0] },
  smooth: { params: ["signal: T", "width: number"], wrt: [0] },
  matvec: { params: ["m: T", "x: T"], wrt: [0, 1] },
  pendulum: { params: ["state: T", "length: number", "damping: number"], wrt: [0, 1, 2] },
  heat: { params: ["initial: T", "alpha: number"], wrt: [0, 1] },
  sum: { params: ["x: T"], wrt: [0] },
  mean: { params: ["x: T"], wrt: [0] },
  variance: { params: ["x: T"], wrt: [0] },
  logsumexp: { params: ["x: T"], wrt: [0] },
};
const types = { f64: "Float64Array", arr: "number[]" };

/** The module: both typings of every kernel, a helper-calling form of each, and their gradients. */
function moduleSource() {
  let out = `import { grad } from "adjoint";\n`;
  for (const [suffix, T] of Object.entries(types)) {
    out += kernels(T).replaceAll("$(", `_${suffix}(`);
    for (const [name, { params, wrt }] of Object.entries(signatures)) {
      const typed = params.map((p) => p.replace(/: T$/, `: ${T}`)).join(", ");
      const names = params.map((p) => p.split(":")[0]).join(", ");
      out += `export function ${name}Call_${suffix}(${typed}): number {\n  return ${name}_${suffix}(${names});\n}\n`;
      out += `export const ${name}Grad_${suffix} = grad(${name}_${suffix}, { wrt: [${wrt}] });\n`;
      out += `export const ${name}CallGrad_${suffix} = grad(${name}Call_${suffix}, { wrt: [${wrt}] });\n`;
      out += `export const ${name}OutGrad_${suffix} = grad(${name}_${suffix}, { wrt: [${wrt}], out: true });\n`;
    }
  }
  return out;
}

// ---- compile, load ----

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, ".tmp", "bench");
mkdirSync(outDir, { recursive: true });
/** The bench module compiled by `compile` (a `transform`), written out and loaded. */
async function load(compile, file) {
  const result = compile(moduleSource(), { filename: "bench/kernels.ts", sourceMaps: false });
  if (result.diagnostics.length > 0) {
    throw new Error(`adjoint refused the bench module:\n${result.diagnostics.map((d) => `${d.code} ${d.message} (line ${d.line})`).join("\n")}`);
  }
  writeFileSync(join(outDir, file), result.code);
  return import(pathToFileURL(join(outDir, file)).href);
}
const gen = await load(transform, "kernels.mjs");
const baselineDist = process.env.KERNELS_BASELINE;
const base = baselineDist ? await load((await import(pathToFileURL(join(baselineDist, "compiler", "index.js")).href)).transform, "kernels-baseline.mjs") : null;

// ---- inputs ----

const heatInitial = random(1000, 3);
heatInitial[0] = heatInitial[999] = 0;
const inputs = {
  horner: { label: "horner with a branch, 32 coefficients", args: [random(32, 4).map((v) => v * 3), 0.9] },
  dot4: { kernel: "dot", label: "dot, n = 4", args: [random(4, 1), random(4, 2)] },
  dot1e6: { kernel: "dot", label: "dot, n = 1e6", args: [random(1e6, 1), random(1e6, 2)] },
  cumsum: { label: "cumulative sum, n = 1e4", args: [random(1e4, 5)] },
  smooth: { label: "moving average, n = 1e4, width 5", args: [random(1e4, 6), 5] },
  matvec: { label: "matvec 64x64, sum tanh", args: [random(64 * 64, 7), random(64, 8)] },
  pendulum: { label: `RK4 pendulum, ${PENDULUM_STEPS} steps`, args: [Float64Array.from([0.8, 0]), 1, 0.1] },
  heat: { label: `heat, 1000 cells x ${HEAT_STEPS} steps`, args: [heatInitial, 0.25] },
};
const statistics = {
  sum: { label: "sum, n = 1e4", args: [random(1e4, 9)] },
  mean: { label: "mean via sum, n = 1e4", args: [random(1e4, 9)] },
  variance: { label: "variance via mean, n = 1e4", args: [random(1e4, 9)] },
  logsumexp: { label: "logsumexp, n = 1e4", args: [random(1e4, 10).map((v) => v * 8)] },
};

const asType = (suffix, args) => args.map((a) => (a instanceof Float64Array && suffix === "arr" ? Array.from(a) : a));

const rows = [];
for (const [key, spec] of Object.entries(inputs)) {
  const kernel = spec.kernel ?? key;
  for (const [suffix, typeName] of [["f64", "Float64Array"], ["arr", "number[]"]]) {
    for (const call of ["", "Call", "Out"]) {
      rows.push({
        name: `${spec.label}, ${typeName}${{ "": "", Call: ", in a helper", Out: ", out: true" }[call]}`,
        args: asType(suffix, spec.args),
        primal: gen[`${kernel}${call === "Out" ? "" : call}_${suffix}`],
        generated: gen[`${kernel}${call}Grad_${suffix}`],
        baseline: base?.[`${kernel}${call}Grad_${suffix}`],
        hand: hand[kernel],
      });
    }
  }
}
for (const [kernel, spec] of Object.entries(statistics)) {
  for (const [suffix, typeName] of [["arr", "number[]"], ["f64", "Float64Array"]]) {
    rows.push({
      name: `${spec.label}, ${typeName}`,
      args: asType(suffix, spec.args),
      primal: gen[`${kernel}_${suffix}`],
      generated: gen[`${kernel}Grad_${suffix}`],
      baseline: base?.[`${kernel}Grad_${suffix}`],
      hand: hand[kernel],
    });
  }
}

// ---- check: each generated gradient against the hand-written one ----

const flat = (value) => [value].flat(2).flatMap((v) => (typeof v === "number" ? [v] : Array.from(v)));
let failed = false;
for (const row of rows) {
  const x = flat(row.generated(...row.args));
  const y = flat(row.hand(...row.args));
  const scale = y.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  if (x.length !== y.length || x.some((v, i) => !(Math.abs(v - y[i]) <= 1e-9 * scale))) {
    console.error(`kernels bench: ${row.name}: generated and hand-written gradients disagree`);
    failed = true;
  }
}
if (failed) process.exit(1);

// ---- measure ----

const state = { sink: 0 };
/** A batch of `reps` calls, compiled on its own so that no call site is shared between functions. */
function batch(fn, args) {
  return new Function(
    "fn",
    "args",
    "state",
    `return (reps) => { let sink = 0; for (let k = 0; k < reps; k++) { const r = fn(...args); sink += typeof r === "number" ? r : r.length; } state.sink += sink; };`,
  )(fn, args, state);
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
export function measure(fns, rowMs = ROW_MS) {
  const runs = fns.map(([fn, args]) => batch(fn, args));
  for (const run of runs) run(3);
  const reps = runs.map(calibrate);
  const samples = runs.map(() => []);
  const start = performance.now();
  while (performance.now() - start < rowMs || samples[0].length < 7) {
    for (let i = 0; i < runs.length; i++) {
      const t0 = performance.now();
      runs[i](reps[i]);
      samples[i].push((performance.now() - t0) / reps[i]);
    }
  }
  return samples.map(median);
}

const fmt = (ms) => {
  const us = ms * 1000;
  return us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2);
};
const load0 = loadavg()[0];
const table = [];
for (const row of rows) {
  if (only && !row.name.includes(only)) continue;
  const fns = [[row.primal, row.args], [row.generated, row.args], [row.hand, row.args], ...(base ? [[row.baseline, row.args]] : [])];
  const [primal, generated, handWritten, baseline] = measure(fns);
  const vsHand = generated / handWritten;
  const vsPrimal = generated / primal;
  table.push({
    workload: row.name,
    "primal µs": fmt(primal),
    "generated µs": fmt(generated),
    "hand-written µs": fmt(handWritten),
    [`generated/hand (<= ${TARGET_VS_HAND})`]: vsHand.toFixed(2),
    [`gradient/primal (<= ${TARGET_VS_PRIMAL})`]: vsPrimal.toFixed(2),
    ...(base ? { "baseline/hand": (baseline / handWritten).toFixed(2), "generated/baseline": (generated / baseline).toFixed(2) } : {}),
    result: vsHand <= TARGET_VS_HAND && vsPrimal <= TARGET_VS_PRIMAL ? "PASS" : vsHand <= TARGET_VS_HAND ? "MISS (primal)" : "MISS",
  });
}
console.table(table);
console.log(`load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
if (!Number.isFinite(state.sink)) console.log("(sink)", state.sink);
