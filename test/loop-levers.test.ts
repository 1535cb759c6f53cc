// Two levers on loops' saves: a last-taken branch keeps the iteration it last ran at instead of
// a flag per iteration (analyze/last-taken.ts), and a value every iteration computes alike is not
// pushed (analyze/invariants.ts). Which programs get them, and every program's gradient (those
// that must not get them too) against central differences (h = 1e-5, 6 digits).
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { centralDifference } from "./helpers/finite-diff.js";

const dir = resolve(__dirname, "..", ".tmp", "loop-levers");
let count = 0;

type Kernel = (x: Float64Array, c: number) => number;
type Gradient = (x: Float64Array, c: number) => [Float64Array, number];

/** `f(x, c)` of `body`, its gradient, and a caller's (`g`: f through a helper call). */
async function compile(body: string, helpers = ""): Promise<{ code: string; f: Kernel; df: Gradient; dg: Gradient }> {
  const source = `import { grad } from "adjoint";
${helpers}
export function f(x: Float64Array, c: number): number {
${body}
}
export function g(x: Float64Array, c: number): number {
  return f(x, c) * 1.5;
}
export const df = grad(f, { wrt: [0, 1] });
export const dg = grad(g, { wrt: [0, 1] });
`;
  const result = transform(source, { filename: "levers.ts" });
  expect(result.diagnostics).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `module${++count}.mjs`);
  writeFileSync(file, result.code);
  return { code: result.code, ...(await import(pathToFileURL(file).href)) };
}

/** The values a function's code saves, pushed or written at a slotted loop's slot, in order. */
const savedNames = (code: string) => [...code.matchAll(/stack\.push\((\w+)\)|slots\d*\[[^\]]+\] = (\w+)/g)].map((m) => m[1] ?? m[2]);

/** Whether code keeps a flag per iteration: pushed, or written at a slotted loop's slot. */
const flagPerIteration = (code: string) => /pushBit|\] = \w+ \? 1 : 0;/.test(code);

