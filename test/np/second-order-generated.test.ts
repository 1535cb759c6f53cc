// Forward mode over gradients adjoint generated (fixtures/ndarray-models/output.js), written out
// by hand as the compiler is to write them: each statement of the generated gradient as it is,
// followed by its tangent (`x_dot`), a rule's tangent taken before its vjp (the rules generated
// code calls overwrite an owned dout). The arguments are the generated code's own: shape
// stand-ins, `undefined` for what a rule does not read, `need`. H v is checked against central
// differences of the fixture's own gradient (1e-6 relative, h = 1e-5).
import * as np from "adjoint/np";
import * as adjointRuntime from "adjoint/runtime";
import { describe, expect, it } from "vitest";
import { randomArray, rng } from "./helpers.js";

const T = np.tangents;
const V = np.vjpTangents;
const H = np.helperTangents;
const R = adjointRuntime.np;
type A = np.NDArray;
type Dot = np.Tangent;

/** An adjoint and its tangent. */
type Pair = readonly [A | undefined, Dot];
const none: Pair = [undefined, undefined];
/** A rule's vjp as generated code calls it, and its tangent, taken first (the vjp may overwrite dout). */
function step(name: string, tangents: np.VjpInputTangents, dout: A, ...args: unknown[]): [np.Adjoint[], Dot[]] {
  const dots = V[name].jvp(tangents, dout, ...args);
  return [R[name].vjp(dout, ...args), dots];
}
/** `acc = adjointRuntime.accumulate(acc, x)` and its tangent. */
function accumulate([acc, accDot]: Pair, x: unknown, xDot: Dot): Pair {
  const sum = adjointRuntime.accumulate(acc, x as A);
  return [sum, H.accumulate([accDot, xDot], acc, x, sum) as Dot];
}
/** `adjointRuntime.orZerosLike(gradient, x)`'s tangent: the H v of input x. */
const orZerosLike = ([gradient, dot]: Pair, x: A): Dot => H.orZerosLike([dot], gradient, x, adjointRuntime.orZerosLike(gradient, x));

// function layer(w, b, x) { const h = np.tanh(np.add(np.matmul(w, x), b)); return np.sum(np.mul(h, h)); }
function layerHvp(w: A, b: A, x: A, w_dot: Dot, b_dot: Dot, x_dot: Dot): Dot[] {
  const t1 = np.matmul(w, x);
  const t1_dot = T.matmul.jvp([w_dot, x_dot], w, x, t1);
  const t1_shape = adjointRuntime.shapeOf(t1);
  const t2 = np.add(t1, b);
  const t2_dot = T.add.jvp([t1_dot, b_dot], t1, b, t2);
  const h = np.tanh(t2);
  const h_dot = T.tanh.jvp([t2_dot], t2, h);
  const t3 = np.mul(h, h);
  const t3_dot = T.mul.jvp([h_dot, h_dot], h, h, t3);
  const t3_shape = adjointRuntime.shapeOf(t3);
  const result = np.sum(t3);
  const result_dot = T.sum.jvp([t3_dot, undefined, undefined], t3, undefined, undefined, result);
  const dresult = adjointRuntime.seed(result, "layer") as unknown as A;
  const dresult_dot = H.seed([result_dot], result, "layer", dresult) as Dot;
  let dh = none, db = none, dw = none, dx = none;
  const [result_adjoints, result_adjoints_dot] = step("sum", { dout: dresult_dot, args: [t3_dot], out: result_dot }, dresult, t3_shape, undefined, undefined, undefined);
  const [t3_adjoints, t3_adjoints_dot] = step("mul", { dout: result_adjoints_dot[0], args: [h_dot, h_dot], out: t3_dot }, result_adjoints[0] as A, h, h, undefined);
  dh = accumulate(dh, t3_adjoints[0], t3_adjoints_dot[0]);
  dh = accumulate(dh, t3_adjoints[1], t3_adjoints_dot[1]);
  const [h_adjoints, h_adjoints_dot] = step("tanh", { dout: dh[1], args: [t2_dot], out: h_dot }, dh[0]!, undefined, h);
  const [t2_adjoints, t2_adjoints_dot] = step("add", { dout: h_adjoints_dot[0], args: [t1_dot, b_dot], out: t2_dot }, h_adjoints[0] as A, t1_shape, b, undefined);
  db = accumulate(db, t2_adjoints[1], t2_adjoints_dot[1]);
  const [t1_adjoints, t1_adjoints_dot] = step("matmul", { dout: t2_adjoints_dot[0], args: [w_dot, x_dot], out: t1_dot }, t2_adjoints[0] as A, w, x, undefined);
  dw = accumulate(dw, t1_adjoints[0], t1_adjoints_dot[0]);
  dx = accumulate(dx, t1_adjoints[1], t1_adjoints_dot[1]);
  return [orZerosLike(dw, w), orZerosLike(db, b), orZerosLike(dx, x)];
}

