// Where the pool's workers come from (threads.ts): Node's `worker_threads`, or a browser's
// Web Workers when the page is cross-origin isolated (shared memory needs it). Both run the
// same worker program (chunks.ts' `workerMain`) on the same protocol; only how a worker is
// started and handed its data differs. Neither module is imported: worker_threads is reached
// through process.getBuiltinModule, Worker through globalThis, so no bundle sees either.

/** A started worker: stopped with `terminate`. */
export interface HostWorker {
  terminate(): void;
}

/** What the pool needs from its environment. */
export interface Host {
  readonly name: "worker_threads" | "web";
  /** Starts a worker running `program(data)`: `program` is a function's source text taking
   * the data (structured-cloned: the module, the shared memory and buffers) as its argument. */
  spawn(program: string, data: object): HostWorker;
  /** Whether this (the calling) thread may block in Atomics.wait: a page's main thread may not. */
  readonly canWait: boolean;
  /** Cores, for "auto". */
  cores(): number;
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: string, listener: (x: unknown) => void): void;
}
type WorkerThreads = { Worker: new (source: string, options: object) => NodeWorker };

/** A Node built-in module by name, or undefined outside Node (or before Node 20.16). */
function nodeBuiltin<T>(name: string): T | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  try {
    return p?.getBuiltinModule?.(name) as T | undefined;
  } catch {
    return undefined;
  }
}

function nodeHost(): Host | undefined {
  const threads = nodeBuiltin<WorkerThreads>("node:worker_threads");
  if (threads === undefined) return undefined;
  const os = nodeBuiltin<{ availableParallelism?: () => number; cpus: () => unknown[] }>("node:os");
  return {
    name: "worker_threads",
    canWait: true,
    cores: () => os?.availableParallelism?.() ?? os?.cpus().length ?? 1,
    spawn(program, data) {
      const worker = new threads.Worker(`(${program})(require("node:worker_threads").workerData);`, { eval: true, workerData: data });
      worker.unref(); // a sleeping worker must not keep the process alive
      worker.on("error", () => {}); // one that fails to start takes no chunks: the others do them
      return { terminate: () => void worker.terminate() };
    },
  };
}

/** The shape of a browser's `Worker` this needs (a test passes a shim over worker_threads). */
export interface WebWorkerLike {
  postMessage(data: unknown): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: unknown) => void) | null;
  terminate(): void;
}
export type WebWorkerClass = new (url: string, options?: { name?: string }) => WebWorkerLike;

interface WebGlobals {
  Worker?: WebWorkerClass;
  crossOriginIsolated?: boolean;
  Blob?: new (parts: string[], options: { type: string }) => unknown;
  URL?: { createObjectURL?(blob: unknown): string };
  navigator?: { hardwareConcurrency?: number };
}

/** Whether this thread may Atomics.wait (it throws on a page's main thread, before looking at the value). */
function threadCanWait(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Web Workers over `g.Worker`, started from a Blob URL of the worker program, which takes its
 * data from the first message; undefined unless the page is cross-origin isolated (without
 * it there is no SharedArrayBuffer to share the kernel memory) or Blob URLs are missing.
 */
export function webHost(g: WebGlobals = globalThis as WebGlobals): Host | undefined {
  const { Worker, Blob, URL } = g;
  if (g.crossOriginIsolated !== true || Worker === undefined || Blob === undefined || URL?.createObjectURL === undefined) return undefined;
  let url: string | undefined;
  return {
    name: "web",
    canWait: threadCanWait(),
    cores: () => g.navigator?.hardwareConcurrency ?? 1,
    spawn(program, data) {
      url ??= URL.createObjectURL!(new Blob([`onmessage = (e) => { onmessage = null; (${program})(e.data); };`], { type: "text/javascript" }));
      const worker = new Worker(url, { name: "adjoint-np" });
      worker.onerror = () => {}; // as in Node: a worker that fails takes no chunks
      worker.postMessage(data);
      return { terminate: () => worker.terminate() };
    },
  };
}

let chosen: Host | null | undefined;
/** The host for this environment (Node first), or undefined where kernels run on one thread. */
export function host(): Host | undefined {
  if (chosen === undefined) chosen = typeof SharedArrayBuffer === "function" && typeof Atomics === "object" ? (nodeHost() ?? webHost() ?? null) : null;
  return chosen ?? undefined;
}

/** Replaces the host (tests: the Web Worker adapter over a shim), or with undefined chooses again. */
export function useHost(h: Host | undefined): void {
  chosen = h;
}
