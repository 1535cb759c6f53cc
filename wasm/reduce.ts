// Reduction kernels in the shape of the JS `into` kernels: `o[i*os] = f(o[i*os], a[i*as])`
// over one run, and when `os` is 0 the whole run folds into `o[0]`. Folds keep several
// vector partials, so the adds do not wait on each other; a float32 sum folds in float64
// lanes (as the JS kernel does in doubles), so its error does not grow with n.

const SUM = 0, MAX = 1, MIN = 2;

// @ts-ignore: decorator
@inline function v64(op: i32, x: v128, y: v128): v128 {
  if (op == SUM) return f64x2.add(x, y);
  if (op == MAX) return f64x2.max(x, y);
  return f64x2.min(x, y);
}
// @ts-ignore: decorator
@inline function s64(op: i32, x: f64, y: f64): f64 {
  if (op == SUM) return x + y;
  if (op == MAX) return max<f64>(x, y);
  return min<f64>(x, y);
}
// @ts-ignore: decorator
@inline function v32(op: i32, x: v128, y: v128): v128 {
  if (op == SUM) return f32x4.add(x, y);
  if (op == MAX) return f32x4.max(x, y);
  return f32x4.min(x, y);
}

// @ts-ignore: decorator
@inline function at(i: i32, stride: i32, shift: i32): usize {
  return <usize>((i * stride) << shift);
}

// @ts-ignore: decorator
@inline function fold64(op: i32, n: i32, a: usize, acc: f64): f64 {
  let i = 0;
  if (n >= 8) {
    let p = v128.load(a), q = v128.load(a, 16), r = v128.load(a, 32), s = v128.load(a, 48);
    for (i = 8; i + 8 <= n; i += 8) {
      const x = a + at(i, 1, 3);
      p = v64(op, p, v128.load(x));
      q = v64(op, q, v128.load(x, 16));
      r = v64(op, r, v128.load(x, 32));
      s = v64(op, s, v128.load(x, 48));
    }
    const t = v64(op, v64(op, p, q), v64(op, r, s));
    acc = s64(op, acc, s64(op, f64x2.extract_lane(t, 0), f64x2.extract_lane(t, 1)));
  }
  for (; i < n; i++) acc = s64(op, acc, load<f64>(a + at(i, 1, 3)));
  return acc;
}

// @ts-ignore: decorator
@inline function fold32(op: i32, n: i32, a: usize, acc: f64): f64 {
  let i = 0;
  if (op == SUM) {
    // Four float32 lanes widened to two float64 pairs per step.
    let p = f64x2.splat(0), q = f64x2.splat(0), r = f64x2.splat(0), s = f64x2.splat(0);
    for (; i + 8 <= n; i += 8) {
      const x = v128.load(a + at(i, 1, 2)), y = v128.load(a + at(i, 1, 2), 16);
      p = f64x2.add(p, f64x2.promote_low_f32x4(x));
      q = f64x2.add(q, f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)));
      r = f64x2.add(r, f64x2.promote_low_f32x4(y));
      s = f64x2.add(s, f64x2.promote_low_f32x4(i32x4.shuffle(y, y, 2, 3, 0, 1)));
    }
    const t = f64x2.add(f64x2.add(p, q), f64x2.add(r, s));
    acc += f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  } else if (n >= 8) {
    let p = v128.load(a), q = v128.load(a, 16);
    for (i = 8; i + 8 <= n; i += 8) {
      const x = a + at(i, 1, 2);
      p = v32(op, p, v128.load(x));
      q = v32(op, q, v128.load(x, 16));
    }
    const t = v32(op, p, q);
    acc = s64(op, acc, <f64>f32x4.extract_lane(t, 0));
    acc = s64(op, acc, <f64>f32x4.extract_lane(t, 1));
    acc = s64(op, acc, <f64>f32x4.extract_lane(t, 2));
    acc = s64(op, acc, <f64>f32x4.extract_lane(t, 3));
  }
  for (; i < n; i++) acc = s64(op, acc, <f64>load<f32>(a + at(i, 1, 2)));
  return acc;
}

// @ts-ignore: decorator
@inline function into64(op: i32, n: i32, o: usize, os: i32, a: usize, as: i32): void {
  if (os == 0) {
    if (as == 1) store<f64>(o, fold64(op, n, a, load<f64>(o)));
    else {
      let acc = load<f64>(o);
      for (let i = 0; i < n; i++) acc = s64(op, acc, load<f64>(a + at(i, as, 3)));
      store<f64>(o, acc);
    }
    return;
  }
  let i = 0;
  if (os == 1 && as == 1) {
    for (; i + 2 <= n; i += 2) v128.store(o + at(i, 1, 3), v64(op, v128.load(o + at(i, 1, 3)), v128.load(a + at(i, 1, 3))));
  }
  for (; i < n; i++) store<f64>(o + at(i, os, 3), s64(op, load<f64>(o + at(i, os, 3)), load<f64>(a + at(i, as, 3))));
}

// @ts-ignore: decorator
@inline function into32(op: i32, n: i32, o: usize, os: i32, a: usize, as: i32): void {
  if (os == 0) {
    let acc = <f64>load<f32>(o);
    if (as == 1) acc = fold32(op, n, a, acc);
    else for (let i = 0; i < n; i++) acc = s64(op, acc, <f64>load<f32>(a + at(i, as, 2)));
    store<f32>(o, <f32>acc);
    return;
  }
  let i = 0;
  if (os == 1 && as == 1) {
    for (; i + 4 <= n; i += 4) v128.store(o + at(i, 1, 2), v32(op, v128.load(o + at(i, 1, 2)), v128.load(a + at(i, 1, 2))));
  }
  for (; i < n; i++) store<f32>(o + at(i, os, 2), <f32>s64(op, <f64>load<f32>(o + at(i, os, 2)), <f64>load<f32>(a + at(i, as, 2))));
}

export function sum_into_f64(n: i32, o: usize, os: i32, a: usize, as: i32): void { into64(SUM, n, o, os, a, as); }
export function max_into_f64(n: i32, o: usize, os: i32, a: usize, as: i32): void { into64(MAX, n, o, os, a, as); }
export function min_into_f64(n: i32, o: usize, os: i32, a: usize, as: i32): void { into64(MIN, n, o, os, a, as); }
export function sum_into_f32(n: i32, o: usize, os: i32, a: usize, as: i32): void { into32(SUM, n, o, os, a, as); }
export function max_into_f32(n: i32, o: usize, os: i32, a: usize, as: i32): void { into32(MAX, n, o, os, a, as); }
export function min_into_f32(n: i32, o: usize, os: i32, a: usize, as: i32): void { into32(MIN, n, o, os, a, as); }

// `o[r] = f(o[r], a[r*n .. r*n + n))` for `m` contiguous rows in one call: a reduction along
// the last axis without a call from JavaScript per row.
export function sum_rows_f32(m: i32, n: i32, o: usize, a: usize): void { for (let r = 0; r < m; r++) into32(SUM, n, o + at(r, 1, 2), 0, a + at(r, n, 2), 1); }
export function max_rows_f32(m: i32, n: i32, o: usize, a: usize): void { for (let r = 0; r < m; r++) into32(MAX, n, o + at(r, 1, 2), 0, a + at(r, n, 2), 1); }
export function min_rows_f32(m: i32, n: i32, o: usize, a: usize): void { for (let r = 0; r < m; r++) into32(MIN, n, o + at(r, 1, 2), 0, a + at(r, n, 2), 1); }
