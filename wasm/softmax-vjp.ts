// The adjoints of softmax, logSoftmax and logsumexp along the middle axis of contiguous
// [outer, n, inner] arrays (runtime/np/softmax.ts), two passes per lane: a lane sum t, then
// softmax: dx = s (g - t) with t = sum(g s) (a the output s); logSoftmax: dx = g - exp(l) t
// with t = sum(g) (a the output l); logsumexp, one pass: dx = g exp(x - r) (a the input x; g
// and r, the output, [outer, inner]). Sums add in float64 lanes; column sums in `work`.
import { addHigh, addLow, dotHigh, dotLow, lane0, lds, sts, vexp, vmul, vsub, vsplat } from "./lanes";

const SOFTMAX = 0, LOG_SOFTMAX = 1, LOGSUMEXP = 2;

/** The lane sum's term of element pair (g, a) into float64 lanes `acc` (the low half; `high` the rest for float32). */
// @ts-ignore: decorator
@inline function termLow(op: i32, w: bool, acc: v128, g: v128, a: v128): v128 {
  if (op == SOFTMAX) return dotLow(w, acc, g, a);
  return addLow(w, acc, g);
}
// @ts-ignore: decorator
@inline function termHigh(op: i32, acc: v128, g: v128, a: v128): v128 {
  if (op == SOFTMAX) return dotHigh(acc, g, a);
  return addHigh(acc, g);
}
/** dx of (g, a) given the lane sum t (softmax, logSoftmax) or g and r (logsumexp: `t` is r). */
// @ts-ignore: decorator
@inline function dxOf(op: i32, w: bool, g: v128, a: v128, t: v128): v128 {
  if (op == SOFTMAX) return vmul(w, a, vsub(w, g, t));
  if (op == LOG_SOFTMAX) return vsub(w, g, vmul(w, vexp(w, a), t));
  return vmul(w, g, vexp(w, vsub(w, a, t)));
}

// @ts-ignore: decorator
@inline function row(op: i32, w: bool, n: i32, dx: usize, g: usize, a: usize): void {
  const size: usize = w ? 8 : 4;
  const lanes = w ? 2 : 4;
  const end = n - n % lanes;
  let s0 = f64x2.splat(0), s1 = s0;
  let i = 0;
  for (; i < end; i += lanes) {
    const gv = v128.load(g + <usize>i * size), av = v128.load(a + <usize>i * size);
    s0 = termLow(op, w, s0, gv, av);
    if (!w) s1 = termHigh(op, s1, gv, av);
  }
  const st = f64x2.add(s0, s1);
  let t = f64x2.extract_lane(st, 0) + f64x2.extract_lane(st, 1);
  for (; i < n; i++) t += op == SOFTMAX ? lane0(w, lds(w, g + <usize>i * size)) * lane0(w, lds(w, a + <usize>i * size)) : lane0(w, lds(w, g + <usize>i * size));
  const tv = vsplat(w, t);
  for (i = 0; i < end; i += lanes) {
    const at = <usize>i * size;
    v128.store(dx + at, dxOf(op, w, v128.load(g + at), v128.load(a + at), tv));
  }
  for (; i < n; i++) {
    const at = <usize>i * size;
    sts(w, dx + at, dxOf(op, w, lds(w, g + at), lds(w, a + at), tv));
  }
}

// @ts-ignore: decorator
@inline function columns(op: i32, w: bool, n: i32, inner: i32, dx: usize, g: usize, a: usize, work: usize): void {
  const size: usize = w ? 8 : 4;
  const lanes = w ? 2 : 4;
  const vend = inner - inner % lanes;
  const stride = <usize>inner * size;
  memory.fill(work, 0, <usize>inner * 8);
  for (let j = 0; j < n; j++) {
    const p = g + <usize>j * stride, q = a + <usize>j * stride;
    let k = 0;
    for (; k < vend; k += lanes) {
      const gv = v128.load(p + <usize>k * size), av = v128.load(q + <usize>k * size);
      const t = work + <usize>k * 8;
      v128.store(t, termLow(op, w, v128.load(t), gv, av));
      if (!w) v128.store(t, termHigh(op, v128.load(t, 16), gv, av), 16);
    }
    for (; k < inner; k++) {
      const gs = lane0(w, lds(w, p + <usize>k * size));
      const t = work + <usize>k * 8;
      store<f64>(t, load<f64>(t) + (op == SOFTMAX ? gs * lane0(w, lds(w, q + <usize>k * size)) : gs));
    }
  }
  // The sums in the element type, in place (float32 narrows into the first half).
  if (!w) for (let k = 0; k < inner; k++) store<f32>(work + <usize>k * 4, <f32>load<f64>(work + <usize>k * 8));
  for (let j = 0; j < n; j++) {
    const p = g + <usize>j * stride, q = a + <usize>j * stride, d = dx + <usize>j * stride;
    let k = 0;
    for (; k < vend; k += lanes) {
      const at = <usize>k * size;
      v128.store(d + at, dxOf(op, w, v128.load(p + at), v128.load(q + at), v128.load(work + at)));
    }
    for (; k < inner; k++) {
      const at = <usize>k * size;
      sts(w, d + at, dxOf(op, w, lds(w, p + at), lds(w, q + at), lds(w, work + at)));
    }
  }
}

