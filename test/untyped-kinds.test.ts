// Untyped (and loosely typed) code whose gradients were silently wrong, or threw inside
// generated code, each checked against central finite differences through the Babel
// plugin. Found while deciding the kinds of untyped code (issue 15; docs/design.md § How
// the kinds of untyped code are decided); what each one was is said beside it.
import { transformSync } from "@babel/core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import adjointBabel from "../compiler/frontends/babel.js";
import { centralDifference } from "./helpers/finite-diff.js";

interface Case {
  /** Why it is here: what the gradient was before. */
  was: string;
  /** A module exporting `f`; `.ts` cases go through Babel's TypeScript preset too. */
  source: string;
  ts?: boolean;
  point: (number | number[])[];
  wrt: number[];
}

const scale = "function scale(v, k) { const out = new Float64Array(v.length); for (let i = 0; i < v.length; i++) out[i] = v[i] * k; return out; }";

const cases: Record<string, Case> = {
  "an array variable given a new array made from itself by a call (v = scale(v, 2))": {
    was: "zero: the call's adjoint was dropped",
    source: `${scale}\nexport function f(x) { let v = x; v = scale(v, 2); let s = 0; for (let i = 0; i < v.length; i++) s += v[i] * v[i]; return s; }`,
    point: [[0.5, -1, 2]],
    wrt: [0],
  },
  "the same, typed (v: Float64Array | number[])": {
    was: "zero, and the union was no kind at all",
    ts: true,
    source: `function scale(v: number[] | Float64Array, k: number): Float64Array { const out = new Float64Array(v.length); for (let i = 0; i < v.length; i++) out[i] = v[i] * k; return out; }
      export function f(x: number[]): number { let v: Float64Array | number[] = x; v = scale(v, 2); let s = 0; for (let i = 0; i < v.length; i++) s += v[i] * v[i]; return s; }`,
    point: [[0.5, -1, 2]],
    wrt: [0],
  },
  "an array variable given its own copy (v = v.slice())": {
    was: "zero",
    source: "export function f(x) { let v = x; v = v.slice(); let s = 0; for (let i = 0; i < v.length; i++) s += v[i] * v[i]; return s; }",
    point: [[0.5, -1, 2]],
    wrt: [0],
  },
  "a local declared any, indexed": {
    was: "zero: any was taken for a declared kind other than an array",
    ts: true,
    source: "export function f(x: number[]): number { const y: any = x; let s = 0; for (let i = 0; i < y.length; i++) s += y[i] * y[i]; return s; }",
    point: [[0.5, -1, 2]],
    wrt: [0],
  },
  "a parameter declared any, indexed": {
    was: "refused (ADJ020: not a number)",
    ts: true,
    source: "export function f(x: any): number { let s = 0; for (let i = 0; i < x.length; i++) s += x[i] * x[i]; return s; }",
    point: [[0.5, -1, 2]],
    wrt: [0],
  },
  "a helper returning the array it is given, called with an array and a number": {
    was: "zero: accumulate returned the caller's own adjoint array, which the caller then reset",
    source: "function same(v) { return v; }\nexport function f(x, k) { return same(x)[0] * same(k); }",
    point: [[0.5, -1, 2], 3],
    wrt: [0, 1],
  },
  "a helper its callers give an array and a number (function id(v) { return v; })": {
    was: "zero (the same accumulate); then, with kinds from callers, a needless refusal: v is only passed on",
    source: "function id(v) { return v; }\nexport function f(x, k) { const a = id(x); return a[0] * id(k) + a[1]; }",
    point: [[0.5, -1, 2], 3],
    wrt: [0, 1],
  },
  "an array parameter with a default (w = [1, 2, 3])": {
    was: "threw 'Cannot read properties of null (reading 'set')' inside generated code",
    source: "export function f(x, w = [1, 2, 3]) { let s = 0; for (let i = 0; i < x.length; i++) s += x[i] * w[i]; return s; }",
    point: [[0.5, -1, 2], [1, 2, 3]],
    wrt: [0, 1],
  },
  "the same, typed (w: number[] = [1, 2, 3])": {
    was: "threw the same",
    ts: true,
    source: "export function f(x: number[], w: number[] = [1, 2, 3]): number { let s = 0; for (let i = 0; i < x.length; i++) s += x[i] * w[i]; return s; }",
    point: [[0.5, -1, 2], [1, 2, 3]],
    wrt: [0, 1],
  },
  "a plain array parameter written in place": {
    was: "threw 'values.set is not a function' (a typed array's method, used on number[])",
    source: "export function f(values) { for (let i = 0; i < values.length; i++) values[i] = values[i] * values[i]; let s = 0; for (let i = 0; i < values.length; i++) s += values[i] * values[i]; return s; }",
    point: [[0.5, -1, 2]],
    wrt: [0],
  },
};

const dir = resolve(__dirname, "..", ".tmp", "untyped-kinds");
let count = 0;

async function compile(c: Case): Promise<{ f: (...args: unknown[]) => number; df: (...args: unknown[]) => unknown[] }> {
  const source = `import { grad } from "adjoint";\n${c.source}\nexport const df = grad(f, { wrt: ${JSON.stringify(c.wrt)} });\n`;
  const filename = c.ts ? "module.ts" : "module.js";
  const code = transformSync(source, { filename, babelrc: false, configFile: false, presets: c.ts ? ["@babel/preset-typescript"] : [], plugins: [adjointBabel] })!.code!;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `case${++count}.mjs`);
  writeFileSync(file, code);
  return import(pathToFileURL(file).href);
}

describe("untyped and loosely typed code, differentiated as written", () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name} (was: ${c.was})`, async () => {
      const { f, df } = await compile(c);
      const clone = () => c.point.map((a) => (Array.isArray(a) ? a.slice() : a));
      const gradients = df(...clone());
      c.wrt.forEach((w, k) => {
        const arg = c.point[w];
        const size = Array.isArray(arg) ? arg.length : 1;
        for (let j = 0; j < size; j++) {
          const at = (value: number) => {
            const args = clone();
            if (Array.isArray(args[w])) (args[w] as number[])[j] = value;
            else args[w] = value;
            return f(...args);
          };
          const expected = centralDifference(at, [Array.isArray(arg) ? arg[j] : (arg as number)], 0);
          const got = Array.isArray(arg) ? (gradients[k] as number[])[j] : (gradients[k] as number);
          expect(Math.abs(got - expected), `d/d arg ${w}[${j}]: got ${got}, expected ${expected}`).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(expected));
        }
      });
    });
  }
});
