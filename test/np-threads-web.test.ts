// Both cores in browsers: the Web Worker host (runtime/np/backend/hosts.ts) run in Node
// against a `Worker`-shaped shim over worker_threads, which loads the adapter's Blob URL and
// speaks postMessage/onmessage/terminate as a browser's Worker does. The workers must take
// chunks (a broken adapter leaves them idle and fails here) and give the main thread's bits.
// scripts/threads-browser.mjs runs the same in headless Chromium, outside npm test.
import { resolveObjectURL } from "node:buffer";
import { Worker as NodeWorker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as np from "../runtime/np/index.js";
import type { NDArray } from "../runtime/np/index.js";
import { wasmSupported } from "../runtime/np/backend/wasm.js";
import { closePool, pool, threadOptions, threadsPossible } from "../runtime/np/backend/threads.js";
import { host, useHost, webHost, type Host, type WebWorkerLike } from "../runtime/np/backend/hosts.js";

// The worker side of the shim: a browser worker's globals (onmessage, postMessage), the
// adapter's script as its first message, then each message as a MessageEvent-like object.
const BOOT = `
  const { parentPort } = require("node:worker_threads");
  let handler = null;
  Object.defineProperty(globalThis, "onmessage", { get: () => handler, set: (f) => { handler = f; }, configurable: true });
  globalThis.postMessage = (d) => parentPort.postMessage(d);
  parentPort.once("message", (code) => {
    (0, eval)(code);
    parentPort.on("message", (data) => handler && handler({ data }));
  });`;

const started: string[] = [];
class ShimWorker implements WebWorkerLike {
  onmessage: WebWorkerLike["onmessage"] = null;
  onerror: WebWorkerLike["onerror"] = null;
  private readonly worker = new NodeWorker(BOOT, { eval: true });
  private queue: Promise<unknown>;
  constructor(url: string) {
    started.push(url);
    this.worker.unref();
    this.worker.on("error", (e) => this.onerror?.(e));
    this.worker.on("message", (data) => this.onmessage?.({ data }));
    const blob = resolveObjectURL(url);
    if (blob === undefined) throw new Error(`shim: ${url} is not a Blob URL`);
    this.queue = blob.text().then((code) => this.worker.postMessage(code));
  }
  postMessage(data: unknown): void {
    this.queue = this.queue.then(() => this.worker.postMessage(data));
  }
  terminate(): void {
    void this.worker.terminate();
  }
}
const shimGlobals = { Worker: ShimWorker, crossOriginIsolated: true, Blob, URL, navigator: { hardwareConcurrency: 2 } };

const defaults = { ...threadOptions };
const data = (shape: number[], dt: "float64" | "float32") => np.random.uniform(-2, 2, shape).astype(dt);
const bits = (x: NDArray) => Array.from(np.ravel(x).toArray() as number[], (v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : String(v)));
const jobs = (dt: "float64" | "float32") => {
  const a = data([301, 203], dt), b = data([203, 157], dt), strided = np.getItem(data([602, 406], dt), ["::2", "::-2"]);
  return () => [np.tanh(a), np.exp(a), np.add(strided, a), np.mul(np.transpose(a), 0.5), np.matmul(a, b), np.sum(a, 0), np.sum(a), np.max(strided, 1)];
};

describe("the Web Worker host is chosen only where shared memory is allowed", () => {
  it("no cross-origin isolation, no Worker, or no Blob URLs: one thread", () => {
    expect(webHost({ ...shimGlobals, crossOriginIsolated: false })).toBeUndefined();
    expect(webHost({ ...shimGlobals, crossOriginIsolated: undefined })).toBeUndefined();
    expect(webHost({ ...shimGlobals, Worker: undefined })).toBeUndefined();
    expect(webHost({ ...shimGlobals, URL: {} })).toBeUndefined();
    expect(webHost(shimGlobals)?.name).toBe("web");
    expect(webHost(shimGlobals)?.cores()).toBe(2);
  });
});

describe.skipIf(!wasmSupported() || !threadsPossible())("kernels on Web Workers (a shim over worker_threads) compute what the main thread computes", () => {
  let node: Host | undefined;
  beforeAll(() => {
    node = host();
    np.setBackend("wasm");
    np.random.seed(19);
  });
  afterAll(() => {
    Object.assign(threadOptions, defaults);
    np.setThreads(1);
    useHost(undefined);
    closePool();
  });

  // canWait false: a page's main thread, which must watch for the workers' last chunk, not sleep.
  for (const canWait of [true, false]) {
    it(`the workers start from the adapter's Blob URL, take chunks, and give the same bits (main thread ${canWait ? "sleeps" : "watches"})`, async () => {
      const web = webHost(shimGlobals)!;
      useHost({ ...web, canWait });
      for (const k of Object.keys(threadOptions) as (keyof typeof threadOptions)[]) threadOptions[k] = 0;
      // one thread first (chunked alike: a sum's bits do not depend on the thread count)
      np.setThreads(1);
      const runs = (["float64", "float32"] as const).map(jobs);
      const singles = runs.map((run) => run().map(bits));
      started.length = 0;
      np.setThreads(2);
      runs[0]();
      // the shim's worker starts asynchronously: until it is ready the main thread does every chunk
      for (let i = 0; i < 400 && pool()!.stats().ready < 1; i++) await new Promise((r) => setTimeout(r, 10));
      expect(pool()!.stats().ready).toBe(1);
      for (const [j, run] of runs.entries()) {
        const before = pool()!.stats().byWorkers;
        let threaded = run();
        for (let i = 0; i < 200 && pool()!.stats().byWorkers === before; i++) threaded = run();
        expect(pool()!.stats().byWorkers).toBeGreaterThan(before);
        threaded.forEach((t, i) => expect(bits(t)).toEqual(singles[j][i]));
      }
      expect(started).toHaveLength(1);
      expect(started[0]).toMatch(/^blob:/);
      useHost(node);
      closePool();
    });
  }
});
