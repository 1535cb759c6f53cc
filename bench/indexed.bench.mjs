// Indexed code: loops over Float64Arrays. For each workload the primal, the gradient
// adjoint generates, an adjoint written by hand in plain JS, and the same computation
// written with TensorFlow.js ops (tf.grads, CPU backend), measured in one run.
//
// Targets: generated / hand-written <= 1.3; gradient / primal <= 4.
import * as tf from "@tensorflow/tfjs";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "../dist/compiler/index.js";
import { random, time } from "./timing.mjs";

const TARGET_VS_HAND = 1.3;
const TARGET_VS_PRIMAL = 4;

const source = `
import { grad } from "adjoint";

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function pendulum(state: Float64Array, length: number, damping: number): number {
  const dt = 0.005;
  let theta = state[0];
  let omega = state[1];
  for (let step = 0; step < 1000; step++) {
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

export function heat(initial: Float64Array, alpha: number): number {
  const n = initial.length;
  let u = Float64Array.from(initial);
  let next = new Float64Array(n);
  for (let step = 0; step < 100; step++) {
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

export const dotGrad = grad(dot, { wrt: [0, 1] });
export const pendulumGrad = grad(pendulum, { wrt: [0, 1, 2] });
export const heatGrad = grad(heat, { wrt: [0, 1] });
`;

// ---- hand-written adjoints ----

/** The forward sweep (the value a training step reports) and the reverse one, as for the others. */
let dotValue = 0;
function dotHand(a, b) {
  const n = a.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  dotValue = s;
  const da = new Float64Array(n);
  const db = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    da[i] = b[i];
    db[i] = a[i];
  }
  return [da, db];
}

const STEPS = 1000;
const thetas = new Float64Array(STEPS);
const omegas = new Float64Array(STEPS);
/** RK4 forward storing each step's state, then the reverse of every step. */
function pendulumHand(state, length, damping) {
  const dt = 0.005;
  const g = -9.81 / length;
  let theta = state[0];
  let omega = state[1];
  for (let s = 0; s < STEPS; s++) {
    thetas[s] = theta;
    omegas[s] = omega;
    const k1t = omega;
    const k1w = g * Math.sin(theta) - damping * omega;
    const k2t = omega + 0.5 * dt * k1w;
    const k2w = g * Math.sin(theta + 0.5 * dt * k1t) - damping * k2t;
    const k3t = omega + 0.5 * dt * k2w;
    const k3w = g * Math.sin(theta + 0.5 * dt * k2t) - damping * k3t;
    const k4t = omega + dt * k3w;
    const k4w = g * Math.sin(theta + dt * k3t) - damping * k4t;
    theta += (dt / 6) * (k1t + 2 * k2t + 2 * k3t + k4t);
    omega += (dt / 6) * (k1w + 2 * k2w + 2 * k3w + k4w);
  }
  let dtheta = 1;
  let domega = 0;
  let dg = 0;
  let ddamping = 0;
  for (let s = STEPS - 1; s >= 0; s--) {
    const th = thetas[s];
    const om = omegas[s];
    // recompute the stages
    const k1t = om;
    const s1 = Math.sin(th);
    const k1w = g * s1 - damping * om;
    const a2 = th + 0.5 * dt * k1t;
    const k2t = om + 0.5 * dt * k1w;
    const s2 = Math.sin(a2);
    const k2w = g * s2 - damping * k2t;
    const a3 = th + 0.5 * dt * k2t;
    const k3t = om + 0.5 * dt * k2w;
    const s3 = Math.sin(a3);
    const k3w = g * s3 - damping * k3t;
    const a4 = th + dt * k3t;
    const k4t = om + dt * k3w;
    const s4 = Math.sin(a4);
    // theta' = theta + dt/6 (k1t + 2k2t + 2k3t + k4t); omega' likewise with the w stages
    let dth = dtheta;
    let dom = domega;
    let dk1t = (dt / 6) * dtheta;
    let dk2t = (dt / 3) * dtheta;
    let dk3t = (dt / 3) * dtheta;
    let dk4t = (dt / 6) * dtheta;
    const dk1w = (dt / 6) * domega;
    const dk2w = (dt / 3) * domega;
    const dk3w = (dt / 3) * domega;
    const dk4w = (dt / 6) * domega;
    // k4w = g sin(a4) - damping k4t
    dg += dk4w * s4;
    ddamping -= dk4w * k4t;
    dk4t -= dk4w * damping;
    const da4 = dk4w * g * Math.cos(a4);
    // k4t = om + dt k3w ; a4 = th + dt k3t
    dom += dk4t;
    let dk3wTotal = dk3w + dk4t * dt;
    dth += da4;
    dk3t += da4 * dt;
    // k3w = g sin(a3) - damping k3t
    dg += dk3wTotal * s3;
    ddamping -= dk3wTotal * k3t;
    dk3t -= dk3wTotal * damping;
    const da3 = dk3wTotal * g * Math.cos(a3);
    // k3t = om + 0.5 dt k2w ; a3 = th + 0.5 dt k2t
    dom += dk3t;
    let dk2wTotal = dk2w + dk3t * 0.5 * dt;
    dth += da3;
    dk2t += da3 * 0.5 * dt;
    // k2w = g sin(a2) - damping k2t
    dg += dk2wTotal * s2;
    ddamping -= dk2wTotal * k2t;
    dk2t -= dk2wTotal * damping;
    const da2 = dk2wTotal * g * Math.cos(a2);
    // k2t = om + 0.5 dt k1w ; a2 = th + 0.5 dt k1t
    dom += dk2t;
    let dk1wTotal = dk1w + dk2t * 0.5 * dt;
    dth += da2;
    dk1t += da2 * 0.5 * dt;
    // k1w = g sin(th) - damping om ; k1t = om
    dg += dk1wTotal * s1;
    ddamping -= dk1wTotal * om;
    dom -= dk1wTotal * damping;
    dth += dk1wTotal * g * Math.cos(th);
    dom += dk1t;
    dtheta = dth;
    domega = dom;
  }
  // g = -9.81 / length
  const dlength = (dg * 9.81) / (length * length);
  return [Float64Array.from([dtheta, domega]), dlength, ddamping];
}

