import { describe, expect, it } from "vitest";
import * as np from "adjoint/np";
import { checkVjp, randomArray, rng } from "./helpers.js";

describe("views", () => {
  it("reshape of a contiguous array shares storage; -1 is inferred", () => {
    const x = np.arange(6);
    const y = x.reshape(2, -1);
    expect(y.shape).toEqual([2, 3]);
    expect(y.data).toBe(x.data);
    expect(np.reshape(x, [3, 2]).toArray()).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(() => x.reshape(4, 2)).toThrow("reshape: cannot reshape array of size 6 into shape (4,2)");
  });
  it("reshape of a non-contiguous view copies in row-major order", () => {
    const t = np.arange(6).reshape(2, 3).T;
    expect(t.reshape(-1).toArray()).toEqual([0, 3, 1, 4, 2, 5]);
  });
  it("transpose permutes axes without copying", () => {
    const x = np.arange(24).reshape(2, 3, 4);
    const t = x.transpose(2, 0, 1);
    expect(t.shape).toEqual([4, 2, 3]);
    expect(t.data).toBe(x.data);
    expect(t.get(3, 1, 2).item()).toBe(x.get(1, 2, 3).item());
    expect(x.T.shape).toEqual([4, 3, 2]);
    expect(() => np.transpose(x, [0, 0, 1])).toThrow("transpose: axes [0,0,1] are not a permutation");
  });
  it("expandDims, squeeze, flatten, ravel, broadcastTo", () => {
    const x = np.arange(3);
    expect(np.expandDims(x, 0).shape).toEqual([1, 3]);
    expect(np.expandDims(x, [0, -1]).shape).toEqual([1, 3, 1]);
    expect(np.squeeze(np.zeros([1, 3, 1])).shape).toEqual([3]);
    expect(() => np.squeeze(np.zeros([2, 1]), 0)).toThrow("squeeze: cannot select axis 0");
    const b = np.broadcastTo(x, [2, 3]);
    expect(b.strides).toEqual([0, 1]);
    expect(b.toArray()).toEqual([[0, 1, 2], [0, 1, 2]]);
    expect(() => np.broadcastTo(np.zeros([2]), [3])).toThrow("broadcastTo: operands could not be broadcast together with shapes (2,) (3,)");
    expect(np.flatten(b).toArray()).toEqual([0, 1, 2, 0, 1, 2]);
    expect(np.ravel(x).data).toBe(x.data);
  });
  it("basic indexing and slicing are views", () => {
    const x = np.arange(24).reshape(2, 3, 4);
    expect(x.get(1).shape).toEqual([3, 4]);
    expect(x.get(-1, "1:", "::2").toArray()).toEqual([[16, 18], [20, 22]]);
    expect(x.get("...", 0).toArray()).toEqual([[0, 4, 8], [12, 16, 20]]);
    expect(x.get(0, null, 0, "::-1").toArray()).toEqual([[3, 2, 1, 0]]);
    expect(x.get(0, np.slice(1, 3), np.slice(null, null, -2)).toArray()).toEqual([[7, 5], [11, 9]]);
    expect(x.get(0, "5:").shape).toEqual([0, 4]);
    expect(x.get(0).data).toBe(x.data);
    expect(() => x.get(2)).toThrow("getItem: index 2 is out of bounds for axis 0 with size 2");
    expect(() => x.get(0, 0, 0, 0)).toThrow("getItem: too many indices (4) for an array of dimension 3");
  });
  it("set writes in place through the view, broadcasting the value", () => {
    const x = np.zeros([2, 3]);
    x.set([0, "1:"], 5);
    x.set(1, np.array([1, 2, 3]));
    expect(x.toArray()).toEqual([[0, 5, 5], [1, 2, 3]]);
    expect(x.get(0).fill(7).toArray()).toEqual([7, 7, 7]);
    expect(x.toArray()).toEqual([[7, 7, 7], [1, 2, 3]]);
    expect(() => x.set(0, np.ones([2]))).toThrow("setItem: operands could not be broadcast together with shapes (3,) (2,)");
  });
  it("concat and stack", () => {
    const a = np.arange(4).reshape(2, 2);
    const b = np.arange(2).reshape(2, 1);
    expect(np.concat([a, b], 1).toArray()).toEqual([[0, 1, 0], [2, 3, 1]]);
    expect(np.concatenate([a, a.T]).shape).toEqual([4, 2]);
    expect(np.stack([a, a], -1).shape).toEqual([2, 2, 2]);
    expect(np.stack([np.arange(2), np.arange(2)], 1).toArray()).toEqual([[0, 0], [1, 1]]);
    expect(() => np.concat([a, b], 0)).toThrow("concat: shapes (2,2) (2,1) differ outside axis 0");
  });
  it("copy, detach, toArray, item", () => {
    const x = np.arange(4).reshape(2, 2);
    const c = x.T.copy();
    expect(c.isContiguous).toBe(true);
    expect(c.toArray()).toEqual([[0, 2], [1, 3]]);
    const d = x.detach();
    expect(d).not.toBe(x);
    expect(d.data).toBe(x.data);
    expect(np.array(3).item()).toBe(3);
    expect(() => x.item()).toThrow("item: can only convert an array of size 1");
    expect(np.array([true, false]).toArray()).toEqual([true, false]);
  });
});

describe("shape adjoints", () => {
  const next = rng(31);
  it("reshape, transpose, squeeze, expandDims, flatten, broadcastTo", () => {
    checkVjp("reshape", np.reshape, [randomArray([2, 3], next), [3, 2]], next);
    checkVjp("transpose", np.transpose, [randomArray([2, 3, 2], next), [1, 2, 0]], next);
    checkVjp("transpose", np.transpose, [randomArray([2, 3], next)], next);
    checkVjp("squeeze", np.squeeze, [randomArray([1, 3, 1], next)], next);
    checkVjp("expandDims", np.expandDims, [randomArray([3], next), 1], next);
    checkVjp("flatten", np.flatten, [randomArray([2, 2], next)], next);
    checkVjp("broadcastTo", np.broadcastTo, [randomArray([3, 1], next), [2, 3, 4]], next);
  });
  it("concat, stack, getItem", () => {
    checkVjp("concat", np.concat, [[randomArray([2, 2], next), randomArray([2, 1], next)], 1], next);
    checkVjp("stack", np.stack, [[randomArray([3], next), randomArray([3], next)], 1], next);
    checkVjp("getItem", np.getItem, [randomArray([3, 4], next), [np.slice(null, null, -1), "1::2"]], next);
    checkVjp("getItem", np.getItem, [randomArray([3, 4], next), 1], next);
  });
});
