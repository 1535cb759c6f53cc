// Elementwise kernels over one run of `n` elements: `o[i*os] = f(a[i*as], b[i*bs])` with
// byte addresses and element strides. Contiguous runs and a broadcast operand (stride 0)
// run two float64 or four float32 lanes at a time; any other stride runs one element at a
// time. Each exported kernel inlines one operation into the shared loops (binaryen folds
// the constant `op`), so a loop holds one instruction per lane, not a switch.

const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5;
const NEG = 0, ABS = 1, SQUARE = 2, RELU = 3, SQRT = 4, FLOOR = 5, CEIL = 6;

// maximum/minimum as NumPy (and the JS kernels): `a` when it wins or is NaN, else `b`.
// @ts-ignore: decorator
@inline function vbinary64(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return f64x2.add(x, y);
  if (op == SUB) return f64x2.sub(x, y);
  if (op == MUL) return f64x2.mul(x, y);
  if (op == DIV) return f64x2.div(x, y);
  if (op == MAX) return v128.bitselect(x, y, v128.or(f64x2.gt(x, y), f64x2.ne(x, x)));
  return v128.bitselect(x, y, v128.or(f64x2.lt(x, y), f64x2.ne(x, x)));
}
// @ts-ignore: decorator
@inline function sbinary64(op: i32, x: f64, y: f64): f64 {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  if (op == MUL) return x * y;
  if (op == DIV) return x / y;
  if (op == MAX) return x > y || x != x ? x : y;
  return x < y || x != x ? x : y;
}
// @ts-ignore: decorator
@inline function vbinary32(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return f32x4.add(x, y);
  if (op == SUB) return f32x4.sub(x, y);
  if (op == MUL) return f32x4.mul(x, y);
  if (op == DIV) return f32x4.div(x, y);
  if (op == MAX) return v128.bitselect(x, y, v128.or(f32x4.gt(x, y), f32x4.ne(x, x)));
  return v128.bitselect(x, y, v128.or(f32x4.lt(x, y), f32x4.ne(x, x)));
}
// @ts-ignore: decorator
@inline function sbinary32(op: i32, x: f32, y: f32): f32 {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  if (op == MUL) return x * y;
  if (op == DIV) return x / y;
  if (op == MAX) return x > y || x != x ? x : y;
  return x < y || x != x ? x : y;
}

// relu: max(a, 0) gives 0 for -0 and keeps NaN, as the JS kernel does.
// @ts-ignore: decorator
@inline function vunary64(op: i32, x: v128): v128 {
  if (op == NEG) return f64x2.neg(x);
  if (op == ABS) return f64x2.abs(x);
  if (op == SQUARE) return f64x2.mul(x, x);
  if (op == RELU) return f64x2.max(x, f64x2.splat(0));
  if (op == SQRT) return f64x2.sqrt(x);
  if (op == FLOOR) return f64x2.floor(x);
  return f64x2.ceil(x);
}
// @ts-ignore: decorator
@inline function sunary64(op: i32, x: f64): f64 {
  if (op == NEG) return -x;
  if (op == ABS) return Math.abs(x);
  if (op == SQUARE) return x * x;
  if (op == RELU) return max<f64>(x, 0);
  if (op == SQRT) return Math.sqrt(x);
  if (op == FLOOR) return Math.floor(x);
  return Math.ceil(x);
}
// @ts-ignore: decorator
@inline function vunary32(op: i32, x: v128): v128 {
  if (op == NEG) return f32x4.neg(x);
  if (op == ABS) return f32x4.abs(x);
  if (op == SQUARE) return f32x4.mul(x, x);
  if (op == RELU) return f32x4.max(x, f32x4.splat(0));
  if (op == SQRT) return f32x4.sqrt(x);
  if (op == FLOOR) return f32x4.floor(x);
  return f32x4.ceil(x);
}
// @ts-ignore: decorator
@inline function sunary32(op: i32, x: f32): f32 {
  if (op == NEG) return -x;
  if (op == ABS) return Mathf.abs(x);
  if (op == SQUARE) return x * x;
  if (op == RELU) return max<f32>(x, 0);
  if (op == SQRT) return Mathf.sqrt(x);
  if (op == FLOOR) return Mathf.floor(x);
  return Mathf.ceil(x);
}

/** Byte offset of element `i` at `stride` (negative strides wrap, as addresses do). */
// @ts-ignore: decorator
@inline function at(i: i32, stride: i32, shift: i32): usize {
  return <usize>((i * stride) << shift);
}