/** The code generated for f alone: its gradient entry point. */
const ownCode = (code: string) => {
  const start = code.search(/function f\$(valueAndGrad|grad)(_\w+)?\(/);
  expect(start).toBeGreaterThanOrEqual(0);
  return code.slice(start, code.indexOf("\n}\n", start) + 2);
};

const points = [
  [0.3, -0.7, 1.1, 0.4, -0.2],
  [1.2, 0.5, -0.9, 0.8, 0.6, -0.3],
  [-0.5, -0.1, 0.25, 0.9, 1.4],
  [2, 1.5, 1, 0.5],
];

/** f's and the caller's gradients at each point against central differences, the input unchanged. */
function expectGradients(f: Kernel, df: Gradient, dg: Gradient, c = 0.6) {
  const caller: Kernel = (x, c) => f(x, c) * 1.5;
  for (const [primal, gradient] of [[f, df], [caller, dg]] as const) {
    for (const point of points) {
      const x = Float64Array.from(point);
      const [dx, dc] = gradient(x, c);
      expect(Array.from(x)).toEqual(point);
      const flat = (...args: number[]) => primal(Float64Array.from(args.slice(0, -1)), args[args.length - 1]);
      const args = [...point, c];
      point.forEach((_, i) => expect(dx[i]).toBeCloseTo(centralDifference(flat, args, i), 6));
      expect(dc).toBeCloseTo(centralDifference(flat, args, point.length), 6);
    }
  }
}

const runningMax = (branch: string, after = "") => `
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) {
    ${branch}
  }
  ${after}
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] * c - m);
  return m + Math.log(s);`;

describe("last-taken branches", () => {
  it("a running max keeps its last iteration, not a flag per iteration", async () => {
    // f calls a function that returns early (not small), so the caller g calls f's halves rather than inlining it.
    const { code, f, df, dg } = await compile(runningMax("if (x[i] * c > m) m = x[i] * c;").replace("return m +", "return half(m) +"), "function half(v: number): number { if (v > 1e9) return v; return v * 0.5; }");
    expect(flagPerIteration(ownCode(code))).toBe(false);
    expect(ownCode(code)).toMatch(/if \(k\d* === taken\)/);
    // Through a helper's halves the iteration goes on the caller's stack.
    expect(code).toMatch(/function f\$rev[\s\S]*const taken = stack\.popInt\(\);/);
    expectGradients(f, df, dg);
  });

  it("counts iterations, not the counter: loops from 1, by 2, and downwards", async () => {
    for (const loop of ["for (let i = 1; i < x.length; i++)", "for (let i = 0; i < x.length; i += 2)", "for (let i = x.length - 1; i >= 0; i--)"]) {
      const { code, f, df, dg } = await compile(runningMax("if (x[i] * c > m) m = x[i] * c;").replace("for (let i = 0; i < x.length; i++) {", `${loop} {`));
      expect(ownCode(code)).toMatch(/if \(k\d* === taken\)/);
      expectGradients(f, df, dg);
    }
  });

  it("a running min with its index (inactive) beside it", async () => {
    const { code, f, df, dg } = await compile(`
  let m = Infinity;
  let at = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < m) {
      m = x[i];
      at = i;
    }
  }
  return m * c + x[at] * x[at];`);
    expect(flagPerIteration(ownCode(code))).toBe(false);
    expectGradients(f, df, dg);
  });

  it("a branch that never runs leaves the adjoint where it was", async () => {
    const { f, df, dg } = await compile(`
  let m = c;
  for (let i = 0; i < x.length; i++) if (x[i] > 100) m = x[i];
  return m * m;`);
    expectGradients(f, df, dg);
  });

  it("not where the loop also reads the max with a gradient", async () => {
    const { code, f, df, dg } = await compile(runningMax("if (x[i] > m) m = x[i];", "").replace("let s = 0;", "let s = 0;\n  let q = 0;\n  for (let i = 0; i < x.length; i++) { if (x[i] > q) q = x[i]; s += q * c; }\n  s = s * s + 1;"));
    expect(flagPerIteration(code)).toBe(true);
    expectGradients(f, df, dg);
  });

  it("not where the branch reads what it assigns (m = m * 0.5 + x[i])", async () => {
    const { code, f, df, dg } = await compile(runningMax("if (x[i] > m) m = m * 0.5 + x[i] * c;").replace("let m = -Infinity;", "let m = 0;"));
    expect(flagPerIteration(ownCode(code))).toBe(true);
    expectGradients(f, df, dg);
  });

  it("not in a loop inside another loop", async () => {
    const { code, f, df, dg } = await compile(`
  let total = 0;
  for (let r = 0; r < 3; r++) {
    let m = -Infinity;
    for (let i = 0; i < x.length; i++) if (x[i] * (r + c) > m) m = x[i] * (r + c);
    total += m * m;
  }
  return total;`);
    expect(flagPerIteration(ownCode(code))).toBe(true);
    expectGradients(f, df, dg);
  });

  it("the input written after the max (in place, by a callee): the gradient still right", async () => {
    const { f, df, dg } = await compile(
      runningMax("if (x[i] > m) m = x[i];", "const y = Float64Array.from(x);\n  scale(y, c);\n  m = m + y[0];"),
      "function scale(a: Float64Array, k: number): void { for (let i = 0; i < a.length; i++) a[i] = a[i] * k; }",
    );
    expectGradients(f, df, dg);
  });

  it("an alias of the input assigned in the branch's loop is no reason to keep flags, and stays right", async () => {
    const { f, df, dg } = await compile(`
  const y = x;
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (y[i] > m) m = x[i] * c;
  return m * m + y[1];`);
    expectGradients(f, df, dg);
  });
});

describe("loop-invariant values", () => {
  it("a value of what no loop assigns is not pushed", async () => {
    const { code, f, df, dg } = await compile(`
  let y = x[0];
  for (let k = 0; k < 20; k++) y = y + 0.05 * (-9.81 / c) * Math.sin(y) * Math.cos(c);
  return y;`);
    // Only sin(y) and y change from step to step.
    expect(savedNames(ownCode(code))).toEqual(["t3", "y"]);
    expectGradients(f, df, dg);
  });

  it("pushed where its operand changes in the loop", async () => {
    const { code, f, df, dg } = await compile(`
  let y = x[0];
  let a = c;
  for (let k = 0; k < 20; k++) {
    y = y + 0.05 * Math.sin(y) * Math.cos(a);
    a = a * 1.01 + x[1];
  }
  return y;`);
    expect(savedNames(ownCode(code)).some((name) => /^t\d+$/.test(name))).toBe(true);
    expectGradients(f, df, dg);
  });

  it("pushed where it reads a parameter the function reassigns", async () => {
    const { code, f, df, dg } = await compile(`
  let y = x[0];
  for (let k = 0; k < 20; k++) {
    y = y + 0.05 * Math.sin(y) * Math.cos(c);
    c = c + y * 0.1;
  }
  return y + c;`);
    expect(savedNames(ownCode(code)).some((name) => /^t\d+$/.test(name))).toBe(true);
    expectGradients(f, df, dg);
  });

  it("an element or a length read in the loop is not invariant (the array is written, resized)", async () => {
    const { f, df, dg } = await compile(`
  const y = Float64Array.from(x);
  const list: number[] = [];
  let s = 0;
  for (let k = 0; k < 6; k++) {
    s = s + Math.sin(y[0] * c) * list.length;
    y[0] = y[0] * 0.9 + s * 0.01;
    list.push(s);
  }
  return s + y[0];`);
    expectGradients(f, df, dg);
  });
});