/** logsumexp's adjoint of one [n, inner] block: g and r ([inner]) broadcast along n. */
// @ts-ignore: decorator
@inline function spread(w: bool, n: i32, inner: i32, dx: usize, g: usize, x: usize, r: usize): void {
  const size: usize = w ? 8 : 4;
  const lanes = w ? 2 : 4;
  const stride = <usize>inner * size;
  if (inner == 1) {
    const gv = lds(w, g), rv = lds(w, r);
    const end = n - n % lanes;
    let i = 0;
    for (; i < end; i += lanes) v128.store(dx + <usize>i * size, dxOf(LOGSUMEXP, w, gv, v128.load(x + <usize>i * size), rv));
    for (; i < n; i++) sts(w, dx + <usize>i * size, dxOf(LOGSUMEXP, w, gv, lds(w, x + <usize>i * size), rv));
    return;
  }
  const vend = inner - inner % lanes;
  for (let j = 0; j < n; j++) {
    const q = x + <usize>j * stride, d = dx + <usize>j * stride;
    let k = 0;
    for (; k < vend; k += lanes) {
      const at = <usize>k * size;
      v128.store(d + at, dxOf(LOGSUMEXP, w, v128.load(g + at), v128.load(q + at), v128.load(r + at)));
    }
    for (; k < inner; k++) {
      const at = <usize>k * size;
      sts(w, d + at, dxOf(LOGSUMEXP, w, lds(w, g + at), lds(w, q + at), lds(w, r + at)));
    }
  }
}

// @ts-ignore: decorator
@inline function run(op: i32, w: bool, outer: i32, n: i32, inner: i32, dx: usize, g: usize, a: usize, r: usize, work: usize): void {
  const size: usize = w ? 8 : 4;
  const lane = <usize>n * <usize>inner * size;
  const reduced = <usize>inner * size;
  for (let o = 0; o < outer; o++) {
    const d = dx + <usize>o * lane, q = a + <usize>o * lane;
    if (op == LOGSUMEXP) spread(w, n, inner, d, g + <usize>o * reduced, q, r + <usize>o * reduced);
    else if (inner == 1) row(op, w, n, d, g + <usize>o * lane, q);
    else columns(op, w, n, inner, d, g + <usize>o * lane, q, work);
  }
}

export function softmax_vjp_f64(outer: i32, n: i32, inner: i32, dx: usize, g: usize, a: usize, r: usize, work: usize): void { run(SOFTMAX, true, outer, n, inner, dx, g, a, r, work); }
export function log_softmax_vjp_f64(outer: i32, n: i32, inner: i32, dx: usize, g: usize, a: usize, r: usize, work: usize): void { run(LOG_SOFTMAX, true, outer, n, inner, dx, g, a, r, work); }
export function logsumexp_vjp_f64(outer: i32, n: i32, inner: i32, dx: usize, g: usize, a: usize, r: usize, work: usize): void { run(LOGSUMEXP, true, outer, n, inner, dx, g, a, r, work); }
export function softmax_vjp_f32(outer: i32, n: i32, inner: i32, dx: usize, g: usize, a: usize, r: usize, work: usize): void { run(SOFTMAX, false, outer, n, inner, dx, g, a, r, work); }
export function log_softmax_vjp_f32(outer: i32, n: i32, inner: i32, dx: usize, g: usize, a: usize, r: usize, work: usize): void { run(LOG_SOFTMAX, false, outer, n, inner, dx, g, a, r, work); }
export function logsumexp_vjp_f32(outer: i32, n: i32, inner: i32, dx: usize, g: usize, a: usize, r: usize, work: usize): void { run(LOGSUMEXP, false, outer, n, inner, dx, g, a, r, work); }
