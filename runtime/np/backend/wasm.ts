// The WebAssembly SIMD backend (kernels in wasm/, AssemblyScript). NDArrays keep their
// JavaScript storage: each call copies its operands' spans into this module's memory,
// runs the kernels there and copies the result's span back. Memory only grows, and a grow
// detaches every view of the old buffer, so views are taken after every allocation and
// no NDArray ever holds one (docs/BENCHMARKS.md measures the copies against the kernels).
import { gemm as jsGemm, type Gemm } from "../gemm.js";
import { collapse, iterate, type Kernel, type Operand } from "../kernels.js";
import type { Shape } from "../shape.js";
import type { ArgOp, Backend, Input, ReduceOp, SoftmaxOp } from "./index.js";
import { runContiguous, runGemm, runStrided, type GemmArgs } from "./parallel.js";
import { attachKernels, chunking, onThreadsChange, pool, runner, threadOptions, wantShared } from "./threads.js";
import { wasmBase64, wasmMemory } from "./wasm-module.generated.js";
import { runChain } from "./wasm-chain.js";

type Exports = Record<string, (...args: number[]) => void> & { heapBase(): number };
type Float = Float64Array | Float32Array;

let bytes: Uint8Array<ArrayBuffer> | undefined;
const moduleBytes = (): Uint8Array<ArrayBuffer> => (bytes ??= Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0)));

let supported: boolean | undefined;
/** Whether this engine runs the module: it validates (128-bit SIMD throughout) and
 * compiles (a Content-Security-Policy without 'wasm-unsafe-eval' refuses that). */
export function wasmSupported(): boolean {
  if (supported === undefined) {
    try {
      supported = typeof WebAssembly === "object" && WebAssembly.validate(moduleBytes()) && wasmBackend() !== undefined;
    } catch {
      supported = false;
    }
  }
  return supported;
}

/** Bump allocation in the module's memory, reset by each call. */
class Scratch {
  private top: number;
  private buffer: ArrayBuffer | undefined;
  private f64!: Float64Array;
  private f32!: Float32Array;
  constructor(private readonly memory: WebAssembly.Memory, private readonly base: number) {
    this.top = base;
  }
  reset(): void {
    this.top = this.base;
  }
  /** A 16-byte-aligned block of `bytes`; grows the memory (detaching old views) when needed. */
  alloc(bytes: number): number {
    const at = (this.top + 15) & ~15;
    this.top = at + bytes;
    const short = this.top - this.memory.buffer.byteLength;
    if (short > 0) this.memory.grow(Math.ceil(short / 65536));
    return at;
  }
  /** A view of the whole memory in `data`'s element type, current after any grow. */
  view(data: Float): Float {
    if (this.buffer !== this.memory.buffer) {
      this.buffer = this.memory.buffer;
      this.f64 = new Float64Array(this.buffer);
      this.f32 = new Float32Array(this.buffer);
    }
    return data instanceof Float64Array ? this.f64 : this.f32;
  }
}

/** The elements of `x` over `shape`: `data[lo .. lo + length)` holds them all. */
function span(shape: Shape, x: Operand): { lo: number; length: number } {
  let lo = x.offset;
  let hi = x.offset;
  for (let d = 0; d < shape.length; d++) {
    const reach = x.strides[d] * (shape[d] - 1);
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  return { lo, length: hi - lo + 1 };
}

const sizeOf = (shape: Shape) => shape.reduce((p, d) => p * d, 1);

/** Whether `strides` walk `shape` in row-major order with no gaps. */
function dense(shape: Shape, strides: readonly number[]): boolean {
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== s) return false;
    s *= shape[d];
  }
  return true;
}

/** [m, n] when the reduction folds `m` contiguous runs of `n` elements of `x` (everything:
 * m = 1; along contiguous rows: each into the next element of a contiguous `out`). */
function contiguousRuns(shape: Shape, out: Operand, x: Operand): [number, number] | undefined {
  const loops = collapse(shape, [out, x]);
  if (loops === undefined) return undefined;
  const { dims, strides: [os, xs] } = loops;
  if (dims.length === 0) return [1, 1];
  if (dims.length === 1) return os[0] === 0 && xs[0] === 1 ? [1, dims[0]] : undefined;
  return dims.length === 2 && os[0] === 1 && os[1] === 0 && xs[0] === dims[1] && xs[1] === 1 ? [dims[0], dims[1]] : undefined;
}

