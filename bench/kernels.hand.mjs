// Adjoints written by hand in plain JS, as a careful engineer would: a forward sweep that
// keeps what the reverse sweep reads (in preallocated or per-call workspace), a reverse sweep
// with no closures, fresh gradient arrays per call (as generated code returns them). They
// take Float64Array or number[] inputs and return gradients of the input's kind.

/** A fresh array of x's kind and length, to be written in full (its contents are x's). */
const like = (x) => (x instanceof Float64Array ? new Float64Array(x.length) : x.slice());
/** A fresh array of zeros of x's kind and length (number[]: packed doubles, like x). */
const zerosLike = (x) => (x instanceof Float64Array ? new Float64Array(x.length) : x.slice().fill(0));
/** The value of the last call: the forward sweep's result, kept so it is not dead code. */
export const last = { value: 0 };

let saved = new Float64Array(64);
let bits = new Uint8Array(64);
function hornerHand(c, x) {
  const n = c.length;
  if (saved.length < n) {
    saved = new Float64Array(n);
    bits = new Uint8Array(n);
  }
  let y = 0;
  for (let i = n - 1; i >= 0; i--) {
    saved[i] = y;
    y = y * x + c[i];
    const halve = y > 2;
    bits[i] = halve ? 1 : 0;
    if (halve) y *= 0.5;
  }
  last.value = y;
  const dc = like(c);
  let dx = 0;
  let dy = 1;
  for (let i = 0; i < n; i++) {
    if (bits[i] === 1) dy *= 0.5;
    dc[i] = dy;
    dx += dy * saved[i];
    dy *= x;
  }
  return [dc, dx];
}

function dotHand(a, b) {
  const n = a.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  last.value = s;
  const da = like(a);
  const db = like(b);
  for (let i = 0; i < n; i++) {
    da[i] = b[i];
    db[i] = a[i];
  }
  return [da, db];
}

function cumsumHand(x) {
  const n = x.length;
  const out = new Float64Array(n);
  let running = 0;
  for (let i = 0; i < n; i++) {
    running += x[i];
    out[i] = running;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += out[i] * out[i];
  last.value = total;
  const dx = like(x);
  let drunning = 0;
  for (let i = n - 1; i >= 0; i--) {
    drunning += 2 * out[i];
    dx[i] = drunning;
  }
  return dx;
}

function smoothHand(signal, width) {
  const n = signal.length - width + 1;
  const averaged = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let window = 0;
    for (let k = 0; k < width; k++) window += signal[i + k];
    averaged[i] = window / width;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += averaged[i] * averaged[i] * (1 + 0.1 * i);
  last.value = total;
  const dsignal = zerosLike(signal);
  for (let i = 0; i < n; i++) {
    const g = (2 * averaged[i] * (1 + 0.1 * i)) / width;
    for (let k = 0; k < width; k++) dsignal[i + k] += g;
  }
  return dsignal;
}

function matvecHand(m, x) {
  const n = x.length;
  const t = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) {
    let acc = 0;
    for (let c = 0; c < n; c++) acc += m[r * n + c] * x[c];
    t[r] = Math.tanh(acc);
    total += t[r];
  }
  last.value = total;
  const dm = like(m);
  const dx = zerosLike(x);
  for (let r = 0; r < n; r++) {
    const g = 1 - t[r] * t[r];
    for (let c = 0; c < n; c++) {
      dm[r * n + c] = g * x[c];
      dx[c] += g * m[r * n + c];
    }
  }
  return [dm, dx];
}

function sumHand(x) {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  last.value = s;
  return like(x).fill(1);
}

function meanHand(x) {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  last.value = s / x.length;
  return like(x).fill(1 / x.length);
}

function varianceHand(x) {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const m = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
  last.value = v / n;
  // The path through the mean contributes sum(x - m) = 0.
  const dx = like(x);
  for (let i = 0; i < n; i++) dx[i] = (2 / n) * (x[i] - m);
  return dx;
}

function logsumexpHand(x) {
  const n = x.length;
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (x[i] > m) m = x[i];
  const dx = like(x);
  let s = 0;
  for (let i = 0; i < n; i++) {
    dx[i] = Math.exp(x[i] - m);
    s += dx[i];
  }
  last.value = m + Math.log(s);
  const scale = 1 / s;
  for (let i = 0; i < n; i++) dx[i] *= scale;
  return dx;
}

