// log1p, expm1, sigmoid and softplus from exp and log, once for both lane types (T = f64 or f32).
import { exp_v128_f64, log_v128_f64 } from "./math-f64";
import { exp_v128_f32, log_v128_f32 } from "./math-f32";

@inline function expOf<T>(x: v128): v128 {
  return sizeof<T>() == 8 ? exp_v128_f64(x) : exp_v128_f32(x);
}

@inline function logOf<T>(x: v128): v128 {
  return sizeof<T>() == 8 ? log_v128_f64(x) : log_v128_f32(x);
}

@inline function one<T>(): v128 {
  return v128.splat<T>(<T>1.0);
}

/** log(1 + u) for u ≥ 0: log of w = 1 + u rounded, plus the rounding's correction (u − (w − 1))/w. */
@inline function log1pOf<T>(u: v128): v128 {
  const w = v128.add<T>(one<T>(), u);
  const correction = v128.div<T>(v128.sub<T>(u, v128.sub<T>(w, one<T>())), w);
  return v128.add<T>(logOf<T>(w), correction);
}

/** log(1 + u) for any u: log1pOf with its edges, −0 kept where 1 + u rounds to 1, −∞ at −1, ∞ at ∞. */
@inline function log1pAny<T>(u: v128): v128 {
  const w = v128.add<T>(one<T>(), u);
  let y = v128.bitselect(u, log1pOf<T>(u), v128.eq<T>(w, one<T>()));
  y = v128.bitselect(v128.splat<T>(<T>-Infinity), y, v128.eq<T>(w, v128.splat<T>(<T>0.0)));
  return v128.bitselect(u, y, v128.eq<T>(u, v128.splat<T>(<T>Infinity)));
}

/** e^x − 1 by Kahan's trick: with u = e^x rounded, (u − 1)·(x / log u) cancels u's rounding;
 * x where u rounds to 1, −1 where u − 1 does, u itself where it is ∞. */
@inline function expm1Of<T>(x: v128): v128 {
  const u = expOf<T>(x);
  const um1 = v128.sub<T>(u, one<T>());
  let y = v128.mul<T>(um1, v128.div<T>(x, logOf<T>(u)));
  y = v128.bitselect(x, y, v128.eq<T>(u, one<T>()));
  y = v128.bitselect(um1, y, v128.or(v128.eq<T>(um1, v128.splat<T>(<T>-1.0)), v128.eq<T>(u, v128.splat<T>(<T>Infinity))));
  return y;
}

/** 1/(1 + e^−x) as 1/(1 + e^−|x|) for x ≥ 0 and e^−|x|/(1 + e^−|x|) below: e^−|x| ≤ 1 never overflows. */
@inline function sigmoidOf<T>(x: v128): v128 {
  const e = expOf<T>(v128.neg<T>(v128.abs<T>(x)));
  const numerator = v128.bitselect(e, one<T>(), v128.lt<T>(x, v128.splat<T>(<T>0.0)));
  return v128.div<T>(numerator, v128.add<T>(one<T>(), e));
}

/** log(1 + e^x) as max(x, 0) + log1p(e^−|x|): x for large x, e^x for very negative x. */
@inline function softplusOf<T>(x: v128): v128 {
  const e = expOf<T>(v128.neg<T>(v128.abs<T>(x)));
  return v128.add<T>(v128.pmax<T>(x, v128.splat<T>(<T>0.0)), log1pOf<T>(e));
}

@inline export function log1p_v128_f64(u: v128): v128 { return log1pAny<f64>(u); }
@inline export function expm1_v128_f64(x: v128): v128 { return expm1Of<f64>(x); }
@inline export function sigmoid_v128_f64(x: v128): v128 { return sigmoidOf<f64>(x); }
@inline export function softplus_v128_f64(x: v128): v128 { return softplusOf<f64>(x); }
@inline export function log1p_v128_f32(u: v128): v128 { return log1pAny<f32>(u); }
@inline export function expm1_v128_f32(x: v128): v128 { return expm1Of<f32>(x); }
@inline export function sigmoid_v128_f32(x: v128): v128 { return sigmoidOf<f32>(x); }
@inline export function softplus_v128_f32(x: v128): v128 { return softplusOf<f32>(x); }
