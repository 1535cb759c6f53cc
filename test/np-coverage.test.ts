// Every adjoint/np operation with an adjoint rule, and every NDArray method mapped to one, is
// differentiable from compiled code: one small program per rule, checked against central
// differences of the same program.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import * as np from "../runtime/np/index.js";
import { expectClose } from "./helpers/finite-diff.js";

/** For each rule: an expression of `x` (a 2x3 array of values in (0.2, 0.8)) whose sum is differentiated. */
const uses: Record<string, string> = {
  neg: "np.neg(x)", abs: "np.abs(np.sub(x, 0.5))", sign: "np.mul(np.sign(x), x)", floor: "np.add(np.floor(x), x)",
  ceil: "np.add(np.ceil(x), x)", round: "np.add(np.round(x), x)", square: "np.square(x)", relu: "np.relu(np.sub(x, 0.5))",
  exp: "np.exp(x)", log: "np.log(x)", log1p: "np.log1p(x)", expm1: "np.expm1(x)", sqrt: "np.sqrt(x)", sin: "np.sin(x)",
  cos: "np.cos(x)", tan: "np.tan(x)", tanh: "np.tanh(x)", sinh: "np.sinh(x)", cosh: "np.cosh(x)", asin: "np.asin(x)",
  acos: "np.acos(x)", atan: "np.atan(x)", sigmoid: "np.sigmoid(x)", add: "np.add(x, np.mul(x, x))", sub: "np.sub(1, np.mul(x, x))",
  mul: "np.mul(x, np.exp(x))", div: "np.div(np.exp(x), np.add(x, 1))", pow: "np.pow(x, np.add(x, 1))",
  maximum: "np.maximum(x, np.sub(1, x))", minimum: "np.minimum(x, np.sub(1, x))", clip: "np.clip(np.mul(x, 2), 0.7, 1.3)",
  where: "np.where(np.greater(x, 0.5), np.square(x), np.neg(x))", copy: "np.copy(np.square(x))", astype: 'np.astype(np.square(x), "float64")',
  sum: "np.mul(np.sum(x, 1, true), x)", mean: "np.mul(np.mean(x, 0), x)", prod: "np.prod(x, 1)", max: "np.max(np.mul(x, x), 1)",
  min: "np.min(np.exp(x), 0)", reshape: "np.mul(np.reshape(x, [3, 2]), np.reshape(x, [3, 2]))", flatten: "np.square(np.flatten(x))",
  ravel: "np.square(np.ravel(x))", squeeze: "np.square(np.squeeze(np.reshape(x, [1, 6])))", expandDims: "np.square(np.expandDims(x, 0))",
  transpose: "np.matmul(x, np.transpose(x))", broadcastTo: "np.mul(np.broadcastTo(np.sum(x, 0), [4, 3]), 2)",
  concat: "np.square(np.concat([x, np.sin(x)], 1))", stack: "np.square(np.stack([x, np.cos(x)], 0))", getItem: "np.square(np.getItem(x, [1]))",
  matmul: "np.matmul(np.transpose(x), x)", dot: "np.dot(np.reshape(x, [6]), np.reshape(np.exp(x), [6]))",
  outer: "np.outer(np.reshape(x, [6]), np.reshape(x, [6]))", norm: "np.linalg.norm(x, null, 1)",
  item: "np.mul(np.sum(np.square(x)).item(), x)",
  matchShape: "np.mul(np.matchShape(np.sum(np.square(x), 0), x), x)", addAdjoints: "np.addAdjoints(np.square(x), np.sin(x))",
  orZeros: "np.orZeros(np.square(x), x)",
  sumBack: "np.mul(np.sumBack(np.sum(np.square(x), 1), x, 1), x)", meanBack: "np.mul(np.meanBack(np.mean(np.square(x), 0, true), x, 0, true), x)",
  reshapeLike: "np.square(np.reshapeLike(np.reshape(np.sin(x), [6]), x))", transposeBack: "np.matmul(x, np.transposeBack(np.sin(x)))",
  getItemBack: "np.square(np.getItemBack(np.getItem(x, [1]), x, [1]))", astypeLike: "np.square(np.astypeLike(np.sin(x), x))",
  matmulAdjointA: "np.matmulAdjointA(x, np.matmul(np.transpose(x), x), x)", matmulAdjointB: "np.matmulAdjointB(x, np.sin(x), np.matmul(np.transpose(x), x))",
  dotAdjointA: "np.dotAdjointA(x, np.matmul(np.transpose(x), x), x)", dotAdjointB: "np.dotAdjointB(x, np.sin(x), np.matmul(np.transpose(x), x))",
  outerAdjointA: "np.outerAdjointA(np.outer(np.reshape(x, [6]), np.reshape(x, [6])), np.reshape(np.sin(x), [6]), x)",
  outerAdjointB: "np.outerAdjointB(np.outer(np.reshape(x, [6]), np.reshape(x, [6])), np.sin(x), x)",
  normBack: "np.mul(np.normBack(np.sum(np.sin(x), 0, true), np.sub(x, 0.5), 1, 0, true, np.linalg.norm(np.sub(x, 0.5), 1, 0, true)), x)",
  normAlong: "np.mul(np.normAlong(np.sin(x), np.sub(x, 0.5), Infinity, 1, undefined, np.linalg.norm(np.sub(x, 0.5), Infinity, 1)), 2)",
  lanesLast: "np.square(np.lanesLast(np.reshape(x, [1, 2, 3]), [0, 2]))", lanesBack: "np.mul(np.lanesBack(np.sin(x), np.transpose(x), 0), np.transpose(x))",
  othersProduct: "np.mul(np.othersProduct(x), x)",
  softmax: "np.mul(np.softmax(np.mul(x, 3)), x)", logSoftmax: "np.mul(np.logSoftmax(np.mul(x, 3), 0), x)",
  logsumexp: "np.mul(np.logsumexp(np.mul(x, 3), 1, true), x)",
  log2: "np.log2(np.add(x, np.mul(x, x)))", log10: "np.log10(np.mul(x, 3))", softplus: "np.mul(np.softplus(np.mul(x, 4)), x)",
  arctan2: "np.arctan2(np.sub(x, 0.5), np.add(x, 0.2))",
  cumsum: "np.square(np.cumsum(x, 1))", cumsumBack: "np.square(np.cumsumBack(np.sin(x), x))",
  trace: "np.mul(np.trace(np.matmul(x, np.transpose(x))), x)", traceBack: "np.mul(np.traceBack(np.sum(x), np.eye(3)), np.matmul(np.transpose(x), x))",
  diag: "np.square(np.diag(np.diag(x, 1)))", diagBack: "np.square(np.diagBack(np.diag(x), x))",
  inv: "np.linalg.inv(np.add(np.matmul(x, np.transpose(x)), np.eye(2)))", det: "np.mul(np.linalg.det(np.matmul(x, np.transpose(x))), x)",
  solve: "np.linalg.solve(np.add(np.matmul(x, np.transpose(x)), np.eye(2)), x)",
  var: "np.mul(np.var(np.exp(x), 1, true, 1), x)", std: "np.std(np.square(x), 0)", centered: "np.square(np.centered(np.sin(x), 1))",
};

