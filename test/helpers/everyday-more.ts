// More everyday untyped JavaScript (test/everyday-programs.test.ts): closures over
// configuration, array helpers, Math-heavy test functions of other AD tools, early returns,
// counted while loops, callbacks, optional chaining, defaults and destructuring.
import type { Program } from "./everyday.js";

const XS = [0.5, -1.2, 2.0, 0.3, 1.1];

export const CONFIGURED: Record<string, Program> = {
  closureOverConfig: {
    source: `function f(x, cfg) {
  const act = (t) => Math.tanh(cfg.scale * t + cfg.shift);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += act(x[i]) * cfg.weights[i];
  return s;
}`,
    points: [[XS, { scale: 2, shift: 0.1, weights: [1, 2, 3, 4, 5] }]],
  },
  moduleConfig: {
    source: `const CONFIG = { alpha: 0.3, power: 3 };
function f(x) { return x.reduce((s, v) => s + CONFIG.alpha * Math.pow(Math.abs(v), CONFIG.power), 0); }`,
    points: [[XS]],
  },
  optionalOptions: {
    source: `function f(x, opts) {
  const scale = opts?.scale ?? 1;
  const offset = opts?.offset ?? 0;
  return x.map((v) => scale * v + offset).reduce((s, v) => s + Math.sin(v), 0);
}`,
    points: [[XS, { scale: 2 }], [XS, undefined], [XS, { scale: 0.5, offset: 1 }]],
  },
  opaqueCopyPatched: {
    source: `function f(x, cfg) {
  const r = cfg.base.concat();
  r[0] = x[0] * cfg.c;
  return r[0] + r[1] * x[1];
}`,
    points: [[[0.5, 2], { base: [1, 2], c: 3 }]],
  },
  defaultsLeftOut: {
    source: `function power(x, k = 2, p = 3) { return k * Math.pow(x, p); }
function f(x) { return power(x) + power(x, 0.5) + power(x, 1, 2); }`,
    points: [[0.7], [1.3]],
    jvp: true,
  },
};

export const ARRAYS: Record<string, Program> = {
  cosineSimilarity: {
    source: `const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a) => Math.sqrt(dot(a, a));
function f(a, b) { return dot(a, b) / (norm(a) * norm(b)); }`,
    wrt: [0, 1],
    points: [[[1, 2, 3], [0.5, -1, 2]]],
  },
  cumulativeSum: {
    source: `function f(x) {
  const c = new Array(x.length);
  let run = 0;
  for (let i = 0; i < x.length; i++) { run += x[i]; c[i] = run; }
  return c.reduce((s, v) => s + v * v, 0);
}`,
    points: [[XS]],
    jvp: true,
  },
  movingAverage: {
    source: `function f(x, w = 3) {
  const out = [];
  for (let i = 0; i + w <= x.length; i++) {
    let s = 0;
    for (let k = 0; k < w; k++) s += x[i + k];
    out.push(s / w);
  }
  return out.reduce((a, b) => a + b * b, 0);
}`,
    points: [[XS]],
  },
  hornerPolynomial: {
    source: `function f(coeffs, x) { return coeffs.reduce((acc, c) => acc * x + c, 0); }`,
    wrt: [0, 1],
    points: [[[1, -2, 0.5, 3], 0.7], [[0.2, 1], -1.5]],
    jvp: true,
  },
  filteredSum: {
    source: `function f(x, mask) { return x.filter((_, i) => mask[i]).reduce((s, v) => s + v * v, 0); }`,
    points: [[XS, [true, false, true, true, false]]],
  },
  typedCopy: {
    source: `function f(x) {
  const y = Float64Array.from(x);
  for (let i = 1; i < y.length; i++) y[i] += 0.5 * y[i - 1];
  return y[y.length - 1] * y[0];
}`,
    points: [[XS]],
  },
  mapWithIndex: {
    source: `function f(xs, ws) { return xs.map((v, i) => v * ws[i]).reduce((a, b) => a + b, 0) ** 2; }`,
    wrt: [0, 1],
    points: [[XS, [1, 0.5, -1, 2, 0.25]]],
  },
};

