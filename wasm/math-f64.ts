// Float64 transcendentals on f64x2 lanes, fdlibm's methods (musl, FreeBSD msun) in baseline
// SIMD: no FMA and no relaxed SIMD (Node 20 rejects both). Branches become lane selects.

const SIGN_BIT: i64 = 0x8000000000000000;
// 1.5·2^52: x + ROUNDER rounds x to an integer held in the low mantissa bits (|x| < 2^51).
const ROUNDER: f64 = 6755399441055744.0;
const ROUNDER_BITS: i64 = 0x4338000000000000;
const SMALLEST_NORMAL: f64 = 2.2250738585072014e-308;
const LN2_HI: f64 = 6.93147180369123816490e-01; // 32 significant bits: k·LN2_HI is exact
const LN2_LO: f64 = 1.90821492927058770002e-10;

@inline export function splat64(x: f64): v128 {
  return f64x2.splat(x);
}

/** Lanes of `ifTrue` where `mask` is set, else of `ifFalse`. */
@inline export function select(mask: v128, ifTrue: v128, ifFalse: v128): v128 {
  return v128.bitselect(ifTrue, ifFalse, mask);
}

/** x rounded to an integer, kept in the ROUNDER form (read k as i64 lanes by subtracting its bits). */
@inline function rounded(x: v128): v128 {
  return f64x2.add(x, splat64(ROUNDER));
}

/** The i64 lanes of small integer-valued `k` as doubles. */
@inline function toF64(k: v128): v128 {
  return f64x2.sub(i64x2.add(k, i64x2.splat(ROUNDER_BITS)), splat64(ROUNDER));
}

/** 2^k for i64 lanes k in [-1022, 1023]. */
@inline function pow2(k: v128): v128 {
  return i64x2.shl(i64x2.add(k, i64x2.splat(1023)), 52);
}

/** e^x (fdlibm e_exp.c): x = k·ln2 + r, |r| ≤ ln2/2, a Remez rational for e^r, then 2^k in two
 * halves so that neither factor overflows near 709.78 nor underflows near -745.13. */
