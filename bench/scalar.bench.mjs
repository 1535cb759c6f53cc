// Scalar engine speed: the primal, the gradient adjoint generates, and the adjoint a
// person would write by hand, for two workloads. Runs against the built package
// (npm run build first): node bench/scalar.bench.mjs, or npm run bench scalar.
//
// Targets: generated / hand-written <= 1.2 (the generated code is as good as careful
// plain JS) and gradient / primal <= 4 (the cheap-gradient principle of reverse mode).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Bench } from "tinybench";
import { transform } from "../dist/compiler/index.js";

const TARGET_VS_HAND = 1.2;
const TARGET_VS_PRIMAL = 4;
/** Calls per timed sample: one call is too short for the timer. */
const BATCH = 200;
const TIME_MS = 400;

// (a) a loop that overwrites its state: the reverse sweep needs every old value.
// (b) the seed notebook's control-flow function: a data-dependent trip count and a branch.
const source = `
import { grad, valueAndGrad } from "adjoint";

export function loop(x: number, y0: number): number {
  let y = y0;
  for (let i = 0; i < 100; i++) y = Math.sin(y) * x + y * 0.5;
  return y;
}

export function seed(a: number): number {
  let b = a * 2;
  while (Math.abs(b) < 1000) b = b * 2;
  let c: number;
  if (b > 0) c = b;
  else c = 100 * b;
  return c;
}

export const loopGrad = grad(loop);
export const loopGradBoth = grad(loop, { wrt: [0, 1] });
export const loopValueAndGrad = valueAndGrad(loop);
export const seedGrad = grad(seed);
export const seedValueAndGrad = valueAndGrad(seed);
`;

// ---- hand-written adjoints: forward sweep saving values, reverse sweep ----

const STEPS = 100;
const ys = new Float64Array(STEPS);

/** The reverse sweep of `loop`: [d/dx, d/dy0] for head gradient 1, and the value. */
function loopAdjoint(x, y0, out) {
  let y = y0;
  for (let i = 0; i < STEPS; i++) {
    ys[i] = y;
    y = Math.sin(y) * x + y * 0.5;
  }
  let dx = 0;
  let dy = 1;
  for (let i = STEPS - 1; i >= 0; i--) {
    const yi = ys[i];
    dx += dy * Math.sin(yi);
    dy *= Math.cos(yi) * x + 0.5;
  }
  out[0] = dx;
  out[1] = dy;
  return y;
}

const scratch = new Float64Array(2);
const hand = {
  loopGrad: (x, y0) => (loopAdjoint(x, y0, scratch), scratch[0]),
  loopGradBoth: (x, y0) => (loopAdjoint(x, y0, scratch), [scratch[0], scratch[1]]),
  loopValueAndGrad: (x, y0) => [loopAdjoint(x, y0, scratch), scratch[0]],
  // seed is linear in a between trip-count changes: count the doublings, then undo them.
  seedGrad: (a) => seedAdjoint(a)[1],
  seedValueAndGrad: (a) => seedAdjoint(a),
};

function seedAdjoint(a) {
  let b = a * 2;
  let doublings = 0;
  while (Math.abs(b) < 1000) {
    b = b * 2;
    doublings++;
  }
  const c = b > 0 ? b : 100 * b;
  let db = b > 0 ? 1 : 100;
  for (let k = 0; k < doublings; k++) db *= 2;
  return [c, db * 2];
}

// ---- compile, load, check ----

const root = fileURLToPath(new URL("..", import.meta.url));
const result = transform(source, { filename: "bench/scalar.ts", sourceMaps: false });
if (result.diagnostics.length > 0) {
  throw new Error(`adjoint refused the bench module:\n${result.diagnostics.map((d) => `${d.code} ${d.message} (line ${d.line})`).join("\n")}`);
}
const outDir = join(root, ".tmp", "bench");
mkdirSync(outDir, { recursive: true });
const modulePath = join(outDir, "scalar.mjs");
writeFileSync(modulePath, result.code);
// "adjoint" and "adjoint/runtime" resolve to dist/ by the package's self-reference.
const generated = await import(pathToFileURL(modulePath).href);

