// Both cores: the Wasm kernels split across worker threads (runtime/np/backend/threads.ts)
// give what the main thread alone gives. Every split is forced here (thresholds at 0) and
// the workers are waited for, so chunks really run on them (the last test checks that
// they did). Bit for bit for elementwise ops, GEMM and max/min (each element is computed
// by the same operations, whoever computes it), and sums too: from the size where they
// split, they add the same chunks' partial sums in the same order on any number of threads.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as np from "../runtime/np/index.js";
import { wasmMemoryState, wasmSupported } from "../runtime/np/backend/wasm.js";
import { closePool, pool, threadOptions, threadsPossible } from "../runtime/np/backend/threads.js";
import type { NDArray } from "../runtime/np/index.js";

type DT = "float64" | "float32";
const defaults = { ...threadOptions };

/** Runs `f` single-threaded, then three times on two threads (so a worker surely takes
 * part), checking the runs agree; returns [threaded, single]. */
function both(f: () => NDArray): [NDArray, NDArray] {
  np.setThreads(1);
  const single = f();
  np.setThreads(2);
  const [t, ...more] = [f(), f(), f()];
  for (const m of more) expectExact(m, t);
  return [t, single];
}
function expectExact(t: NDArray, s: NDArray) {
  expect(t.shape).toEqual(s.shape);
  expect(t.dtype).toBe(s.dtype);
  const [a, b] = [np.ravel(t).toArray() as number[], np.ravel(s).toArray() as number[]];
  let bad = -1;
  for (let i = 0; i < a.length && bad < 0; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) bad = i;
  expect(bad < 0 ? "equal" : [bad, a[bad], b[bad]]).toBe("equal");
}
const data = (shape: number[], dt: DT, lo = -2, hi = 2) => np.random.uniform(lo, hi, shape).astype(dt);

