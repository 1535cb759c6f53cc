// Everyday JavaScript over rows: small programs written the way people write them (k-means
// inertia, least squares with nested reduce, logistic regression with map/reduce, a polynomial
// fit over [[x, y], …], softmax cross-entropy over rows of logits, ridge regression with
// forEach and a pattern, a Gaussian log-likelihood, a predict helper), untyped JavaScript
// through the compiler, each gradient against central differences (h = 1e-6, relative 1e-6)
// at three points; the ones that need a row differentiated are refused, located.
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { compile } from "./helpers/identity-programs.js";
import { EVERYDAY, REFUSED } from "./helpers/everyday-rows.js";

type Arg = number | number[] | number[][];

/** The differentiated arguments as one vector, and back. */
function flatten(args: Arg[], wrt: number[]): number[] {
  return wrt.flatMap((i) => (typeof args[i] === "number" ? [args[i] as number] : (args[i] as number[])));
}
function withFlat(args: Arg[], wrt: number[], flat: number[]): Arg[] {
  const out = args.map((a) => (Array.isArray(a) ? (a as unknown[]).map((e) => (Array.isArray(e) ? e.slice() : e)) : a)) as Arg[];
  let k = 0;
  for (const i of wrt) {
    if (typeof out[i] === "number") out[i] = flat[k++];
    else out[i] = (out[i] as number[]).map(() => flat[k++]);
  }
  return out;
}

describe("everyday JavaScript over arrays of arrays", () => {
  for (const [name, program] of Object.entries(EVERYDAY)) {
    it(`${name}: gradient against central differences at three points`, async () => {
      const m = await compile<{ f: (...args: Arg[]) => number; g: (...args: Arg[]) => unknown }>(program.source, `everyday-${name}.js`);
      for (const args of program.points) {
        const before = JSON.stringify(args);
        const got = m.g(...withFlat(args, program.wrt, flatten(args, program.wrt)));
        const gradient = program.wrt.length > 1 ? (got as unknown[]).flatMap((e) => (typeof e === "number" ? [e] : Array.from(e as number[]))) : typeof got === "number" ? [got] : Array.from(got as number[]);
        const flat = flatten(args, program.wrt);
        const h = 1e-6;
        flat.forEach((_, j) => {
          const up = flat.slice();
          const down = flat.slice();
          up[j] += h;
          down[j] -= h;
          const want = (m.f(...withFlat(args, program.wrt, up)) - m.f(...withFlat(args, program.wrt, down))) / (2 * h);
          expect(Math.abs(gradient[j] - want), `${name}: component ${j}: ${gradient[j]} vs ${want}`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want)));
        });
        expect(JSON.stringify(args), "the data are left as they were").toBe(before);
      }
    });
  }

  for (const [name, { source, message }] of Object.entries(REFUSED)) {
    it(`${name}: refused, located`, () => {
      const { diagnostics } = transform(`import { grad } from "adjoint";\n${source}\n`, { filename: `everyday-${name}.js` });
      expect(diagnostics.length).toBeGreaterThan(0);
      expect(diagnostics.map((d) => d.message).join("\n")).toMatch(message);
      for (const d of diagnostics) expect(d.line).toBeGreaterThan(1);
    });
  }
});
