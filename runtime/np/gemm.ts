// The matrix-multiply kernel: C += A B for strided A (m x k), B (k x n), C (m x n),
// with a BLAS-like signature (offsets and row/column strides for every operand) so a
// WebAssembly SIMD kernel can replace it. Blocks of B (KC x n) and A (MC x KC) are
// packed into contiguous panels; a 4x4 register tile of C accumulates over each panel.
import { freshCopy } from "./kernels.js";
import type { TypedArray } from "./dtype.js";

export type Gemm = (
  m: number, n: number, k: number,
  a: TypedArray, aOffset: number, aRowStride: number, aColStride: number,
  b: TypedArray, bOffset: number, bRowStride: number, bColStride: number,
  c: TypedArray, cOffset: number, cRowStride: number, cColStride: number,
) => void;

/* eslint-disable @typescript-eslint/no-explicit-any */
function gemmTemplate(): Gemm {
  const KC = 128;
  const MC = 64;
  let Ap = new Float64Array(0);
  let Bp = new Float64Array(0);
  const edge = new Float64Array(16);
  return function gemm(M: number, N: number, K: number, A: any, aO: number, aRs: number, aCs: number,
    B: any, bO: number, bRs: number, bCs: number, C: any, cO: number, cRs: number, cCs: number): void {
    const NP = Math.ceil(N / 4);
    const MP = Math.ceil(Math.min(M, MC) / 4);
    if (Bp.length < NP * 4 * KC) Bp = new Float64Array(NP * 4 * KC);
    if (Ap.length < MP * 4 * KC) Ap = new Float64Array(MP * 4 * KC);
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kc = Math.min(KC, K - p0);
      // Pack B[p0:p0+kc, :] as panels of 4 columns, row by row, zero-padded.
      for (let jp = 0; jp < NP; jp++) {
        const base = jp * kc * 4;
        for (let p = 0; p < kc; p++) {
          const row = bO + (p0 + p) * bRs;
          for (let jj = 0; jj < 4; jj++) {
            const j = jp * 4 + jj;
            Bp[base + p * 4 + jj] = j < N ? B[row + j * bCs] : 0;
          }
        }
      }
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mp = Math.ceil(Math.min(MC, M - i0) / 4);
        // Pack A[i0:i0+MC, p0:p0+kc] as panels of 4 rows, column by column.
        for (let ip = 0; ip < mp; ip++) {
          const base = ip * kc * 4;
          for (let ii = 0; ii < 4; ii++) {
            const i = i0 + ip * 4 + ii;
            const row = aO + i * aRs + p0 * aCs;
            if (i < M) for (let p = 0; p < kc; p++) Ap[base + p * 4 + ii] = A[row + p * aCs];
            else for (let p = 0; p < kc; p++) Ap[base + p * 4 + ii] = 0;
          }
        }
        for (let jp = 0; jp < NP; jp++) {
          for (let ip = 0; ip < mp; ip++) {
            let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
            let ai = ip * kc * 4;
            let bi = jp * kc * 4;
            const end = ai + kc * 4;
            for (; ai < end; ai += 4, bi += 4) {
              const a0 = Ap[ai], a1 = Ap[ai + 1], a2 = Ap[ai + 2], a3 = Ap[ai + 3];
              const b0 = Bp[bi], b1 = Bp[bi + 1], b2 = Bp[bi + 2], b3 = Bp[bi + 3];
              c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
              c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
              c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
              c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            const i = i0 + ip * 4;
            const j = jp * 4;
            if (i + 4 <= M && j + 4 <= N) {
              let r = cO + i * cRs + j * cCs;
              C[r] += c00; C[r + cCs] += c01; C[r + 2 * cCs] += c02; C[r + 3 * cCs] += c03; r += cRs;
              C[r] += c10; C[r + cCs] += c11; C[r + 2 * cCs] += c12; C[r + 3 * cCs] += c13; r += cRs;
              C[r] += c20; C[r + cCs] += c21; C[r + 2 * cCs] += c22; C[r + 3 * cCs] += c23; r += cRs;
              C[r] += c30; C[r + cCs] += c31; C[r + 2 * cCs] += c32; C[r + 3 * cCs] += c33;
            } else {
              edge[0] = c00; edge[1] = c01; edge[2] = c02; edge[3] = c03;
              edge[4] = c10; edge[5] = c11; edge[6] = c12; edge[7] = c13;
              edge[8] = c20; edge[9] = c21; edge[10] = c22; edge[11] = c23;
              edge[12] = c30; edge[13] = c31; edge[14] = c32; edge[15] = c33;
              for (let ii = 0; ii < 4 && i + ii < M; ii++) {
                for (let jj = 0; jj < 4 && j + jj < N; jj++) C[cO + (i + ii) * cRs + (j + jj) * cCs] += edge[ii * 4 + jj];
              }
            }
          }
        }
      }
    }
  };
}

/** Small products skip packing: a plain loop with the k loop innermost over rows. */
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

/** The compiled copy if it computes a small product right, else the template itself. */
function checked(kernel: Gemm): Gemm {
  const a = Float64Array.from({ length: 30 }, (_, i) => i % 7);
  const [c1, c2] = [new Float64Array(25), new Float64Array(25)];
  try {
    kernel(5, 5, 6, a, 0, 6, 1, a, 0, 5, 1, c1, 0, 5, 1);
    smallGemm(5, 5, 6, a, 0, 6, 1, a, 0, 5, 1, c2, 0, 5, 1);
    if (c1.every((v, i) => v === c2[i])) return kernel;
  } catch {
    // fall through
  }
  return gemmTemplate();
}

/** `C += A B` with the kernel compiled for these storage types. */
export function gemm(...args: Parameters<Gemm>): void {
  const [m, n, k, a, , , , b, , , , c] = args;
  if (m * n * k <= 4096) return smallGemm(...args);
  const key = a.constructor.name + b.constructor.name + c.constructor.name;
  let kernel = byType.get(key);
  if (kernel === undefined) byType.set(key, (kernel = checked(freshCopy(gemmTemplate)())));
  kernel(...args);
}
