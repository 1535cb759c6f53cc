// Elementwise kernels and the strided iteration that drives them.
//
// A kernel is a BLAS-like strided loop over one run of `n` elements:
//   kernel(n, out, outOffset, outStride, a, aOffset, aStride, b, bOffset, bStride, ...)
// written once as a template around a scalar function `f`. Each (f, dtypes) pair gets
// its own fresh copy of the template (compiled from the template's source), so V8 sees
// one scalar function and one typed-array type per call site and inlines `f`: six times
// faster than a shared loop calling `f` through a closure. Where code generation is
// not allowed (a strict CSP) or a tool rewrote the template, the template itself runs.
import type { DType, TypedArray } from "./dtype.js";
import type { Shape } from "./shape.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Kernel = (n: number, o: TypedArray, oi: number, os: number, ...inputs: any[]) => void;
type Scalar = (...x: number[]) => number;
type Template = (f: Scalar, partials?: Partials) => Kernel;

function unaryTemplate(f: (a: number) => number): Kernel {
  return function unary(n: number, o: any, oi: number, os: number, a: any, ai: number, as: number) {
    if (os === 1 && as === 1) for (let i = 0; i < n; i++) o[oi + i] = f(a[ai + i]);
    else for (let i = 0; i < n; i++) o[oi + i * os] = f(a[ai + i * as]);
  };
}

function binaryTemplate(f: (a: number, b: number) => number): Kernel {
  return function binary(n: number, o: any, oi: number, os: number, a: any, ai: number, as: number, b: any, bi: number, bs: number) {
    if (os === 1 && as === 1 && bs === 1) for (let i = 0; i < n; i++) o[oi + i] = f(a[ai + i], b[bi + i]);
    else if (os === 1 && as === 1 && bs === 0) {
      const y = b[bi];
      for (let i = 0; i < n; i++) o[oi + i] = f(a[ai + i], y);
    } else if (os === 1 && as === 0 && bs === 1) {
      const x = a[ai];
      for (let i = 0; i < n; i++) o[oi + i] = f(x, b[bi + i]);
    } else for (let i = 0; i < n; i++) o[oi + i * os] = f(a[ai + i * as], b[bi + i * bs]);
  };
}

function ternaryTemplate(f: (a: number, b: number, c: number) => number): Kernel {
  return function ternary(n: number, o: any, oi: number, os: number, a: any, ai: number, as: number, b: any, bi: number, bs: number, c: any, ci: number, cs: number) {
    if (os === 1 && as === 1 && bs === 1 && cs === 1) for (let i = 0; i < n; i++) o[oi + i] = f(a[ai + i], b[bi + i], c[ci + i]);
    else for (let i = 0; i < n; i++) o[oi + i * os] = f(a[ai + i * as], b[bi + i * bs], c[ci + i * cs]);
  };
}

function quaternaryTemplate(f: (a: number, b: number, c: number, d: number) => number): Kernel {
  return function quaternary(n: number, o: any, oi: number, os: number, a: any, ai: number, as: number, b: any, bi: number, bs: number, c: any, ci: number, cs: number, d: any, di: number, ds: number) {
    for (let i = 0; i < n; i++) o[oi + i * os] = f(a[ai + i * as], b[bi + i * bs], c[ci + i * cs], d[di + i * ds]);
  };
}

/** How a reduction splits into partial results: the partial result of one element is
 * `lift(a)` and two partials combine by `combine`. By default (sums, products, max)
 * `lift` is the identity and `combine` is `f`; for `f = acc + a * a`, `lift` squares and
 * `combine` adds. */
export interface Partials {
  lift: (a: number) => number;
  combine: (p: number, q: number) => number;
}

/** `o = f(o, a)`: accumulation, and reduction when `os` is 0 (then four partial
 * results are combined at the end, so `f` must be associative and commutative). */
