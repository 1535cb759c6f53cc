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