/** Bytes of `x` copied into the module per block of a fold: folded while still in cache. */
const FOLD_BLOCK_BYTES = 1 << 17;

const UNARY = ["neg", "abs", "square", "relu", "sqrt", "floor", "ceil"];
const BINARY = ["add", "sub", "mul", "div", "maximum", "minimum"];
/** wasm/math.ts' contiguous kernels `(src, dst, n)`. */
const MATH = ["exp", "log", "tanh", "sigmoid", "sin", "cos", "softplus"];

/** wasm/softmax.ts' kernels `(outer, n, inner, src, dst, work)`; with `_vjp`, wasm/softmax-vjp.ts' `(outer, n, inner, dx, g, a, r, work)`. */
const SOFTMAX: Record<SoftmaxOp, string> = { softmax: "softmax", logSoftmax: "log_softmax", logsumexp: "logsumexp" };

let instance: Backend | undefined;
/** Options for tests and benchmarks: the size below which the JS kernels run. */
export const wasmOptions = { minSize: 2048 };
/** For tests: whether the kernels run on a shared memory now. */
export const wasmMemoryState = { shared: false };

export function wasmBackend(): Backend {
  return (instance ??= create());
}

/** The module's bytes for a shared memory: one byte apart (scripts/build-wasm.mjs). */
function sharedBytes(): Uint8Array<ArrayBuffer> {
  const b = moduleBytes().slice();
  b[wasmMemory.sharedFlagAt] = 3;
  return b;
}

