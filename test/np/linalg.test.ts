import { describe, expect, it } from "vitest";
import * as np from "adjoint/np";
import { at, checkVjp, expectClose, randomArray, rng, viewKinds, viewOf } from "./helpers.js";

/** Naive (...batch, m, k) x (...batch, k, n). */
function naiveMatmul(a: np.NDArray, b: np.NDArray, shape: number[]) {
  const k = a.shape[a.ndim - 1];
  return {
    shape,
    get: (i: number[]) => {
      const [r, c] = i.slice(-2);
      let s = 0;
      for (let p = 0; p < k; p++) s += at(a, [...i.slice(0, -2), r, p]) * at(b, [...i.slice(0, -2), p, c]);
      return s;
    },
  };
}

describe("matmul", () => {
  it("matches naive loops on sizes around the kernel's blocks, on views", () => {
    const next = rng(1);
    for (const [m, k, n] of [[1, 1, 1], [3, 5, 2], [4, 4, 4], [7, 130, 9], [65, 33, 67], [16, 300, 5], [0, 3, 2], [2, 0, 3]]) {
      for (const kind of viewKinds) {
        const a = viewOf(kind, [m, k], next);
        const b = viewOf(kind === "transposed" ? "strided" : "transposed", [k, n], next);
        expectClose(np.matmul(a, b), naiveMatmul(a, b, [m, n]), 1e-12);
      }
    }
  });
  it("blocks wide products (more columns than one packed block) and float32", () => {
    const next = rng(11);
    const a = viewOf("contiguous", [3, 5], next).astype("float32");
    const b = viewOf("transposed", [5, 2100], next);
    expectClose(np.matmul(a, b), naiveMatmul(a, b, [3, 2100]), 1e-6);
  });
  it("broadcasts batches and promotes 1-D operands like NumPy", () => {
    const next = rng(2);
    const a = randomArray([2, 1, 3, 4], next);
    const b = randomArray([5, 4, 2], next);
    expectClose(np.matmul(a, b), naiveMatmul(a, b, [2, 5, 3, 2]), 1e-12);
    const v = randomArray([4], next);
    expect(np.matmul(a, v).shape).toEqual([2, 1, 3]);
    expect(np.matmul(v, b).shape).toEqual([5, 2]);
    expect(np.matmul(v, v).shape).toEqual([]);
    expect(np.matmul(np.ones([3, 4], "float32"), np.ones([4, 2], "float32")).dtype).toBe("float32");
  });
  it("names the shapes that do not align", () => {
    expect(() => np.matmul(np.zeros([3, 4]), np.zeros([5, 2]))).toThrow("matmul: shapes (3,4) and (5,2) do not align on 4 != 5");
    expect(() => np.matmul(np.zeros([2, 3, 4]), np.zeros([3, 4, 2]))).toThrow("matmul: operands could not be broadcast together with shapes (2,) (3,)");
    expect(() => np.matmul(np.array(1), np.zeros([2]))).toThrow("matmul: operands must be arrays of at least one dimension");
  });
  it("the gemm kernel takes strides for every operand and accumulates", () => {
    const a = Float64Array.from({ length: 12 }, (_, i) => i);
    const c = new Float64Array(4).fill(1);
    // A = 2x3 row-major, B = A^T through its strides, C += A A^T.
    np.gemm(2, 2, 3, a, 0, 3, 1, a, 0, 1, 3, c, 0, 2, 1);
    expect(Array.from(c)).toEqual([1 + 5, 1 + 14, 1 + 14, 1 + 50]);
  });
});

