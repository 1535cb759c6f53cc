import { describe, expect, it } from "vitest";
import * as np from "adjoint/np";

describe("creation", () => {
  it("array from nested lists, typed arrays, numbers and booleans", () => {
    const x = np.array([[1, 2, 3], [4, 5, 6]]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe("float64");
    expect(np.array(7).shape).toEqual([]);
    expect(np.array([true, false]).dtype).toBe("bool");
    expect(np.array(Float32Array.of(1, 2)).dtype).toBe("float32");
    expect(np.array(Int16Array.of(1, -2)).toArray()).toEqual([1, -2]);
    expect(() => new np.NDArray(Int16Array.of(1) as never, [1])).toThrow("NDArray: storage must be a Float64Array");
    expect(np.array([1, 2], "float32").dtype).toBe("float32");
    expect(() => np.array([[1, 2], [3]])).toThrow("array: ragged nested list");
    expect(() => np.array([1, 2], "float16" as never)).toThrow("array: unknown dtype \"float16\"");
    const copied = np.array(x);
    expect(copied.data).not.toBe(x.data);
    expect(np.asarray(x)).toBe(x);
    expect(np.array([np.arange(2), np.ones(2)]).toArray()).toEqual([[0, 1], [1, 1]]);
  });
  it("zeros, ones, full, eye and the *Like variants", () => {
    expect(np.zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(np.ones(3, "int32").toArray()).toEqual([1, 1, 1]);
    expect(np.full([2], 2.5).toArray()).toEqual([2.5, 2.5]);
    expect(np.full([1], true).dtype).toBe("bool");
    expect(np.eye(3, 4, 1).toArray()).toEqual([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
    const f = np.ones([2], "float32");
    expect(np.zerosLike(f).dtype).toBe("float32");
    expect(np.onesLike(f, "float64").dtype).toBe("float64");
    expect(np.fullLike(f, 3).toArray()).toEqual([3, 3]);
    expect(() => np.zeros([-1])).toThrow("zeros: a shape is a list of non-negative integers, got [-1]");
  });
  it("arange and linspace", () => {
    expect(np.arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(np.arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(np.arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(np.arange(3, 1).size).toBe(0);
    expect(() => np.arange(0, 1, 0)).toThrow("arange: step must not be zero");
    expect(() => np.arange(Infinity)).toThrow("arange: stop must be a finite number, got Infinity");
    const l = np.linspace(0, 10, 200);
    expect(l.size).toBe(200);
    expect(l.data[199]).toBe(10);
    expect(np.linspace(0, 1, 4, false).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
  });
});

describe("random", () => {
  it("is reproducible after seed", () => {
    np.random.seed(42);
    const a = np.random.normal(0, 1, [3, 2]);
    const u = np.random.uniform(-1, 1, 5);
    np.random.seed(42);
    expect(np.random.normal(0, 1, [3, 2]).toArray()).toEqual(a.toArray());
    expect(np.random.uniform(-1, 1, 5).toArray()).toEqual(u.toArray());
    np.random.seed(43);
    expect(np.random.normal(0, 1, [3, 2]).toArray()).not.toEqual(a.toArray());
  });
  it("has the right moments and ranges", () => {
    np.random.seed(1);
    const n = np.random.normal(2, 3, 20000);
    expect(np.mean(n).item()).toBeCloseTo(2, 1);
    expect(Math.sqrt(np.mean(np.square(np.sub(n, 2))).item())).toBeCloseTo(3, 1);
    const u = np.random.uniform(1, 2, 10000);
    expect(np.min(u).item()).toBeGreaterThanOrEqual(1);
    expect(np.max(u).item()).toBeLessThan(2);
    expect(np.random.normal().shape).toEqual([]);
    expect(np.random.randn(2, 3).shape).toEqual([2, 3]);
    const r = np.random.randint(3, 6, [100]);
    expect(r.dtype).toBe("int32");
    expect(np.all(np.greaterEqual(r, 3)).item()).toBe(1);
  });
  it("rejects non-finite seeds and parameters", () => {
    expect(() => np.random.seed(NaN)).toThrow("random.seed: the seed must be a finite integer, got NaN");
    expect(() => np.random.normal(0, Infinity)).toThrow("random.normal: scale must be a finite number, got Infinity");
    expect(() => np.random.normal(0, -1)).toThrow("random.normal: scale must be non-negative, got -1");
  });
});

describe("the adjoints table", () => {
  it("has a rule for every differentiable export, with params and wrt", () => {
    const names = ["neg", "abs", "exp", "log", "sin", "add", "sub", "mul", "div", "pow", "maximum", "where", "clip",
      "sum", "mean", "prod", "max", "min", "matmul", "dot", "outer", "norm", "reshape", "transpose", "concat", "stack", "getItem"];
    for (const name of names) {
      const rule = np.adjoints[name];
      expect(rule, name).toBeDefined();
      expect(rule.wrt.every((i) => i < rule.params.length)).toBe(true);
    }
    for (const name of np.nonDifferentiable) expect(np.adjoints[name]).toBeUndefined();
  });
  it("maps every differentiable method to a rule, and the method to the function", () => {
    const x = np.arange(6).reshape(2, 3);
    for (const [method, name] of Object.entries(np.methodRules)) {
      expect(np.adjoints[name], method).toBeDefined();
      expect(method in x, method).toBe(true);
    }
    expect(x.T.toArray()).toEqual(np.transpose(x).toArray());
    expect(x.get(1, "1:").toArray()).toEqual(np.getItem(x, [1, "1:"]).toArray());
  });
  it("skips adjoints marked not needed", () => {
    const [da, db] = np.adjoints.mul.vjp(np.ones([2]), np.array([1, 2]), 3, np.array([3, 6]), [true, false]);
    expect((da as np.NDArray).toArray()).toEqual([3, 3]);
    expect(db).toBeUndefined();
  });
});
