// Both cores (issue 19): large Wasm kernels split into chunks that the main thread and
// workers take from one counter, each running its own instance of the kernel module over
// one shared WebAssembly memory. np's API is synchronous: the main thread takes chunks too,
// then waits for the workers' last one. Chunks are taken dynamically, so a worker the OS has
// descheduled (or one still starting) costs nothing: the main thread does its chunks. The
// workers are Node's worker_threads or a browser's Web Workers (hosts.ts), one protocol.
import { BY_WORKERS, CHUNKS, CLOSED, CTRL_WORDS, DONE, ERROR, NEXT, READY, STOP, WAKE, runChunk, takeChunks, workerMain } from "./chunks.js";
import { host, type HostWorker } from "./hosts.js";

/** Whether kernels can run on worker threads here: shared memory, and worker_threads or
 * (a cross-origin isolated page) Web Workers. */
export const threadsPossible = (): boolean => host() !== undefined;

/** Sizes from which a job is split, in elements (GEMM: m·n·k). bench/threads.bench.mjs
 * measures the break-even of each and prints it; on the loaded 2-CPU machine it found none
 * (docs/BENCHMARKS.md, "Both cores"), so these sit at the top of the measured range:
 * transcendentals from 2^18, GEMM from 256³; plain arithmetic and sums, whose kernel is a
 * small share of the call, from 2^22. */
export const threadOptions = { contiguous: 1 << 18, strided: 1 << 22, reduce: 1 << 22, gemm: 1 << 24 };

// Off by default: on the loaded 2-CPU machine it was measured on, no size broke even.
let setting: number | "auto" = 1;

/** Runs large NDArray kernels on `n` threads (the main thread and n − 1 workers), on all
 * cores ("auto", where worker_threads exist), or on the main thread only (1, the default). */
export function setThreads(n: number | "auto"): void {
  if (n !== "auto" && !(Number.isInteger(n) && n >= 1)) throw new Error(`setThreads: ${JSON.stringify(n)} is not a thread count; use a positive integer or "auto"`);
  setting = n;
  if (live !== undefined && live.size !== getThreads()) closePool();
  settingChanged?.();
}

let settingChanged: (() => void) | undefined;
/** Called after each `setThreads` (wasm.ts moves its kernels to a shared memory or off one). */
export function onThreadsChange(f: () => void): void {
  settingChanged = f;
}

/** Whether kernels should run on a shared memory: more than one thread is asked for. Copies
 * into and out of a shared memory cost 2.5-4x a plain one's in V8 (docs/BENCHMARKS.md,
 * "Session 12"), so one thread keeps an unshared memory. */
export const wantShared = (): boolean => threadsPossible() && getThreads() > 1;

/** The number of threads large kernels run on (1 where worker threads are not possible). */
export function getThreads(): number {
  if (!threadsPossible()) return 1;
  if (setting !== "auto") return setting;
  return Math.max(1, Math.min(8, host()!.cores()));
}

/** What the workers need to run the kernels: the module (compiled for a shared memory),
 * that memory, and the export names a job's kernel index refers to. */
export interface KernelModule {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly names: readonly string[];
  readonly fns: readonly ((...args: number[]) => void)[];
}

/** What runs a job's chunks: a pool of threads, or the main thread alone. */
export interface Runner {
  /** The threads that take chunks (the main thread included). */
  readonly size: number;
  /** The job's parameters (chunks.ts' `runChunk` reads them). */
  readonly job: Float64Array;
  /** Runs chunks 0 .. chunks − 1 of the job in `job`; returns when all are done. */
  run(chunks: number): void;
}

/** Every chunk on the main thread, in order: what a reduction runs below two threads, so
 * that its partial sums, and so its result, do not depend on the thread count. */
class MainThread implements Runner {
  readonly size = 1;
  readonly job = new Float64Array(256);
  constructor(private readonly kernels: KernelModule) {}
  run(chunks: number): void {
    for (let c = 0; c < chunks; c++) runChunk(this.kernels.fns, this.job, c, 0, this.kernels.memory);
  }
}

export class Pool implements Runner {
  readonly job = new Float64Array(new SharedArrayBuffer(8 * 256));
  private readonly control = new SharedArrayBuffer(4 * CTRL_WORDS);
  private readonly ctrl = new Int32Array(this.control);
  private readonly workers: HostWorker[] = [];
  private readonly canWait: boolean;
  private generation = 0;
  /** Calls in a row where the main thread waited longer than it worked. */
  stalls = 0;

