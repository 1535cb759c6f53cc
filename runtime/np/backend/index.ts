// The kernel backend: one small interface between NDArray operations and the loops that
// compute them. The JS backend is the kernels every operation already has (kernels.ts,
// gemm.ts); the Wasm backend (wasm.ts) runs WebAssembly SIMD kernels for the float64 and
// float32 operations it has, and declines the rest, which then run on the JS kernels.
// Chosen automatically (Wasm where the engine validates its SIMD module), or by
// `np.setBackend("js" | "wasm")`.
import type { TypedArray } from "../dtype.js";
import type { Gemm } from "../gemm.js";
import type { Operand } from "../kernels.js";
import type { Shape } from "../shape.js";
import { jsBackend } from "./js.js";
import { wasmBackend, wasmSupported } from "./wasm.js";

export { setThreads, getThreads } from "./threads.js";

export type BackendName = "js" | "wasm";
export type ReduceOp = "sum" | "max" | "min";
export type SoftmaxOp = "softmax" | "logSoftmax" | "logsumexp";
export type ArgOp = "argmax" | "argmin";

/** An operand of a backend kernel: an array's storage with strides over the iteration
 * shape (0 where broadcast), or a number (broadcast everywhere, in the output's type). */
export type Input = Operand | number;

export interface Backend {
  readonly name: BackendName;
  /** Below this many output elements (input elements for reductions) the JS kernels run:
   * the cost of reaching the backend outweighs its speed. */
  readonly minSize: number;
  /** `C += A B` for strided operands (the JS backend's signature, gemm.ts). */
  readonly gemm: Gemm;
  /** Whether `unary`/`binary` has a kernel for operation `op` (by its np name). */
  has(op: string): boolean;
  /** `out = op(a)` over `shape`; false when it has no kernel for these storage types (nothing written). */
  unary(op: string, shape: Shape, out: Operand, a: Operand): boolean;
  /** `out = op(a, b)` over `shape`, broadcasting by stride 0; false as for `unary`. */
  binary(op: string, shape: Shape, out: Operand, a: Input, b: Input): boolean;
  /** `out = op(out, x)` over `shape`, where `out` has stride 0 along the reduced axes. */
  reduce(op: ReduceOp, shape: Shape, out: Operand, x: Operand): boolean;
  /** `out = op(x)` along the middle axis of contiguous `x[xOffset..]` as [outer, n, inner] (softmax.ts);
   * `out` is contiguous, [outer, inner] for logsumexp; false as for `unary`. */
  softmax(op: SoftmaxOp, outer: number, n: number, inner: number, out: TypedArray, x: TypedArray, xOffset: number): boolean;
  /** `out[r]` = argmax/argmin of row `r` of `m` contiguous rows of `n` elements from `x[xOffset]`; false as for `unary`. */
  argReduce(op: ArgOp, m: number, n: number, out: Int32Array, x: TypedArray, xOffset: number): boolean;
  /** Its adjoint `dx` from `g` and `a` (the output; logsumexp: the input x, its output `r`), all contiguous from 0 (softmax-kernels.ts). */
  softmaxVjp(op: SoftmaxOp, outer: number, n: number, inner: number, dx: TypedArray, g: TypedArray, a: TypedArray, r?: TypedArray): boolean;
  /** A fused chain's program (np/fused-program.ts) in one pass: writes its results, returns its sums; absent where the backend has no chain kernel. */
  chain?(run: ChainRun): Float64Array;
}

/**
 * A register of a chain kernel (wasm/fused.ts): temporaries (`tile`), an operand's or a
 * result's elements (`stream`, `result`: the chain's size), one number everywhere (`splat`),
 * or a row repeated (`row`, a bias over a batch); tiles numbered from 0.
 */
export type ChainReg =
  | { kind: "tile"; tile: number }
  | { kind: "stream" | "result"; data: TypedArray }
  | { kind: "splat"; value: number; tile: number }
  | { kind: "row"; data: TypedArray; tile: number };

export interface ChainRun {
  size: number;
  float64: boolean;
  /** 5 per instruction: op, dst, a, b, c. */
  code: Int32Array;
  regs: readonly ChainReg[];
  tiles: number;
  sums: number;
}

let active: Backend | undefined;

/** The backend operations run on. */
export function backend(): Backend {
  return active ?? (active = wasmSupported() ? wasmBackend() : jsBackend);
}

/** Runs NDArray kernels on `name`: "wasm" (WebAssembly SIMD, the default where the engine
 * supports it) or "js". Throws for "wasm" where WebAssembly SIMD is missing. */
export function setBackend(name: BackendName): void {
  if (name === "js") active = jsBackend;
  else if (name === "wasm") {
    if (!wasmSupported()) throw new Error("setBackend: this engine has no WebAssembly SIMD; use 'js'");
    active = wasmBackend();
  } else throw new Error(`setBackend: unknown backend ${JSON.stringify(name)}; use 'js' or 'wasm'`);
}

/** The name of the backend operations run on. */
export const getBackend = (): BackendName => backend().name;

/** `C += A B` on the active backend (strided operands, as gemm.ts's `Gemm`). */
export const gemm: Gemm = (...args) => backend().gemm(...args);
