// Agreement with TensorFlow.js: NDArray programs a user porting TF.js or NumPy code would
// write (an MLP with softmax cross-entropy, logistic regression, layer normalization, a
// Huber loss, attention, an RNN loop, a while loop on a norm, ...) are compiled with
// `grad(f, { wrt })`, and every gradient is compared with
//   - tf.grads of the same program written with tf ops (CPU backend, float32), and
//   - central finite differences of adjoint's own primal (float64).
// Inputs are float32 values (so both libraries see the same numbers), chosen away from
// kinks (relu, abs, clip, where) and ties (max, maximum), where the two libraries may
// legitimately pick different subgradients.
import * as tf from "@tensorflow/tfjs";
import * as np from "../runtime/np/index.js";
import { describeAgreement, detach, fixed, rand, type Arg, type Case, type T } from "./helpers/tfjs-agreement.js";

function oneHot(labels: number[], classes: number): np.NDArray {
  return np.array(labels.map((label) => Array.from({ length: classes }, (_, k) => (k === label ? 1 : 0))));
}

// --- the programs -------------------------------------------------------------------

const cases: Case[] = [
  {
    name: "two-layer MLP, softmax cross-entropy (log-sum-exp with max subtraction)",
    source: `
      function dense(x: np.NDArray, w: np.NDArray, b: np.NDArray): np.NDArray {
        return np.add(np.matmul(x, w), b);
      }
      function logSumExp(z: np.NDArray): np.NDArray {
        const m = np.max(z, 1, true);
        return np.add(np.log(np.sum(np.exp(np.sub(z, m)), 1, true)), m);
      }
      export function f(w1: np.NDArray, b1: np.NDArray, w2: np.NDArray, b2: np.NDArray, x: np.NDArray, y: np.NDArray): np.NDArray {
        const h = np.relu(dense(x, w1, b1));
        const logits = dense(h, w2, b2);
        const logp = np.sub(logits, logSumExp(logits));
        return np.neg(np.mean(np.sum(np.mul(y, logp), 1)));
      }`,
    wrt: [0, 1, 2, 3],
    args: () => [rand([4, 5], 1), rand([5], 2, -0.2, 0.2), rand([5, 3], 3), rand([3], 4, -0.2, 0.2), rand([6, 4], 5), oneHot([0, 2, 1, 1, 0, 2], 3)],
    twin: ([w1, b1, w2, b2, x, y]) => {
      const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
      const logits = tf.add(tf.matMul(h, w2), b2);
      const m = tf.max(logits, 1, true);
      const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(logits, m)), 1, true)), m);
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.sub(logits, lse)), 1)));
    },
  },
  {
    name: "logistic regression (binary cross-entropy, a number bias)",
    source: `
      export function f(w: np.NDArray, b: number, x: np.NDArray, y: np.NDArray): np.NDArray {
        const p = np.sigmoid(np.add(np.matmul(x, w), b));
        const ll = np.add(np.mul(y, np.log(p)), np.mul(np.sub(1, y), np.log(np.sub(1, p))));
        return np.neg(np.mean(ll));
      }`,
    wrt: [0, 1],
    args: () => [rand([4], 11), Math.fround(0.3), rand([8, 4], 12, -2, 2), np.array([1, 0, 0, 1, 1, 0, 1, 0])],
    twin: ([w, b, x, y]) => {
      const p = tf.sigmoid(tf.add(tf.squeeze(tf.matMul(x, tf.expandDims(w, 1)), [1]), b));
      const ll = tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))));
      return tf.neg(tf.mean(ll));
    },
  },
  {
    name: "row softmax with keepdims reductions broadcast back, centred weights",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const e = np.exp(np.sub(x, np.max(x, 1, true)));
        const p = np.div(e, e.sum(1, true));
        const centred = np.sub(w, np.mean(w, 0, true));
        return np.sum(np.mul(p, centred));
      }`,
    wrt: [0, 1],
    args: () => [rand([4, 5], 21, -2, 2), rand([4, 5], 22)],
    twin: ([x, w]) => {
      const e = tf.exp(tf.sub(x, tf.max(x, 1, true)));
      const p = tf.div(e, tf.sum(e, 1, true));
      return tf.sum(tf.mul(p, tf.sub(w, tf.mean(w, 0, true))));
    },
  },
  {
    name: "column sums broadcast back with np.broadcastTo",
    source: `
      export function f(x: np.NDArray): np.NDArray {
        const total = np.sum(x, 0, true);
        const spread = np.broadcastTo(total, x.shape);
        return np.sum(np.mul(np.tanh(spread), x));
      }`,
    wrt: [0],
    args: () => [rand([3, 4], 31)],
    twin: ([x]) => tf.sum(tf.mul(tf.tanh(tf.broadcastTo(tf.sum(x, 0, true), x.shape)), x)),
  },
  {
    name: "layer normalization (x - mean) / sqrt(var + eps) * gamma + beta, squared error",
    source: `
      export function f(x: np.NDArray, gamma: np.NDArray, beta: np.NDArray, target: np.NDArray): np.NDArray {
        const mu = np.mean(x, -1, true);
        const d = np.sub(x, mu);
        const v = np.mean(np.square(d), -1, true);
        const y = np.add(np.mul(np.div(d, np.sqrt(np.add(v, 1e-5))), gamma), beta);
        return np.mean(np.square(np.sub(y, target)));
      }`,
    wrt: [0, 1, 2],
    args: () => [rand([3, 5], 41, -2, 2), rand([5], 42, 0.5, 1.5), rand([5], 43, -0.5, 0.5), rand([3, 5], 44)],
    twin: ([x, gamma, beta, target]) => {
      const mu = tf.mean(x, -1, true);
      const d = tf.sub(x, mu);
      const v = tf.mean(tf.square(d), -1, true);
      const y = tf.add(tf.mul(tf.div(d, tf.sqrt(tf.add(v, 1e-5))), gamma), beta);
      return tf.mean(tf.square(tf.sub(y, target)));
    },
  },
  {
    name: "piecewise functions: where (leaky relu, a two-piece curve), maximum/minimum",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const leaky = np.where(np.greater(x, 0), x, np.mul(0.1, x));
        const capped = np.minimum(np.maximum(np.mul(x, w), -0.3), 0.4);
        const curve = np.where(np.less(x, -0.5), np.square(x), np.exp(x));
        const larger = np.maximum(x, w);
        return np.sum(np.add(np.add(np.mul(leaky, w), capped), np.add(curve, larger)));
      }`,
    wrt: [0, 1],
    args: () => [
      fixed([[-0.9, -0.3, 0.2, 0.8], [0.45, -0.7, 1.1, -0.05]]),
      fixed([[0.5, 0.7, -0.4, 0.9], [-1.2, 0.6, 0.1, 0.35]]),
    ],
    twin: ([x, w]) => {
      const leaky = tf.where(tf.greater(detach(x), 0), x, tf.mul(0.1, x));
      const capped = tf.minimum(tf.maximum(tf.mul(x, w), -0.3), 0.4);
      const curve = tf.where(tf.less(detach(x), -0.5), tf.square(x), tf.exp(x));
      return tf.sum(tf.add(tf.add(tf.mul(leaky, w), capped), tf.add(curve, tf.maximum(x, w))));
    },
  },
  {
    name: "Huber loss of a linear model via where",
    source: `
      export function f(w: np.NDArray, x: np.NDArray, t: np.NDArray): np.NDArray {
        const r = np.sub(np.matmul(x, w), t);
        const a = np.abs(r);
        const quadratic = np.mul(0.5, np.square(r));
        const linear = np.mul(0.5, np.sub(a, 0.25));
        return np.mean(np.where(np.lessEqual(a, 0.5), quadratic, linear));
      }`,
    wrt: [0],
    args: () => [rand([3], 51), rand([10, 3], 52), rand([10], 53, -1.5, 1.5)],
    twin: ([w, x, t]) => {
      const r = tf.sub(tf.dot(x, w), t);
      const a = tf.abs(r);
      return tf.mean(tf.where(tf.lessEqual(detach(a), 0.5), tf.mul(0.5, tf.square(r)), tf.mul(0.5, tf.sub(a, 0.25))));
    },
  },
  {
    name: "L2-normalized rows via linalg.norm, cosine similarities, a norm penalty",
    source: `
      export function f(a: np.NDArray, b: np.NDArray, target: np.NDArray): np.NDArray {
        const ua = np.div(a, np.linalg.norm(a, null, 1, true));
        const ub = np.div(b, np.linalg.norm(b, null, 1, true));
        const sim = np.matmul(ua, ub.T);
        return np.add(np.sum(np.square(np.sub(sim, target))), np.mul(0.1, np.linalg.norm(a)));
      }`,
    wrt: [0, 1],
    args: () => [rand([3, 4], 61), rand([2, 4], 62), fixed([[1, 0], [0, 1], [0.5, 0.5]])],
    twin: ([a, b, target]) => {
      const ua = tf.div(a, tf.norm(a, "euclidean", 1, true));
      const ub = tf.div(b, tf.norm(b, "euclidean", 1, true));
      const sim = tf.matMul(ua, ub, false, true);
      return tf.add(tf.sum(tf.square(tf.sub(sim, target))), tf.mul(0.1, tf.norm(a)));
    },
  },
  {
    name: "RNN: five steps of h = tanh(W h + U x[t] + b) rebinding h",
    source: `
      export function f(w: np.NDArray, u: np.NDArray, b: np.NDArray, h0: np.NDArray, xs: np.NDArray): np.NDArray {
        let h = h0;
        for (let t = 0; t < 5; t++) {
          h = np.tanh(np.add(np.add(np.matmul(w, h), np.matmul(u, xs.get(t))), b));
        }
        return np.sum(np.square(h));
      }`,
    wrt: [0, 1, 2, 3],
    args: () => [rand([4, 4], 71, -0.8, 0.8), rand([4, 3], 72), rand([4], 73, -0.3, 0.3), rand([4], 74), rand([5, 3], 75)],
    twin: ([w, u, b, h0, xs]) => {
      let h = h0;
      for (let t = 0; t < 5; t++) {
        const x = tf.squeeze(tf.slice(xs, [t, 0], [1, 3]), [0]);
        h = tf.tanh(tf.add(tf.add(tf.dot(w, h), tf.dot(u, x)), b));
      }
      return tf.sum(tf.square(h));
    },
  },
  {
    name: "unrolled gradient descent on least squares (meta-gradient wrt w0 and a number lr)",
    source: `
      export function f(w0: np.NDArray, lr: number, x: np.NDArray, y: np.NDArray): np.NDArray {
        let w = w0;
        for (let step = 0; step < 3; step++) {
          const residual = np.sub(np.matmul(x, w), y);
          w = np.sub(w, np.mul(lr, np.matmul(x.T, residual)));
        }
        return np.mean(np.square(np.sub(np.matmul(x, w), y)));
      }`,
    wrt: [0, 1],
    args: () => [rand([3, 1], 81), Math.fround(0.05), rand([6, 3], 82), rand([6, 1], 83)],
    twin: ([w0, lr, x, y]) => {
      let w = w0;
      for (let step = 0; step < 3; step++) {
        w = tf.sub(w, tf.mul(lr, tf.matMul(x, tf.sub(tf.matMul(x, w), y), true, false)));
      }
      return tf.mean(tf.square(tf.sub(tf.matMul(x, w), y)));
    },
  },
  {
    name: "per-example loop over rows with x.get(i), accumulating the loss",
    source: `
      export function f(w: np.NDArray, x: np.NDArray, t: np.NDArray): np.NDArray {
        let loss = np.array(0);
        for (let i = 0; i < x.shape[0]; i++) {
          const prediction = np.tanh(np.dot(x.get(i), w));
          loss = np.add(loss, np.square(np.sub(prediction, t.get(i))));
        }
        return np.div(loss, x.shape[0]);
      }`,
    wrt: [0],
    args: () => [rand([3], 211), rand([5, 3], 212), rand([5], 213)],
    twin: ([w, x, t]) => {
      let loss: T = tf.scalar(0);
      for (let i = 0; i < 5; i++) {
        const prediction = tf.tanh(tf.dot(tf.squeeze(tf.slice(x, [i, 0], [1, 3]), [0]), w));
        loss = tf.add(loss, tf.square(tf.sub(prediction, tf.slice(t, [i], [1]))));
      }
      return tf.div(loss, 5);
    },
  },
  {
    name: "data-dependent while loop on a norm",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        let h = np.mul(x, 0.5);
        while (np.linalg.norm(h).item() < 4) {
          h = np.add(np.mul(h, 1.5), np.mul(0.1, np.tanh(np.mul(h, w))));
        }
        return np.sum(np.mul(h, w));
      }`,
    wrt: [0, 1],
    args: () => [fixed([0.4, -0.3, 0.25, 0.6]), fixed([0.7, -0.2, 0.5, 1.1])],
    twin: ([x, w]) => {
      let h = tf.mul(x, 0.5);
      while ((tf.norm(h).arraySync() as number) < 4) h = tf.add(tf.mul(h, 1.5), tf.mul(0.1, tf.tanh(tf.mul(h, w))));
      return tf.sum(tf.mul(h, w));
    },
  },
  ...[
    ["taken", 0.8],
    ["not taken", -0.8],
  ].map(([branch, sign]): Case => ({
    name: `if on a reduction (branch ${branch})`,
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        let y: np.NDArray;
        if (np.mean(np.mul(x, w)).item() > 0) y = np.exp(np.mul(x, w));
        else y = np.mul(np.square(x), np.sub(1, w));
        return np.sum(y);
      }`,
    wrt: [0, 1],
    args: () => [rand([2, 3], 91, 0.1, 1), np.mul(sign as number, rand([2, 3], 92, 0.1, 1))],
    twin: ([x, w]) =>
      (tf.mean(tf.mul(x, w)).arraySync() as number) > 0 ? tf.sum(tf.exp(tf.mul(x, w))) : tf.sum(tf.mul(tf.square(x), tf.sub(1, w))),
  })),
  {
    name: "the seed notebook's f(a): while on a norm, if on a sum, a non-scalar result",
    source: `
      export function f(a: np.NDArray): np.NDArray {
        let b = np.mul(a, 2);
        while (np.linalg.norm(b).item() < 1000) b = np.mul(b, 2);
        let c: np.NDArray;
        if (b.sum().item() > 0) c = b;
        else c = np.mul(100, b);
        return c;
      }`,
    wrt: [0],
    args: () => [fixed([[0.77, 0.48], [1.04, 0.3], [1.18, 0.15]])],
    twin: ([a]) => {
      let b = tf.mul(a, 2);
      while ((tf.norm(b).arraySync() as number) < 1000) b = tf.mul(b, 2);
      return (tf.sum(b).arraySync() as number) > 0 ? b : tf.mul(100, b);
    },
  },
  ...(["concat", "concatenate"] as const).map(
    (fn): Case => ({
      name: `${fn} and stack, then max over an axis and a mean`,
      source: `
      export function f(a: np.NDArray, b: np.NDArray): np.NDArray {
        const c = np.${fn}([a, np.tanh(b)], 0);
        const s = np.stack([a.get(0), b.get(1), np.mul(a.get(1), b.get(2))], 1);
        return np.add(np.sum(np.max(c, 1)), np.mean(np.square(s)));
      }`,
      wrt: [0, 1],
      args: () => [rand([2, 4], 101), rand([3, 4], 102)],
      twin: ([a, b]) => {
        const row = (m: T, i: number) => tf.squeeze(tf.slice(m, [i, 0], [1, 4]), [0]);
        const c = tf.concat([a, tf.tanh(b)], 0);
        const s = tf.stack([row(a, 0), row(b, 1), tf.mul(row(a, 1), row(b, 2))], 1);
        return tf.add(tf.sum(tf.max(c, 1)), tf.mean(tf.square(s)));
      },
      // Both spellings: the list is written in the call, so each array in it gets its own
      // adjoint (this found that list literals got a number[] adjoint, and that
      // np.concatenate had no rule; both fixed).
    }),
  ),
  {
    name: "matmul with transposes (x.T, np.transpose)",
    source: `
      export function f(a: np.NDArray, b: np.NDArray, c: np.NDArray): np.NDArray {
        const g = np.matmul(a.T, b);
        const h = np.matmul(g, np.transpose(c));
        return np.sum(np.tanh(np.matmul(h.T, g)));
      }`,
    wrt: [0, 1, 2],
    args: () => [rand([3, 4], 111), rand([3, 5], 112), rand([2, 5], 113)],
    twin: ([a, b, c]) => {
      const g = tf.matMul(tf.transpose(a), b);
      const h = tf.matMul(g, c, false, true);
      return tf.sum(tf.tanh(tf.matMul(tf.transpose(h), g)));
    },
  },
  {
    name: "scaled dot-product attention",
    source: `
      export function f(q: np.NDArray, k: np.NDArray, v: np.NDArray): np.NDArray {
        const scores = np.div(np.matmul(q, k.T), Math.sqrt(q.shape[1]));
        const e = np.exp(np.sub(scores, np.max(scores, -1, true)));
        const attention = np.div(e, np.sum(e, -1, true));
        return np.sum(np.square(np.matmul(attention, v)));
      }`,
    wrt: [0, 1, 2],
    args: () => [rand([3, 4], 121, -2, 2), rand([5, 4], 122, -2, 2), rand([5, 2], 123)],
    twin: ([q, k, v]) => {
      const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(q.shape[1]!));
      const e = tf.exp(tf.sub(scores, tf.max(scores, -1, true)));
      return tf.sum(tf.square(tf.matMul(tf.div(e, tf.sum(e, -1, true)), v)));
    },
  },
  {
    name: "batched matmul broadcasting a matrix, sums over a list of axes",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const y = np.tanh(np.matmul(x, w));
        return np.add(np.sum(np.square(np.sum(y, [0, 2]))), np.mean(y, [1, 2]).sum());
      }`,
    wrt: [0, 1],
    args: () => [rand([2, 3, 4], 131), rand([4, 2], 132)],
    twin: ([x, w]) => {
      const y = tf.tanh(tf.matMul(x, tf.broadcastTo(w, [2, 4, 2])));
      return tf.add(tf.sum(tf.square(tf.sum(y, [0, 2]))), tf.sum(tf.mean(y, [1, 2])));
    },
  },
  {
    name: "pow with an array exponent and with a constant one",
    source: `
      export function f(x: np.NDArray, y: np.NDArray): np.NDArray {
        return np.sum(np.add(np.pow(x, y), np.mul(np.pow(y, 3), x.pow(2))));
      }`,
    wrt: [0, 1],
    args: () => [rand([2, 3], 141, 0.5, 2), rand([2, 3], 142, -1.5, 1.5)],
    twin: ([x, y]) => tf.sum(tf.add(tf.pow(x, y), tf.mul(tf.pow(y, 3), tf.pow(x, 2)))),
  },
  {
    name: "clip on both sides and one side open",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const c = np.clip(np.mul(x, 2), -1, 1);
        const d = x.clip(null, 0.5);
        return np.sum(np.mul(np.add(c, d), w));
      }`,
    wrt: [0, 1],
    args: () => [fixed([-0.9, -0.3, 0.1, 0.35, 0.7, 1.3]), rand([6], 152)],
    twin: ([x, w]) => tf.sum(tf.mul(tf.add(tf.clipByValue(tf.mul(x, 2), -1, 1), tf.minimum(x, 0.5)), w)),
  },
  {
    name: "basic indexing: a row, strided slices, '...' and a new axis",
    source: `
      export function f(x: np.NDArray): np.NDArray {
        const top = x.get(0);
        const mid = x.get("1:3", "::2");
        const last = x.get("...", -1);
        const column = x.get(":", null, 1);
        return np.add(np.add(np.sum(np.square(top)), np.sum(np.exp(mid))), np.sum(np.dot(last, column)));
      }`,
    wrt: [0],
    args: () => [rand([3, 4], 161)],
    twin: ([x]) => {
      const top = tf.squeeze(tf.slice(x, [0, 0], [1, 4]), [0]);
      const mid = tf.gather(tf.slice(x, [1, 0], [2, 4]), [0, 2], 1); // tf.stridedSlice has no gradient
      const last = tf.squeeze(tf.slice(x, [0, 3], [3, 1]), [1]);
      const column = tf.expandDims(tf.squeeze(tf.slice(x, [0, 1], [3, 1]), [1]), 1);
      return tf.add(tf.add(tf.sum(tf.square(top)), tf.sum(tf.exp(mid))), tf.sum(tf.dot(last, column)));
    },
  },
  ...(["product", "o"] as const).map(
    (name): Case => ({
      name: `outer and dot (a vector with itself, a matrix with a vector), the outer product named '${name}'`,
      source: `
      export function f(u: np.NDArray, v: np.NDArray, m: np.NDArray): np.NDArray {
        const ${name} = np.outer(u, v);
        return np.add(np.sum(np.mul(${name}, m)), np.mul(np.dot(u, u), np.dot(m, v).sum()));
      }`,
      wrt: [0, 1, 2],
      args: () => [rand([3], 171), rand([4], 172), rand([3, 4], 173)],
      twin: ([u, v, m]) => tf.add(tf.sum(tf.mul(tf.outerProduct(u as tf.Tensor1D, v as tf.Tensor1D), m)), tf.mul(tf.dot(u, u), tf.sum(tf.dot(m, v)))),
      // A variable named `o`: its adjoint is not `do`, a keyword (this found that; fixed).
    }),
  ),
  {
    name: "NDArray methods: matmul, add, mul, mean, reshape, abs, pow, sum, div, max, T, neg",
    source: `
      export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
        const z = x.matmul(w).add(0.5).mul(x.mean(1, true));
        const r = z.reshape(-1).abs().pow(1.5);
        return r.sum().div(z.max().add(2)).sub(w.T.neg().mean());
      }`,
    wrt: [0, 1],
    args: () => [rand([3, 4], 181, 0.1, 1), rand([4, 2], 182)],
    twin: ([x, w]) => {
      const z = tf.mul(tf.add(tf.matMul(x, w), 0.5), tf.mean(x, 1, true));
      const r = tf.pow(tf.abs(tf.reshape(z, [-1])), 1.5);
      return tf.sub(tf.div(tf.sum(r), tf.add(tf.max(z), 2)), tf.mean(tf.neg(tf.transpose(w))));
    },
  },
  {
    name: "elementwise: log1p(exp) softplus, sigmoid gate, sqrt, minimum, neg, div",
    source: `
      export function f(x: np.NDArray, y: np.NDArray): np.NDArray {
        const softplus = np.log1p(np.exp(x));
        const gate = np.sigmoid(np.sub(y, x));
        const magnitude = np.sqrt(np.add(np.square(x), 1));
        const lower = np.minimum(x, y);
        return np.sum(np.div(np.add(np.mul(softplus, gate), np.neg(lower)), magnitude));
      }`,
    wrt: [0, 1],
    args: () => [rand([5], 191, -2, 2), rand([5], 192, -2, 2)],
    twin: ([x, y]) => {
      const softplus = tf.log1p(tf.exp(x));
      const gate = tf.sigmoid(tf.sub(y, x));
      const magnitude = tf.sqrt(tf.add(tf.square(x), 1));
      return tf.sum(tf.div(tf.add(tf.mul(softplus, gate), tf.neg(tf.minimum(x, y))), magnitude));
    },
  },
  {
    name: "relu network with a residual connection and a mean-squared error",
    source: `
      export function f(w: np.NDArray, x: np.NDArray, t: np.NDArray): np.NDArray {
        const h = np.add(x, np.relu(np.matmul(x, w)));
        return np.mean(np.square(np.sub(h, t)));
      }`,
    wrt: [0],
    args: () => [rand([3, 3], 201), rand([4, 3], 202), rand([4, 3], 203)],
    twin: ([w, x, t]) => tf.mean(tf.square(tf.sub(tf.add(x, tf.relu(tf.matMul(x, w))), t))),
  },
];

describeAgreement("gradients of NDArray programs agree with TensorFlow.js and finite differences", "tfjs-agreement", cases);
