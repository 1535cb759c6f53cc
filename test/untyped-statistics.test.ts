// An untyped JavaScript statistics package, written the way such a library is: one small
// function per statistic, each calling the others, no annotations anywhere. Every gradient
// is taken through the Babel plugin on a `.js` file (the kinds of its parameters come from
// how they are used and what callers pass: docs/design.md § How the kinds of untyped code
// are decided) and, for comparison, from the same functions with TypeScript annotations
// through transform(). Each is checked against central finite differences at several random
// points. Issue 15: the untyped chain variance -> mean -> sum threw inside generated code.
import { transformSync } from "@babel/core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import adjointBabel from "../compiler/frontends/babel.js";
import { centralDifference } from "./helpers/finite-diff.js";

/** The library with TypeScript annotations; the untyped version is this with the types stripped. */
const TYPED = `
import { grad } from "adjoint";

export function sum(x: number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

/** Kahan-compensated, refusing anything that is not a number. */
export function kahanSum(x: number[]): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    if (typeof x[i] !== "number") return NaN;
    const y = x[i] - c;
    const t = s + y;
    c = t - s - y;
    s = t;
  }
  return s;
}

export function mean(x: number[]): number {
  if (x.length === 0) throw new Error("mean requires at least one data point");
  return sum(x) / x.length;
}

export function sumNthPowerDeviations(x: number[], n: number = 2): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.pow(x[i] - m, n);
  return s;
}

export function variance(x: number[]): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - m;
    s += d * d;
  }
  return s / x.length;
}

export function sampleVariance(x: number[]): number {
  return sumNthPowerDeviations(x) / (x.length - 1);
}

export function standardDeviation(x: number[]): number {
  return Math.sqrt(variance(x));
}

export function sumOfSquares(x: number[]): number {
  let s = 0;
  for (const v of x) s += v * v;
  return s;
}

export function skewness(x: number[]): number {
  const m = mean(x);
  const sd = standardDeviation(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += ((x[i] - m) / sd) ** 3;
  return s / x.length;
}

export function kurtosis(x: number[]): number {
  const n = x.length;
  return sumNthPowerDeviations(x, 4) / n / (variance(x) * variance(x)) - 3;
}

export function meanAbsoluteDeviation(x: number[]): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i] - m);
  return s / x.length;
}

export function max(x: number[]): number {
  let best = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > best) best = x[i];
  return best;
}

export function logSumExp(x: number[]): number {
  const top = max(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] - top);
  return top + Math.log(s);
}

export function softmaxCrossEntropy(logits: number[], label: number): number {
  return logSumExp(logits) - logits[label];
}

export function weightedMean(x: number[], w: number[]): number {
  let s = 0;
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i] * w[i];
    total += w[i];
  }
  return s / total;
}

export function zScore(x: number[], i: number): number {
  return (x[i] - mean(x)) / standardDeviation(x);
}

export function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(x: number[]): number {
  return Math.sqrt(dot(x, x));
}

export const gradients = {
  sum: grad(sum),
  kahanSum: grad(kahanSum),
  mean: grad(mean),
  variance: grad(variance),
  sampleVariance: grad(sampleVariance),
  standardDeviation: grad(standardDeviation),
  sumOfSquares: grad(sumOfSquares),
  skewness: grad(skewness),
  kurtosis: grad(kurtosis),
  meanAbsoluteDeviation: grad(meanAbsoluteDeviation),
  logSumExp: grad(logSumExp),
  softmaxCrossEntropy: grad(softmaxCrossEntropy),
  weightedMean: grad(weightedMean, { wrt: [0, 1] }),
  zScore: grad(zScore),
  dot: grad(dot, { wrt: [0, 1] }),
  norm: grad(norm),
};
`;

/** How each statistic is called: its arguments at a random point, and which are differentiated. */
interface Statistic {
  args: (random: () => number) => (number[] | number)[];
  wrt: number[];
}

const N = 5;
const vector = (random: () => number, offset = 0) => Array.from({ length: N }, () => offset + 4 * random() - 2);
const oneArray: Statistic = { args: (r) => [vector(r)], wrt: [0] };
const twoArrays: Statistic = { args: (r) => [vector(r), vector(r)], wrt: [0, 1] };

