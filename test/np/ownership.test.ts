// Rules given one array for both operands (`x * x`, `dot(x, x)`) return its adjoint once;
// `accumulate` adds in place only into adjoint arrays nothing else holds. Checked on the
// rules, on `accumulate`, and on compiled programs against central finite differences.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as np from "../../runtime/np/index.js";
import * as rt from "../../runtime/generated.js";
import { transform } from "../../compiler/index.js";
import { fresh, isOwned } from "../../runtime/np/vjp.js";

const { adjoints: A } = np;
const values = (x: unknown) => Array.from((x as np.NDArray).copy().data);

function expectAllClose(actual: np.NDArray, expected: number[], tol = 1e-6) {
  const got = values(actual);
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => expect(Math.abs(v - expected[i]), `element ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i]))));
}

/** Central differences of a scalar function of the elements of `x`. */
function numericGradient(f: (x: np.NDArray) => number, x: np.NDArray, h = 1e-6): number[] {
  const base = values(x);
  return base.map((_, i) => {
    const plus = base.slice();
    const minus = base.slice();
    plus[i] += h;
    minus[i] -= h;
    return (f(np.array(plus).reshape(x.shape as number[])) - f(np.array(minus).reshape(x.shape as number[]))) / (2 * h);
  });
}

const dir = resolve(__dirname, "..", "..", ".tmp", "ownership");
let count = 0;
async function compile(body: string): Promise<Record<string, (...args: np.NDArray[]) => any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const source = `import { grad, vjp } from "adjoint";\nimport * as np from "adjoint/np";\n${body}`;
  const result = transform(source, { filename: "ownership.ts", sourceMaps: false });
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${++count}.mjs`);
  writeFileSync(file, result.code);
  return import(pathToFileURL(file).href);
}

describe("rules of an operation on one array twice", () => {
  const x = np.array([0.5, -1.25, 2, 3]);

  it("dot(x, x): 2 g x at the first position, undefined at the second", () => {
    const out = np.dot(x, x);
    const [dx, none] = A.dot.vjp(np.array(1.5), x, x, out);
    expect(none).toBeUndefined();
    expectAllClose(dx as np.NDArray, values(x).map((v) => 3 * v), 0);
    expectAllClose(dx as np.NDArray, numericGradient((v) => 1.5 * np.dot(v, v).item(), x));
  });

  it("mul(x, x): 2 g x at the first position, undefined at the second", () => {
    const g = np.array([1, 2, 3, 4]);
    const [dx, none] = A.mul.vjp(g, x, x, np.mul(x, x));
    expect(none).toBeUndefined();
    expectAllClose(dx as np.NDArray, values(x).map((v, i) => 2 * (i + 1) * v), 0);
  });

  it("with one of the two not wanted, the other is g x alone", () => {
    const [dx, none] = A.mul.vjp(np.onesLike(x), x, x, np.mul(x, x), [true, false]);
    expect(none).toBeUndefined();
    expectAllClose(dx as np.NDArray, values(x), 0);
    const [skip, dy] = A.dot.vjp(np.array(1), x, x, np.dot(x, x), [false, true]);
    expect(skip).toBeUndefined();
    expectAllClose(dy as np.NDArray, values(x), 0);
  });

  it("two different arrays with the same values still get one adjoint each", () => {
    const y = x.copy();
    const [dx, dy] = A.dot.vjp(np.array(2), x, y, np.dot(x, y));
    expectAllClose(dx as np.NDArray, values(y).map((v) => 2 * v), 0);
    expectAllClose(dy as np.NDArray, values(x).map((v) => 2 * v), 0);
  });

  it("inner products of float32 vectors stay float32", () => {
    const v = np.array([1, 2, 3], "float32");
    const [dv] = A.dot.vjp(np.array(1, "float32"), v, v, np.dot(v, v));
    expect((dv as np.NDArray).dtype).toBe("float32");
    expectAllClose(dv as np.NDArray, [2, 4, 6], 0);
  });
});

