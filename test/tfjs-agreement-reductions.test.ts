// Agreement with TensorFlow.js, second set (the first: test/tfjs-agreement.test.ts), reductions
// and products: reductions without keepdims broadcast back, over axis lists, prod, norms over
// axes, division by reductions, batched and 1-D matmul, np.dot of N-D arrays, Gram matrices.
// Each gradient of `grad(f, { wrt })` is compared with tf.grads of the same program written
// with tf ops (CPU backend, float32) and with central finite differences of adjoint's own
// primal (float64); for the cases marked `record`, the notebook's style (x.attachGrad();
// autograd.record(() => { y = f(x) }); y.backward(); x.grad) must give the same gradients.
// Inputs are float32 values away from kinks (abs, clip, where, relu) and ties (max, min).
import * as tf from "@tensorflow/tfjs";
import * as np from "../runtime/np/index.js";
import { describeAgreement, fixed, rand, type Case } from "./helpers/tfjs-agreement.js";

const cases: Case[] = [
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
];

describeAgreement("gradients of NDArray programs agree with TensorFlow.js and finite differences (second set: reductions and products)", "tfjs-agreement-reductions", cases);
