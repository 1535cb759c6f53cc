// The rows np.bench.mjs times, as users meet them: elementwise operations on typical
// activations ([-0.5, 0.5]) and, for the transcendental functions, on wider ranges; the
// broadcasts users write; reductions over everything and along each axis. Each row is
// { group, op, name, size, range, shapes, np, tf }: `np` and `tf` compute the same thing, with
// adjoint/np and with TF.js (test/bench-programs.test.ts checks that they agree).
const ACTIVATIONS = [-0.5, 0.5];
const WIDE = [[-0.5, 0.5], [-5, 5], [-20, 20]];
const label = (n) => `1e${Math.round(Math.log10(n))}`;

/** Every row, given the two libraries (and, for a test, smaller sizes and shapes). */
export function npRows(np, tf, {
  sizes = [1e4, 1e5, 1e6],
  biases = [[64, 256], [256, 512], [1000, 1000]],
  outers = [100, 316, 1000],
  matrices = [[64, 256], [316, 316], [1000, 1000]],
} = {}) {
  const specs = [];
  for (const n of sizes) {
    for (const [name, npOp, tfOp] of [["add", np.add, tf.add], ["mul", np.mul, tf.mul], ["div", np.div, tf.div], ["maximum", np.maximum, tf.maximum]]) {
      specs.push({ group: "elementwise", op: name, name: `${name} ${label(n)}`, size: n, range: ACTIVATIONS, shapes: [[n], [n]], np: npOp, tf: tfOp });
    }
    for (const [name, npOp, tfOp, range] of [
      ["relu", np.relu, tf.relu, ACTIVATIONS], ["abs", np.abs, tf.abs, ACTIVATIONS], ["square", np.square, tf.square, ACTIVATIONS], ["sqrt", np.sqrt, tf.sqrt, [0, 1]],
    ]) {
      specs.push({ group: "elementwise", op: name, name: `${name} ${label(n)}`, size: n, range, shapes: [[n]], np: npOp, tf: tfOp });
    }
    specs.push({
      group: "elementwise", op: "tanh(x*y+x)", name: `chain tanh(x*y+x) ${label(n)}`, size: n, range: ACTIVATIONS, shapes: [[n], [n]],
      np: (x, y) => np.tanh(np.add(np.mul(x, y), x)), tf: (x, y) => tf.tanh(tf.add(tf.mul(x, y), x)),
    });
    for (const [name, npOp, tfOp] of [["exp", np.exp, tf.exp], ["log", np.log, tf.log], ["sin", np.sin, tf.sin], ["tanh", np.tanh, tf.tanh], ["sigmoid", np.sigmoid, tf.sigmoid]]) {
      for (const [lo, hi] of WIDE) {
        // log's inputs are positive: (0, hi].
        const range = name === "log" ? [1e-3, hi] : [lo, hi];
        specs.push({ group: "transcendental", op: `${name} [${range.join(", ")}]`, name: `${name} ${label(n)} [${range.join(", ")}]`, size: n, range, shapes: [[n]], np: npOp, tf: tfOp });
      }
    }
    // The range the previous bench drew every input from, for comparison with the ones above.
    specs.push({ group: "previous range", op: "tanh [0.1, 1]", name: `tanh ${label(n)} [0.1, 1] (previous bench's range)`, size: n, range: [0.1, 1], shapes: [[n]], np: np.tanh, tf: tf.tanh });
  }
  // Broadcasts users write: a bias over a batch, an outer sum, a scalar.
  for (const [batch, features] of biases) {
    specs.push({ group: "broadcast", op: "bias add (b,f)+(f,)", name: `bias add (${batch},${features})+(${features},)`, size: batch * features, range: ACTIVATIONS, shapes: [[batch, features], [features]], np: np.add, tf: tf.add });
  }
  for (const m of outers) {
    specs.push({ group: "broadcast", op: "outer add (n,1)+(1,m)", name: `outer add (${m},1)+(1,${m})`, size: m * m, range: ACTIVATIONS, shapes: [[m, 1], [1, m]], np: np.add, tf: tf.add });
  }
  for (const n of sizes) {
    specs.push({ group: "broadcast", op: "scalar + array", name: `scalar + array ${label(n)}`, size: n, range: ACTIVATIONS, shapes: [[n]], np: (x) => np.add(0.5, x), tf: (x) => tf.add(0.5, x) });
  }
  // Reductions: over everything, and along each axis of a matrix.
  for (const n of sizes) {
    for (const [name, npOp, tfOp] of [["sum", np.sum, tf.sum], ["mean", np.mean, tf.mean], ["max", np.max, tf.max], ["argmax", np.argmax, tf.argMax]]) {
      specs.push({ group: "reduction", op: name, name: `${name} ${label(n)}`, size: n, range: ACTIVATIONS, shapes: [[n]], np: npOp, tf: tfOp });
    }
  }
  for (const [rows, cols] of matrices) {
    for (const [name, npOp, tfOp] of [["sum", np.sum, tf.sum], ["max", np.max, tf.max]]) {
      for (const axis of [0, 1]) {
        specs.push({ group: "reduction", op: `${name} axis ${axis}`, name: `${name} axis ${axis} (${rows},${cols})`, size: rows * cols, range: ACTIVATIONS, shapes: [[rows, cols]], np: (x) => npOp(x, axis), tf: (x) => tfOp(x, axis) });
      }
    }
  }
  return specs;
}
