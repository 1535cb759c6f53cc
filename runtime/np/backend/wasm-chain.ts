// The Wasm backend's chain kernel (wasm/fused.ts): a fused chain's operands copied into the
// module's memory once each, one pass of the kernel, its results copied out.
import type { ChainRun } from "./index.js";

type Float = Float64Array | Float32Array;
type Kernel = (n: number, block: number, nregs: number, regs: number, code: number, ncode: number, ptrs: number, sums: number) => void;
/** The bump allocator of wasm.ts: 16-byte-aligned blocks, views current after any grow. */
interface Scratch {
  reset(): void;
  alloc(bytes: number): number;
  view(data: Float): Float;
}

const KIND = { tile: 0, stream: 1, result: 1, splat: 2, row: 3 } as const;
// A block's registers at 2 KB each stay in the first-level cache.
const BLOCK = { f64: 256, f32: 512 };
const like = { f64: new Float64Array(0), f32: new Float32Array(0) };

export function runChain(kernels: { f64: Kernel; f32: Kernel }, memory: WebAssembly.Memory, scratch: Scratch, run: ChainRun): Float64Array {
  const t = run.float64 ? "f64" : "f32";
  const shift = run.float64 ? 3 : 2;
  const block = BLOCK[t];
  // 16 bytes after each tile and stream: the last vector of a block may run past its elements.
  const tileBytes = (block << shift) + 16;
  scratch.reset();
  const nregs = run.regs.length;
  const code = scratch.alloc(run.code.length * 4);
  const regs = scratch.alloc(nregs * 16);
  const ptrs = scratch.alloc(nregs * 4);
  const sums = scratch.alloc(Math.max(1, run.sums) * 8);
  const tiles = scratch.alloc(run.tiles * tileBytes);
  const at = run.regs.map((r) => (r.kind === "stream" || r.kind === "result" ? scratch.alloc((run.size << shift) + 16) : r.kind === "row" ? scratch.alloc((r.data.length << shift) + 16) : 0));
  // Views after the last allocation (a grow detaches the old ones).
  const view = scratch.view(like[t]);
  new Int32Array(memory.buffer, code, run.code.length).set(run.code);
  const desc = new Int32Array(memory.buffer, regs, nregs * 4);
  run.regs.forEach((r, i) => {
    const tile = r.kind === "tile" || r.kind === "splat" || r.kind === "row" ? tiles + r.tile * tileBytes : 0;
    let addr = at[i];
    if (r.kind === "splat") view[(addr = tile) >> shift] = r.value;
    else if (r.kind === "stream" || r.kind === "row") view.set(r.data as Float, addr >> shift);
    desc[i * 4] = KIND[r.kind];
    desc[i * 4 + 1] = addr;
    desc[i * 4 + 2] = r.kind === "row" ? r.data.length : 0;
    desc[i * 4 + 3] = tile;
  });
  const total = new Float64Array(memory.buffer, sums, Math.max(1, run.sums)).fill(0);
  kernels[t](run.size, block, nregs, regs, code, run.code.length / 5, ptrs, sums);
  run.regs.forEach((r, i) => r.kind === "result" && r.data.set(view.subarray(at[i] >> shift, (at[i] >> shift) + run.size)));
  return total.slice(0, run.sums);
}
