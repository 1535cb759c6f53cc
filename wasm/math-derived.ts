// log1p, sigmoid and softplus from exp and log, once for both lane types (T = f64 or f32).
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

@inline export function log1p_v128_f64(u: v128): v128 { return log1pOf<f64>(u); }
@inline export function sigmoid_v128_f64(x: v128): v128 { return sigmoidOf<f64>(x); }
@inline export function softplus_v128_f64(x: v128): v128 { return softplusOf<f64>(x); }
@inline export function log1p_v128_f32(u: v128): v128 { return log1pOf<f32>(u); }
@inline export function sigmoid_v128_f32(x: v128): v128 { return sigmoidOf<f32>(x); }
@inline export function softplus_v128_f32(x: v128): v128 { return softplusOf<f32>(x); }
