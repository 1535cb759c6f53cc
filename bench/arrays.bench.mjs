// Array programs: the gradient adjoint generates for NDArray code, against the same
// gradient written by hand with adjoint/np, and against TensorFlow.js's tf.grad (CPU
// backend), on the same data, in one run.
//
// Targets: generated / hand-written <= 1.3; at least 3x faster than tfjs on the small rows
// (n <= 1e3 and the control-flow rows), not slower on the large ones.
import * as tf from "@tensorflow/tfjs";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "../dist/compiler/index.js";
import { time } from "./timing.mjs";
import * as np from "../dist/runtime/np/index.js";

const TARGET_VS_HAND = 1.3;
const TARGET_VS_TF_SMALL = 3;

const source = `
import { autograd, grad, vjp } from "adjoint";
import * as np from "adjoint/np";

export function twiceDot(x: np.NDArray): np.NDArray {
  return np.mul(2, np.dot(x, x));
}

export function seed(a: np.NDArray): np.NDArray {
  let b = np.mul(a, 2);
  while (np.linalg.norm(b).item() < 1000) b = np.mul(b, 2);
  let c: np.NDArray;
  if (b.sum().item() > 0) c = b;
  else c = np.mul(100, b);
  return c;
}

export function sumSin(x: np.NDArray): np.NDArray {
  return np.sum(np.sin(x));
}

export function layer(w: np.NDArray, b: np.NDArray, x: np.NDArray): np.NDArray {
  const h = np.tanh(np.add(np.matmul(x, w), b));
  return np.sum(np.mul(h, h));
}

export function logistic(w: np.NDArray, xs: np.NDArray, ys: np.NDArray): np.NDArray {
  const margins = np.mul(np.neg(ys), np.matmul(xs, w));
  return np.mean(np.log1p(np.exp(margins)));
}

export function longLoop(x: np.NDArray, w: np.NDArray): np.NDArray {
  let h = x;
  for (let i = 0; i < 500; i++) h = np.tanh(np.mul(h, w));
  return np.sum(h);
}

// add's rule reads only the shape of h * w: each step keeps h (for mul's rule), not the product.
export function affineLoop(h: np.NDArray, w: np.NDArray, b: np.NDArray): np.NDArray {
  for (let i = 0; i < 1000; i++) h = np.add(np.mul(h, w), b);
  return np.sum(h);
}

// The notebook's style: attachGrad, a record block, backward (the block reads xs and ys,
// parameters here, so its one pullback computes their adjoints too; backward drops them).
export function logisticRecordGrad(w: np.NDArray, xs: np.NDArray, ys: np.NDArray): np.NDArray {
  w.attachGrad();
  let loss!: np.NDArray;
  autograd.record(() => {
    loss = logistic(w, xs, ys);
  });
  loss.backward();
  return w.grad;
}

export const longLoopVjp = vjp(longLoop);
export const affineLoopVjp = vjp(affineLoop, { wrt: [0, 1, 2] });
export const longLoopGrad = grad(longLoop);
export const twiceDotGrad = grad(twiceDot);
export const seedGrad = grad(seed);
export const sumSinGrad = grad(sumSin);
export const layerGrad = grad(layer, { wrt: [0, 1] });
export const logisticGrad = grad(logistic);
`;

// ---- hand-written gradients with adjoint/np ----
// Each computes the forward pass (the loss a training step reports) and then the
// backward pass a person would write, as generated code and tf.grad also do.