// function crossEntropy(logits, labels) {
//   const shifted = np.sub(logits, np.max(logits, 1, true).detach());
//   const logSumExp = np.log(np.sum(np.exp(shifted), 1, true));
//   return np.mean(np.sum(np.mul(labels, np.sub(logSumExp, shifted)), 1));
// }
function crossEntropyHvp(logits: A, labels: A, logits_dot: Dot): Dot {
  const t2 = np.max(logits, 1, true).detach();
  const t2_shape = adjointRuntime.shapeOf(t2);
  const shifted = np.sub(logits, t2);
  const shifted_dot = T.sub.jvp([logits_dot, undefined], logits, t2, shifted);
  const t3 = np.exp(shifted);
  const t3_dot = T.exp.jvp([shifted_dot], shifted, t3);
  const t3_shape = adjointRuntime.shapeOf(t3);
  const t4 = np.sum(t3, 1, true);
  const t4_dot = T.sum.jvp([t3_dot, undefined, undefined], t3, 1, true, t4);
  const logSumExp = np.log(t4);
  const logSumExp_dot = T.log.jvp([t4_dot], t4, logSumExp);
  const logSumExp_shape = adjointRuntime.shapeOf(logSumExp);
  const shifted_shape = adjointRuntime.shapeOf(shifted);
  const t5 = np.sub(logSumExp, shifted);
  const t5_dot = T.sub.jvp([logSumExp_dot, shifted_dot], logSumExp, shifted, t5);
  const t6 = np.mul(labels, t5);
  const t6_dot = T.mul.jvp([undefined, t5_dot], labels, t5, t6);
  const t6_shape = adjointRuntime.shapeOf(t6);
  const t7 = np.sum(t6, 1);
  const t7_dot = T.sum.jvp([t6_dot, undefined, undefined], t6, 1, undefined, t7);
  const t7_shape = adjointRuntime.shapeOf(t7);
  const result = np.mean(t7);
  const result_dot = T.mean.jvp([t7_dot, undefined, undefined], t7, undefined, undefined, result);
  const dresult = adjointRuntime.seed(result, "crossEntropy") as unknown as A;
  const dresult_dot = H.seed([result_dot], result, "crossEntropy", dresult) as Dot;
  let dlogSumExp = none, dshifted = none;
  const [result_adjoints, result_adjoints_dot] = step("mean", { dout: dresult_dot, args: [t7_dot], out: result_dot }, dresult, t7_shape, undefined, undefined, undefined);
  const [t7_adjoints, t7_adjoints_dot] = step("sum", { dout: result_adjoints_dot[0], args: [t6_dot], out: t7_dot }, result_adjoints[0] as A, t6_shape, 1, undefined, undefined);
  const [t6_adjoints, t6_adjoints_dot] = step("mul", { dout: t7_adjoints_dot[0], args: [undefined, t5_dot], out: t6_dot }, t7_adjoints[0] as A, labels, t5, undefined, [false, true]);
  const [t5_adjoints, t5_adjoints_dot] = step("sub", { dout: t6_adjoints_dot[1], args: [logSumExp_dot, shifted_dot], out: t5_dot }, t6_adjoints[1] as A, logSumExp_shape, shifted_shape, undefined);
  dlogSumExp = accumulate(dlogSumExp, t5_adjoints[0], t5_adjoints_dot[0]);
  dshifted = accumulate(dshifted, t5_adjoints[1], t5_adjoints_dot[1]);
  const [logSumExp_adjoints, logSumExp_adjoints_dot] = step("log", { dout: dlogSumExp[1], args: [t4_dot], out: logSumExp_dot }, dlogSumExp[0]!, t4, undefined);
  const [t4_adjoints, t4_adjoints_dot] = step("sum", { dout: logSumExp_adjoints_dot[0], args: [t3_dot], out: t4_dot }, logSumExp_adjoints[0] as A, t3_shape, 1, true, undefined);
  const [t3_adjoints, t3_adjoints_dot] = step("exp", { dout: t4_adjoints_dot[0], args: [shifted_dot], out: t3_dot }, t4_adjoints[0] as A, undefined, t3);
  dshifted = accumulate(dshifted, t3_adjoints[0], t3_adjoints_dot[0]);
  const [shifted_adjoints, shifted_adjoints_dot] = step("sub", { dout: dshifted[1], args: [logits_dot, undefined], out: shifted_dot }, dshifted[0]!, logits, t2_shape, undefined, [true, false]);
  return orZerosLike(accumulate(none, shifted_adjoints[0], shifted_adjoints_dot[0]), logits);
}

