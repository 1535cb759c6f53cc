// argmax/argmin of `n` contiguous float32 elements at byte address `a` (float64 runs the JS
// scan: copying it in costs what a kernel saves): the index of the first best,
// a NaN best of all (its first index), as runtime/np/reduce.ts' scan. One pass of lanes,
// each keeping its best and that best's index (a strict comparison keeps a lane's first);
// then the lane whose best wins, of equal bests the smallest index. Whether a NaN was seen
// is kept on the side; only then a second scan finds the first one.

const MAX = 0, MIN = 1;

// @ts-ignore: decorator
@inline function better(op: i32, x: f64, best: f64): bool { return op == MAX ? x > best : x < best; }
// @ts-ignore: decorator
@inline function vbetter32(op: i32, x: v128, best: v128): v128 { if (op == MAX) return f32x4.gt(x, best); return f32x4.lt(x, best); }

// @ts-ignore: decorator
@inline function firstNaN32(n: i32, a: usize): i32 {
  for (let i = 0; i < n; i++) { const x = load<f32>(a + (<usize>i << 2)); if (x != x) return i; }
  return -1;
}

// @ts-ignore: decorator
@inline function arg32(op: i32, n: i32, a: usize): i32 {
  let best = <f64>load<f32>(a), at = 0, i = 1;
  let nan = best != best;
  if (n >= 16) {
    let vb = v128.load(a), vi = i32x4(0, 1, 2, 3), seen = f32x4.ne(vb, vb);
    let step = i32x4.splat(4), idx = i32x4(4, 5, 6, 7);
    for (i = 4; i + 4 <= n; i += 4) {
      const x = v128.load(a + (<usize>i << 2));
      const m = vbetter32(op, x, vb);
      vb = v128.bitselect(x, vb, m);
      vi = v128.bitselect(idx, vi, m);
      seen = v128.or(seen, f32x4.ne(x, x));
      idx = i32x4.add(idx, step);
    }
    nan = v128.any_true(seen);
    best = <f64>f32x4.extract_lane(vb, 0);
    at = i32x4.extract_lane(vi, 0);
    let b = <f64>f32x4.extract_lane(vb, 1), j = i32x4.extract_lane(vi, 1);
    if (better(op, b, best) || (b == best && j < at)) { best = b; at = j; }
    b = <f64>f32x4.extract_lane(vb, 2); j = i32x4.extract_lane(vi, 2);
    if (better(op, b, best) || (b == best && j < at)) { best = b; at = j; }
    b = <f64>f32x4.extract_lane(vb, 3); j = i32x4.extract_lane(vi, 3);
    if (better(op, b, best) || (b == best && j < at)) { best = b; at = j; }
  }
  for (; i < n; i++) {
    const x = <f64>load<f32>(a + (<usize>i << 2));
    if (x != x) nan = true;
    else if (better(op, x, best)) { best = x; at = i; }
  }
  return nan ? firstNaN32(n, a) : at;
}

export function argmax_f32(n: i32, a: usize): i32 { return arg32(MAX, n, a); }
export function argmin_f32(n: i32, a: usize): i32 { return arg32(MIN, n, a); }
