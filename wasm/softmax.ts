// softmax, logSoftmax and logsumexp along the middle axis of a contiguous [outer, n, inner]
// array (runtime/np/softmax.ts lays every other case out so). Three passes per lane: the max
// (pmax, lanes.ts' rowMax), one fused pass of exp(x - shift) and its sum (float32: a shorter
// exp for x - shift in [-87.33, 0], math-f32.ts), one pass scaling (softmax), shifting
// (logSoftmax) or storing log(sum) + shift (logsumexp, output [outer, inner]). The shift is the
// max where finite, else 0 (as SciPy), so a lane of -Infinity gives logsumexp -Infinity. With
// inner = 1 the lanes are contiguous rows; otherwise the passes run across `inner` columns at
// once, with the column maxima and sums in `work` (inner float64s and inner elements).
// float32 sums add in float64 lanes, as reduce.ts does, so their error does not grow with n.
// Choices between vectors are `if`s, not `?:`: a select would compute both sides.
import { addHigh, addLow, lds, narrow, rowMax, sts, vadd, vdiv, vexp, vlog, vmax, vmul, vshift, vsplat, vsub } from "./lanes";
import { EXP_SHIFTED_LOWEST, expShifted_v128_f32 } from "./math-f32";

const SOFTMAX = 0, LOG_SOFTMAX = 1, LOGSUMEXP = 2;

/** Whether every x − max of the last `short` expSum was in expShifted_v128_f32's range. */
let inRange = true;

/** The sum of exp(x − shift) over a contiguous lane, in float64 (stored into `dst` for
 * softmax); `short`: float32's shorter exp, setting `inRange`. */
// @ts-ignore: decorator
@inline function expSum(op: i32, w: bool, short: bool, n: i32, src: usize, dst: usize, shift: v128): f64 {
  const size: usize = w ? 8 : 4;
  const lanes = w ? 2 : 4;
  const end = n - n % (2 * lanes);
  const lowest = f32x4.splat(EXP_SHIFTED_LOWEST);
  let ok = i32x4.splat(-1);
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let i = 0;
  for (; i < end; i += 2 * lanes) {
    const p = src + <usize>i * size;
    const x0 = vsub(w, v128.load(p), shift), x1 = vsub(w, v128.load(p, 16), shift);
    let e0: v128, e1: v128;
    if (short) {
      ok = v128.and(ok, v128.and(f32x4.ge(x0, lowest), f32x4.ge(x1, lowest)));
      e0 = expShifted_v128_f32(x0);
      e1 = expShifted_v128_f32(x1);
    } else {
      e0 = vexp(w, x0);
      e1 = vexp(w, x1);
    }
    if (op == SOFTMAX) {
      v128.store(dst + <usize>i * size, e0);
      v128.store(dst + <usize>i * size, e1, 16);
    }
    s0 = addLow(w, s0, e0);
    s1 = addLow(w, s1, e1);
    if (!w) {
      s2 = addHigh(s2, e0);
      s3 = addHigh(s3, e1);
    }
  }
  if (short) inRange = i32x4.all_true(ok);
  const t = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; i < n; i++) {
    const e = vexp(w, vsub(w, lds(w, src + <usize>i * size), shift));
    if (op == SOFTMAX) sts(w, dst + <usize>i * size, e);
    s += w ? f64x2.extract_lane(e, 0) : <f64>f32x4.extract_lane(e, 0);
  }
  return s;
}

/** One contiguous lane of `n` elements at `src`: its result into `dst` (n elements, or 1 for logsumexp). */
// @ts-ignore: decorator
@inline function row(op: i32, w: bool, n: i32, src: usize, dst: usize): void {
  const size: usize = w ? 8 : 4;
  const lanes = w ? 2 : 4;
  const m = rowMax(w, n, src);
  const shift = vshift(w, vsplat(w, m));
  // float32 with a finite max: the shorter exp, unless some x − max falls below its range.
  let s: f64;
  if (!w && m - m == 0) {
    s = expSum(op, w, true, n, src, dst, shift);
    if (!inRange) s = expSum(op, w, false, n, src, dst, shift);
  } else s = expSum(op, w, false, n, src, dst, shift);
  const sum = narrow(w, s);
  if (op == LOGSUMEXP) {
    sts(w, dst, vadd(w, vlog(w, sum), shift));
    return;
  }
  const vend = n - n % lanes;
  const ls = vlog(w, sum);
  // One division per lane, then products: within an ulp of dividing each element.
  const inv = vdiv(w, vsplat(w, 1), sum);
  let i = 0;
  for (; i < vend; i += lanes) {
    const p = dst + <usize>i * size;
    if (op == SOFTMAX) v128.store(p, vmul(w, v128.load(p), inv));
    else v128.store(p, vsub(w, vsub(w, v128.load(src + <usize>i * size), shift), ls));
  }
  for (; i < n; i++) {
    const p = dst + <usize>i * size;
    if (op == SOFTMAX) sts(w, p, vmul(w, lds(w, p), inv));
    else sts(w, p, vsub(w, vsub(w, lds(w, src + <usize>i * size), shift), ls));
  }
}