const hand = {
  twiceDot: (x) => {
    void np.mul(2, np.dot(x, x));
    return np.mul(4, x);
  },
  seed: (a) => {
    let b = np.mul(a, 2);
    let scale = 2;
    while (np.linalg.norm(b).item() < 1000) {
      b = np.mul(b, 2);
      scale *= 2;
    }
    void (b.sum().item() > 0 ? b : np.mul(100, b));
    return np.fullLike(a, b.sum().item() > 0 ? scale : 100 * scale);
  },
  sumSin: (x) => {
    void np.sum(np.sin(x));
    return np.cos(x);
  },
  layer: (w, b, x) => {
    const h = np.tanh(np.add(np.matmul(x, w), b));
    void np.sum(np.mul(h, h));
    const dz = np.mul(np.mul(2, h), np.sub(1, np.mul(h, h)));
    const dw = x.ndim === 1 ? np.outer(x, dz) : np.matmul(x.T, dz);
    const db = x.ndim === 1 ? dz : np.sum(dz, 0);
    return [dw, db];
  },
  logisticRecord: (w, xs, ys) => hand.logistic(w, xs, ys),
  logistic: (w, xs, ys) => {
    const margins = np.mul(np.neg(ys), np.matmul(xs, w));
    void np.mean(np.log1p(np.exp(margins)));
    const weights = np.mul(np.neg(ys), np.sigmoid(margins)); // d/dmargin log1p(exp(m)) = sigmoid(m)
    return np.div(np.matmul(xs.T, weights), xs.shape[0]);
  },
};

// ---- TensorFlow.js ----

await tf.setBackend("cpu");
const tfFns = {
  twiceDot: tf.grad((x) => tf.mul(2, tf.dot(x, x))),
  seed: tf.grad((a) => {
    let b = tf.mul(a, 2);
    while (tf.norm(b).dataSync()[0] < 1000) b = tf.mul(b, 2);
    return tf.sum(b).dataSync()[0] > 0 ? b : tf.mul(100, b);
  }),
  sumSin: tf.grad((x) => tf.sum(tf.sin(x))),
  layer: tf.grads((w, b, x) => {
    const h = tf.tanh(tf.add(x.rank === 1 ? tf.dot(x, w) : tf.matMul(x, w), b));
    return tf.sum(tf.mul(h, h));
  }),
  // tf.grad differentiates a function of one tensor (its second argument is dy): close over the data.
  logistic: (w, xs, ys) => tf.grad((v) => tf.mean(tf.log1p(tf.exp(tf.mul(tf.neg(ys), tf.dot(xs, v))))))(w),
};
tfFns.logisticRecord = tfFns.logistic;

// ---- compile and load ----

const root = fileURLToPath(new URL("..", import.meta.url));
const result = transform(source, { filename: "bench/arrays.ts", sourceMaps: false });
if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
const outDir = join(root, ".tmp", "bench");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "arrays.mjs"), result.code);
const gen = await import(pathToFileURL(join(outDir, "arrays.mjs")).href);

np.random.seed(1);
const normal = (...shape) => np.random.normal(0, 1, shape);
const toTf = (x) => tf.tensor(Float32Array.from(x.copy().data), x.shape);

const cases = [];
const add = (name, key, args, small, tfArgs = args) => cases.push({ name, key, args, small, tfArgs: tfArgs.map(toTf) });
add("2*dot(x,x), n = 4", "twiceDot", [normal(4)], true);
add("2*dot(x,x), n = 1e3", "twiceDot", [normal(1000)], true);
add("2*dot(x,x), n = 1e6", "twiceDot", [normal(1_000_000)], false);
add("seed f(a), size 1", "seed", [np.array([0.77])], true);
add("seed f(a), size 1000", "seed", [np.mul(0.01, normal(1000))], true);
add("sum(sin(x)), n = 200", "sumSin", [np.linspace(0, 10, 200)], true);
add("sum(sin(x)), n = 1e6", "sumSin", [normal(1_000_000)], false);
add("MLP layer 256x256", "layer", [np.mul(0.05, normal(256, 256)), normal(256), normal(256)], false);
add("MLP layer 256x256, batch 64", "layer", [np.mul(0.05, normal(256, 256)), normal(256), normal(64, 256)], false);
const xsLog = normal(10000, 100);
const logisticArgs = [np.mul(0.1, normal(100)), xsLog, np.sign(normal(10000))];
add("logistic regression N=1e4, d=100", "logistic", logisticArgs, false);
add("logistic regression, record + backward", "logisticRecord", [logisticArgs[0].copy(), ...logisticArgs.slice(1)], false);

// Check: generated and hand-written gradients agree.
const flat = (g) => (Array.isArray(g) ? g : [g]).flatMap((x) => Array.from(x.copy().data));
for (const c of cases) {
  const wrt = c.key === "layer" ? 2 : 1;
  const a = flat(gen[`${c.key}Grad`](...c.args)).slice();
  const b = flat(hand[c.key](...c.args));
  const ok = a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-8 * (1 + Math.abs(b[i])));
  if (!ok || wrt === 0) {
    console.error(`arrays bench: ${c.name}: generated and hand-written gradients disagree`);
    process.exit(1);
  }
}


