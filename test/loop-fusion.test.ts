// Loop fusion (optimize/fuse-loops.ts): adjacent loops over one trip count become one loop, so
// their reverse sweeps are one loop, and a load of what the same iteration stored reads the
// value stored. Which programs get it, and every program's gradient (those that must not get
// it too) against central differences (h = 1e-5, 6 digits), over Float64Array and number[],
// directly and through a caller.
import { describe, expect, it } from "vitest";
import { compileKernel, expectKernelGradients, KINDS, ownCode } from "./helpers/kernel-gradients.js";

/** How many loops f's reverse sweep has at its top level (`for (let k…` loops over trips). */
const reverseLoops = (code: string) => [...ownCode(code).matchAll(/^ {2}for \(let k\d* = /gm)].length;
const compile = (body: string, T: string, helpers = "") => compileKernel("loop-fusion", body, T, helpers);
const expectGradients = (T: string, compiled: Awaited<ReturnType<typeof compile>>) => expectKernelGradients(KINDS.find(([kind]) => kind === T)![1], compiled);

const cumulative = (second: string, made = "new Float64Array(n)") => `
  const n = x.length;
  const out = ${made};
  let running = 0;
  for (let i = 0; i < n; i++) {
    running += x[i] * c;
    out[i] = running;
  }
  let total = 0;
  ${second}
  return total;`;

describe.each(KINDS.map(([T]) => T))("loop fusion over %s", (T) => {
  it("a cumulative sum's two loops are one, each way, and out is no longer written", async () => {
    const compiled = await compile(cumulative("for (let i = 0; i < n; i++) total += out[i] * out[i];"), T);
    expect(reverseLoops(compiled.code)).toBe(1);
    expect(ownCode(compiled.code)).not.toMatch(/out\[i\] = /);
    expect(ownCode(compiled.code)).not.toMatch(/dout/);
    expectGradients(T, compiled);
  });

  it("into a number[] made empty, its loops testing x.length", async () => {
    const body = cumulative("for (let i = 0; i < x.length; i++) total += out[i] * x[i];", "[]").replace("const out = []", "const out: number[] = []").replaceAll("i < n", "i < x.length");
    const compiled = await compile(body, T);
    expect(reverseLoops(compiled.code)).toBe(1);
    expectGradients(T, compiled);
  });

  it("three loops in a row are one, the element a store overwrote in the same iteration unsaved", async () => {
    const compiled = await compile(
      `
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * c;
  for (let i = 0; i < x.length; i++) out[i] = out[i] * x[i];
  let total = 0;
  for (let i = 0; i < x.length; i++) total += Math.sin(out[i]);
  return total + out[0];`,
      T,
    );
    expect(reverseLoops(compiled.code)).toBe(1);
    expectGradients(T, compiled);
  });

  const notFused: [string, string, string?][] = [
    ["the second reads an element the first writes an iteration later", cumulative("for (let i = 0; i < n - 1; i++) total += out[i + 1] * x[i];").replace("for (let i = 0; i < n - 1;", "for (let i = 0; i < n;").replace("new Float64Array(n)", "new Float64Array(n + 1)")],
    ["the second reads a number the first writes", cumulative("for (let i = 0; i < n; i++) total += running * out[i];")],
    ["the trip counts differ", cumulative("for (let i = 0; i < n - 1; i++) total += out[i] * out[i];")],
    ["the counts run the other way", cumulative("for (let i = n - 1; i >= 0; i--) total += out[i] * out[i];")],
    ["the first loop may break", cumulative("for (let i = 0; i < n; i++) total += out[i] * out[i];").replace("out[i] = running;", "out[i] = running;\n    if (running > 100) break;")],
    ["both loops add into one number (the sum's order would change)", cumulative("for (let i = 0; i < n; i++) total += out[i];\n  for (let i = 0; i < n; i++) total += x[i] * out[i];")],
    [
      "the second writes the input the first reads at another index",
      `
  const y = ${T === "Float64Array" ? "Float64Array.from(x)" : "x.slice()"};
  let s = 0;
  for (let i = 0; i < y.length - 1; i++) s += y[i + 1] * c;
  for (let i = 0; i < y.length - 1; i++) y[i] = y[i] * s;
  return s + y[0] * y[1];`,
    ],
    [
      "a loop holds a loop (a moving average: its saves are pushes, not slots)",
      `
  const n = x.length - 1;
  const averaged = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let window = 0;
    for (let k = 0; k < 2; k++) window += x[i + k] * c;
    averaged[i] = window / 2;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += averaged[i] * averaged[i] * (1 + 0.1 * i);
  return total;`,
    ],
    [
      "a call between them writes what the second reads (it stays between)",
      `
  const y = ${T === "Float64Array" ? "Float64Array.from(x)" : "x.slice()"};
  const b = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) b[i] = Math.sin(y[i] * c);
  const s = scaleInto(y, b);
  let r = 0;
  for (let i = 0; i < y.length; i++) r += b[i] * y[i];
  return s + r;`,
      `function scaleInto(out: ${T}, v: Float64Array): number {
  if (out.length === 0) return 0;
  let total = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = v[i] * 1.25;
    total += out[i];
  }
  return total;
}`,
    ],
    ["the second calls a module function (two returns: not inlined)", cumulative("for (let i = 0; i < n; i++) total += twice(out[i]) * out[i];"), "function twice(v: number): number { if (v > 50) return v; return 2 * v; }"],
  ];
  it.each(notFused)("not where %s", async (_, body, helpers) => {
    const compiled = await compile(body, T, helpers ?? "");
    expect(reverseLoops(compiled.code)).toBeGreaterThan(1);
    expectGradients(T, compiled);
  });
});