describe.skipIf(!wasmSupported() || !threadsPossible())("kernels on worker threads compute what the main thread computes", () => {
  beforeAll(async () => {
    np.setBackend("wasm");
    np.setThreads(2);
    for (const k of Object.keys(threadOptions) as (keyof typeof threadOptions)[]) threadOptions[k] = 0;
    np.random.seed(11);
    np.tanh(np.zeros([1 << 16]));
    for (let i = 0; i < 200 && pool()!.stats().ready < 1; i++) await new Promise((r) => setTimeout(r, 25));
  });
  afterAll(() => {
    Object.assign(threadOptions, defaults);
    np.setThreads(1);
  });

  for (const dt of ["float64", "float32"] as const) {
    const a = data([301, 203], dt);
    const b = data([301, 203], dt);
    const row = data([203], dt);
    const col = data([301, 1], dt);
    const strided = np.getItem(data([602, 406], dt), ["::2", "::-2"]); // every other row, columns reversed
    const transposed = np.transpose(data([203, 301], dt));

    it(`transcendentals and unary ops, ${dt}: contiguous and strided`, () => {
      for (const op of ["tanh", "exp", "sin", "cos", "sigmoid"] as const) expectExact(...both(() => np[op](a)));
      expectExact(...both(() => np.log(np.abs(a))));
      for (const op of ["neg", "sqrt", "relu", "square"] as const) {
        for (const x of [a, strided, transposed]) expectExact(...both(() => np[op](x)));
      }
    });

    it(`binary ops with broadcasting, ${dt}: rows, columns, scalars, strided and transposed operands`, () => {
      for (const op of ["add", "sub", "mul", "div", "maximum", "minimum"] as const) {
        for (const [x, y] of [[a, b], [a, row], [col, row], [strided, transposed], [transposed, col]] as const) expectExact(...both(() => np[op](x, y)));
        expectExact(...both(() => np[op](a, 0.75)));
        expectExact(...both(() => np[op](-1.5, transposed)));
      }
    });

    it(`out= arguments, ${dt}: contiguous, and a strided view whose gaps stay untouched`, () => {
      const run = (make: () => NDArray, write: (out: NDArray) => void) => both(() => {
        const out = make();
        write(out);
        return out;
      });
      expectExact(...run(() => np.zeros([301, 203], dt), (out) => np.mul(a, row, out)));
      expectExact(...run(() => np.full([602, 406], 7, dt), (out) => np.add(strided, col, np.getItem(out, ["1::2", "::-2"]))));
      expectExact(...run(() => np.full([203, 602], 7, dt), (out) => np.tanh(a, np.transpose(np.getItem(out, [":", "::2"])))));
    });

    it(`GEMM, ${dt}: row or column blocks on threads, plain, transposed and reversed operands, odd sizes`, () => {
      const [k, kt, tall] = [data([203, 157], dt), np.transpose(data([157, 203], dt)), data([301, 67], dt)];
      expectExact(...both(() => np.matmul(a, k)));
      expectExact(...both(() => np.matmul(transposed, kt)));
      expectExact(...both(() => np.matmul(np.transpose(b), tall)));
      expectExact(...both(() => np.matmul(strided, k)));
      // fewer rows than columns: split by columns
      const wide = data([37, 203], dt);
      expectExact(...both(() => np.matmul(wide, np.transpose(a))));
      expectExact(...both(() => np.matmul(np.getItem(wide, ["::-1"]), np.transpose(strided))));
    });

    it(`max and min, ${dt}: exact, NaN included`, () => {
      const withNaN = np.concat([np.ravel(a), np.array([NaN], dt), np.ravel(b)]);
      for (const op of ["max", "min"] as const) {
        for (const axis of [0, 1, undefined]) for (const x of [a, strided, transposed]) expectExact(...both(() => np[op](x, axis)));
        expectExact(...both(() => np[op](withNaN)));
      }
    });

    it(`sums, ${dt}: the same bits on one thread as on two (chunked alike from the same size)`, () => {
      for (const axis of [0, 1, undefined]) {
        for (const x of [a, strided, transposed, np.reshape(data([64, 4096], dt), [64, 64, 64])]) {
          expectExact(...both(() => np.sum(x, axis)));
          expectExact(...both(() => np.mean(x, axis)));
        }
      }
    });
  }

  it("splits independently of the thread count: four threads give what two give", () => {
    const x = data([500, 700], "float64");
    np.setThreads(2);
    const two = [np.sum(x, 0), np.sum(x), np.tanh(x), np.matmul(x, np.transpose(x))];
    np.setThreads(4);
    const four = [np.sum(x, 0), np.sum(x), np.tanh(x), np.matmul(x, np.transpose(x))];
    four.forEach((f, i) => expectExact(f, two[i]));
    np.setThreads(2);
  });

  it("the workers took chunks, and setThreads(1) stops them", async () => {
    const x = data([1 << 20], "float64");
    for (let i = 0; i < 400 && pool()!.stats().byWorkers === 0; i++) {
      np.tanh(x);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(pool()!.stats().byWorkers).toBeGreaterThan(0);
    np.setThreads(1);
    expect(pool()).toBeUndefined();
    expect(np.getThreads()).toBe(1);
    np.setThreads(2);
  });

  it('"auto" runs on the main thread alone for a second after workers kept it waiting twice in a row', async () => {
    np.setThreads("auto");
    const p = pool();
    if (p === undefined) return; // one core: nothing to back off from
    p.stalls = 2;
    expect(pool()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1100));
    expect(pool()).toBe(p);
    np.setThreads(2);
  });

  it("one thread keeps the kernels on an unshared memory (copies into a shared one cost more); two move them to a shared one", () => {
    const x = data([3000], "float32");
    np.setThreads(1);
    expect(wasmMemoryState.shared).toBe(false);
    const single = [np.tanh(x), np.max(x), np.add(x, x)];
    np.setThreads(2);
    expect(wasmMemoryState.shared).toBe(true);
    [np.tanh(x), np.max(x), np.add(x, x)].forEach((t, i) => expectExact(t, single[i]));
  });

  it("setThreads refuses what is not a thread count", () => {
    for (const bad of [0, -1, 1.5, NaN, "all"]) expect(() => np.setThreads(bad as number)).toThrow(/setThreads: .* is not a thread count/);
    closePool();
  });
});

describe.skipIf(!threadsPossible())("worker threads and the process", () => {
  it("a script that ran kernels on threads exits by itself, with its result", () => {
    const script = `
      const np = await import(${JSON.stringify(new URL("../dist/runtime/np/index.js", import.meta.url).href)});
      np.setThreads(2);
      const x = np.random.uniform(-1, 1, [1 << 20]);
      let s = 0;
      for (let i = 0; i < 20; i++) s += np.sum(np.tanh(x)).item();
      console.log(np.getThreads(), Number.isFinite(s));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
    expect(out.trim()).toMatch(/^\d+ true$/);
  });
});
