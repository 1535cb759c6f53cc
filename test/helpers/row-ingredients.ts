// Ingredients over a data matrix X (R rows of M numbers, number[][] or Float64Array[]) for
// effect programs f(x, c, X) (test/property-rows.test.ts): rows read by index, held in a
// local, walked by for…of with patterns, given to helpers (inlined or kept as calls), to a
// customGrad function, mapped and reduced, copied; and what must be refused: a row written,
// a row given to a helper that writes it. Mixed with the effect ingredients on x.
import type { Ingredient, Parts, RowHelperName } from "./effect-parts.js";

export const ROWS = 4;
export const WIDTH = 3;

export const ROW_HELPERS: Record<RowHelperName, (p: Parts) => string> = {
  dotRow: ({ A, R, t }) =>
    `function dotRow(r${t(`: ${R}`)}, v${t(`: ${A}`)})${t(": number")} {
  let total = 0;
  for (let p = 0; p < r.length; p++) total += r[p] * v[p];
  return total;
}`,
  weighRow: ({ R, t }) =>
    `function weighRow(r${t(`: ${R}`)}, a${t(": number")})${t(": number")} {
  let total = 0;
  for (const v of r) total += Math.sin(v * a);
  return total;
}`,
  zeroRow: ({ R, t }) =>
    `function zeroRow(r${t(`: ${R}`)})${t(": number")} {
  const first = r[0];
  r[0] = 0;
  return first + Math.exp(r[1]);
}`,
  // A hand-written rule: the row is data, its adjoint none.
  rowDot: ({ A, R, t }) =>
    `const rowDot = customGrad(
  (v${t(`: ${A}`)}, r${t(`: ${R}`)})${t(": number")} => {
    let total = 0;
    for (let p = 0; p < r.length; p++) total += v[p] * r[p];
    return total;
  },
  ([v, r], value, dvalue) => {
    const dv = v.slice();
    for (let p = 0; p < v.length; p++) dv[p] = p < r.length ? dvalue * r[p] : 0;
    return [dv, undefined];
  },
);`,
};

const row = (i: number) => i % ROWS;
const col = (j: number) => j % WIDTH;