function create(): Backend {
  // On a shared memory where worker threads run the kernels too (threads.ts), else on a plain
  // one: copies into a shared memory are slower. Each setThreads may move to the other.
  let wasm!: Exports, memory!: WebAssembly.Memory, scratch!: Scratch, index!: Map<string, number>;
  let shared: boolean | undefined;
  const modules = new Map<boolean, WebAssembly.Module>();
  const adapters = new Map<string, Kernel>();
  function instantiate(): void {
    const want = wantShared();
    if (want === shared) return;
    shared = wasmMemoryState.shared = want;
    memory = new WebAssembly.Memory({ initial: wasmMemory.initial, maximum: wasmMemory.maximum, shared });
    let module = modules.get(shared);
    if (module === undefined) modules.set(shared, (module = new WebAssembly.Module(shared ? sharedBytes() : moduleBytes())));
    wasm = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
    const names = WebAssembly.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name);
    const fns = names.map((name) => wasm[name]);
    index = new Map(names.map((name, i) => [name, i]));
    attachKernels({ module, memory, names, fns }, shared);
    scratch = new Scratch(memory, wasm.heapBase());
    adapters.clear();
  }
  instantiate();
  onThreadsChange(instantiate);
  const [KC, MC, NC] = ["KC", "MC", "NC"].map((g) => (wasm[g] as unknown as WebAssembly.Global).value as number);
  const suffix = (data: unknown) => (data instanceof Float64Array ? "_f64" : data instanceof Float32Array ? "_f32" : undefined);

  // One JS kernel per Wasm export: kernels.ts' `iterate` hands it element indices into the
  // memory view, which become byte addresses.
  function adapter(name: string, shift: number): Kernel {
    let k = adapters.get(name);
    if (k === undefined) {
      const f = wasm[name];
      adapters.set(name, (k = (n, _o, oi, os, _a, ai: number, as: number, _b?: unknown, bi = 0, bs = 0) => f(n, oi << shift, os, ai << shift, as, bi << shift, bs)));
    }
    return k;
  }

  /** Copies each operand's span into memory; returns them as operands of the memory view,
   * with `extra` spans of the output's length allocated after it (a reduction's partials). */
  function copyIn(shape: Shape, like: Float, inputs: readonly Input[], out: Operand, outReadsBack: boolean, extra = 0) {
    const shift = like instanceof Float64Array ? 3 : 2;
    const spans = inputs.map((x) => (typeof x === "number" ? { lo: 0, length: 1 } : span(shape, x)));
    const outSpan = span(shape, out);
    scratch.reset();
    const at = spans.map((s) => scratch.alloc(s.length << shift) >> shift);
    // A result with no gaps lands on the copy of an input laid out as it is (each element
    // read, then written in its place): half the memory a unary operation touches.
    const gapless = !outReadsBack && extra === 0 && outSpan.length === sizeOf(shape);
    const on = gapless ? inputs.findIndex((x) => typeof x !== "number" && x.strides.every((st, d) => st === out.strides[d] || shape[d] === 1)) : -1;
    const outAt = on >= 0 ? at[on] : scratch.alloc(outSpan.length << shift) >> shift;
    const extraAt = extra > 0 ? scratch.alloc((extra * outSpan.length) << shift) >> shift : 0;
    const view = scratch.view(like);
    const zeros = shape.map(() => 0);
    const operands = inputs.map((x, j): Operand => {
      if (typeof x === "number") {
        view[at[j]] = x;
        return { data: view, offset: at[j], strides: zeros };
      }
      view.set(x.data.subarray(spans[j].lo, spans[j].lo + spans[j].length) as Float, at[j]);
      return { data: view, offset: at[j] + x.offset - spans[j].lo, strides: x.strides };
    });
    // An output with gaps in its span (or read back, as a reduction's) is copied in too, so writing the span back keeps them.
    if (outReadsBack || outSpan.length !== sizeOf(shape)) view.set(out.data.subarray(outSpan.lo, outSpan.lo + outSpan.length) as Float, outAt);
    const copyOut = () => out.data.set(view.subarray(outAt, outAt + outSpan.length), outSpan.lo);
    const outOperand: Operand = { data: view, offset: outAt + out.offset - outSpan.lo, strides: out.strides };
    return { operands, out: outOperand, copyOut, shift, outAt, outLength: outSpan.length, extraAt };
  }

  /** Whether every array operand has the output's storage type (float64 or float32). */
  function sameFloat(out: Operand, inputs: readonly Input[]): string | undefined {
    const s = suffix(out.data);
    if (s === undefined) return undefined;
    for (const x of inputs) if (typeof x !== "number" && x.data.constructor !== out.data.constructor) return undefined;
    return s;
  }

  function elementwise(name: string, shape: Shape, out: Operand, inputs: readonly Input[]): boolean {
    const s = sameFloat(out, inputs);
    if (s === undefined) return false;
    const run = copyIn(shape, out.data as Float, inputs, out, false);
    const p = sizeOf(shape) >= threadOptions.strided ? pool() : undefined;
    const ops = [run.out, ...run.operands];
    if (p === undefined || runStrided(p, index.get(name + s)!, run.shift, shape, ops) === 0) iterate(adapter(name + s, run.shift), shape, ops);
    run.copyOut();
    return true;
  }

  const COMBINE = { sum: "add", max: "maximum", min: "minimum" } as const;
  const IDENTITY = { sum: 0, max: -Infinity, min: Infinity } as const;
  /** `out = op(out, x)`; on threads, each chunk folds into a partial output of its own,
   * and the partials are folded into `out` in chunk order. */
  function reduce(op: ReduceOp, shape: Shape, out: Operand, x: Operand): boolean {
    const s = sameFloat(out, [x]);
    if (s === undefined) return false;
    const size = sizeOf(shape);
    // Chunked from this size on however many threads there are (one included), so the sum is the same.
    const p = size >= threadOptions.reduce ? runner() : undefined;
    const chunks = p === undefined ? 0 : chunking(size, 8, 8192).count;
    const outLength = span(shape, out).length;
    const split = chunks > 1 && chunks * outLength <= size / 8; // partials: at most an eighth more work
    const runs = split ? undefined : contiguousRuns(shape, out, x);
    // One float64 run below 2^15 folds faster in JS than copied in (docs/BENCHMARKS.md, "Session 12").
    if (runs !== undefined && s === "_f64" && runs[0] === 1 && runs[1] < 1 << 15) return false;
    if (runs !== undefined) return foldRuns(op, s, runs[0], runs[1], out, x);
    const run = copyIn(shape, out.data as Float, [x], out, true, split ? chunks : 0);
    const ops = [run.out, run.operands[0]];
    const partials = { at: run.extraAt, stride: run.outLength, length: run.outLength, identity: IDENTITY[op], outAt: run.outAt };
    const ran = split ? runStrided(p!, index.get(`${op}_into${s}`)!, run.shift, shape, ops, partials) : 0;
    if (ran === 0) iterate(adapter(`${op}_into${s}`, run.shift), shape, ops);
    else {
      const kept = shape.map((d, i) => (out.strides[i] === 0 ? 1 : d));
      const combine = adapter(COMBINE[op] + s, run.shift);
      for (let c = 0; c < ran; c++) {
        const partial = { ...run.out, offset: run.out.offset - run.outAt + run.extraAt + c * run.outLength };
        iterate(combine, kept, [run.out, run.out, partial]);
      }
    }
    run.copyOut();
    return true;
  }

  /** `out[r] = op(out[r], row r)` over `m` contiguous rows of `n`: the rows copied in a block
   * at a time, each folded while the block is in cache (one pass over memory, not two). */
  function foldRuns(op: ReduceOp, s: string, m: number, n: number, out: Operand, x: Operand): boolean {
    const shift = s === "_f64" ? 3 : 2;
    const block = FOLD_BLOCK_BYTES >> shift;
    const [xs, os] = [x.data as Float, out.data as Float];
    scratch.reset();
    if (n > block) {
      // Rows longer than a block: each folded block by block, its value carried in float64.
      const at = scratch.alloc(block << shift);
      const view = scratch.view(xs);
      const fold = wasm[`${op}_fold${s}`] as unknown as (n: number, a: number, acc: number) => number;
      for (let r = 0; r < m; r++) {
        let acc = os[out.offset + r];
        for (let j = 0, lo = x.offset + r * n; j < n; j += block) {
          const len = Math.min(block, n - j);
          view.set(xs.subarray(lo + j, lo + j + len), at >> shift);
          acc = fold(len, at, acc);
        }
        os[out.offset + r] = acc;
      }
      return true;
    }
    const rowsPerBlock = Math.min(m, Math.floor(block / n));
    const at = scratch.alloc((rowsPerBlock * n) << shift);
    const outAt = scratch.alloc(m << shift);
    const view = scratch.view(xs);
    view.set(os.subarray(out.offset, out.offset + m), outAt >> shift);
    const rows = wasm[`${op}_rows${s}`];
    for (let r = 0; r < m; r += rowsPerBlock) {
      const k = Math.min(rowsPerBlock, m - r);
      const lo = x.offset + r * n;
      view.set(xs.subarray(lo, lo + k * n), at >> shift);
      rows(k, n, outAt + (r << shift), at);
    }
    os.set(view.subarray(outAt >> shift, (outAt >> shift) + m), out.offset);
    return true;
  }

  const gemm: Gemm = (m, n, k, a, aO, aRs, aCs, b, bO, bRs, bCs, c, cO, cRs, cCs) => {
    const s = suffix(c);
    if (s === undefined || a.constructor !== c.constructor || b.constructor !== c.constructor || m * n * k <= 4096 || n === 1) {
      return jsGemm(m, n, k, a, aO, aRs, aCs, b, bO, bRs, bCs, c, cO, cRs, cCs);
    }
    const sa = span([m, k], { data: a, offset: aO, strides: [aRs, aCs] });
    const sb = span([k, n], { data: b, offset: bO, strides: [bRs, bCs] });
    const sc = span([m, n], { data: c, offset: cO, strides: [cRs, cCs] });
    const shift = s === "_f64" ? 3 : 2;
    scratch.reset();
    const [pa, pb, pc] = [sa, sb, sc].map((x) => scratch.alloc(x.length << shift));
    // Packing buffers for each thread that may run a share of the rows.
    const p = m * n * k >= threadOptions.gemm && Math.max(m, n) >= 16 ? pool() : undefined;
    const packA = (MC + 8) * KC << shift;
    const packSet = packA + ((Math.min(NC, n) + 8) * KC << shift);
    const pack = scratch.alloc(packSet * (p?.size ?? 1));
    const view = scratch.view(c as Float);
    view.set(a.subarray(sa.lo, sa.lo + sa.length) as Float, pa >> shift);
    view.set(b.subarray(sb.lo, sb.lo + sb.length) as Float, pb >> shift);
    view.set(c.subarray(sc.lo, sc.lo + sc.length) as Float, pc >> shift);
    const args: GemmArgs = [m, n, k, pa + ((aO - sa.lo) << shift), aRs, aCs, pb + ((bO - sb.lo) << shift), bRs, bCs, pc + ((cO - sc.lo) << shift), cRs, cCs];
    if (p !== undefined) runGemm(p, index.get("gemm" + s)!, shift, args, pack, packSet, packA);
    else wasm["gemm" + s](...args, pack, pack + packA);
    c.set(view.subarray(pc >> shift, (pc >> shift) + sc.length), sc.lo);
  };

  return {
    name: "wasm",
    get minSize() {
      return wasmOptions.minSize;
    },
    gemm,
    has: (op) => UNARY.includes(op) || BINARY.includes(op) || MATH.includes(op),
    unary(op, shape, out, a) {
      if (UNARY.includes(op)) return elementwise(op, shape, out, [a]);
      if (!MATH.includes(op)) return false;
      // wasm/math.ts takes contiguous runs only.
      const s = sameFloat(out, [a]);
      if (s === undefined || !dense(shape, out.strides) || !dense(shape, a.strides)) return false;
      const run = copyIn(shape, out.data as Float, [a], out, false);
      const [src, dst, size] = [run.operands[0].offset, run.out.offset, sizeOf(shape)];
      const p = size >= threadOptions.contiguous ? pool() : undefined;
      if (p === undefined || !runContiguous(p, index.get(op + s)!, run.shift, src, dst, size)) wasm[op + s](src << run.shift, dst << run.shift, size);
      run.copyOut();
      return true;
    },
    binary: (op, shape, out, a, b) => BINARY.includes(op) && elementwise(op, shape, out, [a, b]),
    chain: (run) => runChain({ f64: wasm.fused_f64, f32: wasm.fused_f32 }, memory, scratch, run),
    reduce,
    argReduce(op: ArgOp, m, n, out, x, xOffset) {
      // float32 only: in float64 the copy in costs what the kernel saves (docs/BENCHMARKS.md, "Session 10").
      if (!(x instanceof Float32Array)) return false;
      const shift = 2;
      scratch.reset();
      const at = scratch.alloc((m * n) << shift);
      scratch.view(x as Float).set(x.subarray(xOffset, xOffset + m * n) as Float, at >> shift);
      const f = wasm[op + "_f32"] as unknown as (n: number, a: number) => number;
      for (let r = 0; r < m; r++) out[r] = f(n, at + ((r * n) << shift));
      return true;
    },
    softmax(op, outer, n, inner, out, x, xOffset) {
      const s = suffix(out);
      if (s === undefined || x.constructor !== out.constructor) return false;
      const shift = s === "_f64" ? 3 : 2;
      const size = outer * n * inner;
      scratch.reset();
      const src = scratch.alloc(size << shift);
      const dst = scratch.alloc(out.length << shift);
      const work = scratch.alloc(inner * 16);
      const view = scratch.view(out as Float);
      view.set(x.subarray(xOffset, xOffset + size) as Float, src >> shift);
      wasm[SOFTMAX[op] + s](outer, n, inner, src, dst, work);
      out.set(view.subarray(dst >> shift, (dst >> shift) + out.length));
      return true;
    },
    softmaxVjp(op, outer, n, inner, dx, g, a, r) {
      const s = suffix(dx);
      if (s === undefined || [g, a, r ?? dx].some((x) => x.constructor !== dx.constructor)) return false;
      const shift = s === "_f64" ? 3 : 2;
      const size = outer * n * inner;
      const reduced = op === "logsumexp" ? outer * inner : size;
      scratch.reset();
      const [pd, pg, pa, pr] = [size, reduced, size, r ? reduced : 0].map((k) => scratch.alloc(k << shift));
      const work = scratch.alloc(inner * 8);
      const view = scratch.view(dx as Float);
      view.set(g.subarray(0, reduced) as Float, pg >> shift);
      view.set(a.subarray(0, size) as Float, pa >> shift);
      if (r) view.set(r.subarray(0, reduced) as Float, pr >> shift);
      wasm[SOFTMAX[op] + "_vjp" + s](outer, n, inner, pd, pg, pa, pr, work);
      dx.set(view.subarray(pd >> shift, (pd >> shift) + size));
      return true;
    },
  };
}
