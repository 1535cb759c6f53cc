// The kernels grid as an A/B of two builds on a loaded machine: this build's generated gradient,
// a baseline build's and the hand-written adjoint, interleaved sample by sample in one process.
// Each ratio is of the 10th percentiles of 0.5 ms wall-clock samples (the samples no other
// process interrupted), each sample's call count the most of five calibrations (one preempted
// calibration would leave samples of a few calls, timing the timer).
// First write both modules: KERNELS_BASELINE=<an older dist/> node bench/kernels.bench.mjs <a row>
// then: node bench/kernels-ab.mjs [filter]; AB_MS sets the time per row (default 3000);
// AB_BASELINE_RUNTIME=<an older dist/> runs the baseline's code on that build's runtime too.
import { loadavg } from "node:os";
import { readFileSync, writeFileSync } from "node:fs";
import { random } from "./timing.mjs";
import { hand } from "./kernels.hand.mjs";
const gen = await import("../.tmp/bench/kernels.mjs");
const runtimeDist = process.env.AB_BASELINE_RUNTIME;
if (runtimeDist) {
  const code = readFileSync(new URL("../.tmp/bench/kernels-baseline.mjs", import.meta.url), "utf8");
  writeFileSync(new URL("../.tmp/bench/kernels-baseline-runtime.mjs", import.meta.url), code.replace('from "adjoint/runtime"', `from "${runtimeDist}/runtime/generated.js"`).replace('from "adjoint";', `from "${runtimeDist}/runtime/index.js";`));
}
const base = await import(runtimeDist ? "../.tmp/bench/kernels-baseline-runtime.mjs" : "../.tmp/bench/kernels-baseline.mjs");
const only = process.argv[2];
const heatInitial = random(1000, 3);
heatInitial[0] = heatInitial[999] = 0;
const inputs = {
  horner: { args: [random(32, 4).map((v) => v * 3), 0.9] },
  dot4: { kernel: "dot", args: [random(4, 1), random(4, 2)] },
  cumsum: { args: [random(1e4, 5)] },
  smooth: { args: [random(1e4, 6), 5] },
  matvec: { args: [random(64 * 64, 7), random(64, 8)] },
  pendulum: { args: [Float64Array.from([0.8, 0]), 1, 0.1] },
  heat: { args: [heatInitial, 0.25] },
  sum: { args: [random(1e4, 9)], stat: true },
  mean: { args: [random(1e4, 9)], stat: true },
  variance: { args: [random(1e4, 9)], stat: true },
  logsumexp: { args: [random(1e4, 10).map((v) => v * 8)], stat: true },
};
const asType = (suffix, args) => args.map((a) => (a instanceof Float64Array && suffix === "arr" ? Array.from(a) : a));
// The 10th percentile of wall-clock samples of 0.5 ms: on a loaded machine the samples no other process interrupted.
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 10)];
const st = { s: 0 };
const batch = (fn, args) => new Function("fn", "args", "st", "return (reps) => { let s = 0; for (let k = 0; k < reps; k++) { const r = fn(...args); s += typeof r === 'number' ? r : r.length; } st.s += s; };")(fn, args, st);
const cpu = () => performance.now();
function measure(fns, ms = Number(process.env.AB_MS ?? 3000)) {
  const runs = fns.map(([f, a]) => batch(f, a));
  const calibrate = (run) => { let r = 1; for (;;) { const t = cpu(); run(r); const d = cpu() - t; if (d > 0.25 || r > 1 << 22) return Math.max(1, Math.round((r * 0.5) / Math.max(d, 0.001))); r *= 2; } };
  // The most calls of five calibrations: one preempted calibration would leave samples of a few calls, timing the timer.
  const reps = runs.map((run) => Math.max(...[0, 1, 2, 3, 4].map(() => calibrate(run))));
  const samples = runs.map(() => []);
  const t0 = performance.now();
  while (performance.now() - t0 < ms || samples[0].length < 9) runs.forEach((run, i) => { const t = cpu(); run(reps[i]); samples[i].push((cpu() - t) / reps[i]); });
  return samples.map(median);
}
console.log(`load ${loadavg()[0].toFixed(1)}`);
for (const [key, spec] of Object.entries(inputs)) {
  const kernel = spec.kernel ?? key;
  for (const suffix of ["f64", "arr"]) for (const call of spec.stat ? [""] : ["", "Call", "Out"]) {
    const name = `${key} ${suffix}${call ? " " + call : ""}`;
    if (only && !name.includes(only)) continue;
    const args = asType(suffix, spec.args);
    const [g, b, h] = measure([[gen[`${kernel}${call}Grad_${suffix}`], args], [base[`${kernel}${call}Grad_${suffix}`], args], [hand[kernel], args]]);
    console.log(`${name.padEnd(22)} generated/hand ${(g / h).toFixed(2)}  baseline/hand ${(b / h).toFixed(2)}  generated/baseline ${(g / b).toFixed(2)}`);
  }
}
console.log(`load ${loadavg()[0].toFixed(1)}`);
