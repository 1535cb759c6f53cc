import { describe, expect, it } from "vitest";
import * as np from "adjoint/np";
import { at, broadcastPairs, broadcastShape, checkVjp, expectClose, randomArray, rng, viewKinds, viewOf } from "./helpers.js";

const unary: [keyof typeof np & string, (a: number) => number, number, number][] = [
  ["neg", (a) => -a, -2, 2], ["abs", Math.abs, -2, 2], ["exp", Math.exp, -2, 2], ["log", Math.log, 0.1, 3],
  ["log1p", Math.log1p, -0.5, 2], ["expm1", Math.expm1, -2, 2], ["sqrt", Math.sqrt, 0.1, 3],
  ["sin", Math.sin, -3, 3], ["cos", Math.cos, -3, 3], ["tan", Math.tan, -1, 1], ["tanh", Math.tanh, -2, 2],
  ["sinh", Math.sinh, -2, 2], ["cosh", Math.cosh, -2, 2], ["asin", Math.asin, -0.9, 0.9], ["acos", Math.acos, -0.9, 0.9],
  ["atan", Math.atan, -2, 2], ["sigmoid", (a) => 1 / (1 + Math.exp(-a)), -5, 5], ["relu", (a) => Math.max(a, 0), -2, 2],
  ["sign", Math.sign, -2, 2], ["square", (a) => a * a, -2, 2],
];

const binary: [string, (a: number, b: number) => number, number, number][] = [
  ["add", (a, b) => a + b, -2, 2], ["sub", (a, b) => a - b, -2, 2], ["mul", (a, b) => a * b, -2, 2],
  ["div", (a, b) => a / b, 0.5, 2], ["pow", Math.pow, 0.5, 2], ["maximum", Math.max, -2, 2], ["minimum", Math.min, -2, 2],
];

const compare: [string, (a: number, b: number) => boolean][] = [
  ["equal", (a, b) => a === b], ["notEqual", (a, b) => a !== b], ["less", (a, b) => a < b],
  ["lessEqual", (a, b) => a <= b], ["greater", (a, b) => a > b], ["greaterEqual", (a, b) => a >= b],
];

const op = (name: string) => (np as unknown as Record<string, (...a: unknown[]) => np.NDArray>)[name];
const shapes = [[], [0], [1], [7], [3, 4], [2, 3, 5], [2, 0, 3]];

describe("unary elementwise", () => {
  for (const [name, f, lo, hi] of unary) {
    it(`${name} matches Math on every kind of view`, () => {
      const next = rng(name.length);
      for (const shape of shapes) {
        for (const kind of viewKinds) {
          const x = viewOf(kind, shape, next, lo, hi);
          const before = x.toArray();
          expectClose(op(name)(x), { shape, get: (i) => f(at(x, i)) }, 1e-14);
          expect(x.toArray()).toEqual(before);
        }
      }
      expect(op(name)(0.5).ndim).toBe(0);
    });
    if (name !== "sign") {
      it(`${name}'s adjoint matches finite differences`, () => {
        const next = rng(7 + name.length);
        checkVjp(name, op(name), [randomArray([2, 3], next, lo, hi)], next);
        checkVjp(name, op(name), [randomArray([], next, lo, hi)], next);
      });
    }
  }
});

