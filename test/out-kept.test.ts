// grad(f, { out: true }) compiled into the entry point (compiler/reverse/kept.ts): the site
// calls a function that makes the gradient with slots of its own. Checked: the gradients
// against central differences and against grad without out, at several points; repeated
// calls refill the same arrays with the right values (a kept array zeroed each call); an
// argument that is an array kept from the last call is read as it was; lengths and kinds
// that change between calls; two sites keep different arrays; code the generated function
// cannot see (a callee that is not inlined) is still behind the runtime's reusing().
// And the number[] zeros every adjoint starts from (runtime/zeros.ts): packed, all +0.
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { zerosLike } from "../runtime/generated.js";
import { expectClose } from "./helpers/finite-diff.js";
import { loadModule } from "./helpers/ndarray-modules.js";

const dir = resolve(__dirname, "..", ".tmp", "out-kept");
const header = `import { grad, valueAndGrad } from "adjoint";\n`;
const source = `function dot(a: Float64Array, b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i] * b[i];
  return s;
}
// Two local arrays swapped by reference each step: adjoints found through the arrays, kept too.
function heat(initial: number[], alpha: number): number {
  const n = initial.length;
  let u = Float64Array.from(initial);
  let next = new Float64Array(n);
  for (let step = 0; step < 5; step++) {
    for (let i = 1; i < n - 1; i++) next[i] = u[i] + alpha * (u[i - 1] - 2 * u[i] + u[i + 1]);
    next[0] = 0;
    next[n - 1] = 0;
    const swap = u;
    u = next;
    next = swap;
  }
  let energy = 0;
  for (let i = 0; i < n; i++) energy += Math.sin(u[i]) * u[i];
  return energy;
}
// b's gradient is zero: an array of zeros, kept like the others.
function firstOnly(a: number[], b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.exp(a[i] * 0.5) * b.length;
  return s;
}
function sum(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}
export function opaque(x: Float64Array): number {
  return sum(x);
}
// Not inlined (it has two returns): its halves are called, so the site keeps the runtime's wrapper.
function twoReturns(x: Float64Array, k: number): number {
  if (k > 10) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += k * x[i] * x[i];
  return s;
}
function callsOut(x: Float64Array, k: number): number {
  return twoReturns(x, k) * 2;
}
function dotTyped(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i] * b[i];
  return s;
}
export const typedKept = grad(dotTyped, { wrt: [0, 1], out: true });
export const typedPlain = grad(dotTyped, { wrt: [0, 1] });
export const dotKept = grad(dot, { wrt: [0, 1], out: true });
export const dotPlain = grad(dot, { wrt: [0, 1] });
export const dotOther = grad(dot, { wrt: [0, 1], out: true });
export const dotPair = valueAndGrad(dot, { wrt: [0, 1], out: true });
export const heatKept = grad(heat, { wrt: [0, 1], out: true });
export const heatPlain = grad(heat, { wrt: [0, 1] });
export const firstKept = grad(firstOnly, { wrt: [0, 1], out: true });
export const firstPlain = grad(firstOnly, { wrt: [0, 1] });
export const callsKept = grad(callsOut, { out: true });
export const callsPlain = grad(callsOut);
export { dot, heat, firstOnly, callsOut };
`;

type Grad = (...args: unknown[]) => unknown[];
const values = (g: unknown[]): unknown[] => g.map((v) => (typeof v === "number" ? v : Array.from(v as ArrayLike<number>)));

/** Central differences of f along each element of each array argument and along each number one. */
function differences(f: (...args: unknown[]) => number, args: unknown[], h = 1e-6): unknown[] {
  const at = (i: number, j: number, d: number) =>
    f(...args.map((a, k) => (k !== i ? a : typeof a === "number" ? a + d : Array.isArray(a) ? a.map((v, m) => (m === j ? v + d : v)) : Float64Array.from(a as Float64Array, (v, m) => (m === j ? v + d : v)))));
  return args.map((a, i) => (typeof a === "number" ? (at(i, 0, h) - at(i, 0, -h)) / (2 * h) : Array.from(a as ArrayLike<number>, (_, j) => (at(i, j, h) - at(i, j, -h)) / (2 * h))));
}

function expectGradients(got: unknown[], f: (...args: unknown[]) => number, args: unknown[]): void {
  const expected = differences(f, args);
  expected.forEach((e, i) => {
    if (typeof e === "number") return expectClose(got[i], e, { rtol: 1e-6, atol: 1e-7, label: `d/d arg ${i}` });
    (e as number[]).forEach((v, j) => expectClose((got[i] as ArrayLike<number>)[j], v, { rtol: 1e-6, atol: 1e-7, label: `d/d arg ${i}[${j}]` }));
  });
}