const statistics: Record<string, Statistic> = {
  sum: oneArray,
  kahanSum: oneArray,
  mean: oneArray,
  variance: oneArray,
  sampleVariance: oneArray,
  standardDeviation: oneArray,
  sumOfSquares: oneArray,
  skewness: oneArray,
  kurtosis: oneArray,
  meanAbsoluteDeviation: oneArray,
  logSumExp: oneArray,
  softmaxCrossEntropy: { args: (r) => [vector(r), Math.floor(r() * N)], wrt: [0] },
  weightedMean: { args: (r) => [vector(r), vector(r, 3)], wrt: [0, 1] },
  zScore: { args: (r) => [vector(r), Math.floor(r() * N)], wrt: [0] },
  dot: twoArrays,
  norm: oneArray,
};

/**
 * Statistics refused (with the diagnostic asking for an annotation) rather than
 * differentiated in the untyped build, each with why: none; every one is differentiated.
 */
const refusedUntyped: Record<string, string> = {};

/** The tolerance every gradient is held to against a central difference with h = 1e-5. */
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };
const POINTS = 4;

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const dir = resolve(__dirname, "..", ".tmp", "untyped-statistics");

type Module = Record<string, (...args: unknown[]) => number> & { gradients: Record<string, (...args: unknown[]) => unknown> };

async function load(name: string, code: string): Promise<Module> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, code);
  return (await import(pathToFileURL(file).href)) as Module;
}

/** The untyped library: TYPED with its annotations stripped by Babel's TypeScript preset. */
export function untypedSource(typed: string): string {
  return transformSync(typed, { filename: "statistics.ts", babelrc: false, configFile: false, presets: ["@babel/preset-typescript"], retainLines: true })!.code!;
}

/** A problem with a statistic's gradient at one point, or null where it agrees with finite differences. */
function check(primal: (...args: unknown[]) => number, gradient: (...args: unknown[]) => unknown, stat: Statistic, random: () => number): string | null {
  const args = stat.args(random);
  let result: unknown;
  try {
    result = gradient(...args.map((a) => (Array.isArray(a) ? a.slice() : a)));
  } catch (error) {
    return `threw ${(error as Error).message}`;
  }
  const parts = stat.wrt.length === 1 ? [result] : (result as unknown[]);
  for (const [k, argIndex] of stat.wrt.entries()) {
    const arg = args[argIndex] as number[];
    const part = parts[k] as ArrayLike<number>;
    if (!part || part.length !== arg.length) return `gradient ${k} is ${String(part)}`;
    for (let j = 0; j < arg.length; j++) {
      const f = (value: number) => {
        const moved = args.map((a) => (Array.isArray(a) ? a.slice() : a));
        (moved[argIndex] as number[])[j] = value;
        return primal(...moved);
      };
      const expected = centralDifference((value) => f(value), [arg[j]], 0);
      const diff = Math.abs(part[j] - expected);
      if (!(diff <= TOLERANCE.atol + TOLERANCE.rtol * Math.abs(expected))) return `d/d ${argIndex}[${j}]: got ${part[j]}, expected ${expected}`;
    }
  }
  return null;
}

function measure(module: Module): Map<string, string | null> {
  const outcome = new Map<string, string | null>();
  for (const [name, stat] of Object.entries(statistics)) {
    const random = seeded(name.length * 7919 + 17);
    let problem: string | null = null;
    for (let p = 0; p < POINTS && problem === null; p++) problem = check(module[name], module.gradients[name], stat, random);
    outcome.set(name, problem);
  }
  return outcome;
}

describe("an untyped statistics package", () => {
  let typed: Module;
  let untyped: Module;
  let untypedCode: string;

  beforeAll(async () => {
    const ts = transform(TYPED, { filename: "statistics.ts", sourceMaps: false });
    expect(ts.diagnostics).toEqual([]);
    typed = await load("typed", ts.code);
    const js = untypedSource(TYPED);
    expect(js).not.toMatch(/: number/);
    untypedCode = transformSync(js, { filename: "statistics.js", babelrc: false, configFile: false, plugins: [adjointBabel] })!.code!;
    untyped = await load("untyped", untypedCode);
  });

  it("differentiates every statistic with annotations (transform, .ts)", () => {
    const outcome = measure(typed);
    const wrong = [...outcome].filter(([, problem]) => problem !== null);
    expect(wrong).toEqual([]);
    expect(outcome.size).toBe(16);
  });

  it("differentiates every statistic without annotations (Babel plugin, .js)", () => {
    const outcome = measure(untyped);
    const wrong = [...outcome].filter(([name, problem]) => problem !== null && !(name in refusedUntyped));
    expect(wrong).toEqual([]);
    expect([...outcome].filter(([, problem]) => problem === null).length).toBe(16 - Object.keys(refusedUntyped).length);
  });
});

