// numpy-print-cases.json holds repr() and str() of arrays as NumPy 2.4 printed them.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import * as np from "adjoint/np";

interface Case { values: unknown; shape: number[]; dtype: np.DType; repr: string; str: string }
// Decided: int32 is our default integer type, so (like int64 in NumPy) it prints no dtype.
const cases: Case[] = (JSON.parse(readFileSync(new URL("./numpy-print-cases.json", import.meta.url), "utf8")) as Case[]).map((c) =>
  c.dtype === "int32" ? { ...c, repr: c.repr.replace(", dtype=int32", "") } : c);
const special: Record<string, number> = { nan: NaN, inf: Infinity, "-inf": -Infinity };
const revive = (v: unknown): unknown => (Array.isArray(v) ? v.map(revive) : typeof v === "string" ? special[v] : v);

describe("printing matches NumPy", () => {
  for (const c of cases) {
    it(`${c.dtype} ${JSON.stringify(c.shape)}: ${c.repr.slice(0, 40).replace(/\n/g, "⏎")}`, () => {
      const x = np.array(revive(c.values) as never, c.dtype).reshape(c.shape);
      expect(x.toString()).toBe(c.repr);
      expect(inspect(x)).toBe(c.repr);
      expect(np.str(x)).toBe(c.str);
    });
  }
  it("the seed notebook's outputs", () => {
    const x = np.arange(4);
    expect(String(x)).toBe("array([0., 1., 2., 3.])");
    expect(String(np.mul(2, np.dot(x, x)))).toBe("array(28.)");
    expect(String(np.equal(np.mul(4, x), np.mul(x, 4)))).toBe("array([ True,  True,  True,  True])");
    expect(np.mul(x, x).str()).toBe("[0. 1. 4. 9.]");
    expect(np.equal(x, x).str()).toBe("[ True  True  True  True]");
    expect(String(np.array(true))).toBe("array(True)");
  });
});
