// Agreement with TensorFlow.js, second set: NDArray programs aimed at what the first set
// (test/tfjs-agreement.test.ts) does not exercise: negative and stepped slices, reductions
// without keepdims broadcast back, reductions over axis lists, expandDims/squeeze round
// trips, stack along inner axes, batched matmul with broadcasting and 1-D operands,
// hand-written log-sum-exp, stable BCE, cosine similarities, pairwise distances, kernels,
// integer powers, loops with break and early return, module helpers, number parameters,
// prod, Gram matrices, GRU-like gates, `.item()`, norms over axes. Each gradient of
// `grad(f, { wrt })` is compared with
//   - tf.grads of the same program written with tf ops (CPU backend, float32), and
//   - central finite differences of adjoint's own primal (float64);
// and, for the cases marked `record`, the same function differentiated in the notebook's
// style (x.attachGrad(); autograd.record(() => { y = f(x) }); y.backward(); x.grad) must give
// the same gradients as `grad`.
// Inputs are float32 values away from kinks (abs, clip, where, relu) and ties (max, min).
import * as tf from "@tensorflow/tfjs";
import * as np from "../runtime/np/index.js";
import { describeAgreement, detach, fixed, rand, type Arg, type Case, type T } from "./helpers/tfjs-agreement.js";

/** Rows (axis 0) of t at the given indices (tf.stridedSlice and tf.reverse with steps: gather has a gradient). */
function rows(t: T, indices: number[], axis = 0): T {
  return tf.gather(t, tf.tensor1d(indices, "int32"), axis);
}

// --- the programs -------------------------------------------------------------------

