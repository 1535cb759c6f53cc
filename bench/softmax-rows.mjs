// The rows softmax.bench.mjs times: np.softmax, np.logSoftmax and np.logsumexp along the rows
// of (rows × 1000) logits, forward and the gradient of a loss through them, each computed five
// ways: adjoint's op, the composition of exp/sum/log users wrote before it ("before": the
// max-shifted form of fixtures/ndarray-models' crossEntropy), tf.softmax / tf.logSoftmax /
// tf.logSumExp (under tf.grad for gradients), and jax-js's jit of jax.nn.softmax / logSoftmax /
// logsumexp (jit(grad(f)) for gradients). test/bench-softmax.test.ts checks that the five agree.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

export const SOURCE = `
import { grad } from "adjoint";
import * as np from "adjoint/np";

export function crossEntropy(x: np.NDArray, labels: np.NDArray): number {
  return -np.mean(np.sum(np.mul(labels, np.logSoftmax(x)), 1)).item();
}
export function crossEntropyBefore(x: np.NDArray, labels: np.NDArray): number {
  const shifted = np.sub(x, np.max(x, 1, true).detach());
  const lse = np.log(np.sum(np.exp(shifted), 1, true));
  return np.mean(np.sum(np.mul(labels, np.sub(lse, shifted)), 1)).item();
}
export function lseSum(x: np.NDArray): number {
  return np.sum(np.logsumexp(x, 1)).item();
}
export function lseSumBefore(x: np.NDArray): number {
  const m = np.max(x, 1, true).detach();
  return np.sum(np.add(np.log(np.sum(np.exp(np.sub(x, m)), 1, true)), m)).item();
}
export const crossEntropyGrad = grad(crossEntropy);
export const crossEntropyBeforeGrad = grad(crossEntropyBefore);
export const lseSumGrad = grad(lseSum);
export const lseSumBeforeGrad = grad(lseSumBefore);
`;

/** Compiles SOURCE with the compiler's `transform` into `file` and imports it. */
export async function compileSoftmaxPrograms(transform, file) {
  const result = transform(SOURCE, { filename: "bench/softmax-programs.ts", sourceMaps: false });
  if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, result.code);
  return import(pathToFileURL(file).href);
}

/** One-hot labels of `rows` × `cols` (row r's class: 7r mod cols), float64. */
export function labelsFor(np, rows, cols) {
  const y = np.zeros([rows, cols]);
  for (let r = 0; r < rows; r++) y.data[r * cols + ((7 * r) % cols)] = 1;
  return y;
}

/**
 * Every row: { group, name, size, shapes, labels, adjoint, before, tf, jax }, each side a
 * function of the logits (and, for cross-entropy, the labels) in its own library's arrays.
 * `programs`: compileSoftmaxPrograms' module. Logits are drawn from [-5, 5].
 */
export function softmaxRows(np, tf, jax, programs, { rowCounts = [10, 100, 1000], cols = 1000 } = {}) {
  const { nn } = jax;
  const jit = (f) => jax.jit(f);
  const jaxOps = {
    softmax: jit((x) => nn.softmax(x)),
    logSoftmax: jit((x) => nn.logSoftmax(x)),
    logsumexp: jit((x) => nn.logsumexp(x, 1)),
    crossEntropy: jit(jax.grad((x, y) => nn.logSoftmax(x).mul(y).sum(1).mean().neg())),
    lseSum: jit(jax.grad((x) => nn.logsumexp(x, 1).sum())),
  };
  const before = {
    softmax: (x) => {
      const e = np.exp(np.sub(x, np.max(x, 1, true)));
      return np.div(e, np.sum(e, 1, true));
    },
    logSoftmax: (x) => {
      const s = np.sub(x, np.max(x, 1, true));
      return np.sub(s, np.log(np.sum(np.exp(s), 1, true)));
    },
    logsumexp: (x) => {
      const m = np.max(x, 1, true);
      return np.reshape(np.add(np.log(np.sum(np.exp(np.sub(x, m)), 1, true)), m), [-1]);
    },
  };
  const ceTf = (x, y) => tf.grad((v) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(v)), 1))))(x);
  const specs = [];
  for (const rows of rowCounts) {
    const shape = [rows, cols];
    const size = rows * cols;
    const at = `(${rows},${cols})`;
    specs.push(
      { group: "forward", name: `softmax ${at}`, size, shapes: [shape], adjoint: (x) => np.softmax(x), before: before.softmax, tf: (x) => tf.softmax(x), jax: jaxOps.softmax },
      { group: "forward", name: `logSoftmax ${at}`, size, shapes: [shape], adjoint: (x) => np.logSoftmax(x), before: before.logSoftmax, tf: (x) => tf.logSoftmax(x), jax: jaxOps.logSoftmax },
      { group: "forward", name: `logsumexp axis 1 ${at}`, size, shapes: [shape], adjoint: (x) => np.logsumexp(x, 1), before: before.logsumexp, tf: (x) => tf.logSumExp(x, 1), jax: jaxOps.logsumexp },
      {
        group: "gradient", name: `grad cross-entropy(logSoftmax) ${at}`, size, shapes: [shape], labels: true,
        adjoint: programs.crossEntropyGrad, before: programs.crossEntropyBeforeGrad, tf: ceTf, jax: jaxOps.crossEntropy,
      },
      {
        group: "gradient", name: `grad sum(logsumexp axis 1) ${at}`, size, shapes: [shape],
        adjoint: programs.lseSumGrad, before: programs.lseSumBeforeGrad, tf: (x) => tf.grad((v) => tf.sum(tf.logSumExp(v, 1)))(x), jax: jaxOps.lseSum,
      },
    );
  }
  return specs;
}
