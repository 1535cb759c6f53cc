// Checkpointing (revolve): memory and time of long loops' gradients with and without it.
// A 1e6-step scalar ODE and a 1e4-step heat equation (200 cells, two buffers), each run in a
// fresh process per variant so its peak resident memory (maxRSS) is its own; the value
// stack's high-water mark (values held at once, the tape's included) and the steps run come
// from the runtime. The recompute factor is the steps run forward over the loop's n: 1 plain;
// revolve's theory is (n + its fewest advances) / n, ours adds the forward sweep's n, which
// learns the trip count. Last, 1e5 gradient calls in a row, heap measured after a collection.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";

const here = fileURLToPath(new URL(".", import.meta.url));
const dir = join(here, "..", ".tmp", "bench-checkpoint");
const modulePath = join(dir, "workloads.mjs");

const source = `
import { grad } from "adjoint";

export function ode(k: number, y0: number, steps: number): number {
  const h = 1e-6;
  let y = y0;
  for (let i = 0; i < steps; i++) y += h * (Math.sin(y) - k * y * y);
  return y;
}

export function heat(initial: Float64Array, alpha: number, steps: number): number {
  const n = initial.length;
  let u = Float64Array.from(initial);
  let next = new Float64Array(n);
  for (let step = 0; step < steps; step++) {
    for (let i = 1; i < n - 1; i++) next[i] = u[i] + alpha * (u[i - 1] - 2 * u[i] + u[i + 1]);
    const swap = u;
    u = next;
    next = swap;
  }
  let energy = 0;
  for (let i = 0; i < n; i++) energy += u[i] * u[i];
  return energy;
}

export const odePlain = grad(ode, { wrt: [0, 1] });
export const odeS10 = grad(ode, { wrt: [0, 1], checkpoint: { snapshots: 10 } });
export const odeS100 = grad(ode, { wrt: [0, 1], checkpoint: { snapshots: 100 } });
export const odeSqrt = grad(ode, { wrt: [0, 1], checkpoint: true });
export const heatPlain = grad(heat, { wrt: [0, 1] });
export const heatS10 = grad(heat, { wrt: [0, 1], checkpoint: { snapshots: 10 } });
export const heatSqrt = grad(heat, { wrt: [0, 1], checkpoint: true });
`;

const workloads = {
  ode: { steps: 1e6, args: (steps) => [0.3, 0.8, steps], primal: "ode", variants: { plain: ["odePlain"], "snapshots: 10": ["odeS10", 10], "snapshots: 100": ["odeS100", 100], "true (√n)": ["odeSqrt", "sqrt"] } },
  heat: { steps: 1e4, args: (steps) => [Float64Array.from({ length: 200 }, (_, i) => Math.sin((Math.PI * i) / 199)), 0.2, steps], primal: "heat", variants: { plain: ["heatPlain"], "snapshots: 10": ["heatS10", 10], "true (√n)": ["heatSqrt", "sqrt"] } },
};

/** Median milliseconds of a few runs of `fn` (each run long enough that a few suffice). */
function median(fn, runs = 5) {
  fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return samples.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

if (process.argv[2] === "--child") {
  // One variant in a process of its own: its peak memory is nobody else's.
  const [, , , name, variant] = process.argv;
  const runtime = await import("../dist/runtime/generated.js");
  const mod = await import(pathToFileURL(modulePath).href);
  const work = workloads[name];
  const fnName = variant === "primal" ? work.primal : work.variants[variant][0];
  const args = work.args(work.steps);
  runtime.ValueStack.highWater = 0;
  runtime.resetCheckpointTotals();
  const gradient = mod[fnName](...args);
  const totals = { ...runtime.checkpointTotals };
  const highWater = runtime.ValueStack.highWater;
  const maxRSS = process.resourceUsage().maxRSS / 1024;
  const ms = median(() => mod[fnName](...args));
  process.stdout.write(JSON.stringify({ ms, maxRSS, highWater, totals, gradient: Array.isArray(gradient) ? gradient.map((g) => (typeof g === "number" ? g : g[1])) : gradient }));
  process.exit(0);
}

const { transform } = await import("../dist/compiler/index.js");
const { revolveAdvances } = await import("../dist/runtime/checkpoint.js");
mkdirSync(dir, { recursive: true });
const compiled = transform(source, { filename: "workloads.ts" });
if (compiled.diagnostics.length > 0) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
writeFileSync(modulePath, compiled.code);

const child = (name, variant) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child", name, variant], { encoding: "utf8", maxBuffer: 1 << 20 }));

for (const [name, work] of Object.entries(workloads)) {
  const n = work.steps;
  const primal = child(name, "primal");
  console.log(`${name}, n = ${n}: primal ${primal.ms.toFixed(1)} ms, peak RSS ${primal.maxRSS.toFixed(0)} MB\n`);
  console.log("| checkpoint | time | / plain | peak RSS | stack high-water (values) | steps run / n | revolve's theory / n | snapshots held | same gradient |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  let plain;
  for (const [variant, [, snapshots]] of Object.entries(work.variants)) {
    const r = child(name, variant);
    plain ??= r;
    const s = snapshots === "sqrt" ? Math.ceil(Math.sqrt(n)) : snapshots;
    const run = snapshots === undefined ? 1 : (r.totals.forward + r.totals.advances + r.totals.turns) / n;
    const theory = snapshots === undefined ? 1 : (n + revolveAdvances(n, s)) / n;
    const same = r.gradient.every((g, i) => Object.is(g, plain.gradient[i]));
    console.log(`| ${variant} | ${r.ms.toFixed(1)} ms | ${(r.ms / plain.ms).toFixed(2)} | ${r.maxRSS.toFixed(0)} MB | ${r.highWater} | ${run.toFixed(2)} | ${theory.toFixed(2)} | ${snapshots === undefined ? "" : r.totals.snapshots} | ${same ? "bit for bit" : "**differs**"} |`);
  }
  console.log("");
}

// 1e5 gradient calls in a row: the heap after a collection, after 1e3 calls and after 1e5.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");
const mod = await import(pathToFileURL(modulePath).href);
console.log("| 1e5 calls of a 100-step gradient | heap after 1e3 calls | after 1e5 | growth |");
console.log("| --- | ---: | ---: | ---: |");
for (const fnName of ["odePlain", "odeS10", "heatPlain", "heatS10"]) {
  const isHeat = fnName.startsWith("heat");
  const args = isHeat ? [Float64Array.from({ length: 20 }, (_, i) => Math.sin(i)), 0.2, 100] : [0.3, 0.8, 100];
  const calls = isHeat ? 2e4 : 1e5;
  for (let i = 0; i < 1e3; i++) mod[fnName](...args);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < calls; i++) mod[fnName](...args);
  gc();
  const after = process.memoryUsage().heapUsed;
  console.log(`| ${fnName}${isHeat ? " (2e4 calls, 20 cells)" : ""} | ${(before / 2 ** 20).toFixed(2)} MB | ${(after / 2 ** 20).toFixed(2)} MB | ${((after - before) / 1024).toFixed(0)} kB |`);
}
