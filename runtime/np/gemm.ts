// The matrix-multiply kernel: C += A B for strided A (m x k), B (k x n), C (m x n),
// with a BLAS-like signature (offsets and row/column strides for every operand) so a
// WebAssembly SIMD kernel can replace it. Blocks of B (KC x NC) and A (MC x KC) are
// packed into contiguous panels (GotoBLAS's layout); a 4x4 register tile of C
// accumulates over each pair of panels.
import { freshCopy } from "./kernels.js";
import type { TypedArray } from "./dtype.js";

export type Gemm = (
  m: number, n: number, k: number,
  a: TypedArray, aOffset: number, aRowStride: number, aColStride: number,
  b: TypedArray, bOffset: number, bRowStride: number, bColStride: number,
  c: TypedArray, cOffset: number, cRowStride: number, cColStride: number,
) => void;

/* eslint-disable @typescript-eslint/no-explicit-any */

type Micro = (kc: number, a: number, b: number, c: number) => void;

/** The 4x4 micro-kernel as an asm.js module, so V8 compiles it like WebAssembly (no
 * bounds checks in the loop): 5 GFLOP/s where the same loop as ordinary JavaScript
 * reaches 3.5. `micro(kc, a, b, c)` reads a packed A panel (4 rows, `kc` columns,
 * column by column) at byte offset `a`, a packed B panel (`kc` rows of 4) at `b`, and
 * writes their 4x4 product, row-major, at `c`. It is kept as source text because asm.js
 * needs its exact spelling (`0.0` for a double), which compilers and minifiers rewrite. */
const ASM_MICRO_KERNEL = `"use asm";
  var H = new stdlib.Float64Array(heap);
  function micro(kc, ai, bi, ct) {
    kc = kc | 0; ai = ai | 0; bi = bi | 0; ct = ct | 0;
    var c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0, c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
    var c20 = 0.0, c21 = 0.0, c22 = 0.0, c23 = 0.0, c30 = 0.0, c31 = 0.0, c32 = 0.0, c33 = 0.0;
    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, b0 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0;
    var end = 0;
    end = (ai + (kc << 5)) | 0;
    while ((ai | 0) < (end | 0)) {
      a0 = +H[ai >> 3]; a1 = +H[(ai + 8) >> 3]; a2 = +H[(ai + 16) >> 3]; a3 = +H[(ai + 24) >> 3];
      b0 = +H[bi >> 3]; b1 = +H[(bi + 8) >> 3]; b2 = +H[(bi + 16) >> 3]; b3 = +H[(bi + 24) >> 3];
      c00 = c00 + a0 * b0; c01 = c01 + a0 * b1; c02 = c02 + a0 * b2; c03 = c03 + a0 * b3;
      c10 = c10 + a1 * b0; c11 = c11 + a1 * b1; c12 = c12 + a1 * b2; c13 = c13 + a1 * b3;
      c20 = c20 + a2 * b0; c21 = c21 + a2 * b1; c22 = c22 + a2 * b2; c23 = c23 + a2 * b3;
      c30 = c30 + a3 * b0; c31 = c31 + a3 * b1; c32 = c32 + a3 * b2; c33 = c33 + a3 * b3;
      ai = (ai + 32) | 0; bi = (bi + 32) | 0;
    }
    H[ct >> 3] = c00; H[(ct + 8) >> 3] = c01; H[(ct + 16) >> 3] = c02; H[(ct + 24) >> 3] = c03;
    H[(ct + 32) >> 3] = c10; H[(ct + 40) >> 3] = c11; H[(ct + 48) >> 3] = c12; H[(ct + 56) >> 3] = c13;
    H[(ct + 64) >> 3] = c20; H[(ct + 72) >> 3] = c21; H[(ct + 80) >> 3] = c22; H[(ct + 88) >> 3] = c23;
    H[(ct + 96) >> 3] = c30; H[(ct + 104) >> 3] = c31; H[(ct + 112) >> 3] = c32; H[(ct + 120) >> 3] = c33;
  }
  return { micro: micro };`;

/** Where code generation is forbidden (a strict Content-Security-Policy): the same
 * product as plain loops; slower, same results. */
function plainMicro(H: Float64Array): Micro {
  return (kc, ai, bi, ct) => {
    const [a, b, c] = [ai / 8, bi / 8, ct / 8];
    for (let t = 0; t < 16; t++) H[c + t] = 0;
    for (let p = 0; p < kc; p++) {
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) H[c + i * 4 + j] += H[a + p * 4 + i] * H[b + p * 4 + j];
    }
  };
}

function microKernel(heap: ArrayBuffer, H: Float64Array): Micro {
  try {
    return new Function("stdlib", "foreign", "heap", ASM_MICRO_KERNEL)(globalThis, {}, heap).micro;
  } catch {
    return plainMicro(H);
  }
}

const HEAP_BYTES = 1 << 22; // 4 MiB: the C tile, an A block and a B block (see below)

/** Packs blocks into `H` and runs `micro` over them: `C += A B` for one combination of
 * storage types (the driver is copied per combination, the micro-kernel is shared). */
