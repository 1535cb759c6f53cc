// Second and third order of code whose gradient needs arrays by identity: buffers swapped by
// reference, arrays made in each step of a loop, arrays resized by push and pop, views written
// through, arrays filled whole. Its gradient cannot be written in the differentiable subset, so
// H v is the gradient of f's jvp tangent (reverse over forward), and a gradient by a number is
// the jvp along it. Each result is checked against central differences of the first-order
// gradient (or of the function), at several points, to 1e-5 relative.
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { close, compile, differencedHvp, input, NAMES, POINTS, PROGRAMS, UNTYPED, V } from "./helpers/identity-programs.js";

describe("second order of code whose gradient needs arrays by identity", () => {
  const sites = NAMES.map((n) => `export const ${n}Grad = grad(${n}); export const ${n}Hvp = hvp(${n}); export const ${n}Hessian = hessian(${n}); export const ${n}Tangent = jvp(grad(${n}));`).join("\n");

  for (const [frontend, filename, body] of [
    ["TypeScript", "identity.ts", PROGRAMS],
    ["untyped JavaScript", "identity.js", UNTYPED],
  ] as const) {
    it(`hvp, hessian and jvp(grad) agree with differences of the gradient (${frontend})`, async () => {
      const m = await compile<Record<string, (...args: unknown[]) => any>>(`${body}\n${sites}`, filename);
      for (const name of NAMES) {
        for (const [x, c] of POINTS) {
          const want = differencedHvp((y, cc) => m[`${name}Grad`](y, cc), input(name, x), c, input(name, V));
          const given = input(name, x);
          close(m[`${name}Hvp`](given, c, input(name, V)), want);
          // The input is left as the caller gave it.
          close(given, x, 0);
          const H = m[`${name}Hessian`](input(name, x), c) as ArrayLike<number>[];
          close(Array.from(H, (row) => Array.from(row).reduce((s, hij, j) => s + hij * V[j], 0)), want);
          for (let i = 0; i < H.length; i++) for (let j = 0; j < i; j++) expect(Math.abs(H[i][j] - H[j][i])).toBeLessThan(1e-9 * (1 + Math.abs(H[i][j])));
          const [gradient, tangent] = m[`${name}Tangent`](input(name, x), c, input(name, V));
          close(gradient, m[`${name}Grad`](input(name, x), c), 1e-12);
          close(tangent, want);
        }
      }
    });
  }

  it("by a number, grad(grad(f)) and grad(grad(grad(f))) are the jvps along it, and mixed partials its gradient", async () => {
    const m = await compile<Record<string, (...args: unknown[]) => any>>(`${PROGRAMS}
      ${NAMES.map((n) => `export const ${n}ByC = grad(${n}, { wrt: 1 }); export const ${n}Second = grad(grad(${n}, { wrt: 1 }), { wrt: 1 }); export const ${n}Third = grad(grad(grad(${n}, { wrt: 1 }), { wrt: 1 }), { wrt: 1 }); export const ${n}Mixed = grad(grad(${n}, { wrt: 1 }), { wrt: 0 });`).join("\n")}`);
    const h = 1e-5;
    for (const name of NAMES) {
      for (const [x, c] of POINTS) {
        const byC = (cc: number) => m[`${name}ByC`](input(name, x), cc) as number;
        const second = (cc: number) => m[`${name}Second`](input(name, x), cc) as number;
        close([second(c)], [(byC(c + h) - byC(c - h)) / (2 * h)]);
        close([m[`${name}Third`](input(name, x), c)], [(second(c + h) - second(c - h)) / (2 * h)]);
        const mixed = Array.from(x, (_, i) => {
          const [up, down] = [x.slice(), x.slice()];
          up[i] += h;
          down[i] -= h;
          return (m[`${name}ByC`](input(name, up), c) - m[`${name}ByC`](input(name, down), c)) / (2 * h);
        });
        close(m[`${name}Mixed`](input(name, x), c), mixed);
      }
    }
  });

  it("jvp(grad(f)) of a function that writes into its input: the gradient and H u each see the input as given", async () => {
    const m = await compile<Record<string, (...args: any[]) => any>>(`
      export function f(x: Float64Array, c: number): number {
        let u = x;
        let next = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) next[i] = Math.sin(u[i] * c);
        const t = u;
        u = next;
        next = t;
        for (let i = 0; i < x.length; i++) x[i] = x[i] * x[i] + u[i];
        let s = 0;
        for (let i = 0; i < x.length; i++) s += x[i] * u[i];
        return s;
      }
      export const tangent = jvp(grad(f));
      export const g = grad(f);`);
    const x = () => Float64Array.from([0.3, -0.5, 0.8]);
    const u = Float64Array.from([1, 0.5, -2]);
    const [gradient, hu] = m.tangent(x(), 0.7, u);
    close(gradient, m.g(x(), 0.7), 1e-12);
    close(hu, differencedHvp((y, c) => m.g(y, c), x(), 0.7, u));
  });

  it("takes H v by a record (v a record of its keys) and by an array beside it", async () => {
    const m = await compile<Record<string, (...args: any[]) => any>>(`
      interface Layer { w: Float64Array; b: number }
      export function f(p: Layer, x: Float64Array): number {
        let u = Float64Array.from(x);
        let next = new Float64Array(x.length);
        for (let step = 0; step < 2; step++) {
          for (let i = 0; i < x.length; i++) next[i] = Math.tanh(u[i] * p.w[i] + p.b);
          const t = u;
          u = next;
          next = t;
        }
        let s = 0;
        for (let i = 0; i < x.length; i++) s += u[i] * u[i];
        return s;
      }
      export const byRecord = hvp(f);
      export const byInput = hvp(f, { wrt: 1 });
      export const g = grad(f);
      export const gx = grad(f, { wrt: 1 });`);
    const layer = () => ({ w: Float64Array.from([0.5, -1, 0.8]), b: 0.2 });
    const x = () => Float64Array.from([0.3, -0.6, 0.9]);
    const v = Float64Array.from([1, 0.5, -0.25]);
    close(m.byInput(layer(), x(), v), differencedHvp((y) => m.gx(layer(), y), x(), 0, v));
    const vr = { w: Float64Array.from([0.3, -0.2, 1]), b: 0.7 };
    const h = 1e-5;
    const moved = (s: number) => {
      const q = layer();
      q.w = q.w.map((wi, i) => wi + s * h * vr.w[i]);
      q.b += s * h * vr.b;
      return m.g(q, x());
    };
    const [up, down] = [moved(1), moved(-1)];
    const got = m.byRecord(layer(), x(), vr);
    close(got.w, Array.from(up.w as Float64Array, (a, i) => (a - down.w[i]) / (2 * h)));
    close([got.b], [(up.b - down.b) / (2 * h)]);
  });

  it("refuses to differentiate a jvp of such a gradient again, located, saying why", () => {
    const result = transform(`import { grad, jvp } from "adjoint";\n${PROGRAMS}\nexport const t = jvp(grad(swapped));\nexport function g(x: Float64Array): number { return t(x, 0.5, x)[1][0]; }\nexport const dg = grad(g);\n`, { filename: "identity.ts" });
    expect(result.diagnostics.map((d) => `${d.code} ${d.line}: ${d.message}`)).toEqual([
      expect.stringMatching(/^ADJ0\d\d \d+: .*nests to second order/),
    ]);
  });
});
