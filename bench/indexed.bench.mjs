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
import { hand, HEAT_STEPS, PENDULUM_STEPS as STEPS } from "./kernels.hand.mjs";

const { dot: dotHand, pendulum: pendulumHand, heat: heatHand } = hand;

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
