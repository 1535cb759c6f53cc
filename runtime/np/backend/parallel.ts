// The Wasm backend's kernels as parallel jobs (chunks.ts lays out the parameters, threads.ts
// runs them). Operands are already in the module's memory: element offsets into it.
import { collapse, type Operand } from "../kernels.js";
import type { Shape } from "../shape.js";
import { CONTIGUOUS, GEMM, STRIDED } from "./chunks.js";
import { chunking, type Runner } from "./threads.js";

/** Elements per chunk, at least: below this the hand-off costs more than the work. */
const LEAST = 8192;

function header(p: Runner, kind: number, fn: number, total: number, size: number, shift: number): Float64Array {
  const job = p.job;
  job[0] = kind;
  job[1] = fn;
  job[2] = total;
  job[3] = size;
  job[4] = shift;
  return job;
}

/** A reduction's partial outputs: one per chunk, `stride` elements apart from `at`, each
 * filled with `identity` over `length` elements first. */
export interface Partials {
  readonly at: number;
  readonly stride: number;
  readonly length: number;
  readonly identity: number;
}

/**
 * Runs `fn(n, o, os, a, as, b, bs)` over `shape` on `p` (`ops`: the output, then the
 * inputs); with `partials`, each chunk writes its own copy of the output (whose base is
 * `ops[0]`'s plus the partial's distance from `partials.at`). Returns the number of chunks,
 * or 0 when the iteration is too short to split (nothing run).
 */
export function runStrided(p: Runner, fn: number, shift: number, shape: Shape, ops: readonly Operand[], partials?: Partials & { outAt: number }): number {
  const loops = collapse(shape, ops);
  if (loops === undefined || loops.dims.length === 0) return 0;
  const { dims, strides } = loops;
  const total = dims.reduce((q, d) => q * d, 1);
  const { size, count } = chunking(total, 8, LEAST);
  if (count < 2) return 0;
  const job = header(p, STRIDED, fn, total, size, shift);
  const k = dims.length;
  job[5] = ops.length;
  job[6] = k;
  job[7] = partials ? partials.stride : 0;
  job[8] = partials ? partials.identity : 0;
  job[9] = partials ? partials.length : 0;
  job[10] = partials ? partials.at : 0;
  job.set(dims, 11);
  ops.forEach((op, j) => {
    const at = 11 + k + j * (k + 1);
    job[at] = j === 0 && partials ? op.offset - partials.outAt + partials.at : op.offset;
    job.set(strides[j], at + 1);
  });
  p.run(count);
  return count;
}

/** `fn(src, dst, n)` over `n` contiguous elements at element offsets `src` and `dst`; false when too short to split. */
export function runContiguous(p: Runner, fn: number, shift: number, src: number, dst: number, n: number): boolean {
  const { size, count } = chunking(n, 8, LEAST);
  if (count < 2) return false;
  const job = header(p, CONTIGUOUS, fn, n, size, shift);
  job[5] = src * 2 ** shift;
  job[6] = dst * 2 ** shift;
  p.run(count);
  return true;
}

/** The GEMM kernel's arguments, addresses in bytes (wasm/gemm.ts), without its packing buffers. */
export type GemmArgs = [m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number, c: number, cRs: number, cCs: number];

/**
 * `C += A B` on `p` by blocks of rows of C, or of columns where C has fewer rows than
 * columns (each chunk packs all of the other operand: the smaller copy). Each participant
 * packs into its own buffers, `packStride` bytes apart from `pack` (B's `packB` bytes after A's).
 */
export function runGemm(p: Runner, fn: number, shift: number, args: GemmArgs, pack: number, packStride: number, packB: number): void {
  const [m, n] = args;
  const cols = m < n;
  const total = cols ? n : m;
  // Few chunks (2 a thread), in whole register tiles (8 rows or columns).
  const size = Math.max(8, Math.ceil(total / (2 * p.size) / 8) * 8);
  const job = header(p, GEMM, fn, total, size, shift);
  job.set(args, 5);
  job[17] = pack;
  job[18] = packStride;
  job[19] = packB;
  job[20] = cols ? 1 : 0;
  p.run(Math.ceil(total / size));
}