describe("accumulate writes only into arrays it owns", () => {
  it("leaves two arrays it was given unchanged, and owns their sum", () => {
    const a = np.array([1, 2]);
    const b = np.array([10, 20]);
    const sum = rt.accumulate<np.NDArray | undefined>(rt.accumulate<np.NDArray | undefined>(undefined, a), b) as np.NDArray;
    expect(values(a)).toEqual([1, 2]);
    expect(values(b)).toEqual([10, 20]);
    expect(values(sum)).toEqual([11, 22]);
    expect(isOwned(sum)).toBe(true);
    // The third contribution goes into the sum in place.
    expect(rt.accumulate(sum, a)).toBe(sum);
    expect(values(sum)).toEqual([12, 24]);
  });

  it("adds into a rule's new array from the second contribution, whichever side it is on", () => {
    const given = np.array([1, 2]);
    const mine = fresh(np.array([10, 20]));
    expect(rt.accumulate(given, mine)).toBe(mine);
    expect(values(given)).toEqual([1, 2]);
    expect(values(mine)).toEqual([11, 22]);
    const other = fresh(np.array([100, 200]));
    expect(rt.accumulate(other, given)).toBe(other);
    expect(values(given)).toEqual([1, 2]);
  });

  it("does not write into rule results that alias dout or are broadcast views", () => {
    const g = np.array([1, 2]);
    const [da, db] = A.add.vjp(g, np.array([0, 0]), np.array([0, 0]), g);
    expect(da).toBe(g);
    const total = rt.accumulate<np.NDArray | undefined>(rt.accumulate<np.NDArray | undefined>(undefined, da as np.NDArray), db as np.NDArray) as np.NDArray;
    expect(values(total)).toEqual([2, 4]);
    expect(values(g)).toEqual([1, 2]);
    const [view] = A.sum.vjp(np.array(3), np.zeros([2]), undefined, undefined, np.array(0)) as np.NDArray[];
    expect(isOwned(view)).toBe(false);
  });

  it("an owned adjoint passed through add at both positions is no longer owned", () => {
    const g = fresh(np.array([1, 2]));
    const [da, db] = A.add.vjp(g, np.zeros([2]), np.zeros([2]), g);
    expect(da).toBe(db);
    expect(isOwned(g)).toBe(false);
    const dx = rt.accumulate(da as np.NDArray, np.array([5, 5])) as np.NDArray;
    expect(values(db)).toEqual([1, 2]);
    expect(values(dx)).toEqual([6, 7]);
  });

  it("an owned adjoint passed through addAdjoints to both operands is no longer owned", () => {
    const g = fresh(np.array([1, 2]));
    const [da, db] = A.addAdjoints.vjp(g, undefined, np.zeros([2]), g);
    expect(da).toBe(db);
    expect(isOwned(g)).toBe(false);
    expect(values(rt.accumulate(da as np.NDArray, db as np.NDArray) as np.NDArray)).toEqual([2, 4]);
    expect(values(db)).toEqual([1, 2]);
  });

  it("gradients handed to the caller and head gradients taken from it are not owned", () => {
    const mine = fresh(np.array([1, 2]));
    expect(isOwned(rt.orZerosLike(mine, mine))).toBe(false);
    const head = fresh(np.array([1, 2]));
    expect(rt.head(np.zeros([2]), head)).toBe(head);
    expect(isOwned(head)).toBe(false);
  });
});

describe("the rules generated code calls reuse an owned dout", () => {
  const x = np.array([0.5, -1, 2]);

  it("write the adjoint into an owned dout and return it", () => {
    const g = fresh(np.array([1, 2, 3]));
    const [dx] = rt.np.mul.vjp(g, x, 2, np.mul(x, 2), [true, false]);
    expect(dx).toBe(g);
    expect(values(g)).toEqual([2, 4, 6]);
    const h = fresh(np.array([1, 1, 1]));
    const t = np.tanh(x);
    const [dt] = rt.np.tanh.vjp(h, x, t);
    expect(dt).toBe(h);
    expectAllClose(h, values(t).map((v) => 1 - v * v), 0);
  });

  it("mul with both adjoints wanted computes the other one before overwriting dout", () => {
    const y = np.array([3, 4, 5]);
    const g = fresh(np.array([1, 2, 3]));
    const [dx, dy] = rt.np.mul.vjp(g, x, y, np.mul(x, y));
    expect(values(dx)).toEqual([3, 8, 15]);
    expect(values(dy)).toEqual([0.5, -2, 6]);
  });

  it("leave a dout that is not owned, or of another shape, as it is", () => {
    const g = np.array([1, 2, 3]);
    const [dx] = rt.np.mul.vjp(g, x, 2, np.mul(x, 2), [true, false]);
    expect(dx).not.toBe(g);
    expect(values(g)).toEqual([1, 2, 3]);
    // a of shape (1,) broadcast against x: its adjoint is summed down, a new array.
    const owned = fresh(np.array([1, 2, 3]));
    const [da] = rt.np.mul.vjp(owned, np.array([2]), x, np.mul(np.array([2]), x), [true, false]);
    expect(values(owned)).toEqual([1, 2, 3]);
    expect(values(da)).toEqual([0.5 - 2 + 6]);
  });

  it("adjoint/np's own rules never write into dout, owned or not (hand-written sweeps may read it again)", () => {
    const g = fresh(np.array([1, 2, 3]));
    A.mul.vjp(g, x, 2, np.mul(x, 2), [true, false]);
    A.exp.vjp(g, x, np.exp(x));
    A.mul.vjp(g, x, x, np.mul(x, x));
    expect(values(g)).toEqual([1, 2, 3]);
  });
});

