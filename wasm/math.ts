// Elementwise transcendentals over contiguous arrays in this module's memory (issue 19):
// `<op>_f64` and `<op>_f32` for op in exp, log, tanh, sigmoid, sin, cos, softplus, log1p, expm1, each
// (src, dst, n): src and dst byte addresses, src may equal dst, any n ≥ 0. The vector
// functions (`exp_v128_f64`, …) are exported for fused kernels; JS cannot call them, and asc
// warns so for each (AS112: build with `--disableWarning 112`).
import { exp_v128_f64, log_v128_f64, tanh_v128_f64 } from "./math-f64";
import { exp_v128_f32, log_v128_f32, tanh_v128_f32 } from "./math-f32";
import { expm1_v128_f32, expm1_v128_f64, log1p_v128_f32, log1p_v128_f64, sigmoid_v128_f32, sigmoid_v128_f64, softplus_v128_f32, softplus_v128_f64 } from "./math-derived";
import { cos_v128_f32, cos_v128_f64, sin_v128_f32, sin_v128_f64 } from "./math-trig";

export { exp_v128_f64, log_v128_f64, tanh_v128_f64 } from "./math-f64";
export { exp_v128_f32, log_v128_f32, tanh_v128_f32 } from "./math-f32";
export { expm1_v128_f32, expm1_v128_f64, log1p_v128_f32, log1p_v128_f64, sigmoid_v128_f32, sigmoid_v128_f64, softplus_v128_f32, softplus_v128_f64 } from "./math-derived";
export { cos_v128_f32, cos_v128_f64, sin_v128_f32, sin_v128_f64 } from "./math-trig";

const EXP = 0, LOG = 1, TANH = 2, SIGMOID = 3, SIN = 4, COS = 5, SOFTPLUS = 6, LOG1P = 7, EXPM1 = 8;

/** The f64x2 function of `op`, a constant at every call, so each kernel inlines one branch. */
@inline function apply64(op: i32, x: v128): v128 {
  if (op == EXP) return exp_v128_f64(x);
  if (op == LOG) return log_v128_f64(x);
  if (op == TANH) return tanh_v128_f64(x);
  if (op == SIGMOID) return sigmoid_v128_f64(x);
  if (op == SIN) return sin_v128_f64(x);
  if (op == COS) return cos_v128_f64(x);
  if (op == LOG1P) return log1p_v128_f64(x);
  if (op == EXPM1) return expm1_v128_f64(x);
  return softplus_v128_f64(x);
}

/** The f32x4 function of `op`. */
@inline function apply32(op: i32, x: v128): v128 {
  if (op == EXP) return exp_v128_f32(x);
  if (op == LOG) return log_v128_f32(x);
  if (op == TANH) return tanh_v128_f32(x);
  if (op == SIGMOID) return sigmoid_v128_f32(x);
  if (op == SIN) return sin_v128_f32(x);
  if (op == COS) return cos_v128_f32(x);
  if (op == LOG1P) return log1p_v128_f32(x);
  if (op == EXPM1) return expm1_v128_f32(x);
  return softplus_v128_f32(x);
}

@inline function map64(op: i32, src: usize, dst: usize, n: i32): void {
  if (n <= 0) return;
  const end = <usize>(n & ~1) << 3;
  for (let i: usize = 0; i < end; i += 16) v128.store(dst + i, apply64(op, v128.load(src + i)));
  if (n & 1) store<f64>(dst + end, f64x2.extract_lane(apply64(op, f64x2.splat(load<f64>(src + end))), 0));
}

@inline function map32(op: i32, src: usize, dst: usize, n: i32): void {
  if (n <= 0) return;
  const end = <usize>(n & ~3) << 2;
  for (let i: usize = 0; i < end; i += 16) v128.store(dst + i, apply32(op, v128.load(src + i)));
  const rest = n & 3;
  if (rest == 0) return;
  const s = src + end, d = dst + end;
  let x = f32x4.splat(load<f32>(s));
  if (rest > 1) x = f32x4.replace_lane(x, 1, load<f32>(s, 4));
  if (rest > 2) x = f32x4.replace_lane(x, 2, load<f32>(s, 8));
  const y = apply32(op, x);
  store<f32>(d, f32x4.extract_lane(y, 0));
  if (rest > 1) store<f32>(d, f32x4.extract_lane(y, 1), 4);
  if (rest > 2) store<f32>(d, f32x4.extract_lane(y, 2), 8);
}

export function exp_f64(src: usize, dst: usize, n: i32): void { map64(EXP, src, dst, n); }
export function log_f64(src: usize, dst: usize, n: i32): void { map64(LOG, src, dst, n); }
export function tanh_f64(src: usize, dst: usize, n: i32): void { map64(TANH, src, dst, n); }
export function sigmoid_f64(src: usize, dst: usize, n: i32): void { map64(SIGMOID, src, dst, n); }
export function sin_f64(src: usize, dst: usize, n: i32): void { map64(SIN, src, dst, n); }
export function cos_f64(src: usize, dst: usize, n: i32): void { map64(COS, src, dst, n); }
export function softplus_f64(src: usize, dst: usize, n: i32): void { map64(SOFTPLUS, src, dst, n); }
export function log1p_f64(src: usize, dst: usize, n: i32): void { map64(LOG1P, src, dst, n); }
export function expm1_f64(src: usize, dst: usize, n: i32): void { map64(EXPM1, src, dst, n); }

export function exp_f32(src: usize, dst: usize, n: i32): void { map32(EXP, src, dst, n); }
export function log_f32(src: usize, dst: usize, n: i32): void { map32(LOG, src, dst, n); }
export function tanh_f32(src: usize, dst: usize, n: i32): void { map32(TANH, src, dst, n); }
export function sigmoid_f32(src: usize, dst: usize, n: i32): void { map32(SIGMOID, src, dst, n); }
export function sin_f32(src: usize, dst: usize, n: i32): void { map32(SIN, src, dst, n); }
export function cos_f32(src: usize, dst: usize, n: i32): void { map32(COS, src, dst, n); }
export function softplus_f32(src: usize, dst: usize, n: i32): void { map32(SOFTPLUS, src, dst, n); }
export function log1p_f32(src: usize, dst: usize, n: i32): void { map32(LOG1P, src, dst, n); }
export function expm1_f32(src: usize, dst: usize, n: i32): void { map32(EXPM1, src, dst, n); }
