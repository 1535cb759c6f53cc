// A user's tests of code that uses grad: run by Vitest with adjoint/vite in vitest.config.mjs.
import { grad } from "adjoint";
import { describe, expect, it } from "vitest";
import { energyAndGradients, force } from "./src/spring.js";

describe("spring", () => {
  it("pulls back towards the rest length (Hooke's law)", () => {
    expect(force(1.5, 4)).toBeCloseTo(-2, 12);
    expect(force(0.5, 4)).toBeCloseTo(2, 12);
  });

  it("has the energy and both partial derivatives in one call", () => {
    const [value, [dx, dk]] = energyAndGradients(3, 2);
    expect(value).toBe(4);
    expect(dx).toBe(4);
    expect(dk).toBe(2);
  });

  it("differentiates a function written in the test file itself", () => {
    const d = grad((x: number) => x * Math.sin(x))(2);
    expect(d).toBeCloseTo(Math.sin(2) + 2 * Math.cos(2), 12);
  });
});