const next = rng(20261210);
type Grad = (...args: A[]) => A | A[];
// The fixture's generated gradients, checked against its input by test/fixtures.test.ts.
const fixture = "../../fixtures/ndarray-models/output.js";
const { checks } = (await import(fixture)) as { checks: { grad: Grad; points: A[][] }[] };
const gradOf = (i: number) => checks[i];

/** Central differences of `grad` (all of its results) at `point` along `v` (zero for the inputs past v's end). */
function differences(grad: Grad, point: A[], v: A[], h = 1e-5): A[] {
  const at = (s: number) => [grad(...point.map((x, j) => (j < v.length ? np.add(x, np.mul(s, v[j])) : x)))].flat();
  const [plus, minus] = [at(h), at(-h)];
  return plus.map((p, j) => np.div(np.sub(p, minus[j]), 2 * h));
}
const expectNear = (got: Dot, expected: A, where: string) => {
  const [g, e] = [(got as A).toArray(), expected.toArray()].map((x) => [x].flat(3) as number[]);
  e.forEach((f, k) => expect(Math.abs(g[k] - f), `${where}, element ${k}: ${g[k]} vs ${f}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(f))));
};

describe("forward mode over generated NDArray gradients, transcribed", () => {
  it("layer: sum(tanh(W x + b)^2), H v in w, b and x at once", () => {
    const { grad, points } = gradOf(0);
    const [w, b, x] = points[0];
    const v = [w, b, x].map((a) => randomArray(a.shape, next, -1, 1));
    const hv = layerHvp(w, b, x, v[0], v[1], v[2]);
    differences(grad, [w, b, x], v).forEach((fd, j) => expectNear(hv[j], fd, `input ${j}`));
  });

  it("crossEntropy: softmax cross-entropy, with a detached max, keepdims and broadcasting", () => {
    const { grad, points } = gradOf(3);
    const [logits, labels] = points[0];
    for (let trial = 0; trial < 3; trial++) {
      const v = randomArray(logits.shape, next, -1, 1);
      expectNear(crossEntropyHvp(logits, labels, v), differences(grad, [logits, labels], [v])[0], `trial ${trial}`);
    }
  });
});
