// grad(f, { out: true }): the function keeps the arrays its gradients are returned in and
// refills them on its next call. Checked: the gradients (against central differences, at
// several points, and against the same grad without `out`), that the arrays are the same
// ones from call to call (so an earlier result is overwritten, as documented), and that a
// gradient passed back in as an argument is read as it was, never zeroed under the reader.
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { reusing, zerosLike } from "../runtime/generated.js";
import { expectClose } from "./helpers/finite-diff.js";
import { loadModule } from "./helpers/ndarray-modules.js";

const dir = resolve(__dirname, "..", ".tmp", "out-option");
const header = `import { grad, valueAndGrad } from "adjoint";\n`;
const source = `function energy(x: Float64Array, w: number[], k: number): number {
  const y = new Float64Array(x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    y[i] = Math.sin(x[i] * k) + w[i];
    s += y[i] * y[i] * w[i];
  }
  return s;
}
export const plain = grad(energy, { wrt: [0, 1, 2] });
export const kept = grad(energy, { wrt: [0, 1, 2], out: true });
export const keptX = grad(energy, { out: true });
export const keptPair = valueAndGrad(energy, { wrt: [0, 1], out: true });
export const primal = energy;
`;

type Grads = [Float64Array, number[], number];
type F = (x: Float64Array, w: number[], k: number) => number;

/** Central differences of f along each element of x, of w, and along k. */
function differences(f: F, x: Float64Array, w: number[], k: number, h = 1e-6): [number[], number[], number] {
  const along = (set: (d: number) => number) => (set(h) - set(-h)) / (2 * h);
  const dx = Array.from(x, (_, i) => along((d) => f(Float64Array.from(x, (v, j) => (j === i ? v + d : v)), w, k)));
  const dw = w.map((_, i) => along((d) => f(x, w.map((v, j) => (j === i ? v + d : v)), k)));
  return [dx, dw, along((d) => f(x, w, k + d))];
}

function expectGradients(got: Grads, f: F, x: Float64Array, w: number[], k: number): void {
  const [dx, dw, dk] = differences(f, x, w, k);
  dx.forEach((e, i) => expectClose(got[0][i], e, { rtol: 1e-6, atol: 1e-7, label: `d/dx[${i}]` }));
  dw.forEach((e, i) => expectClose(got[1][i], e, { rtol: 1e-6, atol: 1e-7, label: `d/dw[${i}]` }));
  expectClose(got[2], dk, { rtol: 1e-6, atol: 1e-7, label: "d/dk" });
}

const points: [Float64Array, number[], number][] = [
  [Float64Array.from([0.3, -1.2, 2]), [0.5, 1.5, -0.25], 0.8],
  [Float64Array.from([1.1, 0.4, -0.7]), [2, -1, 0.75], -1.3],
  [Float64Array.from([0.2, 0.9, -2.5, 1.4, 0.6]), [1, 0.5, 0.25, -2, 3], 0.45],
];

describe("grad with out: true", () => {
  it("gives the gradients of grad without out, in the same arrays from one call to the next", async () => {
    const m = await loadModule(dir, header, source);
    const kept = m.kept as (...a: unknown[]) => Grads;
    const plain = m.plain as (...a: unknown[]) => Grads;
    let previous: Grads | undefined;
    for (const [x, w, k] of points) {
      const got = kept(x, w, k);
      expectGradients(got, m.primal as F, x, w, k);
      expect([Array.from(got[0]), [...got[1]], got[2]]).toEqual((([a, b, c]) => [Array.from(a), [...b], c])(plain(x, w, k)));
      expect(got[0]).toBeInstanceOf(Float64Array);
      expect(Array.isArray(got[1])).toBe(true);
      // Same kind and length as the last call's: the same arrays, refilled.
      if (previous && previous[0].length === x.length) {
        expect(got[0]).toBe(previous[0]);
        expect(got[1]).toBe(previous[1]);
      }
      previous = got;
    }
    const [x, w, k] = points[0];
    const first = kept(x, w, k)[0];
    const copy = first.slice();
    kept(points[1][0], points[1][1], points[1][2]);
    // Overwritten by the next call, as documented: a copy keeps it.
    expect(Array.from(first)).not.toEqual(Array.from(copy));
    expect(Array.from(copy)).toEqual(Array.from(plain(x, w, k)[0]));
  });

  it("reads a gradient passed back in as an argument as it was, and leaves it as it was", async () => {
    const m = await loadModule(dir, header, source);
    const keptX = m.keptX as (...a: unknown[]) => Float64Array;
    const plain = m.plain as (...a: unknown[]) => Grads;
    const [x, w, k] = points[1];
    const g = keptX(x, w, k);
    const before = g.slice();
    // g is the array the next call would refill: as the input it gets a fresh one.
    const again = keptX(g, w, k);
    expect(again).not.toBe(g);
    expect(Array.from(g)).toEqual(Array.from(before));
    expect(Array.from(again)).toEqual(Array.from(plain(before, w, k)[0]));
    expectGradients([again, plain(before, w, k)[1], plain(before, w, k)[2]], m.primal as F, before, w, k);
    // And in a later call, as the second argument's neighbour: still read as it was.
    const third = keptX(x, w, k);
    expect(Array.from(third)).toEqual(Array.from(plain(x, w, k)[0]));
  });

  it("keeps valueAndGrad's gradient arrays too", async () => {
    const m = await loadModule(dir, header, source);
    const pair = m.keptPair as (...a: unknown[]) => [number, [Float64Array, number[]]];
    const [x, w, k] = points[0];
    const [value, [gx, gw]] = pair(x, w, k);
    expect(value).toBe((m.primal as F)(x, w, k));
    expectGradients([gx, gw, (m.plain as (...a: unknown[]) => Grads)(x, w, k)[2]], m.primal as F, x, w, k);
    const [, [gx2, gw2]] = pair(Float64Array.from([0.5, 0.5, 0.5]), [1, 1, 1], 1);
    expect(gx2).toBe(gx);
    expect(gw2).toBe(gw);
  });

  it("is refused, located, on vjp and where it is not a literal", () => {
    const codes = (text: string) => transform(header.replace("valueAndGrad", "vjp") + source.split("export const")[0] + text, { filename: "out.ts" }).diagnostics.map((d) => [d.code, d.line]);
    expect(codes(`export const v = vjp(energy, { out: true });\n`)).toEqual([["ADJ023", 11]]);
    expect(codes(`const on = true;\nexport const g = grad(energy, { out: on });\n`)).toEqual([["ADJ023", 12]]);
  });

  it("searches records among the arguments, and gives fresh arrays to a call from inside its own", () => {
    let inner: Float64Array | undefined;
    const twice = reusing((r: { w: Float64Array }, again: boolean): Float64Array => {
      const d = zerosLike(r.w);
      for (let i = 0; i < d.length; i++) d[i] = 2 * r.w[i];
      if (again) inner = twice(r, false);
      return d;
    });
    const first = twice({ w: Float64Array.from([1, 2]) }, false);
    // The last result, inside a record: read as it was, and a new array returned.
    const second = twice({ w: first }, false);
    expect(second).not.toBe(first);
    expect(Array.from(first)).toEqual([2, 4]);
    expect(Array.from(second)).toEqual([4, 8]);
    const outer = twice({ w: Float64Array.from([3, 5]) }, true);
    expect(inner).not.toBe(outer);
    expect(Array.from(outer)).toEqual([6, 10]);
    expect(Array.from(inner!)).toEqual([6, 10]);
  });
});
