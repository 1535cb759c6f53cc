// Rows given to attached callees (customGrad, differentiable): the row is data the callee reads,
// the adjoint its rule gives for the row goes nowhere; where the row would need one (the rows
// differentiated) it is refused, located. And the regressions the row property test found
// (test/property-rows.test.ts): X[k].slice() crashed the gradient; a customGrad callee given x
// refused every row read as a write into x; in untyped JavaScript, rows of a differentiated
// parameter given to a customGrad function summed arrays as strings.
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { centralGradient } from "./helpers/finite-diff.js";
import { close, compile } from "./helpers/identity-programs.js";

type Rows = number[][] | Float64Array[];
type Gradient = (w: number[], X: Rows) => number[];

const differenced = centralGradient;

const X = [
  [0.5, -1, 2],
  [1.5, 0.25, -0.5],
  [-0.75, 0.8, 0.1],
];
const POINTS = [
  [0.2, -0.1, 0.3],
  [-0.6, 0.45, 0.15],
  [1.1, 0.05, -0.4],
];
const rowsOf = (typed: boolean): Rows => (typed ? X.map((r) => Float64Array.from(r)) : X.map((r) => r.slice()));
const typedOf = (typed: boolean, ts: boolean) => (ts ? (typed ? ": Float64Array[]" : ": number[][]") : "");

/** Each program a loss f(w, X) with w: number[] (gradient by w) and X rows of data. */
const PROGRAMS: Record<string, (T: string, R: string) => string> = {
  customGradRowLocal: (T, R) => `import { customGrad } from "adjoint";
  const rowDot = customGrad(
    (w${T ? ": number[]" : ""}, row${R}) => { let s = 0; for (let j = 0; j < row.length; j++) s += w[j] * row[j]; return s; },
    ([w, row], value, dvalue) => [w.map((_, j) => dvalue * row[j]), undefined],
  );
  export function f(w${T ? ": number[]" : ""}, X${T})${T ? ": number" : ""} {
    let s = 0;
    for (let i = 0; i < X.length; i++) {
      const row = X[i];
      s += Math.sin(rowDot(w, row)) * row[0] + row.length * w[0];
    }
    return s;
  }`,
  customGradForOf: (T, R) => `import { customGrad } from "adjoint";
  const weighted = customGrad(
    (a${T ? ": number" : ""}, row${R}) => a * (row[0] - row[1]),
    ([a, row], value, dvalue) => [dvalue * (row[0] - row[1]), null],
  );
  export function f(w${T ? ": number[]" : ""}, X${T})${T ? ": number" : ""} {
    let s = 0;
    for (const row of X) s += weighted(w[0] * w[1], row) ** 2 + weighted(w[2], row) * row[2];
    return s;
  }`,
  differentiableSameModule: (T, R) => `import { differentiable } from "adjoint";
  export const score = differentiable((w${T ? ": number[]" : ""}, row${R})${T ? ": number" : ""} => {
    let s = 0;
    for (let j = 0; j < row.length; j++) s += w[j] * row[j];
    return Math.tanh(s);
  });
  export function f(w${T ? ": number[]" : ""}, X${T})${T ? ": number" : ""} {
    let s = 0;
    X.forEach((row, i) => { s += score(w, row) * (row[1] + i); });
    return s;
  }`,
  // A customGrad callee given x while rows are read: not a write into x (it was refused as one).
  customGradOfWeights: (T) => `import { customGrad } from "adjoint";
  const sumSquares = customGrad((v${T ? ": number[]" : ""})${T ? ": number" : ""} => v.reduce((a, e) => a + e * e, 0), ([v], value, dvalue) => [v.map((e) => 2 * dvalue * e)]);
  export function f(w${T ? ": number[]" : ""}, X${T})${T ? ": number" : ""} {
    let s = sumSquares(w);
    for (let i = 0; i < X.length; i++) s += X[i][0] * w[1] + X[i][2] * w[2] * w[0];
    return s;
  }`,
  // X[k].slice() (crashed: its copy, written with a value that carries a gradient, had no adjoint).
  rowCopies: (T) => `export function f(w${T ? ": number[]" : ""}, X${T})${T ? ": number" : ""} {
    let s = 0;
    { const r = X[1].slice(); r[0] = w[0] * w[1]; s += r[0] + r[1] * w[2]; }
    { const r = X[0].slice(1); r[0] = w[2] * r[0]; s += r[0] * r[1]; }
    { const r = Float64Array.from(X[2]); r[1] = w[1] * r[1]; s += r[0] * r[1]; }
    { const r = [...X[0]]; r[2] = Math.exp(w[0]); s += r[2] * r[1]; }
    { const r = X[2].map((v) => v * w[1]); r[0] = w[0] * r[0]; s += r[0] * r[1] * r[2]; }
    return s;
  }`,
};

describe("rows given to attached callees", () => {
  for (const [name, program] of Object.entries(PROGRAMS)) {
    for (const ts of [true, false]) {
      for (const typed of [false, true]) {
        it(`${name}, ${ts ? "TypeScript" : "untyped JavaScript"}, ${typed ? "Float64Array rows" : "number[] rows"}: gradient against differences`, async () => {
          const T = typedOf(typed, ts);
          const R = ts ? (typed ? ": Float64Array" : ": number[]") : "";
          const m = await compile<{ f: (w: number[], X: Rows) => number; g: Gradient }>(`${program(T, R)}\nexport const g = grad(f);\n`, `rows-attached-${name}.${ts ? "ts" : "js"}`);
          const rows = rowsOf(typed);
          const before = JSON.stringify(rows.map((r) => Array.from(r)));
          for (const w of POINTS) close(m.g(w.slice(), rows), differenced((v) => m.f(v, rowsOf(typed)), w), 1e-6);
          expect(JSON.stringify(rows.map((r) => Array.from(r)))).toBe(before);
        });
      }
    }
  }

  it("refuses, located, the rows differentiated where a row is given to a customGrad function", () => {
    const source = `import { grad, customGrad } from "adjoint";
const rowDot = customGrad((w, row) => w[0] * row[0], ([w, row], value, dvalue) => [[dvalue * row[0]], [dvalue * w[0]]]);
function f(w, X) { let s = 0; for (let i = 0; i < X.length; i++) { const row = X[i]; s += rowDot(w, row) * row[1]; } return s; }
export const g = grad(f, { wrt: [0, 1] });
`;
    const { diagnostics } = transform(source, { filename: "rows.js" });
    expect(diagnostics.map((d) => d.message).join("\n")).toMatch(/a row of 'X', an array of arrays that carries a gradient/);
    for (const d of diagnostics) expect(d.line).toBe(3);
  });

  it("refuses at run time, in untyped JavaScript, a gradient by rows given straight to a customGrad function (it summed arrays as strings)", async () => {
    const m = await compile<{ g: (w: number[], X: number[][]) => unknown }>(
      `import { customGrad } from "adjoint";
      const rowDot = customGrad((w, row) => w[0] * row[0] + w[1] * row[1], ([w, row], value, dvalue) => [[dvalue * row[0], dvalue * row[1]], [dvalue * w[0], dvalue * w[1]]]);
      function f(w, X) { let s = 0; for (let i = 0; i < X.length; i++) s += Math.sin(rowDot(w, X[i])); for (let i = 0; i < X.length; i++) s += rowDot(w, X[i]) ** 2; return s; }
      export const g = grad(f, { wrt: [0, 1] });`,
      "rows-attached-by-rows.js",
    );
    expect(() => m.g([0.3, -0.2], [[1, 2], [3, -1]])).toThrow(/array adjoint for an element the caller reads as a number/);
  });
});
