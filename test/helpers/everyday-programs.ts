// Everyday untyped JavaScript, written the way people write it (test/everyday-programs.test.ts):
// statistics, physics steps, small ML losses, closures over configuration, array helpers,
// Math-heavy formulas, early returns, counted while loops, callbacks, optional chaining,
// defaults and destructuring. Each defines f; the test takes grad (and jvp) of it.
import type { Program } from "./everyday.js";

const XS = [0.5, -1.2, 2.0, 0.3, 1.1];
const YS = [1.0, -0.4, 2.5, 0.2, 0.9];

export const STATISTICS: Record<string, Program> = {
  varianceByHelpers: {
    source: `function mean(xs) { return xs.reduce((a, b) => a + b, 0) / xs.length; }
function variance(xs) { const m = mean(xs); return xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - 1); }
function f(xs) { return Math.sqrt(variance(xs)); }`,
    points: [[XS], [YS]],
    jvp: true,
  },
  weightedMean: {
    source: `function f(values, weights) {
  let num = 0, den = 0;
  values.forEach((v, i) => { num += v * weights[i]; den += weights[i]; });
  return num / den;
}`,
    wrt: [0, 1],
    points: [[XS, [1, 2, 0.5, 1.5, 3]], [YS, [0.2, 0.4, 0.6, 0.8, 1]]],
  },
  pearson: {
    source: `function f(x, y) {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b) / n;
  const my = y.reduce((a, b) => a + b) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}`,
    wrt: [0, 1],
    points: [[XS, YS], [YS, [0.1, 0.5, -0.3, 0.8, 1.7]]],
  },
  zScoreEnergy: {
    source: `function f(xs) {
  const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.map((v) => (v - mu) ** 2).reduce((a, b) => a + b, 0) / xs.length);
  return xs.map((v) => (v - mu) / sd).map((z) => Math.exp(-z * z / 2)).reduce((a, b) => a + b, 0);
}`,
    points: [[XS], [YS]],
  },
  logSumExp: {
    source: `function f(xs) {
  const m = Math.max(...xs);
  let s = 0;
  for (const v of xs) s += Math.exp(v - m);
  return m + Math.log(s);
}`,
    points: [[XS], [[3, 1, -2, 0.5, 2.9]]],
    jvp: true,
  },
  medianOfCopy: {
    source: `function f(xs) {
  const sorted = xs.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}`,
    points: [[XS], [[0.4, 0.1, 0.9, 0.3]]],
  },
  gaussianLogLikelihood: {
    source: `const LOG_2PI = Math.log(2 * Math.PI);
function f(params, data) {
  const { mu, sigma } = params;
  let ll = 0;
  for (const x of data) ll += -0.5 * LOG_2PI - Math.log(sigma) - (x - mu) ** 2 / (2 * sigma * sigma);
  return ll;
}`,
    points: [[{ mu: 0.3, sigma: 1.2 }, XS], [{ mu: -0.5, sigma: 0.7 }, YS]],
  },
  huberByHelper: {
    source: `function huber(r, delta) {
  const a = Math.abs(r);
  if (a <= delta) return 0.5 * r * r;
  return delta * (a - 0.5 * delta);
}
function f(pred, target, delta = 1) {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += huber(pred[i] - target[i], delta);
  return s / pred.length;
}`,
    points: [[XS, YS], [[2, -3, 0.1, 0.7, 4], YS]],
  },
};