const dotPoints = [
  [Float64Array.from([0.3, -1.2, 2]), [0.5, 1.5, -0.25]],
  [Float64Array.from([1.1, 0.4, -0.7]), [2, -1, 0.75]],
  [Float64Array.from([0.2, 0.9, -2.5]), [1, 0.5, 0.25]],
];

describe("grad with out: true, compiled", () => {
  it("calls a function that makes the gradient with its own slots, and keeps reusing() where a callee runs", () => {
    const { code } = transform(header + source, { filename: "kept.ts" });
    expect(code).toContain("export const dotKept = dot$grad_a_b$out();");
    expect(code).toContain("export const heatKept = heat$grad_initial_alpha$out();");
    expect(code).toMatch(/export const callsKept = adjointRuntime\.reusing\(callsOut\$grad\d*\);/);
  });

  it("gives grad's gradients, in the same arrays from call to call, zeroed each call", async () => {
    const m = await loadModule(dir, header, source);
    const [kept, plain] = [m.dotKept as Grad, m.dotPlain as Grad];
    let previous: unknown[] | undefined;
    for (const args of [...dotPoints, dotPoints[0]]) {
      const got = kept(...args);
      expectGradients(got, m.dot as (...a: unknown[]) => number, args);
      expect(values(got)).toEqual(values(plain(...args)));
      expect(got[0]).toBeInstanceOf(Float64Array);
      expect(Array.isArray(got[1])).toBe(true);
      if (previous) {
        expect(got[0]).toBe(previous[0]);
        expect(got[1]).toBe(previous[1]);
        expect(got).not.toBe(previous);
      }
      previous = got;
    }
  });

  it("keeps the local arrays' adjoints too (heat), and the zeros of a gradient nothing reaches", async () => {
    const m = await loadModule(dir, header, source);
    const points = [[[0, 0.4, -0.3, 0.9, 0.2, 0], 0.21], [[0, 1.1, 0.5, -0.8, 0.3, 0], 0.17], [[0, 0.4, -0.3, 0.9, 0.2, 0], 0.21]];
    for (const args of points) {
      const got = (m.heatKept as Grad)(...args);
      expectGradients(got, m.heat as (...a: unknown[]) => number, args);
      expect(values(got)).toEqual(values((m.heatPlain as Grad)(...args)));
      expect(Array.isArray(got[0])).toBe(true);
    }
    const first = m.firstKept as Grad;
    const a = [0.5, -1, 2];
    const b = Float64Array.from([1, 2]);
    const g1 = first(a, b);
    const g2 = first([0.1, 0.2, 0.3], b);
    expect(g2[1]).toBe(g1[1]);
    expect(Array.from(g2[1] as Float64Array)).toEqual([0, 0]);
    expectGradients(g2, m.firstOnly as (...a: unknown[]) => number, [[0.1, 0.2, 0.3], b]);
    expect(values(g2)).toEqual(values((m.firstPlain as Grad)([0.1, 0.2, 0.3], b)));
  });

  it("reads an argument that is an array it kept as it was, and keeps the new one from then on", async () => {
    const m = await loadModule(dir, header, source);
    const [kept, plain] = [m.dotKept as Grad, m.dotPlain as Grad];
    const [a, b] = dotPoints[1];
    const g = kept(a, b);
    const [ga, gb] = [g[0] as Float64Array, g[1] as number[]];
    const [beforeA, beforeB] = [ga.slice(), gb.slice()];
    // The last call's gradients as the arguments: each gets a fresh array.
    const again = kept(ga, gb);
    expect(again[0]).not.toBe(ga);
    expect(again[1]).not.toBe(gb);
    expect(Array.from(ga)).toEqual(Array.from(beforeA));
    expect(gb).toEqual(beforeB);
    expect(values(again)).toEqual(values(plain(beforeA, beforeB)));
    expectGradients(again, m.dot as (...a: unknown[]) => number, [beforeA, beforeB]);
    // One of them alone: still read as it was.
    const third = kept(a, again[1] as number[]);
    const copy = (again[1] as number[]).slice();
    expect(third[1]).not.toBe(again[1]);
    expect(values(third)).toEqual(values(plain(a, copy)));
    // The new arrays are kept from then on.
    expect(kept(a, b)[0]).toBe(third[0]);
  });

  it("reads an argument that is a view of an array it kept as it was, compiled and behind reusing()", async () => {
    const m = await loadModule(dir, header, source);
    const [kept, plain] = [m.dotKept as Grad, m.dotPlain as Grad];
    const [a, b] = dotPoints[1];
    const view = (kept(a, b)[0] as Float64Array).subarray(0);
    const copy = view.slice();
    expect(values(kept(view, b))).toEqual(values(plain(copy, b)));
    expect(Array.from(view)).toEqual(Array.from(copy));
    // Behind reusing() (a callee runs): the kept array's view as the argument is read as it was too.
    const callsKept = m.callsKept as (...a: unknown[]) => Float64Array;
    const viewArg = callsKept(Float64Array.from([0.5, -1, 2]), 3).subarray(0);
    const viewCopy = viewArg.slice();
    expect(Array.from(callsKept(viewArg, 2))).toEqual(Array.from((m.callsPlain as (...a: unknown[]) => Float64Array)(viewCopy, 2)));
    expect(Array.from(viewArg)).toEqual(Array.from(viewCopy));
  });

  it("compares each argument with every kept array, remembering only arguments found apart", async () => {
    const m = await loadModule(dir, header, source);
    const [kept, plain] = [m.typedKept as Grad, m.typedPlain as Grad];
    const [a, b] = [Float64Array.from([0.5, -1, 2]), Float64Array.from([1.5, 0.25, -0.5])];
    const check = (...args: Float64Array[]) => {
      const copies = args.map((x) => x.slice());
      const got = values(kept(...args));
      args.forEach((x, i) => expect(Array.from(x)).toEqual(Array.from(copies[i])));
      expect(got).toEqual(values(plain(...copies)));
      return got;
    };
    check(a, b);
    const [ka, kb] = kept(a, b) as Float64Array[];
    // Each position given a view of the other slot's array, then of its own.
    const [va, vb] = [kb.subarray(0), ka.subarray(0)];
    check(va, vb);
    // The same views again: their memory is no longer kept, and they are read as they are.
    check(va, vb);
    check(va, b);
    // An argument remembered as apart stays apart from arrays made after it.
    check(a, b);
    const [ka2] = kept(a, b) as Float64Array[];
    check(a, ka2.subarray(0));
    check(ka2, b);
  });

  it("makes new arrays where the length or the kind changes, and keeps one set per site", async () => {
    const m = await loadModule(dir, header, source);
    const [kept, plain, other] = [m.dotKept as Grad, m.dotPlain as Grad, m.dotOther as Grad];
    const short = kept(...dotPoints[0]);
    const longArgs = [Float64Array.from([1, 2, 3, 4, 5]), [0.5, 0.25, -1, 2, 1]];
    const long = kept(...longArgs);
    expect((long[0] as Float64Array).length).toBe(5);
    expect(values(long)).toEqual(values(plain(...longArgs)));
    expect(long[0]).not.toBe(short[0]);
    // From JavaScript the kinds may change: the gradient is of the argument's kind.
    const swapped = kept([1, 2, 3, 4, 5], Float64Array.from([0.5, 0.25, -1, 2, 1]));
    expect(Array.isArray(swapped[0])).toBe(true);
    expect(swapped[1]).toBeInstanceOf(Float64Array);
    expect(values(swapped)).toEqual(values(plain([1, 2, 3, 4, 5], Float64Array.from([0.5, 0.25, -1, 2, 1]))));
    const mine = other(...longArgs);
    expect(mine[0]).not.toBe(kept(...longArgs)[0]);
    const [value, grads] = (m.dotPair as (...a: unknown[]) => [number, unknown[]])(...longArgs);
    expect(value).toBe((m.dot as (...a: unknown[]) => number)(...longArgs));
    expect(values(grads)).toEqual(values(plain(...longArgs)));
  });

  it("keeps reusing()'s arrays where a callee runs", async () => {
    const m = await loadModule(dir, header, source);
    const x = Float64Array.from([0.5, -1, 2]);
    const g1 = (m.callsKept as (...a: unknown[]) => Float64Array)(x, 3);
    expectGradients([g1], (v) => (m.callsOut as (...a: unknown[]) => number)(v, 3), [x]);
    const g2 = (m.callsKept as (...a: unknown[]) => Float64Array)(Float64Array.from([1, 2, 3]), 2);
    expect(g2).toBe(g1);
    expect(Array.from(g2)).toEqual(Array.from((m.callsPlain as (...a: unknown[]) => Float64Array)(Float64Array.from([1, 2, 3]), 2)));
  });
});

describe("number[] zeros", () => {
  it("are packed arrays of +0, of any length, each a new array", () => {
    for (const n of [0, 1, 4, 65, 70000, 200000]) {
      const z = zerosLike(new Array<number>(n).fill(1.5));
      expect(Array.isArray(z)).toBe(true);
      expect(z.length).toBe(n);
      expect(z.every((v) => Object.is(v, 0))).toBe(true);
      expect(Object.keys(z).length).toBe(n); // no holes
      if (n > 0) {
        z[0] = 7;
        expect(zerosLike(z)[0]).toBe(0);
      }
    }
  });
});