const HEAT_STEPS = 100;
/** The heat equation storing every step's state, then the transposed stencil backwards. */
function heatHand(initial, alpha) {
  const n = initial.length;
  const states = new Float64Array((HEAT_STEPS + 1) * n);
  states.set(initial, 0);
  for (let s = 0; s < HEAT_STEPS; s++) {
    const u = s * n;
    const next = u + n;
    for (let i = 1; i < n - 1; i++) states[next + i] = states[u + i] + alpha * (states[u + i - 1] - 2 * states[u + i] + states[u + i + 1]);
  }
  let du = new Float64Array(n);
  let dnext = new Float64Array(n);
  const last = HEAT_STEPS * n;
  for (let i = 0; i < n; i++) du[i] = 2 * states[last + i];
  let dalpha = 0;
  for (let s = HEAT_STEPS - 1; s >= 0; s--) {
    const u = s * n;
    dnext.fill(0);
    for (let i = 1; i < n - 1; i++) {
      const g = du[i];
      dalpha += g * (states[u + i - 1] - 2 * states[u + i] + states[u + i + 1]);
      dnext[i] += g * (1 - 2 * alpha);
      dnext[i - 1] += g * alpha;
      dnext[i + 1] += g * alpha;
    }
    const swap = du;
    du = dnext;
    dnext = swap;
  }
  return [du, dalpha];
}

// ---- TensorFlow.js versions (tf.grads on the CPU backend) ----

await tf.setBackend("cpu");
const tfDotGrad = tf.grads((a, b) => tf.sum(tf.mul(a, b)));
function tfPendulum(state, length, damping) {
  const dt = 0.005;
  let theta = state.gather(0);
  let omega = state.gather(1);
  const g = tf.div(-9.81, length);
  const accel = (th, om) => tf.sub(tf.mul(g, tf.sin(th)), tf.mul(damping, om));
  for (let s = 0; s < STEPS; s++) {
    const k1t = omega;
    const k1w = accel(theta, omega);
    const k2t = tf.add(omega, tf.mul(0.5 * dt, k1w));
    const k2w = accel(tf.add(theta, tf.mul(0.5 * dt, k1t)), k2t);
    const k3t = tf.add(omega, tf.mul(0.5 * dt, k2w));
    const k3w = accel(tf.add(theta, tf.mul(0.5 * dt, k2t)), k3t);
    const k4t = tf.add(omega, tf.mul(dt, k3w));
    const k4w = accel(tf.add(theta, tf.mul(dt, k3t)), k4t);
    theta = tf.add(theta, tf.mul(dt / 6, tf.addN([k1t, tf.mul(2, k2t), tf.mul(2, k3t), k4t])));
    omega = tf.add(omega, tf.mul(dt / 6, tf.addN([k1w, tf.mul(2, k2w), tf.mul(2, k3w), k4w])));
  }
  return theta;
}
const tfPendulumGrad = tf.grads(tfPendulum);
function tfHeat(initial, alpha) {
  const n = initial.shape[0];
  const interior = tf.concat([tf.zeros([1]), tf.ones([n - 2]), tf.zeros([1])]);
  let u = initial;
  for (let s = 0; s < HEAT_STEPS; s++) {
    const left = tf.concat([tf.zeros([1]), u.slice(0, n - 1)]);
    const right = tf.concat([u.slice(1, n - 1), tf.zeros([1])]);
    u = tf.mul(interior, tf.add(u, tf.mul(alpha, tf.add(tf.sub(left, tf.mul(2, u)), right))));
  }
  return tf.sum(tf.mul(u, u));
}
const tfHeatGrad = tf.grads(tfHeat);