@inline export function exp_v128_f64(x: v128): v128 {
  // Beyond the clamp e^x is 0 or Infinity; pmin/pmax (one instruction, unlike min/max) keep NaN.
  x = f64x2.pmin(f64x2.pmax(x, splat64(-746.0)), splat64(710.0));
  const kd = rounded(f64x2.mul(x, splat64(1.44269504088896338700e+00)));
  const k = f64x2.sub(kd, splat64(ROUNDER));
  const hi = f64x2.sub(x, f64x2.mul(k, splat64(LN2_HI)));
  const lo = f64x2.mul(k, splat64(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let p = f64x2.add(splat64(-1.65339022054652515390e-06), f64x2.mul(t, splat64(4.13813679705723846039e-08)));
  p = f64x2.add(splat64(6.61375632143793436117e-05), f64x2.mul(t, p));
  p = f64x2.add(splat64(-2.77777777770155933842e-03), f64x2.mul(t, p));
  p = f64x2.add(splat64(1.66666666666666019037e-01), f64x2.mul(t, p));
  const c = f64x2.sub(r, f64x2.mul(t, p));
  const rc = f64x2.div(f64x2.mul(r, c), f64x2.sub(splat64(2.0), c));
  const y = f64x2.sub(splat64(1.0), f64x2.sub(f64x2.sub(lo, rc), hi));
  const ki = i64x2.sub(kd, i64x2.splat(ROUNDER_BITS));
  const k1 = i64x2.shr_s(ki, 1);
  return f64x2.mul(f64x2.mul(y, pow2(k1)), pow2(i64x2.sub(ki, k1)));
}

/** log(x) (fdlibm e_log.c): x = 2^k·m with m in [√½, √2), f = m − 1, s = f/(2+f), and a
 * Remez polynomial in s²; subnormals scaled by 2^54 first. */
@inline export function log_v128_f64(x: v128): v128 {
  // Positive normal lanes, the common case, skip the scaling and the edges' selects.
  if (i64x2.all_true(v128.and(f64x2.ge(x, splat64(SMALLEST_NORMAL)), f64x2.lt(x, splat64(Infinity))))) {
    return logOfNormal(x, i64x2.splat(1023));
  }
  const subnormal = f64x2.lt(x, splat64(SMALLEST_NORMAL)); // also 0 and negatives, replaced below
  const xs = select(subnormal, f64x2.mul(x, splat64(18014398509481984.0)), x);
  let y = logOfNormal(xs, select(subnormal, i64x2.splat(1023 + 54), i64x2.splat(1023)));
  y = select(f64x2.eq(x, splat64(0.0)), splat64(-Infinity), y);
  y = select(f64x2.lt(x, splat64(0.0)), splat64(NaN), y);
  return select(v128.or(f64x2.ne(x, x), f64x2.eq(x, splat64(Infinity))), x, y);
}

/** log(x) for positive normal x, whose exponent field less `bias` is k. */
@inline function logOfNormal(x: v128, bias: v128): v128 {
  // Shift the exponent boundary from 1 to √½ (musl's trick): m's bits from 0x3fe6a09e….
  const ix = i64x2.add(x, i64x2.splat(0x00095f6200000000));
  const k = i64x2.sub(i64x2.shr_s(ix, 52), bias);
  const m = i64x2.add(v128.and(ix, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3fe6a09e00000000));
  const f = f64x2.sub(m, splat64(1.0));
  const dk = toF64(k);
  const hfsq = f64x2.mul(splat64(0.5), f64x2.mul(f, f));
  const s = f64x2.div(f, f64x2.add(splat64(2.0), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  let t1 = f64x2.add(splat64(2.222219843214978396e-01), f64x2.mul(w, splat64(1.531383769920937332e-01)));
  t1 = f64x2.mul(w, f64x2.add(splat64(3.999999999940941908e-01), f64x2.mul(w, t1)));
  let t2 = f64x2.add(splat64(1.818357216161805012e-01), f64x2.mul(w, splat64(1.479819860511658591e-01)));
  t2 = f64x2.add(splat64(2.857142874366239149e-01), f64x2.mul(w, t2));
  t2 = f64x2.mul(z, f64x2.add(splat64(6.666666666666735130e-01), f64x2.mul(w, t2)));
  const sR = f64x2.mul(s, f64x2.add(hfsq, f64x2.add(t2, t1)));
  const y = f64x2.sub(f64x2.add(sR, f64x2.mul(dk, splat64(LN2_LO))), hfsq);
  return f64x2.add(f64x2.add(y, f), f64x2.mul(dk, splat64(LN2_HI)));
}

/** tanh: Cephes' rational x + x³P(x²)/Q(x²) below 0.625 (no cancellation near 0), above it
 * 1 − 2/(e^{2|x|} + 1); the sign copied back so that tanh(−0) = −0. */
@inline export function tanh_v128_f64(x: v128): v128 {
  const ax = f64x2.abs(x);
  const z = f64x2.mul(ax, ax);
  let p = f64x2.add(f64x2.mul(splat64(-9.64399179425052238628e-01), z), splat64(-9.92877231001918586564e+01));
  p = f64x2.add(f64x2.mul(p, z), splat64(-1.61468768441708447952e+03));
  let q = f64x2.add(z, splat64(1.12811678491632931402e+02));
  q = f64x2.add(f64x2.mul(q, z), splat64(2.23548839060100448583e+03));
  q = f64x2.add(f64x2.mul(q, z), splat64(4.84406305325125486048e+03));
  const small = f64x2.add(ax, f64x2.div(f64x2.mul(f64x2.mul(ax, z), p), q));
  const e = exp_v128_f64(f64x2.add(ax, ax));
  const large = f64x2.sub(splat64(1.0), f64x2.div(splat64(2.0), f64x2.add(e, splat64(1.0))));
  const y = select(f64x2.lt(ax, splat64(0.625)), small, large);
  return v128.or(y, v128.and(x, i64x2.splat(SIGN_BIT)));
}
