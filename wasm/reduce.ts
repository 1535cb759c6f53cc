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
@inline function p64(op: i32, x: v128, y: v128): v128 {
  if (op == MAX) return f64x2.pmax(x, y);
  return f64x2.pmin(x, y);
}
// @ts-ignore: decorator
@inline function p32(op: i32, x: v128, y: v128): v128 {
  if (op == MAX) return f32x4.pmax(x, y);
  return f32x4.pmin(x, y);
}

// The max/min of n >= 16 elements by pmax/pmin: one instruction each, where f64x2.max's
// NaN and signed-zero rules take V8 eight on one chain. pmax drops NaNs and orders zeros
// by position, so a running sum watches for NaNs (or infinities of both signs): where it
// is NaN, or the result is zero, this returns NaN and the caller takes the exact fold.
// @ts-ignore: decorator
@inline function extreme64(op: i32, n: i32, a: usize): f64 {
  let p = v128.load(a), q = v128.load(a, 16), r = v128.load(a, 32), s = v128.load(a, 48);
  let seen = f64x2.add(f64x2.add(p, q), f64x2.add(r, s));
  let i = 8;
  for (; i + 8 <= n; i += 8) {
    const x = a + at(i, 1, 3);
    const w = v128.load(x), y = v128.load(x, 16), z = v128.load(x, 32), u = v128.load(x, 48);
    p = p64(op, p, w);
    q = p64(op, q, y);
    r = p64(op, r, z);
    s = p64(op, s, u);
    seen = f64x2.add(seen, f64x2.add(f64x2.add(w, y), f64x2.add(z, u)));
  }
  if (v128.any_true(f64x2.ne(seen, seen))) return NaN;
  const t = p64(op, p64(op, p, q), p64(op, r, s));
  let m = s64(op, f64x2.extract_lane(t, 0), f64x2.extract_lane(t, 1));
  for (; i < n; i++) m = s64(op, m, load<f64>(a + at(i, 1, 3)));
  return m;
}

// @ts-ignore: decorator
@inline function extreme32(op: i32, n: i32, a: usize): f64 {
  let p = v128.load(a), q = v128.load(a, 16), r = v128.load(a, 32), s = v128.load(a, 48);
  let seen = f32x4.add(f32x4.add(p, q), f32x4.add(r, s));
  let i = 16;
  for (; i + 16 <= n; i += 16) {
    const x = a + at(i, 1, 2);
    const w = v128.load(x), y = v128.load(x, 16), z = v128.load(x, 32), u = v128.load(x, 48);
    p = p32(op, p, w);
    q = p32(op, q, y);
    r = p32(op, r, z);
    s = p32(op, s, u);
    seen = f32x4.add(seen, f32x4.add(f32x4.add(w, y), f32x4.add(z, u)));
  }
  if (v128.any_true(f32x4.ne(seen, seen))) return NaN;
  const t = p32(op, p32(op, p, q), p32(op, r, s));
  let m = s64(op, s64(op, <f64>f32x4.extract_lane(t, 0), <f64>f32x4.extract_lane(t, 1)), s64(op, <f64>f32x4.extract_lane(t, 2), <f64>f32x4.extract_lane(t, 3)));
  for (; i < n; i++) m = s64(op, m, <f64>load<f32>(a + at(i, 1, 2)));
  return m;
}

// @ts-ignore: decorator
@inline function fold64(op: i32, n: i32, a: usize, acc: f64): f64 {
  if (op != SUM && n >= 16) {
    const r = extreme64(op, n, a);
    if (r == r && r != 0) return s64(op, acc, r);
  }
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
  let i = 0, m: f64 = 0;
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
  } else if (n >= 16 && (m = extreme32(op, n, a)) == m && m != 0) {
    return s64(op, acc, m);
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
export function sum_rows_f64(m: i32, n: i32, o: usize, a: usize): void { for (let r = 0; r < m; r++) into64(SUM, n, o + at(r, 1, 3), 0, a + at(r, n, 3), 1); }
export function max_rows_f64(m: i32, n: i32, o: usize, a: usize): void { for (let r = 0; r < m; r++) into64(MAX, n, o + at(r, 1, 3), 0, a + at(r, n, 3), 1); }
export function min_rows_f64(m: i32, n: i32, o: usize, a: usize): void { for (let r = 0; r < m; r++) into64(MIN, n, o + at(r, 1, 3), 0, a + at(r, n, 3), 1); }
export function sum_rows_f32(m: i32, n: i32, o: usize, a: usize): void { for (let r = 0; r < m; r++) into32(SUM, n, o + at(r, 1, 2), 0, a + at(r, n, 2), 1); }
export function max_rows_f32(m: i32, n: i32, o: usize, a: usize): void { for (let r = 0; r < m; r++) into32(MAX, n, o + at(r, 1, 2), 0, a + at(r, n, 2), 1); }
export function min_rows_f32(m: i32, n: i32, o: usize, a: usize): void { for (let r = 0; r < m; r++) into32(MIN, n, o + at(r, 1, 2), 0, a + at(r, n, 2), 1); }

// `acc` folded with `n` contiguous elements, in float64 (a float32 sum is rounded once, by
// the caller, after its last block).
export function sum_fold_f64(n: i32, a: usize, acc: f64): f64 { return fold64(SUM, n, a, acc); }
export function max_fold_f64(n: i32, a: usize, acc: f64): f64 { return fold64(MAX, n, a, acc); }
export function min_fold_f64(n: i32, a: usize, acc: f64): f64 { return fold64(MIN, n, a, acc); }
export function sum_fold_f32(n: i32, a: usize, acc: f64): f64 { return fold32(SUM, n, a, acc); }
export function max_fold_f32(n: i32, a: usize, acc: f64): f64 { return fold32(MAX, n, a, acc); }
export function min_fold_f32(n: i32, a: usize, acc: f64): f64 { return fold32(MIN, n, a, acc); }
