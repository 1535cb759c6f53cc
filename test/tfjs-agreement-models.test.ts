// Agreement with TensorFlow.js, second set (the first: test/tfjs-agreement.test.ts), losses and
// models written out: log-sum-exp by hand, stable BCE, SVM hinge, Gaussian kernels, polynomial
// features, a GRU-like cell, softmax with a temperature, where/maximum/minimum, pow.
// Each gradient of `grad(f, { wrt })` is compared with tf.grads of the same program written
// with tf ops (CPU backend, float32) and with central finite differences of adjoint's own
// primal (float64); for the cases marked `record`, the notebook's style (x.attachGrad();
// autograd.record(() => { y = f(x) }); y.backward(); x.grad) must give the same gradients.
// Inputs are float32 values away from kinks (abs, clip, where, relu) and ties (max, min).
import * as tf from "@tensorflow/tfjs";
import * as np from "../runtime/np/index.js";
import { describeAgreement, detach, fixed, rand, type Case, type T } from "./helpers/tfjs-agreement.js";

const cases: Case[] = [
  {
    name: "log-sum-exp by hand: max without keepdims re-expanded, and a detached max",
    source: `
      function lse(z: np.NDArray): np.NDArray {
        const m = np.max(z, 1);
        return np.add(np.log(np.sum(np.exp(np.sub(z, np.expandDims(m, 1))), 1)), m);
      }
      function lseDetached(z: np.NDArray): np.NDArray {
        const m = np.max(z, -1, true).detach();
        return np.add(np.log(np.sum(np.exp(np.sub(z, m)), -1)), np.squeeze(m, -1));
      }
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        return np.add(np.sum(np.mul(lse(x), w)), np.sum(np.square(lseDetached(np.mul(x, 3)))));
      }`,
    wrt: [0, 1],
    args: () => [rand([4, 5], 19, -3, 3), rand([4], 20)],
    twin: ([x, w]) => tf.add(tf.sum(tf.mul(tf.logSumExp(x, 1), w)), tf.sum(tf.square(tf.logSumExp(tf.mul(x, 3), -1)))),
  },
  {
    name: "numerically stable sigmoid BCE: relu(z) - z y + log1p(exp(-|z|)), softplus penalty",
    source: `
      export function f(w: np.NDArray, b: np.NDArray, x: np.NDArray, y: np.NDArray): np.NDArray {
        const z = np.add(np.matmul(x, w), b);
        const bce = np.add(np.sub(np.relu(z), np.mul(z, y)), np.log1p(np.exp(np.neg(np.abs(z)))));
        const softplus = np.log1p(np.exp(w));
        return np.add(np.mean(bce), np.mul(0.01, np.sum(softplus)));
      }`,
    wrt: [0, 1],
    args: () => [rand([4], 21), fixed([0.15]), rand([9, 4], 22, -2, 2), np.array([1, 0, 0, 1, 1, 0, 1, 0, 1])],
    twin: ([w, b, x, y]) => {
      const z = tf.add(tf.squeeze(tf.matMul(x, tf.expandDims(w, 1)), [1]), b);
      const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
      return tf.add(tf.mean(bce), tf.mul(0.01, tf.sum(tf.log1p(tf.exp(w)))));
    },
  },
  {
    name: "Gaussian kernel from pairwise distances via expandDims and reshape, wrt a number bandwidth",
    source: `
      export function f(x: np.NDArray, sigma: number, y: np.NDArray, alpha: np.NDArray): np.NDArray {
        const xe = np.expandDims(x, 1);
        const ye = y.reshape(1, y.shape[0], y.shape[1]);
        const d2 = np.sum(np.square(np.sub(xe, ye)), 2);
        const k = np.exp(np.div(np.neg(d2), 2 * sigma * sigma));
        return np.sum(np.square(np.matmul(k, alpha)));
      }`,
    wrt: [0, 1, 2, 3],
    args: () => [rand([3, 2], 28), Math.fround(0.7), rand([4, 2], 29), rand([4], 30)],
    twin: ([x, sigma, y, alpha]) => {
      const d2 = tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), tf.expandDims(y, 0))), 2);
      const k = tf.exp(tf.div(tf.neg(d2), tf.mul(2, tf.mul(sigma, sigma))));
      return tf.sum(tf.square(tf.squeeze(tf.matMul(k, tf.expandDims(alpha, 1)), [1])));
    },
  },
  {
    name: "polynomial features via integer powers (negative bases), pow(2, x), stacked and fitted",
    source: `
      export function f(x: np.NDArray, c: np.NDArray, t: np.NDArray): np.NDArray {
        const features = np.stack([np.onesLike(x), x, np.pow(x, 2), np.pow(x, 3), x.pow(4), np.pow(2, x)], 1);
        const fit = np.matmul(features, c);
        return np.add(np.mean(np.square(np.sub(fit, t))), np.sum(np.pow(x, -2)));
      }`,
    wrt: [0, 1],
    args: () => [fixed([-1.3, -0.6, -0.25, 0.3, 0.75, 1.2]), rand([6], 31), rand([6], 32)],
    twin: ([x, c, t]) => {
      const features = tf.stack([tf.onesLike(x), x, tf.pow(x, 2), tf.pow(x, 3), tf.pow(x, 4), tf.exp(tf.mul(Math.LN2, x))], 1);
      const fit = tf.squeeze(tf.matMul(features, tf.expandDims(c, 1)), [1]);
      return tf.add(tf.mean(tf.square(tf.sub(fit, t))), tf.sum(tf.pow(x, -2)));
    },
  },
  {
    name: "where with both branches depending on both inputs",
    source: `
      export function f(x: np.NDArray, y: np.NDArray): np.NDArray {
        const z = np.where(np.greater(x, y), np.mul(x, y), np.add(np.sin(x), np.square(y)));
        const u = np.where(np.less(np.add(x, y), 0), np.exp(y), np.div(x, np.add(np.square(y), 1)));
        return np.sum(np.mul(z, u));
      }`,
    wrt: [0, 1],
    args: () => [rand([3, 4], 39), rand([3, 4], 40)],
    twin: ([x, y]) => {
      const z = tf.where(tf.greater(detach(x), detach(y)), tf.mul(x, y), tf.add(tf.sin(x), tf.square(y)));
      const u = tf.where(tf.less(tf.add(detach(x), detach(y)), 0), tf.exp(y), tf.div(x, tf.add(tf.square(y), 1)));
      return tf.sum(tf.mul(z, u));
    },
  },
  {
    name: "SVM: hinge via clip(1 - y (x w), 0, null), an abs-based L1 penalty",
    source: `
      export function f(w: np.NDArray, x: np.NDArray, y: np.NDArray): np.NDArray {
        const margin = np.mul(y, np.matmul(x, w));
        const hinge = np.clip(np.sub(1, margin), 0, null);
        return np.add(np.mean(hinge), np.mul(0.1, np.sum(np.abs(w))));
      }`,
    wrt: [0],
    args: () => [fixed([0.7, -0.45, 0.3]), rand([10, 3], 41, -2, 2), np.array([1, -1, 1, 1, -1, -1, 1, -1, 1, -1])],
    twin: ([w, x, y]) => {
      const margin = tf.mul(y, tf.squeeze(tf.matMul(x, tf.expandDims(w, 1)), [1]));
      return tf.add(tf.mean(tf.relu(tf.sub(1, margin))), tf.mul(0.1, tf.sum(tf.abs(w))));
    },
  },
  {
    name: "GRU-like cell, two steps: z = sigmoid(.), r = sigmoid(.), c = tanh(x W + (r h) U), h = (1 - z) h + z c",
    source: `
      function cell(h: np.NDArray, x: np.NDArray, wz: np.NDArray, uz: np.NDArray, wr: np.NDArray, ur: np.NDArray, wh: np.NDArray, uh: np.NDArray): np.NDArray {
        const z = np.sigmoid(np.add(np.matmul(x, wz), np.matmul(h, uz)));
        const r = np.sigmoid(np.add(np.matmul(x, wr), np.matmul(h, ur)));
        const c = np.tanh(np.add(np.matmul(x, wh), np.matmul(np.mul(r, h), uh)));
        return np.add(np.mul(np.sub(1, z), h), np.mul(z, c));
      }
      export function f(wz: np.NDArray, uz: np.NDArray, wr: np.NDArray, ur: np.NDArray, wh: np.NDArray, uh: np.NDArray, h0: np.NDArray, xs: np.NDArray): np.NDArray {
        const h1 = cell(h0, xs.get(0), wz, uz, wr, ur, wh, uh);
        const h2 = cell(h1, xs.get(1), wz, uz, wr, ur, wh, uh);
        return np.sum(np.mul(np.sigmoid(h2), np.tanh(h1)));
      }`,
    wrt: [0, 1, 2, 3, 4, 5, 6, 7],
    args: () => [rand([2, 3], 45), rand([3, 3], 46), rand([2, 3], 47), rand([3, 3], 48), rand([2, 3], 49), rand([3, 3], 50), rand([4, 3], 51), rand([2, 4, 2], 52)],
    twin: ([wz, uz, wr, ur, wh, uh, h0, xs]) => {
      const cell = (h: T, x: T) => {
        const z = tf.sigmoid(tf.add(tf.matMul(x, wz), tf.matMul(h, uz)));
        const r = tf.sigmoid(tf.add(tf.matMul(x, wr), tf.matMul(h, ur)));
        const c = tf.tanh(tf.add(tf.matMul(x, wh), tf.matMul(tf.mul(r, h), uh)));
        return tf.add(tf.mul(tf.sub(1, z), h), tf.mul(z, c));
      };
      const step = (t: number) => tf.squeeze(tf.slice(xs, [t, 0, 0], [1, 4, 2]), [0]);
      const h1 = cell(h0, step(0));
      const h2 = cell(h1, step(1));
      return tf.sum(tf.mul(tf.sigmoid(h2), tf.tanh(h1)));
    },
    record: true,
  },
  {
    name: "softmax over axis 0 with a number temperature (wrt), concat along axis 1 and -1",
    source: `
      export function f(x: np.NDArray, temperature: number, b: np.NDArray): np.NDArray {
        const z = np.div(x, temperature);
        const e = np.exp(np.sub(z, np.max(z, 0)));
        const p = np.div(e, np.sum(e, 0));
        const c = np.concat([p, b, np.square(x)], 1);
        const d = np.concatenate([c, np.broadcastTo(np.mean(b, 1, true), [3, 1])], -1);
        return np.sum(np.mul(d, np.cos(d)));
      }`,
    wrt: [0, 1, 2],
    args: () => [rand([3, 4], 57, -2, 2), Math.fround(1.7), rand([3, 2], 58)],
    twin: ([x, temperature, b]) => {
      const z = tf.div(x, temperature);
      const e = tf.exp(tf.sub(z, tf.max(z, 0)));
      const p = tf.div(e, tf.sum(e, 0));
      const c = tf.concat([p, b, tf.square(x)], 1);
      const d = tf.concat([c, tf.broadcastTo(tf.mean(b, 1, true), [3, 1])], -1);
      return tf.sum(tf.mul(d, tf.cos(d)));
    },
  },
  {
    name: "maximum/minimum of broadcast (3,1) and (1,4) operands and of numbers, where with a number branch",
    source: `
      export function f(a: np.NDArray, b: np.NDArray): np.NDArray {
        const hi = np.maximum(a, b);
        const lo = np.minimum(np.mul(a, b), 0.2);
        const z = np.where(np.greater(hi, 0.1), np.exp(hi), 0);
        return np.sum(np.add(np.mul(z, lo), np.maximum(-0.5, b)));
      }`,
    wrt: [0, 1],
    args: () => [fixed([[0.33], [-0.41], [0.72]]), fixed([[-0.62, 0.05, 0.47, 0.91]])],
    twin: ([a, b]) => {
      const hi = tf.maximum(tf.broadcastTo(a, [3, 4]), tf.broadcastTo(b, [3, 4])); // its Maximum gradient does not unbroadcast
      const lo = tf.minimum(tf.mul(a, b), 0.2);
      const z = tf.where(tf.greater(detach(hi), 0.1), tf.exp(hi), tf.zerosLike(hi));
      return tf.sum(tf.add(tf.mul(z, lo), tf.maximum(-0.5, b)));
    },
  },
  {
    name: "pow with a number exponent that is differentiated, and a number base",
    source: `
      export function f(x: np.NDArray, p: number, q: number): np.NDArray {
        const a = np.pow(x, p);
        const b = np.pow(q, x);
        return np.sum(np.mul(a, b));
      }`,
    wrt: [0, 1, 2],
    args: () => [rand([5], 66, 0.3, 2), Math.fround(1.7), Math.fround(2.5)],
    twin: ([x, p, q]) => tf.sum(tf.mul(tf.pow(x, p), tf.pow(q, x))),
  },
];

describeAgreement("gradients of NDArray programs agree with TensorFlow.js and finite differences (second set: losses and models)", "tfjs-agreement-models", cases);