function intoTemplate(f: (acc: number, a: number) => number, partials?: Partials): Kernel {
  const lift = partials ? partials.lift : (a: number) => a;
  const combine = partials ? partials.combine : f;
  // The contiguous reduction gets a small function of its own: TurboFan keeps its four
  // partial results in registers better than inside the kernel's other branches.
  function fold(n: number, acc: number, a: any, ai: number): number {
    let a0 = f(acc, a[ai]), a1 = lift(a[ai + 1]), a2 = lift(a[ai + 2]), a3 = lift(a[ai + 3]);
    const end = ai + n - 3;
    let j = ai + 4;
    for (; j < end; j += 4) {
      a0 = f(a0, a[j]);
      a1 = f(a1, a[j + 1]);
      a2 = f(a2, a[j + 2]);
      a3 = f(a3, a[j + 3]);
    }
    let r = combine(combine(a0, a1), combine(a2, a3));
    for (const last = ai + n; j < last; j++) r = f(r, a[j]);
    return r;
  }
  return function into(n: number, o: any, oi: number, os: number, a: any, ai: number, as: number) {
    if (os === 0) {
      if (as === 1 && n >= 8) o[oi] = fold(n, o[oi], a, ai);
      else {
        let acc = o[oi];
        for (let i = 0; i < n; i++) acc = f(acc, a[ai + i * as]);
        o[oi] = acc;
      }
    } else if (os === 1 && as === 1) for (let i = 0; i < n; i++) o[oi + i] = f(o[oi + i], a[ai + i]);
    else if (as === 0) {
      const x = a[ai];
      for (let i = 0; i < n; i++) o[oi + i * os] = f(o[oi + i * os], x);
    } else for (let i = 0; i < n; i++) o[oi + i * os] = f(o[oi + i * os], a[ai + i * as]);
  };
}

export const templates = {
  unary: unaryTemplate as Template,
  binary: binaryTemplate as Template,
  ternary: ternaryTemplate as Template,
  quaternary: quaternaryTemplate as Template,
  into: intoTemplate as Template,
};
export type Arity = keyof typeof templates;

const arityOf: Record<Arity, number> = { unary: 1, binary: 2, ternary: 3, quaternary: 4, into: 1 };

let copies = 0;
/** A fresh copy of a function from its source, so it gets its own type feedback. The
 * numbered comment keeps V8's compilation cache from handing back a shared copy. */
export function freshCopy<T extends (...args: any[]) => any>(fn: T): T {
  try {
    return new Function(`return (${fn.toString()}); // copy ${++copies}`)() as T;
  } catch {
    return fn;
  }
}

/** Runs `fresh` and `reference` on a few values; the copy is kept only if they agree. */
function agrees(fresh: Kernel, reference: Kernel, arity: Arity): boolean {
  const inputs = Array.from({ length: arityOf[arity] }, (_, j) => Float64Array.of(0.5 + j, -1.25, 3));
  const run = (k: Kernel) => {
    const o = Float64Array.of(1, 2, 0.5);
    k(3, o, 0, 1, ...inputs.flatMap((x) => [x, 0, 1]));
    return Array.from(o);
  };
  try {
    const [x, y] = [run(fresh), run(reference)];
    return x.every((v, i) => Object.is(v, y[i]));
  } catch {
    return false;
  }
}

const KERNELS = Symbol("adjoint.kernels");
type WithKernels = Scalar & { [KERNELS]?: Map<string | number, Kernel> };
const frozen = new WeakMap<Scalar, Map<string | number, Kernel>>();

/** Storage types as small integers, for kernel keys: `kernelKey` packs a list of them into
 * one number (a leading 1 marks the length), which a Map finds faster than a joined string. */
export const dtypeCode: Readonly<Record<DType, number>> = { float64: 0, float32: 1, int32: 2, bool: 3 };
/** The key of an `into` kernel (accumulator and operand types): negative, apart from the others. */
export const intoKey = (acc: DType, x: DType): number => -(16 + dtypeCode[acc] * 4 + dtypeCode[x]);

/** The kernel of scalar function `f` for one combination of storage types (`key`: a string
 * or a number naming them; `partials` belong to `f`, which identifies the kernel). Kept on
 * `f` itself, for a fast lookup. */
