// Placeholder transcendentals (scalar loops over AssemblyScript's Math), with the exports
// the SIMD versions keep: `<op>_f64` / `<op>_f32(src, dst, n)` over contiguous data at byte
// addresses (src may equal dst). Replaced by the SIMD implementation at merge.

// @ts-ignore: decorator
@inline function map64(src: usize, dst: usize, n: i32, f: (x: f64) => f64): void {
  for (let i = 0; i < n; i++) store<f64>(dst + (<usize>i << 3), f(load<f64>(src + (<usize>i << 3))));
}
// @ts-ignore: decorator
@inline function map32(src: usize, dst: usize, n: i32, f: (x: f32) => f32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), f(load<f32>(src + (<usize>i << 2))));
}

function sigmoid64(x: f64): f64 {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
function sigmoid32(x: f32): f32 {
  return x >= 0 ? 1 / (1 + Mathf.exp(-x)) : Mathf.exp(x) / (1 + Mathf.exp(x));
}
function softplus64(x: f64): f64 {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}
function softplus32(x: f32): f32 {
  return Mathf.max(x, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(x)));
}

export function exp_f64(src: usize, dst: usize, n: i32): void { map64(src, dst, n, (x: f64): f64 => Math.exp(x)); }
export function log_f64(src: usize, dst: usize, n: i32): void { map64(src, dst, n, (x: f64): f64 => Math.log(x)); }
export function tanh_f64(src: usize, dst: usize, n: i32): void { map64(src, dst, n, (x: f64): f64 => Math.tanh(x)); }
export function sin_f64(src: usize, dst: usize, n: i32): void { map64(src, dst, n, (x: f64): f64 => Math.sin(x)); }
export function cos_f64(src: usize, dst: usize, n: i32): void { map64(src, dst, n, (x: f64): f64 => Math.cos(x)); }
export function sigmoid_f64(src: usize, dst: usize, n: i32): void { map64(src, dst, n, sigmoid64); }
export function softplus_f64(src: usize, dst: usize, n: i32): void { map64(src, dst, n, softplus64); }
export function exp_f32(src: usize, dst: usize, n: i32): void { map32(src, dst, n, (x: f32): f32 => Mathf.exp(x)); }
export function log_f32(src: usize, dst: usize, n: i32): void { map32(src, dst, n, (x: f32): f32 => Mathf.log(x)); }
export function tanh_f32(src: usize, dst: usize, n: i32): void { map32(src, dst, n, (x: f32): f32 => Mathf.tanh(x)); }
export function sin_f32(src: usize, dst: usize, n: i32): void { map32(src, dst, n, (x: f32): f32 => Mathf.sin(x)); }
export function cos_f32(src: usize, dst: usize, n: i32): void { map32(src, dst, n, (x: f32): f32 => Mathf.cos(x)); }
export function sigmoid_f32(src: usize, dst: usize, n: i32): void { map32(src, dst, n, sigmoid32); }
export function softplus_f32(src: usize, dst: usize, n: i32): void { map32(src, dst, n, softplus32); }