/** For each NDArray method with a rule: an expression of `x` using it. */
const methods: Record<string, string> = {
  T: "np.matmul(x, x.T)", transpose: "np.matmul(x, x.transpose(1, 0))", reshape: "np.square(x.reshape(3, 2))", flatten: "np.square(x.flatten())",
  ravel: "np.square(x.ravel())", squeeze: "np.square(x.reshape(1, 6).squeeze())", broadcastTo: "np.square(x.sum(0).broadcastTo([2, 3]))",
  get: 'np.square(x.get(0, ":"))', copy: "np.square(x.copy())", astype: 'np.square(x.astype("float64"))', sum: "np.mul(x.sum(1, true), x)",
  mean: "np.mul(x.mean(), x)", prod: "x.prod(0)", max: "np.exp(x).max(1)", min: "np.exp(x).min()", add: "x.add(np.square(x))",
  sub: "x.sub(np.square(x))", mul: "x.mul(np.sin(x))", div: "x.div(np.add(x, 1))", pow: "x.pow(3)", neg: "np.exp(x).neg()",
  abs: "x.sub(0.5).abs()", clip: "x.mul(2).clip(0.7, 1.3)", dot: "x.reshape(6).dot(np.exp(x).reshape(6))", matmul: "x.matmul(x.T)",
  item: "np.mul(np.sin(x).sum().item(), x)",
  var: "np.mul(np.exp(x).var(1, true, 1), x)", std: "np.sin(x).std(0)", cumsum: "np.square(x.cumsum(1))", trace: "np.mul(x.matmul(x.T).trace(), x)",
};

const dir = resolve(__dirname, "..", ".tmp", "np-coverage");
const x0 = np.array([[0.21, 0.34, 0.47], [0.58, 0.66, 0.79]]);

async function check(name: string, expression: string): Promise<void> {
  const source = `import { grad } from "adjoint";\nimport * as np from "adjoint/np";\nexport function f(x: np.NDArray): number {\n  return np.sum(${expression}).item();\n}\nexport const df = grad(f);\n`;
  const result = transform(source, { filename: `${name}.ts` });
  expect(result.diagnostics.map((d) => d.message)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, result.code);
  const { f, df } = (await import(pathToFileURL(file).href)) as { f: (x: np.NDArray) => number; df: (x: np.NDArray) => np.NDArray };
  const gradient = (df(x0.copy()).toArray() as number[][]).flat();
  gradient.forEach((g, j) => {
    const at = (delta: number) => {
      const x = x0.copy();
      x.data[j] += delta;
      return f(x);
    };
    expectClose(g, (at(1e-6) - at(-1e-6)) / 2e-6, { rtol: 1e-5, atol: 1e-6, label: `${name}: d/dx[${j}]` });
  });
}

describe("every adjoint/np rule from compiled code", () => {
  it("covers every rule and every method the runtime lists", () => {
    expect(Object.keys(uses).sort()).toEqual(Object.keys(np.adjoints).sort());
    expect(Object.keys(methods).sort()).toEqual(Object.keys(np.methodRules).sort());
  });
  it.each(Object.entries(uses))("np.%s", (name, expression) => check(`fn-${name}`, expression));
  it.each(Object.entries(methods))("x.%s", (name, expression) => check(`method-${name}`, expression));
});
