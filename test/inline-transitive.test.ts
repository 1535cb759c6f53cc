// Small callees inlined transitively (lower/small-callees.ts): a small function calling small
// ones is inlined with them (a variance calling a mean calling a sum), so the gradient is one
// function with no callee halves. Which programs get it, and every program's gradient (those
// that must not get it too) against central differences, over Float64Array and number[].
import { describe, expect, it } from "vitest";
import { checkedKernels } from "./helpers/kernel-gradients.js";

const checked = (body: string, helpers: string) => checkedKernels("inline-transitive", body, helpers);
/** Whether the generated module calls a module function through its halves. */
const splitCalls = (code: string) => /\$fwd/.test(code);

const statistics = (T: string) => `
function sum(x: ${T}): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}
function mean(x: ${T}): number {
  return sum(x) / x.length;
}
function variance(x: ${T}, c: number): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] * c - m;
    s += d * d;
  }
  return s / x.length;
}`;

describe("small callees inlined transitively", () => {
  it("a variance calling a mean calling a sum: one function, no halves", async () => {
    // checkedKernels compiles for each kind; the helpers are typed loosely enough for both.
    const codes = await checked("  return variance(x, c) + mean(x) * c;", statistics("ArrayLike<number>").replaceAll("ArrayLike<number>", "Float64Array | number[]"));
    for (const code of codes) expect(splitCalls(code)).toBe(false);
  });

  it("not where a callee's callee returns early (it is called through its halves), and stays right", async () => {
    const helpers = `
function clipped(v: number): number {
  if (v > 5) return 5;
  return v;
}
function scaled(x: Float64Array | number[], c: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += clipped(x[i] * c);
  return s;
}`;
    const codes = await checked("  return scaled(x, c) * c;", helpers);
    for (const code of codes) expect(splitCalls(code)).toBe(true);
  });

  it("not past the size bound: a chain too long to inline is called", async () => {
    const step = (k: number) => `function step${k}(v: number): number {\n  return ${k === 0 ? "Math.sin(v) * 0.5 + v * v * 0.25 - Math.cos(v * 0.5) * 0.125" : `step${k - 1}(v) * 0.5 + step${k - 1}(v * 0.5) * 0.25`};\n}`;
    const helpers = [0, 1, 2, 3, 4].map(step).join("\n");
    const codes = await checked("  let s = 0;\n  for (let i = 0; i < x.length; i++) s += step4(x[i] * c);\n  return s;", helpers);
    for (const code of codes) expect(splitCalls(code)).toBe(true);
  });

  it("not into itself: a recursive helper stays a call", async () => {
    const helpers = `
function power(v: number, n: number): number {
  return n <= 0 ? 1 : v * power(v, n - 1);
}`;
    const codes = await checked("  let s = 0;\n  for (let i = 0; i < x.length; i++) s += power(x[i] * c, 3);\n  return s;", helpers);
    for (const code of codes) expect(splitCalls(code)).toBe(true);
  });
});
