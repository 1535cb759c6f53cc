// Random shapes, layouts and values (fast-check) against the naive references.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as np from "adjoint/np";
import { at, broadcastShape, expectClose, indices, rng, viewKinds, viewOf, type ViewKind } from "./helpers.js";

const dim = fc.integer({ min: 0, max: 4 });
const shapeArb = fc.array(dim, { minLength: 0, maxLength: 4 });
const kindArb = fc.constantFrom<ViewKind>(...viewKinds);

/** Two shapes that broadcast: the second is the first's suffix with some axes set to 1. */
const pairArb = fc.tuple(shapeArb, fc.integer({ min: 0, max: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 })).map(
  ([a, drop, ones]) => [a, a.slice(Math.min(drop, a.length)).map((d, i) => (ones[i] ? 1 : d))] as [number[], number[]],
);

const binary: [string, (a: number, b: number) => number][] = [
  ["add", (a, b) => a + b], ["sub", (a, b) => a - b], ["mul", (a, b) => a * b], ["maximum", Math.max],
];

describe("properties on random shapes and layouts", () => {
  it("binary operations broadcast like the reference, either way round, without touching inputs", () => {
    fc.assert(
      fc.property(pairArb, kindArb, kindArb, fc.boolean(), fc.integer(), (pair, ka, kb, swap, seed) => {
        const [sa, sb] = swap ? [pair[1], pair[0]] : pair;
        const next = rng(seed);
        const a = viewOf(ka, sa, next);
        const b = viewOf(kb, sb, next);
        const before = [a.toArray(), b.toArray()];
        for (const [name, f] of binary) {
          const r = (np as unknown as Record<string, (x: np.NDArray, y: np.NDArray) => np.NDArray>)[name](a, b);
          expectClose(r, { shape: broadcastShape(sa, sb), get: (i) => f(at(a, i), at(b, i)) }, 1e-14);
        }
        expect([a.toArray(), b.toArray()]).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });

  it("sum over random axes matches the reference, and its adjoint sums back", () => {
    fc.assert(
      fc.property(shapeArb, kindArb, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.boolean(), fc.integer(), (shape, kind, pick, keepdims, seed) => {
        const next = rng(seed);
        const x = viewOf(kind, shape, next);
        const axes = shape.flatMap((_, i) => (pick[i] ? [i] : []));
        const r = np.sum(x, axes, keepdims);
        const kept = shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]));
        expectClose(r, {
          shape: kept,
          get: (i) => {
            const full = keepdims ? i : (() => {
              let k = 0;
              return shape.map((_, d) => (axes.includes(d) ? 0 : i[k++]));
            })();
            let s = 0;
            for (const j of indices(shape)) if (j.every((v, d) => axes.includes(d) || v === full[d])) s += at(x, j);
            return s;
          },
        }, 1e-12);
        // unbroadcast of the adjoint is the sum itself
        const [dx] = np.adjoints.sum.vjp(np.onesLike(r), x, axes, keepdims, r);
        expect((dx as np.NDArray).shape).toEqual(shape);
        const back = np.unbroadcast(np.mul(x, 1), keepdims ? r.shape : shape);
        expect((back as np.NDArray).shape).toEqual(keepdims ? r.shape : shape);
      }),
      { numRuns: 150 },
    );
  });

  it("matmul of random sizes and layouts matches the naive product", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 150 }), fc.integer({ min: 1, max: 40 }), kindArb, kindArb, fc.integer(), (m, k, n, ka, kb, seed) => {
        const next = rng(seed);
        const a = viewOf(ka, [m, k], next);
        const b = viewOf(kb, [k, n], next);
        expectClose(np.matmul(a, b), {
          shape: [m, n],
          get: ([i, j]) => {
            let s = 0;
            for (let p = 0; p < k; p++) s += at(a, [i, p]) * at(b, [p, j]);
            return s;
          },
        }, 1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it("repr round-trips through its digits", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 8 }), (values) => {
        const s = np.array(values).toString();
        expect(s.startsWith("array(")).toBe(true);
        const body = s.slice(7, -2).split(",").map((v) => Number(v.trim()));
        body.forEach((v, i) => expect(Math.abs(v - values[i])).toBeLessThanOrEqual(Math.max(5e-9, 5e-8 * Math.abs(values[i]))));
      }),
      { numRuns: 200 },
    );
  });
});
