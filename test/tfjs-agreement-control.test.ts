// Agreement with TensorFlow.js, second set (the first: test/tfjs-agreement.test.ts), control
// flow and numbers: loops with break, early return and while, module helpers, number parameters,
// `.item()` in tests, loop bounds and arithmetic, reassigned parameters.
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

describeAgreement("gradients of NDArray programs agree with TensorFlow.js and finite differences (second set: control flow and numbers)", "tfjs-agreement-control", cases);