describe("binary elementwise with broadcasting", () => {
  for (const [name, f, lo, hi] of binary) {
    it(`${name} broadcasts like NumPy, on views and numbers`, () => {
      const next = rng(100 + name.length);
      for (const [sa, sb] of broadcastPairs()) {
        for (const kind of viewKinds) {
          const a = viewOf(kind, sa, next, lo, hi);
          const b = viewOf("transposed", sb, next, lo, hi);
          const shape = broadcastShape(sa, sb);
          expectClose(op(name)(a, b), { shape, get: (i) => f(at(a, i), at(b, i)) }, 1e-14);
          expectClose(op(name)(a, 1.5), { shape: sa, get: (i) => f(at(a, i), 1.5) }, 1e-14);
          expectClose(op(name)(0.75, b), { shape: sb, get: (i) => f(0.75, at(b, i)) }, 1e-14);
        }
      }
    });
    it(`${name}'s adjoints match finite differences, reduced to each operand's shape`, () => {
      const next = rng(200 + name.length);
      for (const [sa, sb] of [[[2, 3], [3]], [[2, 1], [1, 3]], [[], [2, 2]], [[2, 3], [2, 3]]]) {
        checkVjp(name, op(name), [randomArray(sa, next, lo, hi), randomArray(sb, next, lo, hi)], next);
      }
      checkVjp(name, op(name), [randomArray([3], next, lo, hi), 1.3], next);
      checkVjp(name, op(name), [1.2, randomArray([2, 2], next, lo, hi)], next);
    });
  }
  for (const [name, f] of compare) {
    it(`${name} returns a bool array`, () => {
      const a = np.array([1, 2, 3, NaN]);
      const b = np.array([[2], [2]]);
      const r = op(name)(a, b);
      expect(r.dtype).toBe("bool");
      expectClose(r, { shape: [2, 4], get: (i) => Number(f(at(a, i), at(b, i))) });
    });
  }
  it("maximum and minimum propagate NaN", () => {
    expect(np.maximum(np.array([NaN, 1]), np.array([1, NaN])).toArray()).toEqual([NaN, NaN]);
    expect(np.minimum(np.array([NaN, 1]), 0).toArray()).toEqual([NaN, 0]);
  });
  it("writes into out when asked, and never into its inputs", () => {
    const a = np.arange(6).reshape(2, 3);
    const out = np.zeros([2, 3]);
    expect(np.add(a, np.arange(3), out)).toBe(out);
    expect(out.toArray()).toEqual([[0, 2, 4], [3, 5, 7]]);
    expect(a.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(() => np.add(a, 1, np.zeros([3]))).toThrow("add: out has shape (3,) but the result has shape (2,3)");
  });
});

describe("pow's adjoint at zero and below", () => {
  it("matches b a^(b-1) where out / a cannot be used", () => {
    const a = np.array([0, -1.5, 2]);
    const [da] = np.adjoints.pow.vjp(np.ones([3]), a, 3, np.pow(a, 3), [true, false]);
    expect((da as np.NDArray).toArray()).toEqual([0, 6.75, 12]);
  });
});

describe("where and clip", () => {
  it("where picks by condition with broadcasting", () => {
    const c = np.array([true, false, true]);
    const r = np.where(c, np.array([[1, 2, 3], [4, 5, 6]]), -1);
    expect(r.toArray()).toEqual([[1, -1, 3], [4, -1, 6]]);
    const next = rng(5);
    checkVjp("where", np.where, [c, randomArray([2, 3], next), randomArray([3], next)], next);
  });
  it("clip bounds either side", () => {
    const x = np.array([-2, -0.5, 0.5, 2]);
    expect(np.clip(x, -1, 1).toArray()).toEqual([-1, -0.5, 0.5, 1]);
    expect(np.clip(x, null, 0).toArray()).toEqual([-2, -0.5, 0, 0]);
    expect(x.clip(0, null).toArray()).toEqual([0, 0, 0.5, 2]);
    const next = rng(6);
    checkVjp("clip", np.clip, [np.array([-2, -0.4, 0.3, 2]), -1, 1], next);
    checkVjp("clip", np.clip, [np.array([-2, -0.4, 0.3, 2]), np.array([-1, 0, 0, 1]), null], next);
  });
});

describe("elementwise with any scalar function", () => {
  it("fuses a chain into one pass, even for a frozen function", () => {
    const x = np.array([[0.5, 1], [2, 3]]);
    const f = Object.freeze((a: number, b: number) => Math.tanh(a * b + a));
    const r = np.elementwise("fused", f, [x, np.array([1, 2])], "float64");
    expectClose(r, { shape: [2, 2], get: (i) => Math.tanh(at(x, i) * [1, 2][i[1]] + at(x, i)) });
  });
});

describe("copy and astype", () => {
  it("have identity adjoints (astype casts back)", () => {
    const next = rng(9);
    checkVjp("copy", np.copy, [randomArray([2, 3], next).T], next);
    const x = randomArray([3], next);
    const [dx] = np.adjoints.astype.vjp(np.ones([3], "float32"), x, "float32", x.astype("float32"));
    expect((dx as np.NDArray).dtype).toBe("float64");
  });
});

describe("dtypes", () => {
  it("promotes NumPy's way, numbers being weak", () => {
    const f32 = np.ones(3, "float32");
    const i32 = np.ones(3, "int32");
    expect(np.add(f32, 2).dtype).toBe("float32");
    expect(np.add(f32, np.ones(3)).dtype).toBe("float64");
    expect(np.add(i32, 2).dtype).toBe("int32");
    expect(np.add(i32, 2.5).dtype).toBe("float64");
    expect(np.div(i32, i32).dtype).toBe("float64");
    expect(np.sin(f32).dtype).toBe("float32");
    expect(np.sin(i32).dtype).toBe("float64");
    expect(np.add(f32, 0.1).data[0]).toBe(Math.fround(1.1));
  });
  it("astype converts, and to bool means non-zero", () => {
    expect(np.array([0, 0.5, -2]).astype("bool").toArray()).toEqual([false, true, true]);
    expect(np.array([1.7, -1.7]).astype("int32").toArray()).toEqual([1, -1]);
  });
  it("refuses to write floats into integer arrays, except by assignment", () => {
    expect(() => np.add(np.ones(2), 1, np.zeros(2, "int32"))).toThrow("add: cannot write float64 values into an array of int32");
    expect(() => np.addInto(np.zeros(2, "int32"), 0.5)).toThrow("addInto: cannot write float64 values into an array of int32");
    expect(np.addInto(np.zeros(2, "int32"), 2).toArray()).toEqual([2, 2]);
    expect(np.zeros(2, "int32").fill(1.7).toArray()).toEqual([1, 1]);
    expect(() => np.random.normal(0, 1, [2], "int32")).toThrow("random.normal: dtype must be 'float64' or 'float32', got 'int32'");
  });
  it("rejects what is not an array or a number", () => {
    expect(() => np.add("x" as never, 1)).toThrow("add: expected an NDArray or a number, got string");
  });
});

describe("accumulating adjoints in place", () => {
  it("addInto adds a broadcast operand, or sums a larger one down", () => {
    const acc = np.zeros([3]);
    expect(np.addInto(acc, np.array([[1, 2, 3], [4, 5, 6]]))).toBe(acc);
    expect(acc.toArray()).toEqual([5, 7, 9]);
    np.addInto(acc, 1);
    expect(acc.toArray()).toEqual([6, 8, 10]);
    const m = np.ones([2, 3]);
    np.subInto(m, np.array([1, 2, 3]));
    expect(m.toArray()).toEqual([[0, -1, -2], [0, -1, -2]]);
    np.mulInto(m, 2);
    expect(m.toArray()).toEqual([[0, -2, -4], [0, -2, -4]]);
  });
  it("accumulate allocates only for the first adjoint", () => {
    const g = np.array([1, 2]);
    const first = np.accumulate(undefined, g);
    expect(first).not.toBe(g);
    expect(np.accumulate(first, g)).toBe(first);
    expect(first.toArray()).toEqual([2, 4]);
    expect(g.toArray()).toEqual([1, 2]);
    expect(np.accumulate(1, 2)).toBe(3);
  });
  it("unbroadcast sums to a shape, or to a number", () => {
    const g = np.ones([2, 3, 4]);
    expect((np.unbroadcast(g, [3, 1]) as np.NDArray).toArray()).toEqual([[8], [8], [8]]);
    expect(np.unbroadcast(g, 5)).toBe(24);
    expect(np.unbroadcast(g, g)).toBe(g);
  });
});
