// C += A B for strided A (m x k), B (k x n), C (m x n), as GotoBLAS lays it out: a KC x NC
// block of B and an MC x KC block of A are packed into contiguous panels (B in panels of NR
// columns, A in panels of MR rows, zero-padded), and a register tile of C accumulates each
// panel pair. No FMA (relaxed SIMD is not in Node 20): a multiply and an add per lane.
// float64: a 4x4 tile in eight f64x2 registers; float32: a 4x8 tile in eight f32x4.
// Addresses are bytes, strides are elements; `packA`/`packB` hold (MC+8)*KC and KC*(NC+8) elements.

export const KC: i32 = 256;
export const MC: i32 = 128;
export const NC: i32 = 2048;

// @ts-ignore: decorator
@inline function at(i: i32, stride: i32, shift: i32): usize {
  return <usize>((i * stride) << shift);
}

/** Rows i0.. of A's columns p0..p0+kc as panels of `mr` rows, column by column. */
// @ts-ignore: decorator
@inline function packRows<T>(mr: i32, dst: usize, src: usize, rows: i32, kc: i32, rs: i32, cs: i32): void {
  const shift = alignof<T>();
  for (let i0 = 0; i0 < rows; i0 += mr) {
    const panel = dst + at(i0 * kc, 1, shift);
    for (let ii = 0; ii < mr; ii++) {
      const i = i0 + ii;
      if (i < rows) {
        const row = src + at(i, rs, shift);
        for (let p = 0; p < kc; p++) store<T>(panel + at(p * mr + ii, 1, shift), load<T>(row + at(p, cs, shift)));
      } else for (let p = 0; p < kc; p++) store<T>(panel + at(p * mr + ii, 1, shift), <T>0);
    }
  }
}

/** Adds the `mr` x `nr` tile at `t` (row-major) into C, the part inside `rows` x `cols`. */
// @ts-ignore: decorator
@inline function addTile<T>(mr: i32, nr: i32, t: usize, c: usize, rs: i32, cs: i32, rows: i32, cols: i32): void {
  const shift = alignof<T>();
  const r = min(mr, rows), q = min(nr, cols);
  for (let i = 0; i < r; i++) {
    const row = c + at(i, rs, shift);
    for (let j = 0; j < q; j++) {
      const x = row + at(j, cs, shift);
      store<T>(x, load<T>(x) + load<T>(t + at(i * nr + j, 1, shift)));
    }
  }
}

function micro64(kc: i32, a: usize, b: usize, tile: usize): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load64_splat(a);
    c00 = f64x2.add(c00, f64x2.mul(x, b0)); c01 = f64x2.add(c01, f64x2.mul(x, b1));
    x = v128.load64_splat(a, 8);
    c10 = f64x2.add(c10, f64x2.mul(x, b0)); c11 = f64x2.add(c11, f64x2.mul(x, b1));
    x = v128.load64_splat(a, 16);
    c20 = f64x2.add(c20, f64x2.mul(x, b0)); c21 = f64x2.add(c21, f64x2.mul(x, b1));
    x = v128.load64_splat(a, 24);
    c30 = f64x2.add(c30, f64x2.mul(x, b0)); c31 = f64x2.add(c31, f64x2.mul(x, b1));
    a += 32;
    b += 32;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16); v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80); v128.store(tile, c30, 96); v128.store(tile, c31, 112);
}

function micro32(kc: i32, a: usize, b: usize, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
    a += 16;
    b += 32;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16); v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80); v128.store(tile, c30, 96); v128.store(tile, c31, 112);
}

// @ts-ignore: decorator
@inline function driver<T>(mr: i32, nr: i32, m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32, c: usize, crs: i32, ccs: i32, packA: usize, packB: usize): void {
  const shift = alignof<T>();
  // The register tile spills to 128 bytes past A's panels (within packA's slack), so each
  // thread running this on a shared memory has its own.
  const tile = packA + at(MC * KC, 1, shift);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      // B's block, transposed so its columns are A's "rows": panels of nr columns.
      packRows<T>(nr, packB, b + at(p0, brs, shift) + at(j0, bcs, shift), nc, kc, bcs, brs);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packRows<T>(mr, packA, a + at(i0, ars, shift) + at(p0, acs, shift), mc, kc, ars, acs);
        for (let j = 0; j < nc; j += nr) {
          const bp = packB + at(j * kc, 1, shift);
          for (let i = 0; i < mc; i += mr) {
            if (sizeof<T>() == 8) micro64(kc, packA + at(i * kc, 1, shift), bp, tile);
            else micro32(kc, packA + at(i * kc, 1, shift), bp, tile);
            addTile<T>(mr, nr, tile, c + at(i0 + i, crs, shift) + at(j0 + j, ccs, shift), crs, ccs, mc - i, nc - j);
          }
        }
      }
    }
  }
}

export function gemm_f64(m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32,
  c: usize, crs: i32, ccs: i32, packA: usize, packB: usize): void {
  driver<f64>(4, 4, m, n, k, a, ars, acs, b, brs, bcs, c, crs, ccs, packA, packB);
}

export function gemm_f32(m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32,
  c: usize, crs: i32, ccs: i32, packA: usize, packB: usize): void {
  driver<f32>(4, 8, m, n, k, a, ars, acs, b, brs, bcs, c, crs, ccs, packA, packB);
}