export const ROW_INGREDIENTS: Ingredient[] = [
  { id: "rows-indexed", categories: ["row-index", "loop"], code: ({ k, j }) => `for (let q = 0; q < X.length; q++) s += X[q][${col(j)}] * x[q % n] * ${k};` },
  { id: "rows-indexed-nested", categories: ["row-index", "loop"], code: ({ k }) => `for (let q = 0; q < X.length; q++) {
  for (let p = 0; p < X[q].length; p++) s += Math.sin(X[q][p] * c + x[p]) * ${k};
}` },
  { id: "rows-local", categories: ["row-local"], code: ({ k, i, j }) => `{
  const row = X[${row(i)}];
  s += row[0] * x[${j}] + row[row.length - 1] * c * ${k};
}` },
  { id: "rows-local-loop", categories: ["row-local", "loop"], code: ({ k }) => `for (let q = 0; q < X.length; q++) {
  const row = X[q];
  let z = 0;
  for (let p = 0; p < row.length; p++) z += row[p] * x[p];
  s += Math.tanh(z + c) * ${k};
}` },
  { id: "rows-for-of-pattern", categories: ["row-for-of", "destructuring"], code: ({ k }) => `for (const [u, v] of X) s += u * Math.sin(x[0] * v + c) * ${k};` },
  { id: "rows-for-of-nested", categories: ["row-for-of", "loop"], code: ({ k }) => `for (const row of X) {
  for (const v of row) s += v * x[1] * c * ${k};
}` },
  { id: "rows-helper", categories: ["row-helper"], helpers: ["dotRow"], code: ({ k, i }) => `s += dotRow(X[${row(i)}], x) * ${k};` },
  { id: "rows-helper-loop", categories: ["row-helper", "loop"], helpers: ["weighRow"], code: ({ k }) => `for (let q = 0; q < X.length; q++) s += weighRow(X[q], x[q] + c) * ${k};` },
  { id: "rows-helper-local", categories: ["row-helper", "row-local"], helpers: ["dotRow"], code: ({ k, i }) => `{
  const row = X[${row(i)}];
  s += dotRow(row, x) * row[0] * ${k};
}` },
  { id: "rows-map-reduce", categories: ["row-callback"], code: ({ k }) => `s += X.map((row) => row[0] * x[1] + row[1] * c).reduce((a, e) => a + e * e, 0) * ${k};` },
  { id: "rows-forEach-write", categories: ["row-callback", "local-write"], code: ({ k, j }) => `X.forEach((row, q) => {
  b[q % n] += row[${col(j)}] * c + x[q] * ${k};
});` },
  { id: "rows-reduce", categories: ["row-callback"], code: ({ k }) => `s += X.reduce((acc, row) => acc + Math.sin(row[2] * c) * x[2], 0) * ${k};` },
  { id: "rows-forEach-pattern", categories: ["row-callback", "destructuring"], code: ({ k }) => `X.forEach(([u, v, w], q) => {
  s += (x[q] * u + v * c - w) ** 2 * ${k};
});` },
  { id: "rows-copy", categories: ["row-copy", "local-write"], code: ({ k, i }) => `{
  const r = X[${row(i)}].slice();
  r[0] = x[0] * c;
  s += r[0] + r[1] * ${k};
}` },
  { id: "rows-spread-max", categories: ["row-copy"], code: ({ k, i, j }) => `s += Math.max(...X[${row(i)}]) * x[${j}] * ${k};` },
  { id: "rows-length", categories: ["row-index"], code: ({ k }) => `s += X.length * c + X[0].length * x[0] * ${k};` },
  { id: "rows-attached", categories: ["row-attached"], helpers: ["rowDot"], code: ({ k, i }) => `s += rowDot(x, X[${row(i)}]) * ${k};` },
  { id: "rows-attached-local", categories: ["row-attached", "row-local", "loop"], helpers: ["rowDot"], code: ({ k }) => `for (let q = 0; q < X.length; q++) {
  const row = X[q];
  s += Math.sin(rowDot(x, row) + c) * row[0] * ${k};
}` },
  { id: "rows-filter", categories: ["row-callback", "loop"], code: ({ k }) => `{
  const kept = X.filter((row) => row[0] > -0.5);
  for (const r of kept) s += r[1] * x[1] * c * ${k};
}` },
  { id: "rows-find", categories: ["row-callback", "branch"], code: ({ k }) => `{
  const found = X.find((row) => row[1] > 0.2);
  s += found ? found[0] * x[0] * ${k} + found.length * c : c * c;
}` },
  { id: "rows-array-from", categories: ["row-callback"], code: ({ k }) => `s += Array.from(X, (row) => row[0] * x[0] + row[2] * c).reduce((a, e) => a + e * e, 0) * ${k};` },
  { id: "rows-slice-at", categories: ["row-copy", "row-index"], code: ({ k, j }) => `{
  const tail = X.slice(1);
  s += tail[0][${col(j)}] * x[${j}] * ${k} + X.at(-1)[0] * c;
}` },
  { id: "rows-rest-pattern", categories: ["row-for-of", "destructuring"], code: ({ k }) => `{
  const [first, ...rest] = X;
  s += first[0] * x[0] * ${k};
  for (const [u, , w] of rest) s += u * w * x[2];
}` },
  { id: "rows-forEach-nested", categories: ["row-callback", "loop"], code: ({ k }) => `X.forEach((row) => row.forEach((v, p) => {
  s += v * x[p] * ${k};
}));` },
  { id: "rows-min-spread", categories: ["row-copy", "loop"], code: ({ k }) => `for (const row of X) s += (Math.max(...row) - Math.min(...row)) * x[3] * ${k};` },
  // Refused: a row written, directly or by a helper.
  { id: "rows-write", categories: ["row-write"], code: ({ i, j }) => `X[${row(i)}][${col(j)}] = c * x[0];` },
  { id: "rows-reverse", categories: ["row-write"], code: ({ i }) => `X[${row(i)}].reverse();` },
  { id: "rows-helper-writes", categories: ["row-write", "row-helper"], helpers: ["zeroRow"], code: ({ k, i }) => `s += zeroRow(X[${row(i)}]) * x[0] * ${k};` },
  // Arrays that carry a gradient held as rows of a local array of arrays: differentiated or refused, never read as data.
  { id: "rows-of-inputs", categories: ["row-of-inputs"], code: ({ i, j }) => `{
  const Y = [x, b];
  s += Y[0][${i}] * Y[1][${j}] * c + Y[0][${j}];
}` },
  { id: "rows-of-inputs-loop", categories: ["row-of-inputs", "loop"], code: ({ i, k }) => `for (const v of [x, b]) s += v[${i}] * c * ${k};` },
];
