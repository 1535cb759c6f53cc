// sin and cos. float64 (f64x2): Cody–Waite reduction by π/2 (four parts with exact products
// and two-sums where x is near a multiple of π/2), fdlibm's kernels on [−π/4, π/4], the
// quadrant chosen with integer lanes; beyond REDUCTION_LIMIT each lane takes Math.sin/cos.
// float32 (f32x4): the reduction in float64, then Cephes' float32 polynomials on four lanes.
import { select, splat64 } from "./math-f64";

const ROUNDER: f64 = 6755399441055744.0; // 1.5·2^52, as in math-f64.ts
// π/2 as 33 + 33 + 33 bits + the rest (fdlibm's pio2_1, pio2_2, pio2_3, pio2_3t): k·PIO2_n is
// exact while k < 2^20.
const PIO2_1: f64 = 1.57079632673412561417e+00;
const PIO2_1T: f64 = 6.07710050650619224932e-11; // π/2 − PIO2_1
const PIO2_2: f64 = 6.07710050630396597660e-11;
const PIO2_3: f64 = 2.02226624871116645580e-21;
const PIO2_3T: f64 = 8.47842766036889956997e-32;
const REDUCTION_LIMIT: f64 = 1.6e6; // k ≤ 1.02e6 < 2^20

/** a − b − c's rounding error given s = a − b (Knuth's two-sum, no ordering needed). */
@inline function subError(a: v128, b: v128, s: v128): v128 {
  const bb = f64x2.sub(a, s); // the part of b that made it into s
  return f64x2.add(f64x2.sub(a, f64x2.add(s, bb)), f64x2.sub(bb, b));
}

/** fdlibm __kernel_sin(x, y) for x + y in [−π/4, π/4]. */
@inline function kernelSin(x: v128, y: v128): v128 {
  const z = f64x2.mul(x, x);
  const w = f64x2.mul(z, z);
  let r = f64x2.add(splat64(-1.98412698298579493134e-04), f64x2.mul(z, splat64(2.75573137070700676789e-06)));
  r = f64x2.add(splat64(8.33333333332248946124e-03), f64x2.mul(z, r));
  const r2 = f64x2.add(splat64(-2.50507602534068634195e-08), f64x2.mul(z, splat64(1.58969099521155010221e-10)));
  r = f64x2.add(r, f64x2.mul(f64x2.mul(z, w), r2));
  const v = f64x2.mul(z, x);
  const inner = f64x2.sub(f64x2.mul(z, f64x2.sub(f64x2.mul(splat64(0.5), y), f64x2.mul(v, r))), y);
  return f64x2.sub(x, f64x2.sub(inner, f64x2.mul(v, splat64(-1.66666666666666324348e-01))));
}

/** fdlibm __kernel_cos(x, y) for x + y in [−π/4, π/4]. */
@inline function kernelCos(x: v128, y: v128): v128 {
  const z = f64x2.mul(x, x);
  const w = f64x2.mul(z, z);
  let r = f64x2.add(splat64(-1.38888888888741095749e-03), f64x2.mul(z, splat64(2.48015872894767294178e-05)));
  r = f64x2.mul(z, f64x2.add(splat64(4.16666666666666019037e-02), f64x2.mul(z, r)));
  let r2 = f64x2.add(splat64(2.08757232129817482790e-09), f64x2.mul(z, splat64(-1.13596475577881948265e-11)));
  r2 = f64x2.add(splat64(-2.75573143513906633035e-07), f64x2.mul(z, r2));
  r = f64x2.add(r, f64x2.mul(f64x2.mul(w, w), r2));
  const hz = f64x2.mul(splat64(0.5), z);
  const one = f64x2.sub(splat64(1.0), hz);
  const rest = f64x2.sub(f64x2.mul(z, r), f64x2.mul(x, y));
  return f64x2.add(one, f64x2.add(f64x2.sub(f64x2.sub(splat64(1.0), one), hz), rest));
}

/** sin (quadrantShift 0) or cos (1) of x, |x| ≤ REDUCTION_LIMIT: x = k·π/2 + (hi + lo). */
@inline function sinCos(x: v128, quadrantShift: i64): v128 {
  const kd = f64x2.add(f64x2.mul(x, splat64(6.36619772367581382433e-01)), splat64(ROUNDER));
  const k = f64x2.sub(kd, splat64(ROUNDER));
  const a = f64x2.sub(x, f64x2.mul(k, splat64(PIO2_1))); // exact
  // fdlibm's first iteration, π/2 as 33 + 53 bits, is good to 85 bits of x: enough unless hi
  // cancels more than 16 of them (x near k·π/2), then the four-part reduction for this vector.
  const w = f64x2.mul(k, splat64(PIO2_1T));
  let hi = f64x2.sub(a, w);
  let lo = f64x2.sub(f64x2.sub(a, hi), w);
  if (v128.any_true(f64x2.lt(f64x2.abs(hi), f64x2.mul(f64x2.abs(x), splat64(1.52587890625e-05))))) {
    const w2 = f64x2.mul(k, splat64(PIO2_2));
    const b = f64x2.sub(a, w2);
    const w3 = f64x2.mul(k, splat64(PIO2_3));
    const c = f64x2.sub(b, w3);
    const tail = f64x2.sub(f64x2.add(subError(a, w2, b), subError(b, w3, c)), f64x2.mul(k, splat64(PIO2_3T)));
    hi = f64x2.add(c, tail);
    lo = f64x2.add(f64x2.sub(c, hi), tail);
  }
  // Quadrant q = k + shift (mod 4), from kd's low mantissa bits: odd → the other kernel, q ≥ 2 → negated.
  const q = i64x2.add(kd, i64x2.splat(quadrantShift));
  const other = i64x2.eq(v128.and(q, i64x2.splat(1)), i64x2.splat(1));
  const y = select(other, kernelCos(hi, lo), kernelSin(hi, lo));
  return v128.xor(y, i64x2.shl(v128.and(q, i64x2.splat(2)), 62));
}