function driverTemplate(H: Float64Array, micro: Micro): Gemm {
  // (Constants live here: the template is copied from its source, without module scope.)
  const KC = 128; // depth of a packed block
  const MC = 64; // rows of A packed at once
  const NC = 2048; // columns of B packed at once
  const A_AT = 16; // where the A block starts in H, after the 4x4 C tile
  const B_AT = A_AT + MC * KC; // and the B block (it ends at 270352 < HEAP_BYTES / 8)
  return function gemm(M: number, N: number, K: number, A: any, aO: number, aRs: number, aCs: number,
    B: any, bO: number, bRs: number, bCs: number, C: any, cO: number, cRs: number, cCs: number): void {
    for (let j0 = 0; j0 < N; j0 += NC) {
      const nc = Math.min(NC, N - j0);
      const np = Math.ceil(nc / 4);
      for (let p0 = 0; p0 < K; p0 += KC) {
        const kc = Math.min(KC, K - p0);
        // B[p0:p0+kc, j0:j0+nc] as panels of 4 columns, row by row, zero-padded.
        for (let jp = 0; jp < np; jp++) {
          const base = B_AT + jp * kc * 4;
          for (let jj = 0; jj < 4; jj++) {
            const j = j0 + jp * 4 + jj;
            const col = bO + p0 * bRs + j * bCs;
            if (j < j0 + nc) for (let p = 0; p < kc; p++) H[base + p * 4 + jj] = B[col + p * bRs];
            else for (let p = 0; p < kc; p++) H[base + p * 4 + jj] = 0;
          }
        }
        for (let i0 = 0; i0 < M; i0 += MC) {
          const mp = Math.ceil(Math.min(MC, M - i0) / 4);
          // A[i0:i0+MC, p0:p0+kc] as panels of 4 rows, column by column.
          for (let ip = 0; ip < mp; ip++) {
            const base = A_AT + ip * kc * 4;
            for (let ii = 0; ii < 4; ii++) {
              const i = i0 + ip * 4 + ii;
              const row = aO + i * aRs + p0 * aCs;
              if (i < M) for (let p = 0; p < kc; p++) H[base + p * 4 + ii] = A[row + p * aCs];
              else for (let p = 0; p < kc; p++) H[base + p * 4 + ii] = 0;
            }
          }
          for (let jp = 0; jp < np; jp++) {
            for (let ip = 0; ip < mp; ip++) {
              micro(kc, (A_AT + ip * kc * 4) * 8, (B_AT + jp * kc * 4) * 8, 0);
              const i = i0 + ip * 4;
              const j = j0 + jp * 4;
              if (i + 4 <= M && j + 4 <= j0 + nc) {
                let r = cO + i * cRs + j * cCs;
                C[r] += H[0]; C[r + cCs] += H[1]; C[r + 2 * cCs] += H[2]; C[r + 3 * cCs] += H[3]; r += cRs;
                C[r] += H[4]; C[r + cCs] += H[5]; C[r + 2 * cCs] += H[6]; C[r + 3 * cCs] += H[7]; r += cRs;
                C[r] += H[8]; C[r + cCs] += H[9]; C[r + 2 * cCs] += H[10]; C[r + 3 * cCs] += H[11]; r += cRs;
                C[r] += H[12]; C[r + cCs] += H[13]; C[r + 2 * cCs] += H[14]; C[r + 3 * cCs] += H[15];
              } else {
                for (let ii = 0; ii < 4 && i + ii < M; ii++) {
                  for (let jj = 0; jj < 4 && j + jj < j0 + nc; jj++) C[cO + (i + ii) * cRs + (j + jj) * cCs] += H[ii * 4 + jj];
                }
              }
            }
          }
        }
      }
    }
  };
}

/** A plain loop, the k loop innermost: for small and matrix-vector products. */
function smallGemm(M: number, N: number, K: number, A: any, aO: number, aRs: number, aCs: number,
  B: any, bO: number, bRs: number, bCs: number, C: any, cO: number, cRs: number, cCs: number): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += A[aO + i * aRs + p * aCs] * B[bO + p * bRs + j * bCs];
      C[cO + i * cRs + j * cCs] += s;
    }
  }
}

const byType = new Map<string, Gemm>();

let heap: { H: Float64Array; micro: Micro } | undefined;
function kernelHeap() {
  if (heap === undefined) {
    const buffer = new ArrayBuffer(HEAP_BYTES);
    const H = new Float64Array(buffer);
    heap = { H, micro: microKernel(buffer, H) };
  }
  return heap;
}

/** The compiled copy if it computes a small product right, else the template itself. */
function checked(kernel: Gemm, fallback: () => Gemm): Gemm {
  const a = Float64Array.from({ length: 30 }, (_, i) => i % 7);
  const [c1, c2] = [new Float64Array(25), new Float64Array(25)];
  try {
    kernel(5, 5, 6, a, 0, 6, 1, a, 0, 5, 1, c1, 0, 5, 1);
    smallGemm(5, 5, 6, a, 0, 6, 1, a, 0, 5, 1, c2, 0, 5, 1);
    if (c1.every((v, i) => v === c2[i])) return kernel;
  } catch {
    // fall through
  }
  return fallback();
}

/** `C += A B` with the kernel compiled for these storage types. */
export function gemm(...args: Parameters<Gemm>): void {
  const [m, n, k, a, , , , b, , , , c] = args;
  // Small products and matrix-vector products (one column: nothing to tile) skip packing.
  if (m * n * k <= 4096 || n === 1) return smallGemm(...args);
  const key = a.constructor.name + b.constructor.name + c.constructor.name;
  let kernel = byType.get(key);
  if (kernel === undefined) {
    const { H, micro } = kernelHeap();
    byType.set(key, (kernel = checked(freshCopy(driverTemplate)(H, micro), () => driverTemplate(H, micro))));
  }
  kernel(...args);
}
