// Float32 transcendentals on f32x4 lanes: Cephes' expf and tanhf, musl's logf, in baseline
// SIMD (no FMA). The same shapes as math-f64.ts with single-precision polynomials.

/** Lanes of `ifTrue` where `mask` is set, else of `ifFalse`. */
@inline function select(mask: v128, ifTrue: v128, ifFalse: v128): v128 {
  return v128.bitselect(ifTrue, ifFalse, mask);
}

@inline export function splat32(x: f32): v128 {
  return f32x4.splat(x);
}

/** 2^k for i32 lanes k in [-126, 127]. */
@inline function pow2(k: v128): v128 {
  return i32x4.shl(i32x4.add(k, i32x4.splat(127)), 23);
}

/** e^x (Cephes expf): x = k·ln2 + r with ln2 in two parts (k·0.693359375 exact), a degree-7
 * polynomial for e^r, then 2^k in two halves (no overflow near 88.72, no underflow near −103.97). */
@inline export function exp_v128_f32(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, splat32(-104.0)), splat32(89.0)); // beyond: 0 and Infinity; NaN stays
  const k = f32x4.nearest(f32x4.mul(x, splat32(1.44269504088896341)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, splat32(0.693359375))), f32x4.mul(k, splat32(-2.12194440e-4)));
  let p = f32x4.add(f32x4.mul(splat32(1.9875691500e-4), r), splat32(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), splat32(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), splat32(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), splat32(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), splat32(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(r, r), p), r), splat32(1.0));
  const ki = i32x4.trunc_sat_f32x4_s(k);
  const k1 = i32x4.shr_s(ki, 1);
  return f32x4.mul(f32x4.mul(y, pow2(k1)), pow2(i32x4.sub(ki, k1)));
}

/** The lowest x whose e^x expShifted_v128_f32 computes: below, results are subnormal. */
export const EXP_SHIFTED_LOWEST: f32 = -87.33654022216797;

/** e^x for x in [EXP_SHIFTED_LOWEST, 0], the x − max of a softmax (XNNPACK's rr2-p5, without
 * FMA): k by a magic bias whose low bits are 2^k's exponent, ln2 in two parts, a degree-5
 * polynomial. Other lanes are wrong: the caller checks the range and takes exp_v128_f32 there. */
@inline export function expShifted_v128_f32(x: v128): v128 {
  const magic = splat32(12583039.0); // 1.5·2^23 + 127
  let n = f32x4.add(f32x4.mul(x, splat32(1.4426950216293335)), magic);
  const s = i32x4.shl(n, 23);
  n = f32x4.sub(n, magic);
  let t = f32x4.add(f32x4.mul(n, splat32(-0.693145751953125)), x);
  t = f32x4.add(f32x4.mul(n, splat32(-1.428606765330187e-6)), t);
  let p = f32x4.add(f32x4.mul(splat32(0.008289290592074394), t), splat32(0.04189782217144966));
  p = f32x4.add(f32x4.mul(p, t), splat32(0.16667652130126953));
  p = f32x4.add(f32x4.mul(p, t), splat32(0.4999915063381195));
  p = f32x4.add(f32x4.mul(p, t), splat32(0.9999997019767761));
  return f32x4.add(f32x4.mul(f32x4.mul(t, s), p), s);
}

/** log(x) (musl logf): x = 2^k·m with m in [√½, √2), s = f/(2+f) for f = m − 1, a degree-4
 * polynomial in s²; subnormals scaled by 2^25 first. */
@inline export function log_v128_f32(x: v128): v128 {
  // Positive normal lanes, the common case, skip the scaling and the edges' selects.
  if (i32x4.all_true(v128.and(f32x4.ge(x, splat32(1.17549435e-38)), f32x4.lt(x, splat32(Infinity))))) {
    return logOfNormal(x, i32x4.splat(127));
  }
  const subnormal = f32x4.lt(x, splat32(1.17549435e-38)); // also 0 and negatives, replaced below
  const xs = select(subnormal, f32x4.mul(x, splat32(33554432.0)), x);
  let y = logOfNormal(xs, select(subnormal, i32x4.splat(127 + 25), i32x4.splat(127)));
  y = select(f32x4.eq(x, splat32(0.0)), splat32(-Infinity), y);
  y = select(f32x4.lt(x, splat32(0.0)), splat32(NaN), y);
  return select(v128.or(f32x4.ne(x, x), f32x4.eq(x, splat32(Infinity))), x, y);
}

/** log(x) for positive normal x, whose exponent field less `bias` is k. */
@inline function logOfNormal(x: v128, bias: v128): v128 {
  const ix = i32x4.add(x, i32x4.splat(0x3f800000 - 0x3f3504f3)); // exponent boundary moved to √½
  const k = i32x4.sub(i32x4.shr_s(ix, 23), bias);
  const m = i32x4.add(v128.and(ix, i32x4.splat(0x007fffff)), i32x4.splat(0x3f3504f3));
  const f = f32x4.sub(m, splat32(1.0));
  const dk = f32x4.convert_i32x4_s(k);
  const s = f32x4.div(f, f32x4.add(splat32(2.0), f));
  const z = f32x4.mul(s, s);
  const w = f32x4.mul(z, z);
  const t1 = f32x4.mul(w, f32x4.add(splat32(<f32>(13422099.0 / 33554432.0)), f32x4.mul(w, splat32(<f32>(16293414.0 / 67108864.0)))));
  const t2 = f32x4.mul(z, f32x4.add(splat32(<f32>(11184810.0 / 16777216.0)), f32x4.mul(w, splat32(<f32>(9562606.0 / 33554432.0)))));
  const hfsq = f32x4.mul(splat32(0.5), f32x4.mul(f, f));
  const sR = f32x4.mul(s, f32x4.add(hfsq, f32x4.add(t2, t1)));
  const y = f32x4.sub(f32x4.add(sR, f32x4.mul(dk, splat32(9.0580006145e-06))), hfsq);
  return f32x4.add(f32x4.add(y, f), f32x4.mul(dk, splat32(6.9313812256e-01)));
}

/** tanh: Cephes tanhf's odd polynomial below 0.625, 1 − 2/(e^{2|x|} + 1) above, sign copied back. */
@inline export function tanh_v128_f32(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(ax, ax);
  let p = f32x4.add(f32x4.mul(splat32(-5.70498872745e-3), z), splat32(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), splat32(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), splat32(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), splat32(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), ax), ax);
  const e = exp_v128_f32(f32x4.add(ax, ax));
  const large = f32x4.sub(splat32(1.0), f32x4.div(splat32(2.0), f32x4.add(e, splat32(1.0))));
  const y = select(f32x4.lt(ax, splat32(0.625)), small, large);
  return v128.or(y, v128.and(x, i32x4.splat(0x80000000)));
}