/** Whether a lane is beyond the Cody–Waite range (±Infinity included; NaN goes through the kernels). */
@inline function beyondReduction(x: v128): bool {
  return v128.any_true(f64x2.gt(f64x2.abs(x), splat64(REDUCTION_LIMIT)));
}

/** Whether both lanes are within 0.78 < π/4: there sinCos's k is 0, hi = x and lo = 0, so one
 * kernel on x gives its bits with no reduction (NaN lanes take the whole path). */
@inline function unreduced(x: v128): bool {
  return i64x2.all_true(f64x2.le(f64x2.abs(x), splat64(0.78)));
}

@inline export function sin_v128_f64(x: v128): v128 {
  if (unreduced(x)) return select(f64x2.eq(x, splat64(0.0)), x, kernelSin(x, splat64(0.0)));
  if (beyondReduction(x)) return f64x2(Math.sin(f64x2.extract_lane(x, 0)), Math.sin(f64x2.extract_lane(x, 1)));
  return select(f64x2.eq(x, splat64(0.0)), x, sinCos(x, 0)); // sin(−0) = −0
}

@inline export function cos_v128_f64(x: v128): v128 {
  if (unreduced(x)) return kernelCos(x, splat64(0.0));
  if (beyondReduction(x)) return f64x2(Math.cos(f64x2.extract_lane(x, 0)), Math.cos(f64x2.extract_lane(x, 1)));
  return sinCos(x, 1);
}

/** Beyond the reduction, a float32 function of each half of x's lanes through the float64 one. */
@inline function throughF64(x: v128, sinNotCos: bool): v128 {
  const low = f64x2.promote_low_f32x4(x);
  const high = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
  const yLow = sinNotCos ? sin_v128_f64(low) : cos_v128_f64(low);
  const yHigh = sinNotCos ? sin_v128_f64(high) : cos_v128_f64(high);
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(yLow), f32x4.demote_f64x2_zero(yHigh), 0, 1, 4, 5);
}

/** x − k·π/2 for float64 lanes x holding floats, k from `kd` (the ROUNDER form): π/2 in two parts
 * (the first 33 bits, so k·PIO2_1 is exact), float32's digits survive near k·π/2. */
@inline function reduced(x: v128, kd: v128): v128 {
  const k = f64x2.sub(kd, splat64(ROUNDER));
  return f64x2.sub(f64x2.sub(x, f64x2.mul(k, splat64(PIO2_1))), f64x2.mul(k, splat64(PIO2_1T)));
}

/** Cephes sinf's and cosf's polynomials for float32 r in [−π/4, π/4]; the reduction in float64,
 * both halves of the lanes at once, then back to four float32 lanes. */
@inline function sinCos32(x: v128, quadrantShift: i32): v128 {
  const low = f64x2.promote_low_f32x4(x);
  const high = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
  const kdLow = f64x2.add(f64x2.mul(low, splat64(6.36619772367581382433e-01)), splat64(ROUNDER));
  const kdHigh = f64x2.add(f64x2.mul(high, splat64(6.36619772367581382433e-01)), splat64(ROUNDER));
  const r = v128.shuffle<f32>(f32x4.demote_f64x2_zero(reduced(low, kdLow)), f32x4.demote_f64x2_zero(reduced(high, kdHigh)), 0, 1, 4, 5);
  const z = f32x4.mul(r, r);
  let s = f32x4.add(f32x4.mul(f32x4.splat(-1.9515295891e-4), z), f32x4.splat(8.3321608736e-3));
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(-1.6666654611e-1));
  s = f32x4.add(f32x4.mul(f32x4.mul(s, z), r), r);
  let c = f32x4.add(f32x4.mul(f32x4.splat(2.443315711809948e-5), z), f32x4.splat(-1.388731625493765e-3));
  c = f32x4.add(f32x4.mul(c, z), f32x4.splat(4.166664568298827e-2));
  c = f32x4.add(f32x4.sub(f32x4.mul(f32x4.mul(c, z), z), f32x4.mul(f32x4.splat(0.5), z)), f32x4.splat(1.0));
  const q = i32x4.add(v128.shuffle<i32>(kdLow, kdHigh, 0, 2, 4, 6), i32x4.splat(quadrantShift));
  const y = select(i32x4.eq(v128.and(q, i32x4.splat(1)), i32x4.splat(1)), c, s);
  return v128.xor(y, i32x4.shl(v128.and(q, i32x4.splat(2)), 30));
}

/** Whether a float32 lane is beyond the reduction's range (±Infinity included). */
@inline function beyondReduction32(x: v128): bool {
  return v128.any_true(f32x4.gt(f32x4.abs(x), f32x4.splat(<f32>REDUCTION_LIMIT)));
}

@inline export function sin_v128_f32(x: v128): v128 {
  if (beyondReduction32(x)) return throughF64(x, true);
  return select(f32x4.eq(x, f32x4.splat(0.0)), x, sinCos32(x, 0)); // sin(−0) = −0
}

@inline export function cos_v128_f32(x: v128): v128 {
  if (beyondReduction32(x)) return throughF64(x, false);
  return sinCos32(x, 1);
}
