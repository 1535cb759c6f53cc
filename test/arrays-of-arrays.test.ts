// Arrays of arrays as data (lower/rows.ts): rows read by index, in a variable, by for…of with
// a pattern, through map and reduce, through helpers inlined or kept as calls, in TypeScript and
// untyped JavaScript; each gradient against central differences at several points, second order
// against differences of the gradient, and every way a row could carry a gradient refused.
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { inlineSmallCallees } from "../compiler/lower/index.js";
import { centralGradient } from "./helpers/finite-diff.js";
import { close, compile } from "./helpers/identity-programs.js";

type Data = number[][] | Float64Array[];
type Loss = (w: number[], xs: Data, ys: number[]) => number;
type Compiled = { f: Loss; g: (w: number[], xs: Data, ys: number[]) => number[]; h: (w: number[], xs: Data, ys: number[]) => Float64Array[]; jv: (w: number[], xs: Data, ys: number[], u: number[]) => [number, number] };

/** Each program is a loss of weights w, rows xs and labels ys, written the ways people write it. */
const PROGRAMS: Record<string, string> = {
  indexed: `function f(w, xs, ys) {
    let loss = 0;
    for (let k = 0; k < xs.length; k++) {
      let z = 0;
      for (let j = 0; j < w.length; j++) z += w[j] * xs[k][j];
      loss += Math.log(1 + Math.exp(-ys[k] * z));
    }
    return loss / xs.length;
  }`,
  rowVariable: `function f(w, xs, ys) {
    let s = 0;
    for (let k = 0; k < xs.length; k++) {
      const row = xs[k];
      let z = w[0];
      for (let j = 0; j < row.length; j++) z += w[j + 1] * row[j];
      s += (Math.tanh(z) - ys[k]) ** 2;
    }
    return s;
  }`,
  pattern: `function f([a, b, c], points, ys) {
    let s = 0;
    let k = 0;
    for (const [x, y] of points) {
      const r = a * x + b * y + c * x * y - ys[k++];
      s += r * r;
    }
    return s;
  }`,
  mapReduce: `function dot(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
  function f(w, xs, ys) {
    const preds = xs.map((row) => Math.sin(dot(row, w)));
    return preds.reduce((acc, p, i) => acc + (p - ys[i]) ** 2, 0);
  }`,
  helpers: `function dot(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
  function sigmoid(z) { return 1 / (1 + Math.exp(-z)); }
  function predict(w, x) { return sigmoid(dot(w, x)); }
  function bce(p, y) { return -(y * Math.log(p) + (1 - y) * Math.log(1 - p)); }
  function f(w, X, y) { let s = 0; for (let i = 0; i < X.length; i++) s += bce(predict(w, X[i]), y[i]); return s / X.length; }`,
  forEachDestructured: `function f(w, xs, ys) {
    let s = 0;
    xs.forEach(([u, v], k) => { s += (w[0] * u * u + w[1] * Math.exp(w[2] * v) - ys[k]) ** 2; });
    return s;
  }`,
  copies: `function f(w, X, ys) {
    const n = X[0].length;
    let s = 0;
    X.forEach((row, i) => {
      const scaled = row.map((v, j) => v * w[j % n]);
      s += (scaled.reduce((a, b) => a + b, 0) - ys[i]) ** 2 + Math.max(...row) * Math.sin(w[0]) + row.slice().length * w[1];
    });
    return s;
  }`,
  // X[k].slice() crashed the gradient (the copy had no adjoint); a helper taking a row by row.reduce(…) was not seen to take one.
  elementCopies: `function predict(w, row) { return row.reduce((s, v, j) => s + v * w[j], 0); }
  function f(w, X, ys) {
    let s = 0;
    for (let k = 0; k < X.length; k++) {
      const r = X[k].slice();
      r[0] = w[0] * w[1];
      s += (r[0] * r[1] + r[2] * w[2] - ys[k]) ** 2 + Math.sin(predict(w, X[k]));
    }
    const t = X[0].slice(1);
    t[0] = w[2] * t[0];
    return s + t[0] * t[1];
  }`,
};