export const PENDULUM_STEPS = 1000;
const STEPS = PENDULUM_STEPS;
const thetas = new Float64Array(STEPS);
const omegas = new Float64Array(STEPS);
/** RK4 forward storing each step's state, then the reverse of every step. */
export function pendulumHand(state, length, damping) {
  const dt = 0.005;
  const g = -9.81 / length;
  let theta = state[0];
  let omega = state[1];
  for (let s = 0; s < STEPS; s++) {
    thetas[s] = theta;
    omegas[s] = omega;
    const k1t = omega;
    const k1w = g * Math.sin(theta) - damping * omega;
    const k2t = omega + 0.5 * dt * k1w;
    const k2w = g * Math.sin(theta + 0.5 * dt * k1t) - damping * k2t;
    const k3t = omega + 0.5 * dt * k2w;
    const k3w = g * Math.sin(theta + 0.5 * dt * k2t) - damping * k3t;
    const k4t = omega + dt * k3w;
    const k4w = g * Math.sin(theta + dt * k3t) - damping * k4t;
    theta += (dt / 6) * (k1t + 2 * k2t + 2 * k3t + k4t);
    omega += (dt / 6) * (k1w + 2 * k2w + 2 * k3w + k4w);
  }
  let dtheta = 1;
  let domega = 0;
  let dg = 0;
  let ddamping = 0;
  for (let s = STEPS - 1; s >= 0; s--) {
    const th = thetas[s];
    const om = omegas[s];
    // recompute the stages
    const k1t = om;
    const s1 = Math.sin(th);
    const k1w = g * s1 - damping * om;
    const a2 = th + 0.5 * dt * k1t;
    const k2t = om + 0.5 * dt * k1w;
    const s2 = Math.sin(a2);
    const k2w = g * s2 - damping * k2t;
    const a3 = th + 0.5 * dt * k2t;
    const k3t = om + 0.5 * dt * k2w;
    const s3 = Math.sin(a3);
    const k3w = g * s3 - damping * k3t;
    const a4 = th + dt * k3t;
    const k4t = om + dt * k3w;
    const s4 = Math.sin(a4);
    // theta' = theta + dt/6 (k1t + 2k2t + 2k3t + k4t); omega' likewise with the w stages
    let dth = dtheta;
    let dom = domega;
    let dk1t = (dt / 6) * dtheta;
    let dk2t = (dt / 3) * dtheta;
    let dk3t = (dt / 3) * dtheta;
    let dk4t = (dt / 6) * dtheta;
    const dk1w = (dt / 6) * domega;
    const dk2w = (dt / 3) * domega;
    const dk3w = (dt / 3) * domega;
    const dk4w = (dt / 6) * domega;
    // k4w = g sin(a4) - damping k4t
    dg += dk4w * s4;
    ddamping -= dk4w * k4t;
    dk4t -= dk4w * damping;
    const da4 = dk4w * g * Math.cos(a4);
    // k4t = om + dt k3w ; a4 = th + dt k3t
    dom += dk4t;
    let dk3wTotal = dk3w + dk4t * dt;
    dth += da4;
    dk3t += da4 * dt;
    // k3w = g sin(a3) - damping k3t
    dg += dk3wTotal * s3;
    ddamping -= dk3wTotal * k3t;
    dk3t -= dk3wTotal * damping;
    const da3 = dk3wTotal * g * Math.cos(a3);
    // k3t = om + 0.5 dt k2w ; a3 = th + 0.5 dt k2t
    dom += dk3t;
    let dk2wTotal = dk2w + dk3t * 0.5 * dt;
    dth += da3;
    dk2t += da3 * 0.5 * dt;
    // k2w = g sin(a2) - damping k2t
    dg += dk2wTotal * s2;
    ddamping -= dk2wTotal * k2t;
    dk2t -= dk2wTotal * damping;
    const da2 = dk2wTotal * g * Math.cos(a2);
    // k2t = om + 0.5 dt k1w ; a2 = th + 0.5 dt k1t
    dom += dk2t;
    let dk1wTotal = dk1w + dk2t * 0.5 * dt;
    dth += da2;
    dk1t += da2 * 0.5 * dt;
    // k1w = g sin(th) - damping om ; k1t = om
    dg += dk1wTotal * s1;
    ddamping -= dk1wTotal * om;
    dom -= dk1wTotal * damping;
    dth += dk1wTotal * g * Math.cos(th);
    dom += dk1t;
    dtheta = dth;
    domega = dom;
  }
  // g = -9.81 / length
  const dlength = (dg * 9.81) / (length * length);
  return [Float64Array.from([dtheta, domega]), dlength, ddamping];
}

export const HEAT_STEPS = 100;
/** The heat equation storing every step's state, then the transposed stencil backwards. */
export function heatHand(initial, alpha) {
  const n = initial.length;
  const states = new Float64Array((HEAT_STEPS + 1) * n);
  states.set(initial, 0);
  for (let s = 0; s < HEAT_STEPS; s++) {
    const u = s * n;
    const next = u + n;
    for (let i = 1; i < n - 1; i++) states[next + i] = states[u + i] + alpha * (states[u + i - 1] - 2 * states[u + i] + states[u + i + 1]);
  }
  let du = new Float64Array(n);
  let dnext = new Float64Array(n);
  const last = HEAT_STEPS * n;
  for (let i = 0; i < n; i++) du[i] = 2 * states[last + i];
  let dalpha = 0;
  for (let s = HEAT_STEPS - 1; s >= 0; s--) {
    const u = s * n;
    dnext.fill(0);
    for (let i = 1; i < n - 1; i++) {
      const g = du[i];
      dalpha += g * (states[u + i - 1] - 2 * states[u + i] + states[u + i + 1]);
      dnext[i] += g * (1 - 2 * alpha);
      dnext[i - 1] += g * alpha;
      dnext[i + 1] += g * alpha;
    }
    const swap = du;
    du = dnext;
    dnext = swap;
  }
  return [du, dalpha];
}

export const hand = {
  horner: hornerHand,
  dot: dotHand,
  cumsum: cumsumHand,
  smooth: smoothHand,
  matvec: matvecHand,
  pendulum: pendulumHand,
  heat: heatHand,
  sum: sumHand,
  mean: meanHand,
  variance: varianceHand,
  logsumexp: logsumexpHand,
};