const rows = cases.map((c) => {
  const generated = time(() => gen[`${c.key}Grad`](...c.args), 250);
  const handWritten = time(() => hand[c.key](...c.args));
  const tfMs = time(() =>
    tf.tidy(() => {
      const out = tfFns[c.key](...(c.key === "layer" ? [c.tfArgs] : c.tfArgs));
      (Array.isArray(out) ? out : [out]).forEach((t) => t.dataSync());
    }),
  );
  const vsHand = generated / handWritten;
  const vsTf = tfMs / generated;
  const ok = vsHand <= TARGET_VS_HAND && (c.small ? vsTf >= TARGET_VS_TF_SMALL : vsTf >= 1);
  // Sub-microsecond rows need two decimals for the ratio to be read off the table.
  const us = (ms) => (ms * 1000).toFixed(ms < 0.01 ? 2 : 1);
  return {
    workload: c.name,
    "generated µs": us(generated),
    "hand-written µs": us(handWritten),
    "tfjs µs": us(tfMs),
    [`generated/hand (<= ${TARGET_VS_HAND})`]: vsHand.toFixed(2),
    "tfjs/generated": vsTf.toFixed(1),
    target: c.small ? `tfjs/gen >= ${TARGET_VS_TF_SMALL}` : "tfjs/gen >= 1",
    result: ok ? "PASS" : "MISS",
  };
});
console.table(rows);
console.log("tfjs runs in float32 on its CPU backend; adjoint/np in float64.");

// ---- memory of a long loop: 500 steps of h = tanh(h * w) on 1e4 elements ----
// Measured in a child process with --expose-gc: array memory held after the forward
// sweep (what the reverse sweep needs) and after the reverse sweep.
const memoryScript = join(outDir, "arrays-memory.mjs");
writeFileSync(
  memoryScript,
  `import * as np from "${pathToFileURL(join(root, "dist/runtime/np/index.js")).href}";
import { longLoop, longLoopVjp, longLoopGrad, affineLoopVjp } from "./arrays.mjs";
const mb = () => { global.gc(); return process.memoryUsage().arrayBuffers / 1e6; };
const x = np.random.normal(0, 1, [10000]);
const w = np.fullLike(x, 0.9);
const base = mb();
const [, pullback] = longLoopVjp(x, w);
const held = mb() - base;
const g = pullback(1);
const after = mb() - base;
void longLoopGrad(x, w); void g;
const affineBase = mb();
const [, affinePullback] = affineLoopVjp(x, np.fullLike(x, 0.999), np.fullLike(x, 0.001));
const affineHeld = mb() - affineBase;
void affinePullback;
console.log(JSON.stringify({ held, after, affineHeld, stepMb: (10000 * 8) / 1e6 }));
`,
);
const { execFileSync } = await import("node:child_process");
const memory = JSON.parse(execFileSync(process.execPath, ["--expose-gc", memoryScript], { encoding: "utf8" }));
console.log(
  `long loop (500 steps, 1e4 elements, ${memory.stepMb.toFixed(2)} MB per array): ${memory.held.toFixed(1)} MB held between the sweeps ` +
    `(${(memory.held / 500 / memory.stepMb).toFixed(2)} arrays per step: each step's h, which mul's rule reads and tanh's rule reads as its output; ` +
    `the product h * w is not kept, since tanh's rule reads only its output), ${memory.after.toFixed(1)} MB after ` +
    `the pullback ran (a vjp keeps them, since its pullback may run again; grad's reverse sweep drops each as it passes it).`,
);
console.log(
  `affine loop (1,000 steps of h = h * w + b, 1e4 elements): ${memory.affineHeld.toFixed(1)} MB held between the sweeps ` +
    `(${(memory.affineHeld / 1000 / memory.stepMb).toFixed(2)} arrays per step: each step's h, which mul's rule reads; add's rule reads ` +
    `only the shape of h * w, so the product is not kept, only its stand-in; 2 arrays per step before shape-only reads).`,
);
