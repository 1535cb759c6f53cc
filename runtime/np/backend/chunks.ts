// One chunk of a parallel Wasm job, run by the main thread and by each worker (threads.ts),
// all on instances of the kernel module over one shared memory. Both functions are sent to
// the workers as source text (`toString`), so they use nothing outside their parameters.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** Kinds of job (`job[0]`). */
export const STRIDED = 0;
export const CONTIGUOUS = 1;
export const GEMM = 2;

/** Control words (Int32Array over a SharedArrayBuffer). NEXT packs the job's generation
 * (bits 11..30) and the next chunk to take (bits 0..10; CLOSED between jobs), so a thread
 * that slept through a job can never take a chunk of the next one by mistake. */
export const WAKE = 0, NEXT = 1, DONE = 2, CHUNKS = 3, ERROR = 4, STOP = 5, READY = 6, BY_WORKERS = 7, CTRL_WORDS = 8;
export const CLOSED = 2047;

/**
 * Runs chunk `c` of the job in `job` (header: kind, kernel, total, chunk size, log2 element
 * bytes) as participant `p`:
 * - STRIDED: `fn(n, o, os, a, as, b, bs)` over the elements [c·size, (c+1)·size) of an
 *   iteration of `k` dims (`job[5]` operands, `job[6]` = k, then dims, then per operand its
 *   base element and strides). A reduction (`job[7]` > 0) gives each chunk its own
 *   partial output, `job[7]` elements after the previous one, first filled with `job[8]`
 *   over `job[9]` elements from element `job[10]`.
 * - CONTIGUOUS: `fn(src, dst, n)` over the chunk's elements (`job[5]`, `job[6]`: bytes).
 * - GEMM: `C += A B` for the chunk's rows of C (or, `job[19]` = 1, its columns), with
 *   participant `p`'s packing buffers.
 */
export function runChunk(fns: readonly ((...args: number[]) => void)[], job: Float64Array, c: number, p: number, memory: WebAssembly.Memory): void {
  const kind = job[0], fn = fns[job[1]], total = job[2], size = job[3], bytes = 2 ** job[4];
  const e0 = c * size, e1 = Math.min(total, e0 + size);
  if (e1 <= e0) return;
  if (kind === 1) return fn(job[5] + e0 * bytes, job[6] + e0 * bytes, e1 - e0);
  if (kind === 2) {
    // job[5..16]: m n k, A, its row and column strides, B and its strides, C and its strides.
    const pack = job[17] + p * job[18], cols = job[20] === 1;
    const m = cols ? job[5] : e1 - e0, n = cols ? e1 - e0 : job[6];
    const a = job[8] + (cols ? 0 : e0 * job[9] * bytes);
    const b = job[11] + (cols ? e0 * job[13] * bytes : 0);
    const c = job[14] + e0 * (cols ? job[16] : job[15]) * bytes;
    return fn(m, n, job[7], a, job[9], job[10], b, job[12], job[13], c, job[15], job[16], pack, pack + job[19]);
  }
  const ops = job[5], k = job[6], at = 11 + k;
  const off: number[] = [], st: number[][] = [];
  for (let j = 0; j < ops; j++) {
    off.push(job[at + j * (k + 1)]);
    st.push(Array.from(job.subarray(at + j * (k + 1) + 1, at + (j + 1) * (k + 1))));
  }
  if (job[7] > 0) {
    off[0] += c * job[7];
    const from = job[10] + c * job[7];
    (bytes === 8 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer)).fill(job[8], from, from + job[9]);
  }
  // The multi-index of element e0 (the last dim innermost).
  const n = job[11 + k - 1];
  let row = Math.floor(e0 / n), col = e0 - row * n;
  const index: number[] = [];
  for (let d = k - 2; d >= 0; d--) {
    const dim = job[11 + d];
    index[d] = row % dim;
    row = (row - index[d]) / dim;
    for (let j = 0; j < ops; j++) off[j] += index[d] * st[j][d];
  }
  const s0 = st[0][k - 1], s1 = st[1][k - 1], s2 = ops > 2 ? st[2][k - 1] : 0;
  for (let e = e0; e < e1; col = 0) {
    const len = Math.min(n - col, e1 - e);
    fn(len, (off[0] + col * s0) * bytes, s0, (off[1] + col * s1) * bytes, s1, ops > 2 ? (off[2] + col * s2) * bytes : 0, s2);
    e += len;
    for (let d = k - 2; d >= 0; d--) {
      index[d]++;
      for (let j = 0; j < ops; j++) off[j] += st[j][d];
      if (index[d] < job[11 + d]) break;
      for (let j = 0; j < ops; j++) off[j] -= st[j][d] * job[11 + d];
      index[d] = 0;
    }
  }
}

/** Takes chunks of the open job until none is left as participant `p`; counts each done
 * (and those done by workers), and wakes the waiting main thread after the last. An
 * exception marks the job failed. Returns how many it took. */
export function takeChunks(ctrl: Int32Array, p: number, run: (c: number) => void): number {
  for (let taken = 0; ; taken++) {
    const v = Atomics.load(ctrl, 1);
    const c = v & 2047;
    if (c === 2047 || c >= Atomics.load(ctrl, 3)) return taken;
    if (Atomics.compareExchange(ctrl, 1, v, v + 1) !== v) {
      taken--;
      continue;
    }
    try {
      run(c);
    } catch (e) {
      Atomics.store(ctrl, 4, 1);
    }
    if (p > 0) Atomics.add(ctrl, 7, 1);
    if (Atomics.add(ctrl, 2, 1) + 1 === Atomics.load(ctrl, 3)) Atomics.notify(ctrl, 2);
  }
}

/** A worker's program: instantiate the module on the shared memory, then sleep until
 * woken, take chunks, sleep again; leave when told to stop. */
export function workerMain(data: any, runChunk: any, takeChunks: any): void {
  const { module, memory, control, job, names, id } = data;
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as any;
  const fns = names.map((name: string) => exports[name]);
  const ctrl = new Int32Array(control);
  const params = new Float64Array(job);
  let seen = Atomics.load(ctrl, 0);
  Atomics.add(ctrl, 6, 1);
  for (;;) {
    // A program's operations come one after another: watch for the next one a little
    // (50 µs) before sleeping, which costs a wake-up.
    for (const t0 = performance.now(); Atomics.load(ctrl, 0) === seen && performance.now() - t0 < 0.05; );
    Atomics.wait(ctrl, 0, seen);
    seen = Atomics.load(ctrl, 0);
    if (Atomics.load(ctrl, 5) !== 0) return;
    takeChunks(ctrl, id, (c: number) => runChunk(fns, params, c, id, memory));
  }
}