describe("dot, outer, norm", () => {
  it("dot follows NumPy for every rank", () => {
    const next = rng(3);
    const v = randomArray([3], next);
    const m = randomArray([2, 3], next);
    const t = randomArray([4, 3, 2], next);
    expect(np.dot(v, v).item()).toBeCloseTo([0, 1, 2].reduce((s, i) => s + at(v, [i]) ** 2, 0), 12);
    expect(np.dot(m, v).shape).toEqual([2]);
    expect(np.dot(v, t).shape).toEqual([4, 2]);
    expect(np.dot(2, m).toArray()).toEqual(np.mul(m, 2).toArray());
    const d = np.dot(m, t);
    expect(d.shape).toEqual([2, 4, 2]);
    expectClose(d, { shape: [2, 4, 2], get: ([i, j, l]) => [0, 1, 2].reduce((s, p) => s + at(m, [i, p]) * at(t, [j, p, l]), 0) }, 1e-12);
    expect(() => np.dot(v, np.zeros([4]))).toThrow("dot: shapes (3,) and (4,) not aligned: 3 (dim 0) != 4 (dim 0)");
  });
  it("outer and norm", () => {
    expect(np.outer(np.array([1, 2]), np.array([3, 4, 5])).toArray()).toEqual([[3, 4, 5], [6, 8, 10]]);
    const x = np.array([[3, -4], [0, 12]]);
    expect(np.linalg.norm(x).item()).toBe(13);
    expect(np.linalg.norm(x, null, 1).toArray()).toEqual([5, 12]);
    expect(np.linalg.norm(x, 1, 1).toArray()).toEqual([7, 12]);
    expect(np.linalg.norm(x, Infinity, 0).toArray()).toEqual([3, 12]);
    expect(np.linalg.norm(x, "fro", [0, 1], true).shape).toEqual([1, 1]);
    expect(np.linalg.norm(x, 1, [0, 1]).item()).toBe(16);
    expect(np.linalg.norm(x, Infinity, [0, 1]).item()).toBe(12);
    expect(np.linalg.norm(x, Infinity, [1, 0]).item()).toBe(16);
    expect(np.linalg.norm(np.array([1, 2]), 3, 0).item()).toBeCloseTo(9 ** (1 / 3), 12);
    const long = np.arange(-10, 13);
    const squares = (long.toArray() as number[]).reduce((s, v) => s + v * v, 0);
    expect(np.linalg.norm(long).item()).toBeCloseTo(Math.sqrt(squares), 12);
    expect(np.linalg.norm(long, 1).item()).toBe((long.toArray() as number[]).reduce((s, v) => s + Math.abs(v), 0));
    expect(np.linalg.norm(long.reshape(1, 23), null, 1).item()).toBeCloseTo(Math.sqrt(squares), 12);
    expect(() => np.linalg.norm(x, 2, [0, 1])).toThrow("norm: matrix norm ord=2 is not supported");
  });
});

describe("linear algebra adjoints", () => {
  const next = rng(4);
  it("matmul, with batches and 1-D operands", () => {
    checkVjp("matmul", np.matmul, [randomArray([3, 4], next), randomArray([4, 2], next)], next);
    checkVjp("matmul", np.matmul, [randomArray([2, 1, 3, 4], next), randomArray([3, 4, 2], next)], next);
    checkVjp("matmul", np.matmul, [randomArray([4], next), randomArray([2, 4, 3], next)], next);
    checkVjp("matmul", np.matmul, [randomArray([3, 4], next), randomArray([4], next)], next);
    checkVjp("matmul", np.matmul, [randomArray([4], next), randomArray([4], next)], next);
    checkVjp("matmul", np.matmul, [randomArray([20, 70], next), randomArray([70, 9], next)], next);
  });
  it("dot for every rank, and with numbers", () => {
    checkVjp("dot", np.dot, [randomArray([3], next), randomArray([3], next)], next);
    checkVjp("dot", np.dot, [randomArray([2, 3], next), randomArray([3, 2], next)], next);
    checkVjp("dot", np.dot, [randomArray([2, 3], next), randomArray([4, 3, 2], next)], next);
    checkVjp("dot", np.dot, [randomArray([2, 2, 3], next), randomArray([3], next)], next);
    checkVjp("dot", np.dot, [2.5, randomArray([2, 3], next)], next);
  });
  it("outer and norm", () => {
    checkVjp("outer", np.outer, [randomArray([3], next), randomArray([2, 2], next)], next);
    for (const [ord, axis] of [[undefined, undefined], [2, 1], ["fro", [0, 1]], [1, 0], [Infinity, 1], [3, 1], [-Infinity, 0], [1, [0, 1]], [Infinity, [1, 0]], [1, undefined]] as const) {
      checkVjp("norm", np.linalg.norm, [randomArray([3, 4], next), ord, axis, false], next);
    }
  });
});