/** `n` lanes of stride `inner` across `inner` columns at `src`; `work`: inner float64 sums, then inner maxima. */
// @ts-ignore: decorator
@inline function columns(op: i32, w: bool, n: i32, inner: i32, src: usize, dst: usize, work: usize): void {
  const size: usize = w ? 8 : 4;
  const lanes = w ? 2 : 4;
  const sums = work, maxes = work + <usize>inner * 8;
  const vend = inner - inner % lanes;
  const stride = <usize>inner * size;
  // Column maxima, then the shifts in their place.
  let k = 0;
  for (; k < vend; k += lanes) {
    let m = vsplat(w, -Infinity);
    for (let j = 0; j < n; j++) m = vmax(w, m, v128.load(src + <usize>j * stride + <usize>k * size));
    v128.store(maxes + <usize>k * size, vshift(w, m));
  }
  for (; k < inner; k++) {
    let m = vsplat(w, -Infinity);
    for (let j = 0; j < n; j++) m = vmax(w, m, lds(w, src + <usize>j * stride + <usize>k * size));
    sts(w, maxes + <usize>k * size, vshift(w, m));
  }
  memory.fill(sums, 0, <usize>inner * 8);
  // exp(x - shift), row by row across the columns, summed into `sums`.
  for (let j = 0; j < n; j++) {
    const p = src + <usize>j * stride, d = dst + <usize>j * stride;
    for (k = 0; k < vend; k += lanes) {
      const e = vexp(w, vsub(w, v128.load(p + <usize>k * size), v128.load(maxes + <usize>k * size)));
      if (op == SOFTMAX) v128.store(d + <usize>k * size, e);
      const q = sums + <usize>k * 8;
      v128.store(q, addLow(w, v128.load(q), e));
      if (!w) v128.store(q, addHigh(v128.load(q, 16), e), 16);
    }
    for (; k < inner; k++) {
      const e = vexp(w, vsub(w, lds(w, p + <usize>k * size), lds(w, maxes + <usize>k * size)));
      if (op == SOFTMAX) sts(w, d + <usize>k * size, e);
      const q = sums + <usize>k * 8;
      store<f64>(q, load<f64>(q) + (w ? f64x2.extract_lane(e, 0) : <f64>f32x4.extract_lane(e, 0)));
    }
  }
  // The sums in the element type, in place (float32 narrows into the first half): softmax
  // keeps their reciprocals (products below, as in row()); log(sum) for the log ops.
  for (k = 0; k < inner; k++) {
    const s = load<f64>(sums + <usize>k * 8);
    if (w) store<f64>(sums + <usize>k * 8, op == SOFTMAX ? 1 / s : s);
    else store<f32>(sums + <usize>k * 4, op == SOFTMAX ? <f32>1 / <f32>s : <f32>s);
  }
  if (op != SOFTMAX) {
    for (k = 0; k < vend; k += lanes) v128.store(sums + <usize>k * size, vlog(w, v128.load(sums + <usize>k * size)));
    for (; k < inner; k++) sts(w, sums + <usize>k * size, vlog(w, lds(w, sums + <usize>k * size)));
  }
  if (op == LOGSUMEXP) {
    for (k = 0; k < vend; k += lanes) {
      const v = v128.load(sums + <usize>k * size), sh = v128.load(maxes + <usize>k * size);
      v128.store(dst + <usize>k * size, vadd(w, v, sh));
    }
    for (; k < inner; k++) {
      const v = lds(w, sums + <usize>k * size), sh = lds(w, maxes + <usize>k * size);
      sts(w, dst + <usize>k * size, vadd(w, v, sh));
    }
    return;
  }
  for (let j = 0; j < n; j++) {
    const p = src + <usize>j * stride, d = dst + <usize>j * stride;
    for (k = 0; k < vend; k += lanes) {
      const at = <usize>k * size;
      if (op == SOFTMAX) v128.store(d + at, vmul(w, v128.load(d + at), v128.load(sums + at)));
      else v128.store(d + at, vsub(w, vsub(w, v128.load(p + at), v128.load(maxes + at)), v128.load(sums + at)));
    }
    for (; k < inner; k++) {
      const at = <usize>k * size;
      if (op == SOFTMAX) sts(w, d + at, vmul(w, lds(w, d + at), lds(w, sums + at)));
      else sts(w, d + at, vsub(w, vsub(w, lds(w, p + at), lds(w, maxes + at)), lds(w, sums + at)));
    }
  }
}

// @ts-ignore: decorator
@inline function run(op: i32, w: bool, outer: i32, n: i32, inner: i32, src: usize, dst: usize, work: usize): void {
  const size: usize = w ? 8 : 4;
  const lane = <usize>n * <usize>inner * size;
  const result = op == LOGSUMEXP ? <usize>inner * size : lane;
  for (let o = 0; o < outer; o++) {
    if (inner == 1) row(op, w, n, src + <usize>o * lane, dst + <usize>o * result);
    else columns(op, w, n, inner, src + <usize>o * lane, dst + <usize>o * result, work);
  }
}

export function softmax_f64(outer: i32, n: i32, inner: i32, src: usize, dst: usize, work: usize): void { run(SOFTMAX, true, outer, n, inner, src, dst, work); }
export function log_softmax_f64(outer: i32, n: i32, inner: i32, src: usize, dst: usize, work: usize): void { run(LOG_SOFTMAX, true, outer, n, inner, src, dst, work); }
export function logsumexp_f64(outer: i32, n: i32, inner: i32, src: usize, dst: usize, work: usize): void { run(LOGSUMEXP, true, outer, n, inner, src, dst, work); }
export function softmax_f32(outer: i32, n: i32, inner: i32, src: usize, dst: usize, work: usize): void { run(SOFTMAX, false, outer, n, inner, src, dst, work); }
export function log_softmax_f32(outer: i32, n: i32, inner: i32, src: usize, dst: usize, work: usize): void { run(LOG_SOFTMAX, false, outer, n, inner, src, dst, work); }
export function logsumexp_f32(outer: i32, n: i32, inner: i32, src: usize, dst: usize, work: usize): void { run(LOGSUMEXP, false, outer, n, inner, src, dst, work); }
