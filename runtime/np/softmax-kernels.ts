// The JS kernels of softmax.ts' operations and their adjoints over contiguous [outer, n, inner]
// layouts (n: a lane's elements), and the dispatch to the backend's kernels above its minSize.
// The same passes as wasm/softmax.ts and wasm/softmax-vjp.ts, in doubles.
import { backend, type SoftmaxOp } from "./backend/index.js";
import type { TypedArray } from "./dtype.js";
import { freshCopy } from "./kernels.js";

const CODES: Record<SoftmaxOp, number> = { softmax: 0, logSoftmax: 1, logsumexp: 2 };

/** The JS kernel: `op` (a code of CODES) along the middle axis of `x[xo..]` as [outer, n, inner]
 * into `out` ([outer, n, inner], or [outer, inner] for logsumexp). The shift is the lane's max
 * where finite, else 0 (a lane of -Infinity: logsumexp -Infinity); Math.max keeps NaN. */
function kernelTemplate(op: number, outer: number, n: number, inner: number, x: any, xo: number, out: any): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (inner === 1) {
    // Contiguous lanes: the same passes with the shift and sum in registers.
    for (let o = 0; o < outer; o++) {
      const p = xo + o * n;
      const d = op === 2 ? o : o * n;
      let m = -Infinity;
      for (let i = 0; i < n; i++) m = Math.max(m, x[p + i]);
      if (m - m !== 0) m = 0;
      let s = 0;
      if (op === 0) {
        for (let i = 0; i < n; i++) {
          const e = Math.exp(x[p + i] - m);
          out[d + i] = e;
          s += e;
        }
        for (let i = 0; i < n; i++) out[d + i] /= s;
      } else {
        for (let i = 0; i < n; i++) s += Math.exp(x[p + i] - m);
        const ls = Math.log(s);
        if (op === 2) out[d] = ls + m;
        else for (let i = 0; i < n; i++) out[d + i] = x[p + i] - m - ls;
      }
    }
    return;
  }
  const shifts = new Float64Array(inner);
  const sums = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const p = xo + o * n * inner;
    const d = op === 2 ? o * inner : o * n * inner;
    shifts.fill(-Infinity);
    sums.fill(0);
    for (let j = 0; j < n; j++) for (let k = 0; k < inner; k++) shifts[k] = Math.max(shifts[k], x[p + j * inner + k]);
    for (let k = 0; k < inner; k++) if (shifts[k] - shifts[k] !== 0) shifts[k] = 0;
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < inner; k++) {
        const e = Math.exp(x[p + j * inner + k] - shifts[k]);
        if (op === 0) out[d + j * inner + k] = e;
        sums[k] += e;
      }
    }
    if (op === 2) {
      for (let k = 0; k < inner; k++) out[d + k] = Math.log(sums[k]) + shifts[k];
    } else if (op === 0) {
      for (let j = 0; j < n; j++) for (let k = 0; k < inner; k++) out[d + j * inner + k] /= sums[k];
    } else {
      for (let k = 0; k < inner; k++) sums[k] = Math.log(sums[k]);
      for (let j = 0; j < n; j++) for (let k = 0; k < inner; k++) out[d + j * inner + k] = x[p + j * inner + k] - shifts[k] - sums[k];
    }
  }
}
const kernels = new Map<string, typeof kernelTemplate>();
/** One compiled copy per pair of storage types, so each loop sees one element type. */
function kernelFor(x: TypedArray, out: TypedArray): typeof kernelTemplate {
  const key = x.constructor.name + out.constructor.name;
  let k = kernels.get(key);
  if (k === undefined) kernels.set(key, (k = freshCopy(kernelTemplate)));
  return k;
}

/** The adjoint kernel: dx of `op` with lanes [outer, n, inner] from `g` and `a` (softmax,
 * logSoftmax: `g` and the output, both lanes; logsumexp: `g` and the output `r` [outer, inner],
 * `a` the input x). All at offset 0. */
function backTemplate(op: number, outer: number, n: number, inner: number, dx: any, g: any, a: any, r: any): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  const t = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const p = o * n * inner;
    if (op === 2) {
      for (let j = 0; j < n; j++) for (let k = 0; k < inner; k++) dx[p + j * inner + k] = g[o * inner + k] * Math.exp(a[p + j * inner + k] - r[o * inner + k]);
      continue;
    }
    t.fill(0);
    for (let j = 0; j < n; j++) for (let k = 0; k < inner; k++) t[k] += op === 0 ? g[p + j * inner + k] * a[p + j * inner + k] : g[p + j * inner + k];
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < inner; k++) {
        const i = p + j * inner + k;
        dx[i] = op === 0 ? a[i] * (g[i] - t[k]) : g[i] - Math.exp(a[i]) * t[k];
      }
    }
  }
}
const backs = new Map<string, typeof backTemplate>();

/** `op` of `x[xo..]` into `out` on the backend, or on the JS kernel. */
export function forward(op: SoftmaxOp, outer: number, n: number, inner: number, out: TypedArray, x: TypedArray, xo: number): void {
  const b = backend();
  if (outer * n * inner >= b.minSize && b.softmax(op, outer, n, inner, out, x, xo)) return;
  kernelFor(x, out)(CODES[op], outer, n, inner, x, xo, out);
}

/** `op`'s adjoint into `dx` (see backTemplate) on the backend, or on the JS kernel; one storage type throughout. */
export function backward(op: SoftmaxOp, outer: number, n: number, inner: number, dx: TypedArray, g: TypedArray, a: TypedArray, r?: TypedArray): void {
  const b = backend();
  if (outer * n * inner >= b.minSize && b.softmaxVjp(op, outer, n, inner, dx, g, a, r)) return;
  const key = dx.constructor.name;
  let k = backs.get(key);
  if (k === undefined) backs.set(key, (k = freshCopy(backTemplate)));
  k(CODES[op], outer, n, inner, dx, g, a, r);
}