  constructor(private readonly kernels: KernelModule, readonly size: number) {
    const h = host()!;
    this.canWait = h.canWait;
    Atomics.store(this.ctrl, NEXT, CLOSED);
    const program = `(data) => (${workerMain})(data, ${runChunk}, ${takeChunks})`;
    const { module, memory, names } = kernels;
    for (let id = 1; id < size; id++) this.workers.push(h.spawn(program, { module, memory, control: this.control, job: this.job.buffer, names, id }));
  }

  /** Runs chunks 0 .. chunks − 1 of the job in `job` on every thread; returns when all are
   * done. Counts the calls where the main thread waited for the workers longer than it
   * worked itself (a worker descheduled by a loaded machine). */
  run(chunks: number): void {
    const start = performance.now();
    const ctrl = this.ctrl;
    this.open(chunks);
    let failure: unknown;
    const { fns, memory } = this.kernels;
    const taken = takeChunks(ctrl, 0, (c) => {
      try {
        runChunk(fns, this.job, c, 0, memory);
      } catch (e) {
        failure = e;
        throw e;
      }
    });
    // The workers' last chunks: watch for as long as two of ours took (sleeping gives up this
    // thread's core, which a loaded machine is slow to give back), then sleep until woken.
    const worked = performance.now();
    const watch = 0.02 + (2 * (worked - start)) / Math.max(taken, 1);
    for (; Atomics.load(ctrl, DONE) < chunks && performance.now() - worked < watch; );
    // (a page's main thread may not sleep: it watches on)
    for (let d; (d = Atomics.load(ctrl, DONE)) < chunks; ) if (this.canWait) Atomics.wait(ctrl, DONE, d);
    Atomics.store(ctrl, NEXT, (this.generation << 11) | CLOSED);
    const waited = performance.now() - worked;
    this.stalls = waited > 0.25 && waited > worked - start ? this.stalls + 1 : 0;
    if (Atomics.load(ctrl, ERROR) !== 0) {
      closePool();
      throw failure instanceof Error ? failure : new Error("np threads: a kernel failed on a worker thread");
    }
  }

  /** Opens chunks 0 .. chunks − 1 of the job in `job` and wakes the workers to take them. */
  open(chunks: number): void {
    const ctrl = this.ctrl;
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, ERROR, 0);
    Atomics.store(ctrl, CHUNKS, chunks);
    this.generation = (this.generation + 1) & 0xfffff;
    Atomics.store(ctrl, NEXT, this.generation << 11);
    Atomics.add(ctrl, WAKE, 1);
    Atomics.notify(ctrl, WAKE, Math.min(chunks - 1, this.workers.length));
  }

  /** Workers started and waiting for chunks, and the chunks they have run (for tests and benchmarks). */
  stats(): { ready: number; byWorkers: number } {
    return { ready: Atomics.load(this.ctrl, READY), byWorkers: Atomics.load(this.ctrl, BY_WORKERS) };
  }

  close(): void {
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, WAKE, 1);
    Atomics.notify(this.ctrl, WAKE);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

let kernels: KernelModule | undefined;
let shared = false;
let mainThread: MainThread | undefined;
let live: Pool | undefined;
/** Until when "auto" runs on the main thread only, after workers stalled (ms, performance.now). */
let backOffUntil = 0;

/** Registers the kernel module (wasm.ts); worker threads run it where its memory is `shared`. */
export function attachKernels(k: KernelModule, isShared: boolean): void {
  closePool();
  kernels = k;
  shared = isShared;
  mainThread = new MainThread(k);
}

/**
 * The pool for the current setting, or undefined when kernels run on the main thread only.
 * With "auto", after two calls in a row where the workers kept the main thread waiting
 * longer than it worked (the machine is loaded), the main thread runs alone for a second.
 */
export function pool(): Pool | undefined {
  const n = kernels === undefined || !shared ? 1 : getThreads();
  if (n <= 1) return undefined;
  if (live?.size !== n) {
    closePool();
    live = new Pool(kernels!, n);
  }
  if (setting === "auto") {
    if (live.stalls >= 2) {
      live.stalls = 0;
      backOffUntil = performance.now() + 1000;
    }
    if (performance.now() < backOffUntil) return undefined;
  }
  return live;
}

/** The pool, or the main thread alone. */
export const runner = (): Runner => pool() ?? mainThread!;

/** Stops and terminates the workers (they are started again when next needed). */
export function closePool(): void {
  live?.close();
  live = undefined;
}

/** Chunks of `total` items in multiples of `unit`: at most 32, of at least `least` items,
 * sized by `total` alone, so a reduction's partial sums do not depend on the thread count. */
export function chunking(total: number, unit: number, least: number): { size: number; count: number } {
  const size = Math.max(least, Math.ceil(total / 32 / unit) * unit);
  return { size, count: Math.ceil(total / size) };
}
