// Where code generation is forbidden (a strict Content-Security-Policy), the runtime
// falls back to its templates and plain loops: same results, only slower.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as NP from "adjoint/np";

const RealFunction = globalThis.Function;
let np: typeof NP;
let refused = 0;

beforeAll(async () => {
  globalThis.Function = new Proxy(RealFunction, {
    construct() {
      refused++;
      throw new EvalError("Refused to evaluate a string as JavaScript (CSP)");
    },
  });
  np = await import("adjoint/np");
});
afterAll(() => {
  globalThis.Function = RealFunction;
});

describe("without code generation", () => {
  it("elementwise, reductions and matmul still compute the same", () => {
    np.setBackend("js"); // the JS kernels' fallback (the Wasm backend generates no code)
    const x = np.arange(12).reshape(3, 4);
    expect(np.add(x, np.arange(4)).toArray()).toEqual([[0, 2, 4, 6], [4, 6, 8, 10], [8, 10, 12, 14]]);
    expect(np.sum(x, 0).toArray()).toEqual([12, 15, 18, 21]);
    const a = np.arange(40 * 30).reshape(40, 30);
    const b = np.ones([30, 50]);
    const c = np.matmul(a, b);
    expect(c.get(39, 49).item()).toBe((40 * 30 * 2 - 31) * 15);
    expect(c.get(0, 0).item()).toBe((29 * 30) / 2);
    expect(refused).toBeGreaterThan(3);
  });
});
