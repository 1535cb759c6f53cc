// Two levers of session 14: a load whose array's other mentions are all loads before its loop
// assigns its element's adjoint (analyze/first-writes.ts: logsumexp's exps after its max), and
// grad's entry point returning the gradient alone where no valueAndGrad site shares its sweep
// (driver/module-compiler.ts). Which programs get them, and every gradient against central
// differences over Float64Array and number[], directly and through a caller.
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { checkedKernels, ownCode } from "./helpers/kernel-gradients.js";

const checked = (body: string) => checkedKernels("first-writes-entry", body);

const logsumexp = (after = "") => `
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] * c - m);
  ${after}
  return m + Math.log(s);`;

describe("first writes after loads", () => {
  it("logsumexp: the exps' loop assigns dx[i], the max's adds", async () => {
    for (const code of await checked(logsumexp())) {
      expect(ownCode(code)).toMatch(/dx\[i_1\] = /);
      expect(ownCode(code)).toMatch(/dx\[i\] \+= /);
    }
  });

  it("not where the array is read after the loop, nor at another index in it", async () => {
    for (const body of [logsumexp("s += x[0] * 0.5;"), logsumexp().replace("Math.exp(x[i] * c - m)", "Math.exp(x[i] * c - m) * (i + 1 < x.length ? x[i + 1] : 1)")]) {
      for (const code of await checked(body)) expect(ownCode(code)).not.toMatch(/dx\[i_1\] = /);
    }
  });
});

describe("grad's own entry point", () => {
  const module = (sites: string) => `import { grad, valueAndGrad } from "adjoint";
export function f(x: number): number { return Math.sin(x) * x; }
${sites}`;
  it("returns the gradient alone where only grad differentiates f", () => {
    const { code, diagnostics } = transform(module("export const df = grad(f);"), { filename: "entry.ts" });
    expect(diagnostics).toEqual([]);
    expect(code).not.toContain("f$valueAndGrad");
    expect(code).toMatch(/function f\$grad\(x\) \{[\s\S]*return dx;\n\}/);
  });

  it("shares valueAndGrad's sweep where both are asked for, in either order", () => {
    for (const sites of ["export const df = grad(f);\nexport const vf = valueAndGrad(f);", "export const vf = valueAndGrad(f);\nexport const df = grad(f);"]) {
      const { code } = transform(module(sites), { filename: "entry.ts" });
      expect(code).toContain("return f$valueAndGrad(x)[1];");
      expect(code.match(/the reverse sweep/g)).toHaveLength(1);
    }
  });
});
