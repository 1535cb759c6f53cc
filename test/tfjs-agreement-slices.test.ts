// Agreement with TensorFlow.js, second set (the first: test/tfjs-agreement.test.ts), slices and
// shapes: negative and stepped slices, get with null, np.slice objects and '...', expandDims/
// squeeze round trips, stack along inner axes, reshapes of transposed (copied) arrays.
// Each gradient of `grad(f, { wrt })` is compared with tf.grads of the same program written
// with tf ops (CPU backend, float32) and with central finite differences of adjoint's own
// primal (float64); for the cases marked `record`, the notebook's style (x.attachGrad();
// autograd.record(() => { y = f(x) }); y.backward(); x.grad) must give the same gradients.
// Inputs are float32 values away from kinks (abs, clip, where, relu) and ties (max, min).
import * as tf from "@tensorflow/tfjs";
import * as np from "../runtime/np/index.js";
import { describeAgreement, rand, type Case, type T } from "./helpers/tfjs-agreement.js";

/** Rows (axis 0) of t at the given indices (tf.stridedSlice and tf.reverse with steps: gather has a gradient). */
function rows(t: T, indices: number[], axis = 0): T {
  return tf.gather(t, tf.tensor1d(indices, "int32"), axis);
}

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
];

describeAgreement("gradients of NDArray programs agree with TensorFlow.js and finite differences (second set: slices and shapes)", "tfjs-agreement-slices", cases);
