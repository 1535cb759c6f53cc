// The programs peers.bench.mjs differentiates, each written four ways: as a user writes it
// with adjoint/np (source text the compiler turns into a gradient), its adjoint written by
// hand with adjoint/np, with TF.js ops under tf.grads, and with jax-js under jit(grad(f)).
// test/bench-programs.test.ts checks the four give one gradient, so each row of the bench
// times one computation.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

/** The MLP: batch 64, three dense layers 256 -> 256 -> 256 -> 10, tanh between, squared loss. */
export const MLP = { batch: 64, widths: [256, 256, 256, 10] };

export const SOURCE = `
import { grad } from "adjoint";
import * as np from "adjoint/np";

export function tanhProduct(x: np.NDArray, w: np.NDArray): np.NDArray {
  return np.sum(np.tanh(np.mul(x, w)));
}

export function mlpLoss(
  w1: np.NDArray, b1: np.NDArray, w2: np.NDArray, b2: np.NDArray, w3: np.NDArray, b3: np.NDArray,
  x: np.NDArray, y: np.NDArray,
): np.NDArray {
  const h1 = np.tanh(np.add(np.matmul(x, w1), b1));
  const h2 = np.tanh(np.add(np.matmul(h1, w2), b2));
  const z = np.add(np.matmul(h2, w3), b3);
  return np.mean(np.square(np.sub(z, y)));
}

export const tanhProductGrad = grad(tanhProduct);
export const mlpLossGrad = grad(mlpLoss, { wrt: [0, 1, 2, 3, 4, 5] });
`;

/** Compiles SOURCE with the compiler's `transform` into `file` and imports it. */
export async function compilePrograms(transform, file) {
  const result = transform(SOURCE, { filename: "bench/programs.ts", sourceMaps: false });
  if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, result.code);
  return import(pathToFileURL(file).href);
}

/** The same gradients written by hand with adjoint/np, the forward pass included (a training step needs the loss). */
export function handWritten(np) {
  return {
    tanhProduct(x, w) {
      const t = np.tanh(np.mul(x, w));
      void np.sum(t);
      return np.mul(w, np.sub(1, np.square(t)));
    },
    mlpLoss(w1, b1, w2, b2, w3, b3, x, y) {
      const h1 = np.tanh(np.add(np.matmul(x, w1), b1));
      const h2 = np.tanh(np.add(np.matmul(h1, w2), b2));
      const d = np.sub(np.add(np.matmul(h2, w3), b3), y);
      void np.mean(np.square(d));
      const dz = np.mul(d, 2 / d.size);
      const da2 = np.mul(np.matmul(dz, w3.T), np.sub(1, np.square(h2)));
      const da1 = np.mul(np.matmul(da2, w2.T), np.sub(1, np.square(h1)));
      return [np.matmul(x.T, da1), np.sum(da1, 0), np.matmul(h1.T, da2), np.sum(da2, 0), np.matmul(h2.T, dz), np.sum(dz, 0)];
    },
  };
}

/** The same programs with TF.js ops, differentiated by tf.grad / tf.grads (float32). */
export function tfjsPrograms(tf) {
  const mlpLoss = (w1, b1, w2, b2, w3, b3, x, y) => {
    const h1 = tf.tanh(tf.add(tf.matMul(x, w1), b1));
    const h2 = tf.tanh(tf.add(tf.matMul(h1, w2), b2));
    return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h2, w3), b3), y)));
  };
  return {
    tanhProduct: (x, w) => tf.grad((v) => tf.sum(tf.tanh(tf.mul(v, w))))(x),
    mlpLoss: (w1, b1, w2, b2, w3, b3, x, y) => tf.grads((...params) => mlpLoss(...params, x, y))([w1, b1, w2, b2, w3, b3]),
  };
}

/**
 * The same programs with jax-js, as jit(grad(f)) (float32). jax-js consumes every array it is
 * given: callers pass `a.ref` to keep theirs, and must dispose what they get back.
 */
export function jaxPrograms({ numpy: jnp, grad, jit }) {
  const tanhProduct = (x, w) => jnp.tanh(x.mul(w)).sum();
  const mlpLoss = ([w1, b1, w2, b2, w3, b3], x, y) => {
    const h1 = jnp.tanh(jnp.matmul(x, w1).add(b1));
    const h2 = jnp.tanh(jnp.matmul(h1, w2).add(b2));
    return jnp.square(jnp.matmul(h2, w3).add(b3).sub(y)).mean();
  };
  const tanhProductGrad = jit(grad(tanhProduct));
  const mlpLossGrad = jit(grad(mlpLoss));
  return {
    tanhProduct: (x, w) => tanhProductGrad(x, w),
    mlpLoss: (w1, b1, w2, b2, w3, b3, x, y) => mlpLossGrad([w1, b1, w2, b2, w3, b3], x, y),
  };
}

/** The MLP's arguments (w1, b1, w2, b2, w3, b3, x, y) as float64 NDArrays, from adjoint's seeded generator. */
export function mlpArguments(np, seed = 3) {
  np.random.seed(seed);
  const params = [];
  for (let k = 0; k + 1 < MLP.widths.length; k++) {
    const [fanIn, fanOut] = [MLP.widths[k], MLP.widths[k + 1]];
    params.push(np.random.normal(0, 1 / Math.sqrt(fanIn), [fanIn, fanOut]), np.random.uniform(-0.1, 0.1, [fanOut]));
  }
  return [...params, np.random.uniform(-1, 1, [MLP.batch, MLP.widths[0]]), np.random.uniform(-1, 1, [MLP.batch, MLP.widths.at(-1)])];
}

/** tanhProduct's arguments (x, w) of n elements in [-0.5, 0.5] (typical activations). */
export function tanhProductArguments(np, n, seed = 4) {
  np.random.seed(seed);
  return [np.random.uniform(-0.5, 0.5, [n]), np.random.uniform(-0.5, 0.5, [n])];
}
