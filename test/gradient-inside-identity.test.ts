// A gradient read inside a function that is itself differentiated (`const g = grad(f)(x)` in
// the code of `grad(outer)`), where f's gradient needs arrays by identity and so cannot be
// written in the differentiable subset: the call is a callee made of entry points, its vjp and
// its jvp Hessian-vector products (reverse over forward). Checked against central differences
// of the compiled first-order code, at several points, to 1e-5 relative, in TypeScript and in
// untyped JavaScript; what it does not do is refused, located.
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { close, compile, input, NAMES, POINTS, PROGRAMS, UNTYPED, V, type Vector } from "./helpers/identity-programs.js";

// The ways users read a gradient inside differentiated code: its norm (a gradient penalty), a
// few steps of descent on it (unrolled optimisation: the steps write the array the gradient
// was taken at), and the same through a helper.
const outers = (typed: boolean) => {
  const [arr, num] = typed ? [": Vector", ": number"] : ["", ""];
  return NAMES.map(
    (n) => `
  export function norm_${n}(x${arr}, c${num})${num} {
    const g = grad(${n})(x, c);
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i] * (i + 1);
    return s * c;
  }
  export function descent_${n}(x${arr}, c${num})${num} {
    const y = x.slice();
    for (let k = 0; k < 2; k++) {
      const g = grad(${n})(y, c);
      for (let i = 0; i < y.length; i++) y[i] -= 0.05 * g[i];
    }
    return ${n}(y, c);
  }
  function step_${n}(y${arr}, c${num})${num} {
    const g = grad(${n})(y, c);
    let s = 0;
    for (let i = 0; i < g.length; i++) s += Math.sin(g[i]) * y[i];
    return s;
  }
  export function helper_${n}(x${arr}, c${num})${num} {
    return step_${n}(x, c) * c + x[0];
  }`.replace(/Vector/g, n === "madeInLoop" || n === "pushedAndPopped" ? "number[]" : "Float64Array"),
  ).join("\n");
};
const KINDS = ["norm", "descent", "helper"];
const sites = NAMES.flatMap((n) => KINDS.map((k) => `export const d_${k}_${n} = grad(${k}_${n}, { wrt: [0, 1] }); export const t_${k}_${n} = jvp(${k}_${n});`)).join("\n");

type Fn = (...args: any[]) => any;
/** The gradient by (x, c) from central differences of the compiled function. */
function differenced(f: (x: Vector, c: number) => number, name: string, x: number[], c: number, h = 1e-5): [number[], number] {
  const dx = x.map((_, i) => {
    const [up, down] = [x.slice(), x.slice()];
    up[i] += h;
    down[i] -= h;
    return (f(input(name, up), c) - f(input(name, down), c)) / (2 * h);
  });
  return [dx, (f(input(name, x), c + h) - f(input(name, x), c - h)) / (2 * h)];
}

describe("a gradient that needs arrays by identity, read inside differentiated code", () => {
  for (const [frontend, filename, body] of [
    ["TypeScript", "inside.ts", `${PROGRAMS}\n${outers(true)}`],
    ["untyped JavaScript", "inside.js", `${UNTYPED}\n${outers(false)}`],
  ] as const) {
    it(`its gradient and jvp agree with differences (${frontend})`, async () => {
      const m = await compile<Record<string, Fn>>(`${body}\n${sites}`, filename);
      for (const name of NAMES) {
        for (const kind of KINDS) {
          const f = m[`${kind}_${name}`];
          for (const [x, c] of POINTS) {
            const [dx, dc] = differenced(f, name, x, c);
            const given = input(name, x);
            const [gx, gc] = m[`d_${kind}_${name}`](given, c);
            close(gx, dx);
            close([gc], [dc]);
            // The input is left as the caller gave it.
            close(given, x, 0);
            const [value, tangent] = m[`t_${kind}_${name}`](input(name, x), c, input(name, V));
            close([value], [f(input(name, x), c)], 1e-12);
            close([tangent], [dx.reduce((s, d, i) => s + d * V[i], 0)]);
          }
        }
      }
    });
  }

  it("is generated as two halves beside the first-order gradient, readable", () => {
    const result = transform(`import { grad } from "adjoint";\n${PROGRAMS}\n${outers(true)}\nexport const d = grad(norm_swapped, { wrt: [0, 1] });`, { filename: "inside.ts" });
    expect(result.diagnostics).toEqual([]);
    expect(result.code).toMatch(/function swapped\$grad\$fwd\(stack, x, c\) \{\n {2}stack\.pushRef\(x\.slice\(\)\);\n {2}stack\.push\(c\);\n {2}return swapped\$grad\(x, c\);/);
    expect(result.code).toMatch(/function swapped\$grad\$rev\(stack, dgradient, dx\) \{[^]*const hv = swapped\$tangent\$grad_x_c\(x, c, dgradient\);[^]*dx\[i\] \+= hv\[0\]\[i\];\n {2}return hv\[1\];/);
  });

  const refused = (body: string) => transform(`import { grad, hvp } from "adjoint";\n${PROGRAMS}\n${outers(true)}\n${body}`, { filename: "inside.ts" }).diagnostics.map((d) => `${d.code} ${d.line}: ${d.message}`);

  it("refuses, located, a function that writes into the array it is given", () => {
    const lines = refused(`
      export function writes(x: Float64Array, c: number): number {
        let u = x;
        let next = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) next[i] = Math.sin(u[i] * c);
        const t = u;
        u = next;
        next = t;
        for (let i = 0; i < x.length; i++) x[i] = u[i] * x[i];
        return x[0];
      }
      export function outer(x: Float64Array): number { const g = grad(writes)(x, 2); return g[0] * g[1]; }
      export const d = grad(outer);`);
    expect(lines).toEqual([expect.stringMatching(/^ADJ016 \d+: .*'writes' writes into an array it is given/)]);
  });

  it("refuses, located, to differentiate it again", () => {
    for (const site of ["export const d2 = grad(grad(norm_swapped));", "export const h = hvp(norm_swapped);"]) {
      const lines = refused(site);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((l) => /^ADJ016 \d+: .*swapped/.test(l)), lines.join("\n")).toBe(true);
    }
  });
});
