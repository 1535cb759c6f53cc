import { describe, expect, it } from "vitest";
import * as np from "adjoint/np";
import { at, checkVjp, expectClose, indices, randomArray, rng, viewKinds, viewOf } from "./helpers.js";

type Red = (x: np.NDArray, axis?: np.Axis, keepdims?: boolean) => np.NDArray;
const reductions: [string, Red, (v: number[]) => number][] = [
  ["sum", np.sum, (v) => v.reduce((a, b) => a + b, 0)],
  ["mean", np.mean, (v) => v.reduce((a, b) => a + b, 0) / v.length],
  ["prod", np.prod, (v) => v.reduce((a, b) => a * b, 1)],
  ["max", np.max, (v) => Math.max(...v)],
  ["min", np.min, (v) => Math.min(...v)],
  ["all", np.all, (v) => Number(v.every((x) => x !== 0))],
  ["any", np.any, (v) => Number(v.some((x) => x !== 0))],
];

/** The naive reduction of `x` over `axes`. */
function reference(x: np.NDArray, axes: number[], keepdims: boolean, f: (v: number[]) => number) {
  const shape = x.shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]));
  return {
    shape,
    get: (i: number[]) => {
      const values: number[] = [];
      for (const j of indices(x.shape)) {
        const kept = j.filter((_, d) => !axes.includes(d));
        const target = keepdims ? i.filter((_, d) => !axes.includes(d)) : i;
        if (kept.every((v, d) => v === target[d])) values.push(at(x, j));
      }
      return f(values);
    },
  };
}

describe("reductions", () => {
  for (const [name, red, f] of reductions) {
    it(`${name} over every axis choice, with keepdims, on views`, () => {
      const next = rng(name.length * 13);
      for (const shape of [[], [5], [3, 4], [2, 3, 4]]) {
        const choices: (number[] | undefined)[] = [undefined, ...shape.map((_, i) => [i]), shape.length > 1 ? [0, shape.length - 1] : []];
        for (const kind of viewKinds) {
          const x = viewOf(kind, shape, next, 0.5, 1.5);
          for (const axes of choices) {
            for (const keepdims of [false, true]) {
              const all = axes ?? shape.map((_, i) => i);
              const axis = axes?.length === 1 && keepdims ? axes[0] - shape.length : axes;
              expectClose(red(x, axis, keepdims), reference(x, all, keepdims, f), 1e-12);
            }
          }
        }
      }
    });
  }
  it("sums of zero-size arrays are the identity; max of one throws", () => {
    expect(np.sum(np.zeros([0, 3]), 0).toArray()).toEqual([0, 0, 0]);
    expect(np.prod(np.zeros([0])).item()).toBe(1);
    expect(() => np.max(np.zeros([0, 3]), 0)).toThrow("max: zero-size array (0,3) to reduction operation max, which has no identity");
    expect(np.max(np.zeros([0, 3]), 1).shape).toEqual([0]);
  });
  it("bad axes throw, naming the operation", () => {
    expect(() => np.sum(np.zeros([2, 3]), 2)).toThrow("sum: axis 2 is out of bounds for an array of dimension 2");
    expect(() => np.mean(np.zeros([2, 3]), [0, -2])).toThrow("mean: repeated axis in [0,-2]");
  });
  it("sum of bool counts, max keeps NaN", () => {
    expect(np.sum(np.array([true, false, true])).item()).toBe(2);
    expect(np.max(np.array([1, NaN, 3])).item()).toBeNaN();
  });
  it("argmax and argmin, flat and along an axis", () => {
    const x = np.array([[1, 5, 2], [7, 0, 7]]);
    expect(np.argmax(x).item()).toBe(3);
    expect(np.argmax(x, 1).toArray()).toEqual([1, 0]);
    expect(np.argmin(x, 0).toArray()).toEqual([0, 1, 0]);
    expect(x.argmax(-1, true).shape).toEqual([2, 1]);
    expect(np.argmax(np.array([1, NaN, 3])).item()).toBe(1);
    expect(() => np.argmax(np.zeros([0]))).toThrow("argmax: attempt to get argmax of an empty sequence");
    expect(String(np.argmax(x, 1))).toBe("array([1, 0])");
  });
  for (const name of ["sum", "mean", "prod", "max", "min"]) {
    it(`${name}'s adjoint matches finite differences`, () => {
      const next = rng(name.length + 99);
      const red = reductions.find(([n]) => n === name)![1];
      for (const [shape, axis, keepdims] of [[[2, 3], undefined, false], [[2, 3], 1, false], [[2, 3, 2], [0, 2], true], [[4], 0, true], [[], undefined, false]] as const) {
        checkVjp(name, red, [randomArray(shape, next, 0.5, 1.5), axis, keepdims], next);
      }
    });
  }
  it("accept numbers, whose adjoints are numbers", () => {
    expect(String(np.sum(3))).toBe("array(3.)");
    expect(np.max(2, undefined, true).shape).toEqual([]);
    expect(np.argmax(5).item()).toBe(0);
    expect(np.adjoints.sum.vjp(np.array(2), 3, undefined, undefined, np.sum(3))[0]).toBe(2);
    expect(np.adjoints.mean.vjp(np.array(2), 3, undefined, undefined, np.mean(3))[0]).toBe(2);
    expect(np.adjoints.norm.vjp(np.array(1), -3, undefined, undefined, undefined, np.linalg.norm(-3))[0]).toBe(-1);
  });
  it("prod's adjoint is exact with zeros", () => {
    const x = np.array([[2, 0, 3], [0, 0, 1], [1, 2, 3]]);
    const [dx] = np.adjoints.prod.vjp(np.ones([3]), x, 1, false, np.prod(x, 1));
    expect((dx as np.NDArray).toArray()).toEqual([[0, 6, 0], [0, 0, 0], [6, 3, 2]]);
  });
  it("max's adjoint shares ties", () => {
    const x = np.array([1, 3, 3]);
    const [dx] = np.adjoints.max.vjp(np.array(1), x, undefined, false, np.max(x));
    expect((dx as np.NDArray).toArray()).toEqual([0, 0.5, 0.5]);
  });
});