describe("compiled programs with one array in two places", () => {
  it("2 * dot(x, x) and sum(x * x) match finite differences", async () => {
    const m = await compile(`
export function twiceDot(x: np.NDArray): np.NDArray { return np.mul(2, np.dot(x, x)); }
export function squares(x: np.NDArray): np.NDArray { return np.sum(np.mul(x, x)); }
export const dTwiceDot = grad(twiceDot);
export const dSquares = grad(squares);
`);
    const x = np.array([0.3, -1.2, 2.5]);
    expectAllClose(m.dTwiceDot(x), numericGradient((v) => m.twiceDot(v).item(), x));
    expectAllClose(m.dTwiceDot(x), values(np.mul(4, x)), 0);
    expectAllClose(m.dSquares(x), numericGradient((v) => m.squares(v).item(), x));
    expect(values(x)).toEqual([0.3, -1.2, 2.5]);
  });

  it("an array squared in a loop and used again, with several contributions", async () => {
    const m = await compile(`
export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
  let h = np.mul(x, w);
  for (let i = 0; i < 3; i++) {
    h = np.add(np.mul(h, h), np.mul(0.1, np.dot(h, h)));
    h = np.tanh(np.add(h, x));
  }
  return np.add(np.add(np.sum(np.mul(h, x)), np.dot(h, h)), np.sum(np.mul(x, x)));
}
export const df = grad(f, { wrt: [0, 1] });
`);
    const x = np.array([0.3, -0.4, 0.25]);
    const w = np.array([0.7, 0.2, -0.5]);
    const [dx, dw] = m.df(x, w);
    expectAllClose(dx, numericGradient((v) => m.f(v, w).item(), x), 1e-6);
    expectAllClose(dw, numericGradient((v) => m.f(x, v).item(), w), 1e-6);
  });

  it("the adjoint of a sum shared by both operands of add stays apart (a + b used three times, a used before)", async () => {
    // The adjoint of t collects three contributions (an owned array); add's rule hands it to
    // both a and b; a then gets sin's contribution, which must not reach b.
    const m = await compile(`
export function f(a: np.NDArray, b: np.NDArray): np.NDArray {
  const p = np.sin(a);
  const t = np.add(a, b);
  return np.add(np.add(np.sum(np.mul(t, 3)), np.sum(np.mul(t, 5))), np.add(np.sum(np.mul(t, 7)), np.sum(p)));
}
export const df = grad(f, { wrt: [0, 1] });
`);
    const a = np.array([0.1, 0.2]);
    const b = np.array([0.3, 0.4]);
    const [da, db] = m.df(a, b);
    expectAllClose(da, [15 + Math.cos(0.1), 15 + Math.cos(0.2)], 1e-12);
    expectAllClose(db, [15, 15], 0);
  });

  it("a vjp's pullback does not write into the head gradient it is given, run twice", async () => {
    const m = await compile(`
export function f(x: np.NDArray): np.NDArray {
  const y = np.mul(x, 3);
  return np.add(np.add(y, np.mul(y, y)), y);
}
export const fVjp = vjp(f);
`);
    const x = np.array([1, 2]);
    const [, pullback] = m.fVjp(x);
    const head = np.array([1, -1]);
    const first = values(pullback(head));
    const second = values(pullback(head));
    expect(values(head)).toEqual([1, -1]);
    expect(second).toEqual(first);
    // d/dx of 2y + y^2 with y = 3x is 3 (2 + 2y)
    expect(first).toEqual([1 * 3 * (2 + 2 * 3), -1 * 3 * (2 + 2 * 6)]);
  });
});
