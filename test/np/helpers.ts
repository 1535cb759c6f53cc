// Straightforward references for the runtime's tests: element access by multi-index,
// naive loops, random shapes and the kinds of views an operand can be.
import * as np from "adjoint/np";
import { expect } from "vitest";

/** A small deterministic generator, independent of np.random. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** Every multi-index of `shape`, in row-major order. */
export function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const walk = (prefix: number[]) => {
    if (prefix.length === shape.length) return void out.push(prefix);
    for (let i = 0; i < shape[prefix.length]; i++) walk([...prefix, i]);
  };
  walk([]);
  return out;
}

/** `x[index]`, with NumPy broadcasting of `x` against a longer index. */
export function at(x: np.NDArray | number, index: readonly number[]): number {
  if (typeof x === "number") return x;
  const lead = index.length - x.ndim;
  let off = x.offset;
  for (let d = 0; d < x.ndim; d++) off += (x.shape[d] === 1 ? 0 : index[lead + d]) * x.strides[d];
  return x.data[off];
}

export function randomArray(shape: readonly number[], next: () => number, lo = -2, hi = 2): np.NDArray {
  return np.array(Array.from({ length: sizeOf(shape) }, () => lo + (hi - lo) * next()) as never).reshape(shape as number[]);
}

export type ViewKind = "contiguous" | "transposed" | "strided" | "offset";
export const viewKinds: ViewKind[] = ["contiguous", "transposed", "strided", "offset"];

/** An array with `shape` and random values, laid out as the given kind of view. */
export function viewOf(kind: ViewKind, shape: readonly number[], next: () => number, lo = -2, hi = 2): np.NDArray {
  const fill = (s: readonly number[]) => randomArray(s, next, lo, hi);
  switch (kind) {
    case "contiguous":
      return fill(shape);
    case "transposed":
      return fill([...shape].reverse()).transpose();
    case "strided":
      return shape.length === 0 ? fill(shape) : fill([...shape.slice(0, -1), shape[shape.length - 1] * 2]).get("...", "::2");
    case "offset":
      return shape.length === 0 ? fill([3]).get(1) : fill([shape[0] + 1, ...shape.slice(1)]).get("1:");
  }
}

/** Shapes that broadcast together, including 0-d and zero-size ones. */
export function broadcastPairs(): [number[], number[]][] {
  return [
    [[], []], [[3], []], [[], [4]], [[5], [5]], [[2, 3], [3]], [[2, 3], [2, 1]], [[4, 1], [1, 5]],
    [[2, 3, 4], [3, 1]], [[1, 3, 1], [2, 1, 4]], [[0], [1]], [[0, 3], [3]], [[2, 0], [2, 1]], [[3, 4], [3, 4]],
  ];
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
}

/** Asserts equal shapes and elementwise closeness (NaNs must match). */
export function expectClose(actual: np.NDArray, expected: { shape: readonly number[]; get: (i: number[]) => number }, tol = 1e-12): void {
  expect(actual.shape).toEqual(expected.shape);
  for (const i of indices(expected.shape)) {
    const a = at(actual, i);
    const e = expected.get(i);
    if (Number.isNaN(e)) expect(a, `at [${i}]`).toBeNaN();
    else if (!Number.isFinite(e)) expect(a, `at [${i}]`).toBe(e);
    else expect(Math.abs(a - e), `at [${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
  }
}

/** Checks `rule.vjp` against central finite differences of `sum(dout * f(args))`,
 * for every element of every differentiable argument. */
export function checkVjp(
  name: string,
  f: (...args: any[]) => np.NDArray, // eslint-disable-line @typescript-eslint/no-explicit-any
  args: unknown[],
  next: () => number,
  tol = 1e-6,
): void {
  const rule = np.adjoints[name];
  expect(rule, `adjoints.${name}`).toBeDefined();
  const out = f(...args);
  const dout = randomArray(out.shape, next);
  const padded = [...args, ...Array(rule.params.length - args.length).fill(undefined)];
  const grads = rule.vjp(dout, ...padded, out);
  expect(grads.length).toBe(rule.params.length);
  const loss = (a: unknown[]) => np.sum(np.mul(dout, f(...a))).item();
  for (const i of rule.wrt) {
    const arg = args[i];
    if (arg === undefined || arg === null) continue;
    const grad = grads[i];
    if (typeof arg === "number") {
      const h = 1e-6 * Math.max(1, Math.abs(arg));
      const fd = (loss(args.map((v, j) => (j === i ? arg + h : v))) - loss(args.map((v, j) => (j === i ? arg - h : v)))) / (2 * h);
      expect(typeof grad, `${name}: adjoint ${i} of a number`).toBe("number");
      expect(Math.abs((grad as number) - fd), `${name} d${rule.params[i]}: ${grad} vs ${fd}`).toBeLessThan(tol * Math.max(1, Math.abs(fd)));
      continue;
    }
    const list = Array.isArray(arg) ? (arg as np.NDArray[]) : [arg as np.NDArray];
    const gradList = Array.isArray(arg) ? (grad as np.NDArray[]) : [grad as np.NDArray];
    list.forEach((x, k) => {
      expect(gradList[k].shape, `${name}: adjoint shape of ${rule.params[i]}`).toEqual(x.shape);
      for (const idx of indices(x.shape)) {
        const bump = (delta: number) => {
          const copies = list.map((y) => y.copy());
          const v = at(copies[k], idx);
          copies[k].set(idx, v + delta);
          return loss(args.map((a, j) => (j === i ? (Array.isArray(arg) ? copies : copies[0]) : a)));
        };
        const h = 1e-6 * Math.max(1, Math.abs(at(x, idx)));
        const fd = (bump(h) - bump(-h)) / (2 * h);
        const g = at(gradList[k], idx);
        expect(Math.abs(g - fd), `${name} d${rule.params[i]}[${idx}]: ${g} vs ${fd}`).toBeLessThan(tol * Math.max(1, Math.abs(fd)));
      }
    });
  }
}
