// Everyday programs over rows, untyped JavaScript (test/rows-everyday.test.ts): each a
// source exporting f and g = grad(f, …), the arguments differentiated and three points.
type Arg = number | number[] | number[][];
interface Program {
  source: string;
  wrt: number[];
  points: Arg[][];
}

const X3 = [
  [0.5, -1, 2],
  [1.5, 0.25, -0.5],
  [-0.75, 0.8, 0.1],
  [0.3, 0.3, 1.2],
];
const POINTS = [
  [0.2, 1.1],
  [-0.6, 0.45],
  [1.1, -0.3],
  [0.7, 0.9],
];
const LOGITS = [
  [0.5, -1, 2, 0.1],
  [1.5, 0.25, -0.5, 0.8],
  [-0.75, 0.8, 0.1, 0.3],
];

export const EVERYDAY: Record<string, Program> = {
  kmeansFlat: {
    source: `function inertia(c, points) {
    let total = 0;
    for (const [px, py] of points) {
      let best = Infinity;
      for (let k = 0; k < c.length; k += 2) {
        const d = (px - c[k]) ** 2 + (py - c[k + 1]) ** 2;
        if (d < best) best = d;
      }
      total += best;
    }
    return total;
  }
export const f = inertia;
export const g = grad(inertia);`,
    wrt: [0],
    points: [
      [[0.1, 0.2, 1.5, -0.3], [[0, 0], [1, 1], [2, -1], [0.3, 0.5], [1.2, -0.1]]],
      [[-0.4, 0.6, 1.1, 0.2], [[0, 0], [1, 1], [2, -1], [0.3, 0.5], [1.2, -0.1]]],
      [[0.5, -0.5, 2.1, 0.9], [[0, 0], [1, 1], [2, -1], [0.3, 0.5], [1.2, -0.1]]],
    ],
  },
  leastSquaresReduce: {
    source: `function loss(w, X, y) {
    return X.reduce((acc, row, i) => acc + (row.reduce((s, v, j) => s + v * w[j], 0) - y[i]) ** 2, 0) / X.length;
  }
export const f = loss;
export const g = grad(loss);`,
    wrt: [0],
    points: [
      [[0.2, -0.1, 0.3], X3, [1, -1, 0.5, 0.25]],
      [[-0.6, 0.45, 0.15], X3, [1, -1, 0.5, 0.25]],
      [[1.1, 0.05, -0.4], X3, [0, 2, -0.5, 1]],
    ],
  },
  logistic: {
    source: `const sigmoid = (z) => 1 / (1 + Math.exp(-z));
  function nll(w, b, X, y) {
    const p = X.map((row) => sigmoid(row.reduce((s, v, j) => s + v * w[j], b)));
    return -p.reduce((acc, pi, i) => acc + (y[i] ? Math.log(pi) : Math.log(1 - pi)), 0) / X.length;
  }
export const f = nll;
export const g = grad(nll, { wrt: [0, 1] });`,
    wrt: [0, 1],
    points: [
      [[0.2, -0.1, 0.3], 0.1, X3, [1, 0, 1, 0]],
      [[-0.6, 0.45, 0.15], -0.3, X3, [1, 1, 0, 0]],
      [[1.1, 0.05, -0.4], 0.7, X3, [0, 1, 0, 1]],
    ],
  },
  polyfit: {
    source: `function sse(coeffs, points) {
    return points.reduce((acc, [x, y]) => {
      let p = 0;
      for (let k = coeffs.length - 1; k >= 0; k--) p = p * x + coeffs[k];
      return acc + (p - y) ** 2;
    }, 0);
  }
export const f = sse;
export const g = grad(sse);`,
    wrt: [0],
    points: [
      [[0.5, -1, 0.25], POINTS],
      [[-0.2, 0.3, 1.1], POINTS],
      [[1, 0.1, -0.6, 0.05], POINTS],
    ],
  },
  softmaxTemperature: {
    source: `function crossEntropy(t, logits, labels) {
    let loss = 0;
    logits.forEach((row, i) => {
      const m = Math.max(...row);
      let z = 0;
      for (const v of row) z += Math.exp((v - m) / t);
      loss -= (row[labels[i]] - m) / t - Math.log(z);
    });
    return loss / logits.length;
  }
export const f = crossEntropy;
export const g = grad(crossEntropy);`,
    wrt: [0],
    points: [
      [1.3, LOGITS, [0, 3, 1]],
      [0.7, LOGITS, [2, 2, 0]],
      [2.4, LOGITS, [1, 0, 3]],
    ],
  },
  softmaxRegression: {
    source: `function dot(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
  function loss(W, X, labels) {
    const K = W.length / X[0].length;
    const D = X[0].length;
    let total = 0;
    for (let i = 0; i < X.length; i++) {
      const logits = [];
      for (let k = 0; k < K; k++) logits.push(dot(W.slice(k * D, (k + 1) * D), X[i]));
      const m = Math.max(...logits);
      const lse = m + Math.log(logits.reduce((a, z) => a + Math.exp(z - m), 0));
      total += lse - logits[labels[i]];
    }
    return total / X.length;
  }
export const f = loss;
export const g = grad(loss);`,
    wrt: [0],
    points: [
      [[0.2, -0.1, 0.3, 0.5, -0.25, 0.1], X3, [0, 1, 1, 0]],
      [[-0.6, 0.45, 0.15, 0.05, 0.3, -0.7], X3, [1, 1, 0, 0]],
      [[1.1, 0.05, -0.4, -0.2, 0.6, 0.35], X3, [0, 0, 1, 1]],
    ],
  },
  ridgeForEach: {
    source: `function ridge(w, X, y, lambda) {
    let s = 0;
    X.forEach((row, i) => {
      const [a, b] = row;
      const r = w[0] * a + w[1] * b + w[2] - y[i];
      s += r * r;
    });
    return s + lambda * (w[0] ** 2 + w[1] ** 2);
  }
export const f = ridge;
export const g = grad(ridge);`,
    wrt: [0],
    points: [
      [[0.2, -0.1, 0.3], POINTS, [1, -1, 0.5, 0.25], 0.1],
      [[-0.6, 0.45, 0.15], POINTS, [1, -1, 0.5, 0.25], 0.5],
      [[1.1, 0.05, -0.4], POINTS, [0, 2, -0.5, 1], 0],
    ],
  },
  rbfMixture: {
    source: `function logLikelihood(mu, s, points) {
    return points
      .map(([x, y]) => Math.log(1e-9 + Math.exp(-((x - mu[0]) ** 2 + (y - mu[1]) ** 2) / (2 * s * s)) / (2 * Math.PI * s * s)))
      .reduce((a, b) => a + b, 0);
  }
export const f = logLikelihood;
export const g = grad(logLikelihood, { wrt: [0, 1] });`,
    wrt: [0, 1],
    points: [
      [[0.2, -0.1], 0.8, POINTS],
      [[-0.5, 0.4], 1.3, POINTS],
      [[1, 0.3], 0.6, POINTS],
    ],
  },
  predictHelper: {
    source: `function predict(w, row) { return row.reduce((s, v, j) => s + v * w[j + 1], w[0]); }
  function mse(w, X, y) {
    let s = 0;
    for (let i = 0; i < X.length; i++) s += (predict(w, X[i]) - y[i]) ** 2;
    return s / X.length;
  }
export const f = mse;
export const g = grad(mse);`,
    wrt: [0],
    points: [
      [[0.1, 0.2, -0.1, 0.3], X3, [1, -1, 0.5, 0.25]],
      [[-0.3, -0.6, 0.45, 0.15], X3, [1, -1, 0.5, 0.25]],
      [[0.5, 1.1, 0.05, -0.4], X3, [0, 2, -0.5, 1]],
    ],
  },
};

/** Programs that would need a row differentiated: refused, located. */
export const REFUSED: Record<string, { source: string; message: RegExp }> = {
  kmeansRows: {
    source: `function inertia(centers, points) {
    let total = 0;
    for (const p of points) {
      const d = centers.map((c) => (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2);
      total += Math.min(...d);
    }
    return total;
  }
export const f = inertia;
export const g = grad(inertia);`,
    message: /an array of arrays that carries a gradient/,
  },
  logitsAsRows: {
    source: `function loss(w, X, labels) {
    const logits = X.map((row) => [row[0] * w[0] + row[1] * w[1], row[0] * w[2] + row[1] * w[3]]);
    let total = 0;
    logits.forEach((z, i) => {
      const m = Math.max(z[0], z[1]);
      total += m + Math.log(Math.exp(z[0] - m) + Math.exp(z[1] - m)) - z[labels[i]];
    });
    return total;
  }
export const f = loss;
export const g = grad(loss);`,
    message: /a row of 'logits', an array of arrays that carries a gradient/,
  },
};