/** One untyped module through the Babel plugin, as a `.js` file; its exports. */
async function untypedModule(name: string, source: string): Promise<Record<string, (...args: unknown[]) => unknown>> {
  const code = transformSync(source, { filename: `${name}.js`, babelrc: false, configFile: false, plugins: [adjointBabel] })!.code!;
  return (await load(name, code)) as unknown as Record<string, (...args: unknown[]) => unknown>;
}

// Each wrong gradient issue 15's untyped statistics chain showed, as its own case.
describe("regressions: untyped kinds", () => {
  it("mean(x) = sum(x) / x.length: x is an array, not a number because of x.length (the gradient was the string '00.25,0.25,…')", async () => {
    const { dmean } = await untypedModule("regression-mean", `
      import { grad } from "adjoint";
      function sum(x) { let s = 0; for (let i = 0; i < x.length; i++) s += x[i]; return s; }
      function mean(x) { return sum(x) / x.length; }
      export const dmean = grad(mean);
    `);
    expect(dmean([1, 2, 3, 4])).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("variance through mean through sum: no 'array adjoint of length 8 for an array of length 4' inside generated code", async () => {
    const { dvariance } = await untypedModule("regression-variance", `
      import { grad } from "adjoint";
      function sum(x) { let s = 0; for (let i = 0; i < x.length; i++) s += x[i]; return s; }
      function mean(x) { return sum(x) / x.length; }
      function variance(x) {
        const m = mean(x);
        let s = 0;
        for (let i = 0; i < x.length; i++) { const d = x[i] - m; s += d * d; }
        return s / x.length;
      }
      export const dvariance = grad(variance);
    `);
    // d/dx_i of the population variance: 2 (x_i - mean) / n.
    expect(dvariance([1, 2, 3, 4])).toEqual([-0.75, -0.25, 0.25, 0.75]);
  });

  it("for (const v of x) over an untyped parameter: x is an array (its gradient was silently zero)", async () => {
    const { dsquares } = await untypedModule("regression-for-of", `
      import { grad } from "adjoint";
      function sumOfSquares(x) { let s = 0; for (const v of x) s += v * v; return s; }
      export const dsquares = grad(sumOfSquares);
    `);
    expect(dsquares([1, -2, 3])).toEqual([2, -4, 6]);
  });

  it("a read-only callee given one array twice, norm(x) = sqrt(dot(x, x)), typed or not (it threw 'the same array')", async () => {
    const { dnorm } = await untypedModule("regression-norm", `
      import { grad } from "adjoint";
      function dot(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
      function norm(x) { return Math.sqrt(dot(x, x)); }
      export const dnorm = grad(norm);
    `);
    const close = (actual: unknown, expected: number[]) => expected.forEach((e, i) => expect((actual as number[])[i]).toBeCloseTo(e, 12));
    close(dnorm([3, 4]), [0.6, 0.8]);
    const typed = transform(
      `import { grad } from "adjoint";
      function dot(a: number[], b: number[]): number { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
      function norm(x: number[]): number { return Math.sqrt(dot(x, x)); }
      export const dnorm = grad(norm);`,
      { filename: "norm.ts", sourceMaps: false },
    );
    const typedNorm = (await load("regression-norm-typed", typed.code)) as unknown as { dnorm: (x: number[]) => number[] };
    close(typedNorm.dnorm([3, 4]), [0.6, 0.8]);
  });

  it("a parameter only passed on takes its kind from what the module's callers pass", async () => {
    const { dspread } = await untypedModule("regression-callers", `
      import { grad } from "adjoint";
      function copyOf(x) { return Float64Array.from(x); }
      function spread(x) {
        const c = copyOf(x);
        let s = 0;
        for (let i = 0; i < c.length; i++) s += c[i] * x[i];
        return s;
      }
      export const dspread = grad(spread);
    `);
    expect(dspread([1, 2, 3])).toEqual([2, 4, 6]);
  });

  it("refuses what nothing decides, asking for an annotation, and compiles it once JSDoc says", () => {
    const source = (doc: string) => `import { grad } from "adjoint";
      ${doc}
      function energy(x) {
        const a = new Float64Array(x);
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i] * a[i];
        return s;
      }
      export const denergy = grad(energy);`;
    const refused = transform(source(""), { filename: "energy.js", sourceMaps: false });
    expect(refused.diagnostics.map((d) => d.code)).toEqual(["ADJ027"]);
    expect(refused.diagnostics[0].message).toMatch(/'x' makes a new array here/);
    expect(transform(source("/** @param {number[]} x */"), { filename: "energy.js", sourceMaps: false }).diagnostics).toEqual([]);
  });
});