// ---- compile, load, check ----

const root = fileURLToPath(new URL("..", import.meta.url));
const result = transform(source, { filename: "bench/indexed.ts", sourceMaps: false });
if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
const outDir = join(root, ".tmp", "bench");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "indexed.mjs"), result.code);
const gen = await import(pathToFileURL(join(outDir, "indexed.mjs")).href);

const dotA = random(1_000_000, 1);
const dotB = random(1_000_000, 2);
const heatInitial = random(1000, 3);
heatInitial[0] = heatInitial[999] = 0;
const pendulumState = Float64Array.from([0.8, 0]);

const flat = (value) => [value].flat(2).flatMap((v) => (typeof v === "number" ? [v] : Array.from(v)));
function agree(name, a, b) {
  const x = flat(a);
  const y = flat(b);
  const ok = x.length === y.length && x.every((v, i) => Math.abs(v - y[i]) <= 1e-7 * (1 + Math.abs(y[i])));
  if (!ok) {
    console.error(`indexed bench: ${name}: generated and reference gradients disagree`);
    process.exit(1);
  }
}
agree("dot", gen.dotGrad(dotA, dotB), dotHand(dotA, dotB));
agree("pendulum", gen.pendulumGrad(pendulumState, 1, 0.1), pendulumHand(pendulumState, 1, 0.1));
agree("heat", gen.heatGrad(heatInitial, 0.25), heatHand(heatInitial, 0.25));

// ---- measure: the median of repeated runs ----


function timeTf(fn) {
  return time(() => tf.tidy(() => {
    const out = fn();
    out.forEach((t) => t.dataSync());
  }), 300);
}

const tfDotA = tf.tensor1d(Float32Array.from(dotA));
const tfDotB = tf.tensor1d(Float32Array.from(dotB));
const tfState = tf.tensor1d(Float32Array.from(pendulumState));
const tfLength = tf.scalar(1);
const tfDamping = tf.scalar(0.1);
const tfHeatInitial = tf.tensor1d(Float32Array.from(heatInitial));
const tfAlpha = tf.scalar(0.25);

const workloads = [
  {
    name: "dot product, n = 1e6",
    primal: () => gen.dot(dotA, dotB),
    generated: () => gen.dotGrad(dotA, dotB),
    hand: () => dotHand(dotA, dotB),
    tf: () => timeTf(() => tfDotGrad([tfDotA, tfDotB])),
  },
  {
    name: "RK4 pendulum, 1000 steps",
    primal: () => gen.pendulum(pendulumState, 1, 0.1),
    generated: () => gen.pendulumGrad(pendulumState, 1, 0.1),
    hand: () => pendulumHand(pendulumState, 1, 0.1),
    tf: () => timeTf(() => tfPendulumGrad([tfState, tfLength, tfDamping])),
  },
  {
    name: "heat equation, 1000 cells x 100 steps",
    primal: () => gen.heat(heatInitial, 0.25),
    generated: () => gen.heatGrad(heatInitial, 0.25),
    hand: () => heatHand(heatInitial, 0.25),
    tf: () => timeTf(() => tfHeatGrad([tfHeatInitial, tfAlpha])),
  },
];

const us = (ms) => (ms * 1000).toFixed(0);
const rows = workloads.map((w) => {
  const primal = time(w.primal);
  const generated = time(w.generated);
  const hand = time(w.hand);
  const tfMs = w.tf();
  const vsHand = generated / hand;
  const vsPrimal = generated / primal;
  return {
    workload: w.name,
    "primal µs": us(primal),
    "generated µs": us(generated),
    "hand-written µs": us(hand),
    "tfjs µs": us(tfMs),
    [`generated/hand (<= ${TARGET_VS_HAND})`]: vsHand.toFixed(2),
    [`gradient/primal (<= ${TARGET_VS_PRIMAL})`]: vsPrimal.toFixed(2),
    "tfjs/generated": (tfMs / generated).toFixed(1),
    result: vsHand <= TARGET_VS_HAND && vsPrimal <= TARGET_VS_PRIMAL ? "PASS" : "MISS",
  };
});
console.table(rows);
console.log("tfjs runs in float32 on its CPU backend; adjoint and the hand-written adjoints in float64.");
