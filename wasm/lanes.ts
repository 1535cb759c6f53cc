// Helpers of the softmax kernels over either element type: `w` (true: float64, two lanes;
// false: float32, four) is a constant at every call, so each inlines one branch (an `if`: `?:`
// on vectors becomes a select, which computes both sides). Not exported
// from index.ts: JavaScript cannot call functions of v128.
import { exp_v128_f32, log_v128_f32 } from "./math-f32";
import { exp_v128_f64, log_v128_f64 } from "./math-f64";

// @ts-ignore: decorator
@inline export function vmax(w: bool, a: v128, b: v128): v128 { if (w) return f64x2.max(a, b); return f32x4.max(a, b); }
// @ts-ignore: decorator
@inline export function vsub(w: bool, a: v128, b: v128): v128 { if (w) return f64x2.sub(a, b); return f32x4.sub(a, b); }
// @ts-ignore: decorator
@inline export function vdiv(w: bool, a: v128, b: v128): v128 { if (w) return f64x2.div(a, b); return f32x4.div(a, b); }
// @ts-ignore: decorator
@inline export function vexp(w: bool, a: v128): v128 { if (w) return exp_v128_f64(a); return exp_v128_f32(a); }
// @ts-ignore: decorator
@inline export function vlog(w: bool, a: v128): v128 { if (w) return log_v128_f64(a); return log_v128_f32(a); }
// @ts-ignore: decorator
@inline export function vsplat(w: bool, x: f64): v128 { if (w) return f64x2.splat(x); return f32x4.splat(<f32>x); }
/** The max of `n` contiguous elements at `p` (NaN if any is), by pmax: one instruction where
 * max's NaN and signed-zero rules take V8 eight on one chain. pmax drops NaNs, so a running
 * sum watches for them (or infinities of both signs), and then the exact max runs. The sign
 * of a zero max may be either: a softmax's values and sums do not depend on it. */
// @ts-ignore: decorator
@inline export function rowMax(w: bool, n: i32, p: usize): f64 {
  const size: usize = w ? 8 : 4;
  const step = w ? 8 : 16;
  const end = n - n % step;
  let m0 = vsplat(w, -Infinity), m1 = m0, m2 = m0, m3 = m0, seen = vsplat(w, 0);
  for (let i = 0; i < end; i += step) {
    const a = p + <usize>i * size;
    const x0 = v128.load(a), x1 = v128.load(a, 16), x2 = v128.load(a, 32), x3 = v128.load(a, 48);
    m0 = vpmax(w, m0, x0);
    m1 = vpmax(w, m1, x1);
    m2 = vpmax(w, m2, x2);
    m3 = vpmax(w, m3, x3);
    seen = vadd(w, seen, vadd(w, vadd(w, x0, x1), vadd(w, x2, x3)));
  }
  let exact = !v128.any_true(w ? f64x2.ne(seen, seen) : f32x4.ne(seen, seen));
  let i = exact ? end : 0;
  let mv = exact ? vpmax(w, vpmax(w, m0, m1), vpmax(w, m2, m3)) : vsplat(w, -Infinity);
  for (; i < n; i++) mv = vmax(w, mv, lds(w, p + <usize>i * size));
  if (w) return max<f64>(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
  return <f64>max<f32>(max<f32>(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max<f32>(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
}
// @ts-ignore: decorator
@inline function vpmax(w: bool, a: v128, b: v128): v128 { if (w) return f64x2.pmax(a, b); return f32x4.pmax(a, b); }

/** The max where finite, else 0. */
// @ts-ignore: decorator
@inline export function vshift(w: bool, m: v128): v128 {
  if (w) return v128.and(m, f64x2.eq(f64x2.sub(m, m), f64x2.splat(0)));
  return v128.and(m, f32x4.eq(f32x4.sub(m, m), f32x4.splat(0)));
}
/** One element at `p`, splat across the lanes. */
// @ts-ignore: decorator
@inline export function lds(w: bool, p: usize): v128 { if (w) return f64x2.splat(load<f64>(p)); return f32x4.splat(load<f32>(p)); }
/** Lane 0 of `v` stored at `p`. */
// @ts-ignore: decorator
@inline export function sts(w: bool, p: usize, v: v128): void {
  if (w) store<f64>(p, f64x2.extract_lane(v, 0));
  else store<f32>(p, f32x4.extract_lane(v, 0));
}
/** `acc` (float64 lanes) plus e's: float64's two, or float32's first two (addHigh: its last two). */
// @ts-ignore: decorator
@inline export function addLow(w: bool, acc: v128, e: v128): v128 { if (w) return f64x2.add(acc, e); return f64x2.add(acc, f64x2.promote_low_f32x4(e)); }
// @ts-ignore: decorator
@inline export function addHigh(acc: v128, e: v128): v128 { return f64x2.add(acc, f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1))); }
/** A float64 sum as a splat of the element type. */
// @ts-ignore: decorator
@inline export function narrow(w: bool, s: f64): v128 { return vsplat(w, s); }

// @ts-ignore: decorator
@inline export function vmul(w: bool, a: v128, b: v128): v128 { if (w) return f64x2.mul(a, b); return f32x4.mul(a, b); }
// @ts-ignore: decorator
@inline export function vadd(w: bool, a: v128, b: v128): v128 { if (w) return f64x2.add(a, b); return f32x4.add(a, b); }
/** Lane 0 of `v` as a float64. */
// @ts-ignore: decorator
@inline export function lane0(w: bool, v: v128): f64 { if (w) return f64x2.extract_lane(v, 0); return <f64>f32x4.extract_lane(v, 0); }
/** `acc` (float64 lanes) plus the products of a's and b's lanes in float64: float32's first two (dotHigh: its last two). */
// @ts-ignore: decorator
@inline export function dotLow(w: bool, acc: v128, a: v128, b: v128): v128 {
  if (w) return f64x2.add(acc, f64x2.mul(a, b));
  return f64x2.add(acc, f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)));
}
// @ts-ignore: decorator
@inline export function dotHigh(acc: v128, a: v128, b: v128): v128 {
  return f64x2.add(acc, f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(a, a, 2, 3, 0, 1)), f64x2.promote_low_f32x4(i32x4.shuffle(b, b, 2, 3, 0, 1))));
}