export const FORMULAS: Record<string, Program> = {
  rosenbrock: {
    source: `function f(x) {
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
  return s;
}`,
    points: [[[-1.2, 1, 0.5]], [[0.3, 0.7, -0.2, 1.1]]],
    jvp: true,
  },
  ackley: {
    source: `function f(x) {
  const n = x.length;
  const sq = x.reduce((s, v) => s + v * v, 0);
  const cs = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0);
  return -20 * Math.exp(-0.2 * Math.sqrt(sq / n)) - Math.exp(cs / n) + 20 + Math.E;
}`,
    points: [[[0.5, -0.3]], [[1.2, 0.7, -0.4]]],
  },
  beale: {
    source: `function f([x, y]) {
  return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2;
}`,
    points: [[[1, 0.5]], [[2.5, -0.3]]],
  },
  himmelblau: {
    source: `function f(p) { const { x, y } = p; return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2; }`,
    points: [[{ x: 1, y: 2 }], [{ x: -2.5, y: 0.3 }]],
  },
  softplusSigmoid: {
    source: `const softplus = (z) => (z > 20 ? z : Math.log1p(Math.exp(z)));
function f(x) { return x.reduce((s, v) => s + softplus(v) * (1 / (1 + Math.exp(-v))), 0); }`,
    points: [[XS]],
    jvp: true,
  },
  trigMix: {
    source: `function f(a, b) { return Math.atan2(a, b) * Math.sinh(a / 3) + Math.cbrt(b * b + 1) - Math.log10(a * a + b * b) + Math.expm1(-a * b); }`,
    wrt: [0, 1],
    points: [[0.7, 1.3], [-1.1, 0.4]],
    jvp: true,
  },
};

export const CONTROL: Record<string, Program> = {
  piecewiseEarlyReturns: {
    source: `function f(x) {
  if (x < -1) return -x * x;
  if (x < 0) return Math.sin(x);
  if (x > 2) { const t = x - 2; return 4 + t * Math.exp(t); }
  return x * x;
}`,
    points: [[-2], [-0.5], [1.5], [3]],
    jvp: true,
  },
  safeDivide: {
    source: `function ratio(a, b) { if (Math.abs(b) < 1e-12) return 0; return a / b; }
function f(x) { let s = 0; for (let i = 0; i + 1 < x.length; i++) s += ratio(x[i], x[i + 1]); return s; }`,
    points: [[[1, 2, -0.5, 4]]],
  },
  newtonSqrtCounted: {
    source: `function f(a) {
  let x = a > 1 ? a : 1;
  let k = 0;
  while (k < 20) { x = 0.5 * (x + a / x); k++; }
  return x;
}`,
    points: [[2], [9], [0.3]],
    jvp: true,
  },
  seriesWithBreak: {
    source: `function f(r) {
  let term = 1, sum = 0, n = 0;
  while (true) {
    sum += term;
    term *= r;
    n++;
    if (n >= 25) break;
  }
  return sum;
}`,
    points: [[0.3], [-0.6]],
  },
  fibonacciSwap: {
    source: `function f(a0, b0) {
  let a = a0, b = b0;
  for (let i = 0; i < 8; i++) [a, b] = [b, a + 0.5 * b];
  return a * b;
}`,
    wrt: [0, 1],
    points: [[1, 0.5], [-0.3, 2]],
    jvp: true,
  },
  destructuredRow: {
    source: `function f(xs, params) {
  const [a, b, c] = xs;
  const { mu, sigma = 1 } = params;
  return ((a - mu) ** 2 + (b - mu) ** 2 + (c - mu) ** 2) / (2 * sigma * sigma);
}`,
    wrt: [0, 1],
    points: [[[0.5, 1, 1.5], { mu: 0.8, sigma: 0.5 }]],
  },
  switchModes: {
    source: `function f(x, mode) {
  switch (mode) {
    case "square": return x * x;
    case "exp": return Math.exp(x);
    default: return Math.tanh(x);
  }
}`,
    points: [[0.4, "square"], [0.4, "exp"], [0.4, "other"]],
    jvp: true,
  },
  doWhileHalving: {
    source: `function f(x) {
  let y = x, n = 0;
  do { y = Math.sqrt(y * y + 1) / 2; n++; } while (n < 6);
  return y;
}`,
    points: [[0.7], [3]],
  },
  everyAndSome: {
    source: `function f(x) {
  const positive = x.every((v) => v > -5);
  const anyBig = x.some((v) => v > 1.5);
  let s = 0;
  for (const v of x) s += positive ? v * v : v;
  return anyBig ? s * 2 : s;
}`,
    points: [[XS], [[0.1, 0.2]]],
  },
};
