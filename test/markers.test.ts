// The markers at run time, without the compiler, and their static types.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { customGrad, differentiable, grad, stopGradient, valueAndGrad, vjp } from "../runtime/index.js";
import { VJP } from "../runtime/generated.js";

const root = resolve(__dirname, "..");
const square = (x: number) => x * x;

describe("markers reached uncompiled", () => {
  for (const [name, marker] of Object.entries({ grad, valueAndGrad, vjp, differentiable })) {
    it(`${name} throws an Error naming this file and the plugin`, () => {
      expect(() => (marker as (f: unknown) => unknown)(square)).toThrow(/ran uncompiled in .*markers\.test\.ts.*adjoint\/babel.*adjoint\/tspc/s);
    });
  }

  it("stopGradient is the identity outside differentiated code", () => {
    expect(stopGradient(3)).toBe(3);
  });

  it("customGrad keeps the function callable and attaches its rule as a vjp", () => {
    const cube = customGrad(
      (x: number) => x * x * x,
      ([x], _value, dvalue) => [3 * x * x * dvalue],
    );
    expect(cube(2)).toBe(8);
    const [value, pullback] = (cube as unknown as { [VJP]: (x: number) => [number, (d: number) => number[]] })[VJP](2);
    expect(value).toBe(8);
    expect(pullback(0.5)).toEqual([6]);
  });
});

describe("marker types", () => {
  it("type-check: right signatures, wrong wrt rejected", () => {
    const tsc = resolve(root, "node_modules/typescript/bin/tsc");
    expect(() => execFileSync(process.execPath, [tsc, "-p", "test/types/tsconfig.json"], { cwd: root, encoding: "utf8" })).not.toThrow();
  });
});