const cases: Case[] = [
  {
    name: "negative and stepped slices: x.get('-2:', '::-1'), getItem(x, ['::-2', '1:-1']), x.get(-1)",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const tail = x.get("-2:", "::-1");
        const odd = np.getItem(x, ["::-2", "1:-1"]);
        const last = x.get(-1);
        return np.add(np.add(np.sum(np.mul(np.exp(tail), w)), np.sum(np.square(odd))), np.sum(np.sin(last)));
      }`,
    wrt: [0, 1],
    args: () => [rand([4, 5], 1), rand([2, 5], 2)],
    twin: ([x, w]) => {
      const tail = tf.reverse(tf.slice(x, [2, 0], [2, 5]), 1);
      const odd = tf.slice(rows(x, [3, 1]), [0, 1], [2, 3]);
      const last = tf.squeeze(tf.slice(x, [3, 0], [1, 5]), [0]);
      return tf.add(tf.add(tf.sum(tf.mul(tf.exp(tail), w)), tf.sum(tf.square(odd))), tf.sum(tf.sin(last)));
    },
    record: true,
  },
  {
    name: "finite differences of a signal: overlapping slices x.get('1:') - x.get(':-1'), stepped '1::2' and '::-3'",
    source: `
      export function f(x: np.NDArray): np.NDArray {
        const d = np.sub(x.get("1:"), x.get(":-1"));
        const dd = np.sub(d.get("1:"), d.get(":-1"));
        const evens = x.get("1::2");
        const back = x.get("::-3");
        return np.add(np.add(np.sum(np.square(d)), np.sum(np.mul(dd, dd))), np.sum(np.mul(evens.get(":3"), back)));
      }`,
    wrt: [0],
    args: () => [rand([8], 3)],
    twin: ([x]) => {
      const d = tf.sub(tf.slice(x, [1], [7]), tf.slice(x, [0], [7]));
      const dd = tf.sub(tf.slice(d, [1], [6]), tf.slice(d, [0], [6]));
      const evens = rows(x, [1, 3, 5, 7]);
      const back = rows(x, [7, 4, 1]);
      return tf.add(tf.add(tf.sum(tf.square(d)), tf.sum(tf.mul(dd, dd))), tf.sum(tf.mul(tf.slice(evens, [0], [3]), back)));
    },
    record: true,
  },
  {
    name: "reductions without keepdims broadcast back against the array (mean over rows, max over rows)",
    source: `
      export function f(x: np.NDArray): np.NDArray {
        const centred = np.sub(x, np.mean(x, 0));
        const scaled = np.div(centred, np.add(np.max(x, 0), 2));
        const rowTotal = np.sum(x, -1);
        return np.add(np.sum(np.tanh(scaled)), np.sum(np.mul(rowTotal, rowTotal)));
      }`,
    wrt: [0],
    args: () => [rand([3, 4], 4)],
    twin: ([x]) => {
      const centred = tf.sub(x, tf.mean(x, 0));
      const scaled = tf.div(centred, tf.add(tf.max(x, 0), 2));
      const rowTotal = tf.sum(x, -1);
      return tf.add(tf.sum(tf.tanh(scaled)), tf.sum(tf.mul(rowTotal, rowTotal)));
    },
  },
  {
    name: "max, min and mean over lists of axes of a 3-D array, with and without keepdims",
    source: `
      export function f(x: np.NDArray): np.NDArray {
        const a = np.max(x, [0, 2]);
        const b = np.min(x, [1, 2], true);
        const c = x.mean([0, 1]);
        const d = np.max(x, [-1, 0], true);
        return np.add(np.add(np.sum(np.square(a)), np.sum(np.mul(b, x))), np.add(np.sum(np.exp(c)), np.sum(np.mul(d, d))));
      }`,
    wrt: [0],
    args: () => [rand([2, 3, 4], 5)],
    twin: ([x]) => {
      const a = tf.max(x, [0, 2]);
      const b = tf.min(x, [1, 2], true);
      const c = tf.mean(x, [0, 1]);
      const d = tf.max(x, [0, 2], true);
      return tf.add(tf.add(tf.sum(tf.square(a)), tf.sum(tf.mul(b, x))), tf.add(tf.sum(tf.exp(c)), tf.sum(tf.mul(d, d))));
    },
    record: true,
  },
  {
    name: "expandDims/squeeze round trips (single axes, axis lists, negative axes, squeeze with no axis)",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const a = np.expandDims(x, 1);
        const b = np.mul(a, w);
        const c = np.squeeze(np.sum(b, 1, true), 1);
        const d = np.expandDims(c, [0, -1]);
        const e = np.squeeze(d);
        const g = np.expandDims(x, -1).squeeze(2);
        return np.sum(np.mul(np.square(e), np.sin(g)));
      }`,
    wrt: [0, 1],
    args: () => [rand([3, 4], 6), rand([1, 5, 4], 7)],
    twin: ([x, w]) => {
      const b = tf.mul(tf.expandDims(x, 1), w);
      const c = tf.squeeze(tf.sum(b, 1, true), [1]);
      const e = tf.squeeze(tf.reshape(c, [1, 3, 4, 1]));
      return tf.sum(tf.mul(tf.square(e), tf.sin(x)));
    },
  },
  {
    name: "stack along axis 1, 2 and -1, weighted",
    source: `
      export function f(a: np.NDArray, b: np.NDArray, c: np.NDArray): np.NDArray {
        const s1 = np.stack([a, b, np.mul(a, b)], 1);
        const s2 = np.stack([a, np.sin(b)], 2);
        const s3 = np.stack([np.exp(a), b], -1);
        return np.add(np.add(np.sum(np.mul(s1, c)), np.sum(np.square(s2))), np.sum(np.mul(s3, s2)));
      }`,
    wrt: [0, 1, 2],
    args: () => [rand([2, 3], 8), rand([2, 3], 9), rand([2, 3, 3], 10)],
    twin: ([a, b, c]) => {
      const s1 = tf.stack([a, b, tf.mul(a, b)], 1);
      const s2 = tf.stack([a, tf.sin(b)], 2);
      const s3 = tf.stack([tf.exp(a), b], -1);
      return tf.add(tf.add(tf.sum(tf.mul(s1, c)), tf.sum(tf.square(s2))), tf.sum(tf.mul(s3, s2)));
    },
    record: true,
  },
  {
    name: "batched matmul: (2,3,4) @ (4,5), then @ a 1-D vector, a 1-D vector @ (2,3,4), (3,4) @ (2,4,5)",
    source: `
      export function f(x: np.NDArray, w: np.NDArray, v: np.NDArray, u: np.NDArray, m: np.NDArray, y: np.NDArray): np.NDArray {
        const r = np.tanh(np.matmul(x, w));
        const s = np.matmul(r, v);
        const t = np.matmul(u, x);
        const q = np.matmul(m, y);
        return np.add(np.add(np.sum(np.square(s)), np.sum(np.sin(t))), np.sum(np.mul(q, r)));
      }`,
    wrt: [0, 1, 2, 3, 4, 5],
    args: () => [rand([2, 3, 4], 11), rand([4, 5], 12), rand([5], 13), rand([3], 14), rand([3, 4], 15), rand([2, 4, 5], 16)],
    twin: ([x, w, v, u, m, y]) => {
      const r = tf.tanh(tf.matMul(x, tf.broadcastTo(w, [2, 4, 5])));
      const s = tf.squeeze(tf.matMul(r, tf.broadcastTo(tf.reshape(v, [5, 1]), [2, 5, 1])), [2]);
      const t = tf.squeeze(tf.matMul(tf.broadcastTo(tf.reshape(u, [1, 3]), [2, 1, 3]), x), [1]);
      const q = tf.matMul(tf.broadcastTo(m, [2, 3, 4]), y);
      return tf.add(tf.add(tf.sum(tf.square(s)), tf.sum(tf.sin(t))), tf.sum(tf.mul(q, r)));
    },
  },
  {
    name: "division by reductions: row-normalized, by the total, by a 0-d norm",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const p = np.div(x, np.sum(x, 1, true));
        const q = np.div(x, np.sum(x));
        const r = np.div(w, np.linalg.norm(w));
        return np.add(np.sum(np.mul(np.log(p), w)), np.add(np.sum(np.square(q)), np.dot(r.reshape(-1), x.reshape(-1))));
      }`,
    wrt: [0, 1],
    args: () => [rand([3, 4], 17, 0.2, 1.5), rand([3, 4], 18)],
    twin: ([x, w]) => {
      const p = tf.div(x, tf.sum(x, 1, true));
      const q = tf.div(x, tf.sum(x));
      const r = tf.div(w, tf.norm(w));
      return tf.add(tf.sum(tf.mul(tf.log(p), w)), tf.add(tf.sum(tf.square(q)), tf.dot(tf.reshape(r, [-1]), tf.reshape(x, [-1]))));
    },
    record: true,
  },
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
    name: "cosine similarity matrix: norms over an axis (keepdims and linalg.norm ord 2 without)",
    source: `
      export function f(a: np.NDArray, b: np.NDArray, t: np.NDArray): np.NDArray {
        const na = np.sqrt(np.sum(np.square(a), 1, true));
        const nb = np.linalg.norm(b, 2, 1);
        const cos = np.div(np.div(np.matmul(a, b.T), na), nb);
        return np.sum(np.mul(cos, t));
      }`,
    wrt: [0, 1],
    args: () => [rand([3, 4], 23), rand([5, 4], 24), rand([3, 5], 25)],
    twin: ([a, b, t]) => {
      const na = tf.sqrt(tf.sum(tf.square(a), 1, true));
      const nb = tf.norm(b, 2, 1);
      return tf.sum(tf.mul(tf.div(tf.div(tf.matMul(a, b, false, true), na), nb), t));
    },
    record: true,
  },
  {
    name: "pairwise squared distances x[:, None, :] - y[None, :, :] via get with null",
    source: `
      export function f(x: np.NDArray, y: np.NDArray): np.NDArray {
        const diff = np.sub(x.get(":", null, ":"), y.get(null, ":", ":"));
        const d2 = np.sum(np.square(diff), -1);
        return np.sum(np.sqrt(np.add(d2, 0.1)));
      }`,
    wrt: [0, 1],
    args: () => [rand([3, 2], 26), rand([4, 2], 27)],
    twin: ([x, y]) => {
      const diff = tf.sub(tf.expandDims(x, 1), tf.expandDims(y, 0));
      return tf.sum(tf.sqrt(tf.add(tf.sum(tf.square(diff), -1), 0.1)));
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
    name: "loop accumulating acc = np.add(acc, ...) with a data-dependent break",
    source: `
      export function f(w: np.NDArray, x: np.NDArray): np.NDArray {
        let acc = np.zerosLike(w);
        for (let i = 0; i < x.shape[0]; i++) {
          acc = np.add(acc, np.mul(w, np.exp(x.get(i))));
          if (np.sum(acc).item() > 4) break;
        }
        return np.sum(np.square(acc));
      }`,
    wrt: [0, 1],
    args: () => [fixed([0.3, 0.5, 0.2]), rand([8, 3], 33, -0.5, 0.5)],
    twin: ([w, x]) => {
      let acc: T = tf.zerosLike(w);
      for (let i = 0; i < 8; i++) {
        acc = tf.add(acc, tf.mul(w, tf.exp(tf.squeeze(tf.slice(x, [i, 0], [1, 3]), [0]))));
        if ((tf.sum(acc).arraySync() as number) > 4) break;
      }
      return tf.sum(tf.square(acc));
    },
    record: true,
  },
  {
    name: "early return inside a loop (returns at the third step)",
    source: `
      export function f(h0: np.NDArray, w: np.NDArray, x: np.NDArray): np.NDArray {
        let h = h0;
        for (let i = 0; i < 6; i++) {
          h = np.tanh(np.add(np.mul(h, w), x.get(i)));
          if (np.linalg.norm(h).item() > 1.2) return np.sum(np.mul(h, w));
        }
        return np.sum(h);
      }`,
    wrt: [0, 1, 2],
    args: () => [fixed([0.2, -0.1, 0.3]), fixed([1.1, 0.9, -1.2]), fixed([[0.1, 0.2, -0.1], [0.3, 0.4, -0.3], [0.5, 0.6, -0.6], [0.1, 0.1, 0.1], [0.1, 0.1, 0.1], [0.1, 0.1, 0.1]])],
    twin: ([h0, w, x]) => {
      let h = h0;
      for (let i = 0; i < 6; i++) {
        h = tf.tanh(tf.add(tf.mul(h, w), tf.squeeze(tf.slice(x, [i, 0], [1, 3]), [0])));
        if ((tf.norm(h).arraySync() as number) > 1.2) return tf.sum(tf.mul(h, w));
      }
      return tf.sum(h);
    },
    record: true,
  },
  {
    name: "module helpers returning NDArrays, called several times (nested, shared arguments)",
    source: `
      function layer(x: np.NDArray, w: np.NDArray): np.NDArray {
        return np.tanh(np.matmul(x, w));
      }
      function sq(x: np.NDArray): np.NDArray {
        return np.mul(x, x);
      }
      function scaled(x: np.NDArray, s: number): np.NDArray {
        return np.mul(sq(x), s);
      }
      export function f(x: np.NDArray, w1: np.NDArray, w2: np.NDArray): np.NDArray {
        const h = layer(x, w1);
        const g = layer(layer(h, w2), w2);
        return np.add(np.add(np.sum(sq(g)), np.sum(scaled(h, 0.5))), np.sum(scaled(layer(x, w1), 2)));
      }`,
    wrt: [0, 1, 2],
    args: () => [rand([2, 3], 34), rand([3, 3], 35), rand([3, 3], 36)],
    twin: ([x, w1, w2]) => {
      const layer = (a: T, w: T) => tf.tanh(tf.matMul(a, w));
      const h = layer(x, w1);
      const g = layer(layer(h, w2), w2);
      return tf.add(tf.add(tf.sum(tf.mul(g, g)), tf.sum(tf.mul(tf.mul(h, h), 0.5))), tf.sum(tf.mul(tf.mul(h, h), 2)));
    },
    record: true,
  },
  {
    name: "numbers and arrays mixed, wrt two number parameters (Math.exp of one)",
    source: `
      export function f(alpha: number, x: np.NDArray, beta: number, w: np.NDArray): np.NDArray {
        const scale = Math.exp(alpha) + beta * beta;
        const y = np.mul(scale, np.exp(np.mul(beta, x)));
        return np.add(np.sum(np.mul(y, w)), np.mul(alpha, np.sum(np.sin(np.add(x, beta)))));
      }`,
    wrt: [0, 1, 2, 3],
    args: () => [Math.fround(0.4), rand([2, 3], 37), Math.fround(-0.6), rand([2, 3], 38)],
    twin: ([alpha, x, beta, w]) => {
      const scale = tf.add(tf.exp(alpha), tf.mul(beta, beta));
      const y = tf.mul(scale, tf.exp(tf.mul(beta, x)));
      return tf.add(tf.sum(tf.mul(y, w)), tf.mul(alpha, tf.sum(tf.sin(tf.add(x, beta)))));
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
    name: "prod over an axis (with a negative entry), over all axes, and x.prod(0, true)",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const rowProd = np.prod(x, 1);
        const colProd = x.prod(0, true);
        return np.add(np.add(np.sum(np.mul(rowProd, w)), np.sum(np.mul(colProd, x))), np.prod(np.add(x, 1)));
      }`,
    wrt: [0, 1],
    args: () => [fixed([[0.5, -1.2, 0.8], [1.3, 0.6, 0.9]]), rand([2], 42)],
    twin: ([x, w]) => tf.add(tf.add(tf.sum(tf.mul(tf.prod(x, 1), w)), tf.sum(tf.mul(tf.prod(x, 0, true), x))), tf.prod(tf.add(x, 1))),
  },
  {
    name: "Gram matrix x.T.matmul(x), np.dot(m, m) of a square matrix with itself, mul(x, x)",
    source: `
      export function f(x: np.NDArray, m: np.NDArray): np.NDArray {
        const g = x.T.matmul(x);
        const mm = np.dot(m, m);
        return np.add(np.add(np.sum(np.square(np.sub(g, np.eye(3)))), np.sum(np.mul(mm, g))), np.sum(np.mul(m, m)));
      }`,
    wrt: [0, 1],
    args: () => [rand([4, 3], 43), rand([3, 3], 44)],
    twin: ([x, m]) => {
      const g = tf.matMul(x, x, true, false);
      const mm = tf.matMul(m, m);
      return tf.add(tf.add(tf.sum(tf.square(tf.sub(g, tf.eye(3)))), tf.sum(tf.mul(mm, g))), tf.sum(tf.mul(m, m)));
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
  ...[
    ["taken", 0.6],
    ["not taken", -0.6],
  ].map(([branch, corner]): Case => ({
    name: `x.item() of an element in an if, a number from .item() as a loop bound (branch ${branch})`,
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        let y: np.NDArray;
        if (x.get(0, 0).item() > 0) y = np.mul(np.exp(x), w);
        else y = np.div(np.sin(x), np.add(np.square(w), 1));
        const n = Math.round(np.sum(np.abs(w)).item());
        for (let i = 0; i < n; i++) y = np.tanh(np.add(y, w));
        return np.sum(y);
      }`,
    wrt: [0, 1],
    args: () => [np.add(rand([2, 3], 53, -0.5, 0.5), np.mul(corner as number, np.array([[1, 0, 0], [0, 0, 0]]))), fixed([[0.9, -0.7, 0.4], [0.6, -0.3, 0.2]])],
    twin: ([x, w]) => {
      let y = (tf.slice(x, [0, 0], [1, 1]).dataSync()[0] as number) > 0 ? tf.mul(tf.exp(x), w) : tf.div(tf.sin(x), tf.add(tf.square(w), 1));
      const n = Math.round(tf.sum(tf.abs(w)).dataSync()[0] as number);
      for (let i = 0; i < n; i++) y = tf.tanh(tf.add(y, w));
      return tf.sum(y);
    },
  })),
  {
    name: "linalg.norm over an axis: ord 2, 1, Infinity, 3, and the Frobenius norm over axes [1, 0]",
    source: `
      export function f(x: np.NDArray): np.NDArray {
        const n2 = np.linalg.norm(x, 2, 1);
        const n1 = np.linalg.norm(x, 1, 0, true);
        const nInf = np.linalg.norm(x, Infinity, -1);
        const n3 = np.linalg.norm(x, 3, 0);
        const fro = np.linalg.norm(x, "fro", [1, 0]);
        return np.add(np.add(np.sum(np.mul(n2, nInf)), np.sum(np.mul(n1, x))), np.add(np.sum(np.square(n3)), fro));
      }`,
    wrt: [0],
    args: () => [rand([3, 4], 54)],
    twin: ([x]) => {
      const n2 = tf.norm(x, 2, 1);
      const n1 = tf.sum(tf.abs(x), 0, true);
      const nInf = tf.max(tf.abs(x), -1);
      const n3 = tf.pow(tf.sum(tf.pow(tf.abs(x), 3), 0), 1 / 3);
      const fro = tf.sqrt(tf.sum(tf.square(x)));
      return tf.add(tf.add(tf.sum(tf.mul(n2, nInf)), tf.sum(tf.mul(n1, x))), tf.add(tf.sum(tf.square(n3)), fro));
    },
  },
  {
    name: "transposed 3-D array reshaped (a copy, not a view), flatten and ravel of transposes",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const t = np.transpose(x, [2, 0, 1]).reshape(4, 6);
        const y = np.tanh(np.matmul(t, w));
        const flat = x.transpose(1, 2, 0).flatten();
        const r = np.ravel(x.T);
        return np.add(np.sum(np.square(y)), np.sum(np.mul(flat, np.sin(r))));
      }`,
    wrt: [0, 1],
    args: () => [rand([2, 3, 4], 55), rand([6, 2], 56)],
    twin: ([x, w]) => {
      const t = tf.reshape(tf.transpose(x, [2, 0, 1]), [4, 6]);
      const y = tf.tanh(tf.matMul(t, w));
      const flat = tf.reshape(tf.transpose(x, [1, 2, 0]), [-1]);
      const r = tf.reshape(tf.transpose(x), [-1]);
      return tf.add(tf.sum(tf.square(y)), tf.sum(tf.mul(flat, tf.sin(r))));
    },
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
    name: "np.dot of N-D arrays (sum over a's last and b's second-to-last axis), of a matrix and a vector, outer of matrices",
    source: `
      export function f(a: np.NDArray, b: np.NDArray, v: np.NDArray, m: np.NDArray): np.NDArray {
        const d = np.dot(a, b);
        const mv = np.dot(m, v);
        const o = np.outer(m, v);
        return np.add(np.add(np.sum(np.tanh(d)), np.sum(np.square(mv))), np.sum(np.sin(o)));
      }`,
    wrt: [0, 1, 2, 3],
    args: () => [rand([2, 3], 59), rand([4, 3, 5], 60), rand([2], 61), rand([3, 2], 62)],
    twin: ([a, b, v, m]) => {
      // dot(a (2,3), b (4,3,5)) -> (2,4,5): d[i,k,l] = sum_j a[i,j] b[k,j,l]
      const d = tf.reshape(tf.matMul(a, tf.reshape(tf.transpose(b, [1, 0, 2]), [3, 20])), [2, 4, 5]); // tf.einsum has no gradient
      const mv = tf.squeeze(tf.matMul(m, tf.expandDims(v, 1)), [1]);
      const o = tf.outerProduct(tf.reshape(m, [-1]) as tf.Tensor1D, v as tf.Tensor1D);
      return tf.add(tf.add(tf.sum(tf.tanh(d)), tf.sum(tf.square(mv))), tf.sum(tf.sin(o)));
    },
  },
  {
    name: "np.slice objects, '...' with null, stepped slices of a transposed view",
    source: `
      export function f(x: np.NDArray): np.NDArray {
        const a = x.get(np.slice(1, null, 2), np.slice(null, null, -1));
        const b = np.getItem(x, ["...", null, np.slice(-3, -1)]);
        const c = x.T.get("::2", "1:");
        return np.add(np.add(np.sum(np.exp(a)), np.sum(np.square(b))), np.sum(np.mul(c, c.get("::-1"))));
      }`,
    wrt: [0],
    args: () => [rand([4, 5], 63)],
    twin: ([x]) => {
      const a = tf.reverse(rows(x, [1, 3]), 1);
      const b = tf.expandDims(tf.slice(x, [0, 2], [4, 2]), 1);
      const c = tf.slice(rows(tf.transpose(x), [0, 2, 4]), [0, 1], [3, 3]);
      return tf.add(tf.add(tf.sum(tf.exp(a)), tf.sum(tf.square(b))), tf.sum(tf.mul(c, tf.reverse(c, 0))));
    },
    record: true,
  },
  {
    name: "a parameter reassigned, nested loops, a conditional expression choosing arrays",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        x = np.mul(x, 0.5);
        let total = np.array(0);
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 2; j++) {
            const term = j === 0 ? np.sin(np.mul(x, w.get(i))) : np.cos(np.add(x, w.get(i)));
            total = np.add(total, np.sum(term));
          }
          x = np.tanh(np.add(x, w.get(i)));
        }
        return np.add(total, np.sum(np.square(x)));
      }`,
    wrt: [0, 1],
    args: () => [rand([4], 64), rand([3, 4], 65)],
    twin: ([x0, w]) => {
      let x = tf.mul(x0, 0.5);
      let total: T = tf.scalar(0);
      for (let i = 0; i < 3; i++) {
        const wi = tf.squeeze(tf.slice(w, [i, 0], [1, 4]), [0]);
        total = tf.add(total, tf.sum(tf.sin(tf.mul(x, wi))));
        total = tf.add(total, tf.sum(tf.cos(tf.add(x, wi))));
        x = tf.tanh(tf.add(x, wi));
      }
      return tf.add(total, tf.sum(tf.square(x)));
    },
    record: true,
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
  {
    name: "while loop with a compound condition and a counter, sign/floor (zero gradient) on the path",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        let h = x;
        let k = 0;
        while (k < 10 && np.max(np.abs(h)).item() < 3) {
          h = np.add(np.mul(h, 1.3), np.mul(w, np.sign(h)));
          k++;
        }
        return np.add(np.sum(np.mul(h, w)), np.sum(np.mul(np.floor(np.mul(x, 4)), x)));
      }`,
    wrt: [0, 1],
    args: () => [fixed([0.35, -0.6, 0.8]), fixed([0.1, -0.2, 0.15])],
    twin: ([x, w]) => {
      let h = x;
      let k = 0;
      while (k < 10 && (tf.max(tf.abs(h)).arraySync() as number) < 3) {
        h = tf.add(tf.mul(h, 1.3), tf.mul(w, detach(tf.sign(h))));
        k++;
      }
      return tf.add(tf.sum(tf.mul(h, w)), tf.sum(tf.mul(detach(tf.floor(tf.mul(x, 4))), x)));
    },
    record: true,
  },
  {
    name: "a number from x.item() used in arithmetic (not only in a test)",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const s = np.sum(np.mul(x, w)).item();
        return np.mul(np.tanh(x), s * s + 1);
      }`,
    wrt: [0, 1],
    args: () => [rand([2, 3], 67), rand([2, 3], 68)],
    twin: ([x, w]) => {
      const s = tf.sum(tf.mul(x, w));
      return tf.mul(tf.tanh(x), tf.add(tf.mul(s, s), 1));
    },
  },
];

describeAgreement("gradients of NDArray programs agree with TensorFlow.js and finite differences (second set)", "tfjs-agreement-2", cases);