const SIZES: Record<string, number> = { indexed: 3, rowVariable: 3, pattern: 3, mapReduce: 3, helpers: 3, forEachDestructured: 3, copies: 3, elementCopies: 3 };
const XS = [
  [0.5, -1, 2],
  [1.5, 0.25, -0.5],
  [-0.75, 0.8, 0.1],
  [0.3, 0.3, 1.2],
];
const YS = [1, -1, 0.5, 0.25];
const POINTS = [
  [0.2, -0.1, 0.3],
  [-0.6, 0.45, 0.15],
  [1.1, 0.05, -0.4],
];

const sources = (name: string) => `${PROGRAMS[name]}\nexport { f };\nexport const g = grad(f);\nexport const h = hessian(f);\nexport const jv = jvp(f);\n`;

const differenced = centralGradient;

const rowsOf = (typed: boolean, width: number): Data => XS.map((row) => (typed ? Float64Array.from(row.slice(0, width)) : row.slice(0, width)));

describe("arrays of arrays read as data", () => {
  for (const name of Object.keys(PROGRAMS)) {
    for (const typed of [false, true]) {
      it(`${name} with ${typed ? "Float64Array rows" : "number[] rows"}: gradient, Hessian and jvp against differences`, async () => {
        const m = await compile<Compiled>(sources(name), `rows-${name}.js`);
        const width = name === "rowVariable" ? 2 : name === "forEachDestructured" ? 2 : 3;
        const xs = rowsOf(typed, width);
        const before = JSON.stringify(xs.map((r) => Array.from(r)));
        for (const point of POINTS) {
          const w = point.slice(0, SIZES[name]);
          const loss = (v: number[]) => m.f(v, xs, YS);
          close(m.g(w, xs, YS), differenced(loss, w), 1e-6);
          const rows = m.h(w, xs, YS);
          rows.forEach((row, j) => close(row, differenced((v) => m.g(v, xs, YS)[j], w), 1e-5));
          const u = w.map((_, j) => 0.5 - j * 0.3);
          const [value, tangent] = m.jv(w, xs, YS, u);
          expect(value).toBeCloseTo(loss(w), 12);
          const grad = m.g(w, xs, YS);
          expect(tangent).toBeCloseTo(grad.reduce((acc, gj, j) => acc + gj * u[j], 0), 10);
        }
        expect(JSON.stringify(xs.map((r) => Array.from(r)))).toBe(before);
      });
    }
  }

  it("gives the same gradients with small helpers kept as calls", async () => {
    const was = inlineSmallCallees(false);
    try {
      for (const name of ["mapReduce", "helpers"]) {
        const m = await compile<Compiled>(sources(name), `rows-calls-${name}.js`);
        const xs = rowsOf(false, 3);
        for (const w of POINTS) close(m.g(w, xs, YS), differenced((v) => m.f(v, xs, YS), w), 1e-6);
      }
    } finally {
      inlineSmallCallees(was);
    }
  });

  it("reads rows of a module-level table and of rows of rows", async () => {
    const m = await compile<{ g: (w: number) => number; g3: (x: number, t: number[][][]) => number }>(
      `const DATA = [[1, 2], [3, 4], [-0.5, 1.5]];
      function fit(w) { let s = 0; for (let i = 0; i < DATA.length; i++) s += (w * DATA[i][0] - DATA[i][1]) ** 2; return s; }
      function cube(x, T) { let s = 0; for (const plane of T) for (const row of plane) for (const v of row) s += v * Math.sin(x * v); return s; }
      export const g = grad(fit);
      export const g3 = grad(cube);`,
      "rows-table.js",
    );
    for (const w of [0.5, -1.25, 2]) expect(m.g(w)).toBeCloseTo(2 * ((w - 2) * 1 + (3 * w - 4) * 3 + (-0.5 * w - 1.5) * -0.5), 10);
    const T = [[[1, 2], [3]], [[-0.5]]];
    for (const x of [0.3, -1.1]) expect(m.g3(x, T)).toBeCloseTo(T.flat(2).reduce((acc, v) => acc + v * v * Math.cos(x * v), 0), 10);
  });

  it("reads the row X.find(…) found, or none (it was refused as an array on one path and a number on another)", async () => {
    const m = await compile<{ g: (w: number[], X: number[][]) => number[] }>(
      `function f(w, X) { const r = X.find((row) => row[0] > w[0]); return r ? r[1] * w[0] * w[0] + r[0] * w[1] : w[1] * w[1]; }
      export const g = grad(f);`,
      "rows-find.js",
    );
    close(m.g([0.5, 2], [[0, 2], [3, 4]]), [4, 3]);
    close(m.g([5, 2], [[1, 2], [3, 4]]), [0, 4]);
  });

  const refusals: [string, string, RegExp][] = [
    ["by the rows", "function f(W, x) { let s = 0; for (let i = 0; i < W.length; i++) s += W[i][0] * x; return s; }\nexport const g = grad(f);", /a row of 'W', an array of arrays that carries a gradient/],
    ["by the rows, taken apart", "function f(x, W) { let s = 0; for (const [a, b] of W) s += a * x + b; return s; }\nexport const g = grad(f, { wrt: [0, 1] });", /a row of 'W', an array of arrays that carries a gradient/],
    ["a row written", "function f(x, xs) { let s = 0; for (const row of xs) { row[0] = x; s += row[0] * x; } return s; }\nexport const g = grad(f);", /'row', a row of 'xs', written/],
    ["a row pushed to", "function f(x, xs) { const row = xs[0]; row.push(x); return row[0] * x; }\nexport const g = grad(f);", /a row of 'xs', written/],
    ["a differentiated array written while rows are read", "function f(w, xs) { w[0] = 2 * w[0]; let s = 0; for (const row of xs) s += row[0] * w[0]; return s; }\nexport const g = grad(f);", /writes into 'w', which one of the rows may be/],
    // Found by test/property-rows.test.ts: a method writing an element in place was not seen as a row written (a customGrad rule reading that row later read it reversed).
    ["an element reversed in place", "import { customGrad } from \"adjoint\";\nconst rowDot = customGrad((w, r) => w * r[0], ([w, r], value, dvalue) => [dvalue * r[0], undefined]);\nfunction f(w, X) { const s = rowDot(w, X[1]); X[1].reverse(); return s; }\nexport const g = grad(f);", /a row of 'X', written/],
    ["an element filled", "function f(x, X) { X[1].fill(x); return X[1][0] * x; }\nexport const g = grad(f);", /a row of 'X', written/],
    ["a row only written", "function f(x, X) { const row = X[0]; row[1] = 2; return x * x; }\nexport const g = grad(f);", /'row', a row of 'X', written/],
    ["a row given to a helper that writes it", "function zero(r) { r[0] = 0; return Math.exp(r[1]) + Math.log(2 + r[1]); }\nfunction f(w, X) { let s = 0; for (let i = 0; i < X.length; i++) s += zero(X[i]) * w; return s; }\nexport const g = grad(f);", /given to 'zero', which writes into it/],
    ["an element of an array declared of numbers taken apart", "function f(x: number, xs: number[]): number { let t = 0; for (const [a, b] of xs) t += a * b * x; return t; }\nexport const g = grad(f);", /'xs' is declared an array of numbers/],
  ];
  for (const [what, body, message] of refusals) {
    it(`refuses ${what}, located`, () => {
      const { diagnostics } = transform(`import { grad } from "adjoint";\n${body}\n`, { filename: "rows.ts" });
      expect(diagnostics.length).toBeGreaterThan(0);
      expect(diagnostics.map((d) => d.message).join("\n")).toMatch(message);
      for (const d of diagnostics) expect(d.line).toBeGreaterThan(1);
    });
  }
});