export function kernelFor(arity: Arity, f: Scalar, key: string | number, partials?: Partials): Kernel {
  let byKey = (f as WithKernels)[KERNELS] ?? frozen.get(f);
  if (byKey === undefined) {
    byKey = new Map();
    if (Object.isExtensible(f)) Object.defineProperty(f, KERNELS, { value: byKey });
    else frozen.set(f, byKey);
  }
  let kernel = byKey!.get(key);
  if (kernel === undefined) {
    const reference = templates[arity](f, partials);
    const fresh = freshCopy(templates[arity])(f, partials);
    kernel = agrees(fresh, reference, arity) ? fresh : reference;
    byKey!.set(key, kernel);
  }
  return kernel;
}

/** One operand of an iteration: storage, offset, and strides over the iteration shape
 * (0 where it is broadcast or, for an output, where it accumulates). */
export interface Operand {
  readonly data: TypedArray;
  readonly offset: number;
  readonly strides: readonly number[];
}

/** The loops `iterate` runs over `shape`: length-1 dimensions dropped, dimensions that
 * are contiguous in every operand merged, and a short last dimension swapped for the
 * longest; undefined for an empty shape. */
export function collapse(shape: Shape, ops: readonly Operand[]): { dims: number[]; strides: number[][] } | undefined {
  // Drop length-1 dimensions and merge dimensions that are contiguous in every operand.
  const dims: number[] = [];
  const strides: number[][] = ops.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 0) return undefined;
    if (shape[d] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && ops.every((op, j) => strides[j][last] === op.strides[d] * shape[d])) {
      dims[last] *= shape[d];
      ops.forEach((op, j) => (strides[j][last] = op.strides[d]));
    } else {
      dims.push(shape[d]);
      ops.forEach((op, j) => strides[j].push(op.strides[d]));
    }
  }
  const k = dims.length;
  // A short last dimension would mean one kernel call per few elements: run the
  // longest dimension innermost instead (strided, but in few calls).
  if (k > 1 && dims[k - 1] < 32) {
    const longest = dims.indexOf(Math.max(...dims));
    if (dims[longest] > dims[k - 1]) {
      const swap = (list: number[]) => ([list[longest], list[k - 1]] = [list[k - 1], list[longest]]);
      swap(dims);
      strides.forEach(swap);
    }
  }
  return { dims, strides };
}

/** Calls `kernel` over every run of the last (collapsed) dimension of `shape`. */
export function iterate(kernel: Kernel, shape: Shape, ops: readonly Operand[]): void {
  const loops = collapse(shape, ops);
  if (loops === undefined) return;
  const { dims, strides } = loops;
  const k = dims.length;
  const offsets = ops.map((op) => op.offset);
  const n = k === 0 ? 1 : dims[k - 1];
  const inner = strides.map((s) => (k === 0 ? 0 : s[k - 1]));
  const data = ops.map((op) => op.data);
  const run = kernel as (...a: any[]) => void;
  const call = (): void => {
    switch (ops.length) {
      case 2:
        return run(n, data[0], offsets[0], inner[0], data[1], offsets[1], inner[1]);
      case 3:
        return run(n, data[0], offsets[0], inner[0], data[1], offsets[1], inner[1], data[2], offsets[2], inner[2]);
      default: {
        const args: any[] = [];
        for (let j = 0; j < ops.length; j++) args.push(data[j], offsets[j], inner[j]);
        return run(n, ...args);
      }
    }
  };
  if (k <= 1) return call();
  const index = new Array<number>(k - 1).fill(0);
  for (;;) {
    call();
    let d = k - 2;
    for (; d >= 0; d--) {
      index[d]++;
      for (let j = 0; j < ops.length; j++) offsets[j] += strides[j][d];
      if (index[d] < dims[d]) break;
      for (let j = 0; j < ops.length; j++) offsets[j] -= strides[j][d] * dims[d];
      index[d] = 0;
    }
    if (d < 0) return;
  }
}