export const PHYSICS: Record<string, Program> = {
  springEuler: {
    source: `function step(s, k, dt) { return { x: s.x + dt * s.v, v: s.v - dt * k * s.x }; }
function f(k, x0) {
  let s = { x: x0, v: 0 };
  for (let i = 0; i < 50; i++) s = step(s, k, 0.02);
  return s.x * s.x + s.v * s.v / k;
}`,
    wrt: [0, 1],
    points: [[2.0, 1.0], [0.7, -0.4]],
    jvp: true,
  },
  projectileCounted: {
    source: `function f(speed, angle) {
  const g = 9.81, dt = 0.01;
  let x = 0, y = 0, vx = speed * Math.cos(angle), vy = speed * Math.sin(angle);
  let steps = 0;
  while (steps < 100) {
    x += vx * dt; y += vy * dt;
    vy -= g * dt;
    vx *= 0.999;
    steps++;
  }
  return x + 0.1 * y;
}`,
    wrt: [0, 1],
    points: [[10, 0.7], [5, 1.1]],
  },
  pendulumRk2: {
    source: `function f(theta0, length) {
  const cfg = { g: 9.81, dt: 0.01, steps: 40 };
  const accel = (th) => -(cfg.g / length) * Math.sin(th);
  let th = theta0, om = 0;
  for (let i = 0; i < cfg.steps; i++) {
    const k1t = om, k1o = accel(th);
    const mt = th + 0.5 * cfg.dt * k1t, mo = om + 0.5 * cfg.dt * k1o;
    th += cfg.dt * mo;
    om += cfg.dt * accel(mt);
  }
  return th;
}`,
    wrt: [0, 1],
    points: [[0.5, 1.0], [1.2, 2.5]],
    jvp: true,
  },
  orbitEnergy: {
    source: `function f(pos, vel) {
  const r = Math.hypot(pos[0], pos[1]);
  const kinetic = 0.5 * (vel[0] ** 2 + vel[1] ** 2);
  return kinetic - 1 / r;
}`,
    wrt: [0, 1],
    points: [[[1, 0.5], [0.2, 0.9]], [[-0.3, 2], [1, -0.1]]],
  },
  heatDiffusion: {
    source: `function f(u0, alpha) {
  let u = Array.from(u0);
  for (let t = 0; t < 10; t++) {
    const next = u.slice();
    for (let i = 1; i < u.length - 1; i++) next[i] = u[i] + alpha * (u[i - 1] - 2 * u[i] + u[i + 1]);
    u = next;
  }
  return u.reduce((s, v, i) => s + v * i, 0);
}`,
    wrt: [0, 1],
    points: [[[0, 1, 4, 1, 0], 0.1], [[1, 0.5, 0.2, 0.8, 0.3], 0.2]],
  },
  dampedOscillatorState: {
    source: `function f({ k, c }, x0) {
  const s = { x: x0, v: 0 };
  for (let i = 0; i < 30; i++) {
    const a = -k * s.x - c * s.v;
    s.v += 0.05 * a;
    s.x += 0.05 * s.v;
  }
  return s.x;
}`,
    wrt: [0, 1],
    points: [[{ k: 2, c: 0.3 }, 1], [{ k: 0.5, c: 0.1 }, -0.7]],
  },
};

export const LEARNING: Record<string, Program> = {
  logisticRegression: {
    source: `const sigmoid = (z) => 1 / (1 + Math.exp(-z));
function f({ w, b }, X, y) {
  const losses = X.map((row, i) => {
    const z = row.reduce((s, xj, j) => s + xj * w[j], b);
    const p = sigmoid(z);
    return -(y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p));
  });
  return losses.reduce((a, b) => a + b, 0) / losses.length;
}`,
    points: [[{ w: [0.3, -0.2], b: 0.1 }, [[1, 2], [0.5, -1], [-1.5, 0.3]], [1, 0, 1]]],
  },
  softmaxCrossEntropy: {
    source: `function f(logits, label) {
  const m = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - m));
  const total = exps.reduce((a, b) => a + b, 0);
  return -Math.log(exps[label] / total);
}`,
    points: [[[0.5, -1, 2, 0.1], 2], [[1.5, 0.25, -0.5, 0.8], 0]],
    jvp: true,
  },
  ridgeForEach: {
    source: `function f(w, xs, ys, lambda = 0.01) {
  let loss = 0;
  xs.forEach((x, i) => {
    const pred = w[0] + w[1] * x;
    loss += (pred - ys[i]) ** 2;
  });
  return loss / xs.length + lambda * (w[0] ** 2 + w[1] ** 2);
}`,
    points: [[[0.2, 0.8], XS, YS], [[-1, 2], XS, YS]],
    jvp: true,
  },
  tinyMlp: {
    source: `function f(W1, W2, x) {
  const hidden = [];
  for (let j = 0; j < 3; j++) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += W1[j * x.length + i] * x[i];
    hidden.push(Math.tanh(s));
  }
  let out = 0;
  for (let j = 0; j < hidden.length; j++) out += W2[j] * hidden[j];
  return 0.5 * (out - 1) ** 2;
}`,
    wrt: [0, 1],
    points: [[[0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [0.7, -0.8, 0.9], [1, 2]]],
  },
  hingeLoss: {
    source: `function f(w, X, labels) {
  let total = 0;
  for (let i = 0; i < X.length; i++) {
    const margin = labels[i] * (w[0] * X[i][0] + w[1] * X[i][1]);
    total += Math.max(0, 1 - margin);
  }
  return total + 0.5 * (w[0] * w[0] + w[1] * w[1]);
}`,
    points: [[[0.35, -0.4], [[1, 2], [-1, 0.5], [2, -1]], [1, -1, 1]]],
  },
  crossEntropyRows: {
    source: `function f(W, X, labels) {
  let loss = 0;
  for (let n = 0; n < X.length; n++) {
    const z = [0, 0, 0];
    for (let k = 0; k < 3; k++) for (let d = 0; d < 2; d++) z[k] += W[k * 2 + d] * X[n][d];
    const m = Math.max(z[0], z[1], z[2]);
    const lse = m + Math.log(Math.exp(z[0] - m) + Math.exp(z[1] - m) + Math.exp(z[2] - m));
    loss += lse - z[labels[n]];
  }
  return loss / X.length;
}`,
    points: [[[0.1, 0.2, -0.3, 0.4, 0.5, -0.6], [[1, 0.5], [-0.2, 1.5], [0.3, -0.7]], [0, 2, 1]]],
  },
};