const loopPoints = [[0.7, 0.3], [1.3, -0.4], [-0.9, 2.1], [0.2, 1]];
const seedPoints = [[0.7], [-1.3], [3.3], [-0.05]];
const workloads = [
  { name: "loop: grad wrt x", primal: "loop", key: "loopGrad", points: loopPoints },
  { name: "loop: grad wrt [x, y0]", primal: "loop", key: "loopGradBoth", points: loopPoints },
  { name: "loop: valueAndGrad", primal: "loop", key: "loopValueAndGrad", points: loopPoints },
  { name: "seed f(a): grad", primal: "seed", key: "seedGrad", points: seedPoints },
  { name: "seed f(a): valueAndGrad", primal: "seed", key: "seedValueAndGrad", points: seedPoints },
];
const primals = { loop: loopPoints, seed: seedPoints };

for (const { name, key, points } of workloads) {
  for (const point of points) {
    const a = [generated[key](...point)].flat(2);
    const b = [hand[key](...point)].flat(2);
    const agree = a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-9 * (1 + Math.abs(b[i])));
    if (!agree) {
      console.error(`scalar bench: generated and hand-written ${name} disagree at (${point}): [${a}] vs [${b}]`);
      process.exit(1);
    }
  }
}

// ---- measure ----

const state = { sink: 0 };
/**
 * A task body that makes BATCH calls over the points. Each body is compiled on its own
 * (new Function), so no call site is shared between tasks: a shared one would turn
 * megamorphic and slow every task alike, hiding the differences measured here.
 */
function batch(fn, points) {
  const args = points[0].map((_, i) => `p[${i}]`).join(", ");
  const body = `return () => {
    let sink = 0;
    for (let k = 0; k < ${BATCH}; k++) {
      const p = points[k % ${points.length}];
      const r = fn(${args});
      sink += typeof r === "number" ? r : r[0];
    }
    state.sink += sink;
  };`;
  return new Function("fn", "points", "state", body)(fn, points, state);
}

const bench = new Bench({ time: TIME_MS, warmupTime: 100 });
for (const [name, points] of Object.entries(primals)) bench.add(`${name} | primal`, batch(generated[name], points));
for (const { name, key, points } of workloads) {
  bench.add(`${name} | generated`, batch(generated[key], points));
  bench.add(`${name} | hand-written`, batch(hand[key], points));
}
await bench.run();

const nsPerOp = (label) => {
  const task = bench.tasks.find((t) => t.name === label);
  const latency = task?.result?.latency;
  if (!latency) throw new Error(`scalar bench: no result for ${label}`);
  // The median: robust to the pauses of a shared machine (GC, other processes).
  return (latency.p50 * 1e6) / BATCH;
};

const rows = workloads.map(({ name, primal: primalName }) => {
  const primal = nsPerOp(`${primalName} | primal`);
  const gen = nsPerOp(`${name} | generated`);
  const handWritten = nsPerOp(`${name} | hand-written`);
  const vsHand = gen / handWritten;
  const vsPrimal = gen / primal;
  return {
    workload: name,
    "primal ns/op": primal.toFixed(0),
    "generated ns/op": gen.toFixed(0),
    "hand-written ns/op": handWritten.toFixed(0),
    [`generated/hand (<= ${TARGET_VS_HAND})`]: vsHand.toFixed(2),
    [`gradient/primal (<= ${TARGET_VS_PRIMAL})`]: vsPrimal.toFixed(2),
    result: vsHand <= TARGET_VS_HAND && vsPrimal <= TARGET_VS_PRIMAL ? "PASS" : "MISS",
  };
});
console.table(rows);
if (!Number.isFinite(state.sink)) console.log("(sink)", state.sink);