// @ts-ignore: decorator
@inline function binary64(op: i32, n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void {
  let i = 0;
  if (os == 1) {
    if (as == 1 && bs == 1) {
      for (; i + 2 <= n; i += 2) v128.store(o + at(i, 1, 3), vbinary64(op, v128.load(a + at(i, 1, 3)), v128.load(b + at(i, 1, 3))));
    } else if (as == 1 && bs == 0) {
      const y = v128.load64_splat(b);
      for (; i + 2 <= n; i += 2) v128.store(o + at(i, 1, 3), vbinary64(op, v128.load(a + at(i, 1, 3)), y));
    } else if (as == 0 && bs == 1) {
      const x = v128.load64_splat(a);
      for (; i + 2 <= n; i += 2) v128.store(o + at(i, 1, 3), vbinary64(op, x, v128.load(b + at(i, 1, 3))));
    }
  }
  for (; i < n; i++) store<f64>(o + at(i, os, 3), sbinary64(op, load<f64>(a + at(i, as, 3)), load<f64>(b + at(i, bs, 3))));
}

// @ts-ignore: decorator
@inline function binary32(op: i32, n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void {
  let i = 0;
  if (os == 1) {
    if (as == 1 && bs == 1) {
      for (; i + 4 <= n; i += 4) v128.store(o + at(i, 1, 2), vbinary32(op, v128.load(a + at(i, 1, 2)), v128.load(b + at(i, 1, 2))));
    } else if (as == 1 && bs == 0) {
      const y = v128.load32_splat(b);
      for (; i + 4 <= n; i += 4) v128.store(o + at(i, 1, 2), vbinary32(op, v128.load(a + at(i, 1, 2)), y));
    } else if (as == 0 && bs == 1) {
      const x = v128.load32_splat(a);
      for (; i + 4 <= n; i += 4) v128.store(o + at(i, 1, 2), vbinary32(op, x, v128.load(b + at(i, 1, 2))));
    }
  }
  for (; i < n; i++) store<f32>(o + at(i, os, 2), sbinary32(op, load<f32>(a + at(i, as, 2)), load<f32>(b + at(i, bs, 2))));
}

// @ts-ignore: decorator
@inline function unary64(op: i32, n: i32, o: usize, os: i32, a: usize, as: i32): void {
  let i = 0;
  if (os == 1 && as == 1) for (; i + 2 <= n; i += 2) v128.store(o + at(i, 1, 3), vunary64(op, v128.load(a + at(i, 1, 3))));
  for (; i < n; i++) store<f64>(o + at(i, os, 3), sunary64(op, load<f64>(a + at(i, as, 3))));
}

// @ts-ignore: decorator
@inline function unary32(op: i32, n: i32, o: usize, os: i32, a: usize, as: i32): void {
  let i = 0;
  if (os == 1 && as == 1) for (; i + 4 <= n; i += 4) v128.store(o + at(i, 1, 2), vunary32(op, v128.load(a + at(i, 1, 2))));
  for (; i < n; i++) store<f32>(o + at(i, os, 2), sunary32(op, load<f32>(a + at(i, as, 2))));
}

export function add_f64(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary64(ADD, n, o, os, a, as, b, bs); }
export function sub_f64(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary64(SUB, n, o, os, a, as, b, bs); }
export function mul_f64(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary64(MUL, n, o, os, a, as, b, bs); }
export function div_f64(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary64(DIV, n, o, os, a, as, b, bs); }
export function maximum_f64(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary64(MAX, n, o, os, a, as, b, bs); }
export function minimum_f64(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary64(MIN, n, o, os, a, as, b, bs); }
export function add_f32(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary32(ADD, n, o, os, a, as, b, bs); }
export function sub_f32(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary32(SUB, n, o, os, a, as, b, bs); }
export function mul_f32(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary32(MUL, n, o, os, a, as, b, bs); }
export function div_f32(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary32(DIV, n, o, os, a, as, b, bs); }
export function maximum_f32(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary32(MAX, n, o, os, a, as, b, bs); }
export function minimum_f32(n: i32, o: usize, os: i32, a: usize, as: i32, b: usize, bs: i32): void { binary32(MIN, n, o, os, a, as, b, bs); }

export function neg_f64(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary64(NEG, n, o, os, a, as); }
export function abs_f64(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary64(ABS, n, o, os, a, as); }
export function square_f64(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary64(SQUARE, n, o, os, a, as); }
export function relu_f64(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary64(RELU, n, o, os, a, as); }
export function sqrt_f64(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary64(SQRT, n, o, os, a, as); }
export function floor_f64(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary64(FLOOR, n, o, os, a, as); }
export function ceil_f64(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary64(CEIL, n, o, os, a, as); }
export function neg_f32(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary32(NEG, n, o, os, a, as); }
export function abs_f32(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary32(ABS, n, o, os, a, as); }
export function square_f32(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary32(SQUARE, n, o, os, a, as); }
export function relu_f32(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary32(RELU, n, o, os, a, as); }
export function sqrt_f32(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary32(SQRT, n, o, os, a, as); }
export function floor_f32(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary32(FLOOR, n, o, os, a, as); }
export function ceil_f32(n: i32, o: usize, os: i32, a: usize, as: i32): void { unary32(CEIL, n, o, os, a, as); }
