// A rule's `reads` and `shapeOnly` are promises generated code relies on: it passes undefined
// for an array the rule does not read, and `shapeOf(x)` (no data) for one it reads only the
// shape of. Each declared rule must give the same adjoints either way.
import { describe, expect, it } from "vitest";
import * as np from "../../runtime/np/index.js";
import { shapeOf } from "../../runtime/generated.js";

np.random.seed(5);
const x = np.random.uniform(0.2, 0.9, [3, 4]);
const w = np.random.uniform(-1, 1, [4, 2]);
const row = np.random.uniform(-1, 1, [4]);
const col = np.random.uniform(-1, 1, [3, 1]);
const mask = np.greater(x, 0.5);
const UNARY = ["abs", "square", "relu", "log", "log1p", "sin", "cos", "sinh", "cosh", "asin", "acos", "atan"] as const;

/** Each rule with `reads`, with arguments to call its forward operation on. */
const cases: [string, unknown[], (...args: any[]) => np.NDArray][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
  ["tanh", [x], np.tanh],
  ["exp", [x], np.exp],
  ["expm1", [x], np.expm1],
  ["sqrt", [x], np.sqrt],
  ["tan", [x], np.tan],
  ["sigmoid", [x], np.sigmoid],
  ["add", [x, row], np.add],
  ["sub", [x, row], np.sub],
  ["mul", [x, row], np.mul],
  ["matmul", [x, w], np.matmul],
  ["sum", [x, 1, true], np.sum],
  ["reshape", [x, [4, 3]], np.reshape],
  ["broadcastTo", [row, [3, 4]], np.broadcastTo],
  ...UNARY.map((name): (typeof cases)[number] => [name, [x], np[name] as (x: np.NDArray) => np.NDArray]),
  ["neg", [x], np.neg],
  ["sign", [x], np.sign],
  ["floor", [x], np.floor],
  ["ceil", [x], np.ceil],
  ["round", [x], np.round],
  ["copy", [x], np.copy],
  ["astype", [x, "float32"], np.astype],
  ["div", [row, x], np.div],
  ["where", [mask, x, col], np.where],
  ["mean", [x, 0, false], np.mean],
  ["flatten", [x], np.flatten],
  ["ravel", [x], np.ravel],
  ["squeeze", [col, 1], np.squeeze],
  ["expandDims", [row, 0], np.expandDims],
  ["transpose", [x, [1, 0]], np.transpose],
  ["concat", [[x, col], 1], np.concat],
  ["stack", [[x, x], 0], np.stack],
  ["getItem", [x, [1, "1:3"]], np.getItem],
  ["softmax", [x, 0], np.softmax],
  ["logSoftmax", [x, -1], np.logSoftmax],
  ["logsumexp", [x, 1, true], np.logsumexp],
  ["matchShape", [x, row], np.matchShape as (x: np.NDArray, like: np.NDArray) => np.NDArray],
  ["addAdjoints", [x, row], np.addAdjoints as (a: np.NDArray, b: np.NDArray) => np.NDArray],
  ["orZeros", [x, x], np.orZeros as (x: np.NDArray, like: np.NDArray) => np.NDArray],
  ["sumBack", [np.sum(x, 1), x, 1, false], np.sumBack as (g: np.NDArray, x: np.NDArray) => np.NDArray],
  ["meanBack", [np.sum(x, 0, true), x, 0, true], np.meanBack as (g: np.NDArray, x: np.NDArray) => np.NDArray],
  ["reshapeLike", [np.ravel(x), x], np.reshapeLike],
  ["transposeBack", [w, [1, 0]], np.transposeBack],
  ["astypeLike", [x, np.astype(x, "float32")], np.astypeLike],
  ["getItemBack", [row, x, [1]], np.getItemBack],
  ["log2", [x], np.log2],
  ["log10", [x], np.log10],
  ["softplus", [x], np.softplus],
  ["arctan2", [x, row], np.arctan2],
  ["centered", [x, 1, 1], np.centered],
  ["var", [x, 0, true, 1], np.var],
  ["cumsum", [x, 1], np.cumsum],
  ["cumsumBack", [np.ravel(x), x, null], np.cumsumBack as (g: np.NDArray, x: np.NDArray) => np.NDArray],
  ["trace", [x, 1], np.trace],
  ["traceBack", [np.array(0.5), x, -1], np.traceBack as (g: np.NDArray, x: np.NDArray) => np.NDArray],
  ["diag", [x, 1], np.diag],
  ["diagBack", [np.diag(x, 1), x, 1], np.diagBack as (g: np.NDArray, x: np.NDArray) => np.NDArray],
  ["inv", [np.add(np.eye(4), np.mul(w.reshape(2, 4).get(0), 0.1))], np.linalg.inv],
  ["det", [np.add(np.eye(3), np.mul(x.get(":", "0:3"), 0.2))], np.linalg.det],
  ["solve", [np.add(np.eye(4), np.mul(np.outer(row, row), 0.1)), w], np.linalg.solve],
  ["lanesLast", [x, 1], np.lanesLast as (...a: unknown[]) => np.NDArray],
  ["lanesBack", [x, x, 1], np.lanesBack as (...a: unknown[]) => np.NDArray],
  ["othersProduct", [x], np.othersProduct],
  ["normBack", [np.sum(x, 0, true), x, 1, 0, true, np.linalg.norm(x, 1, 0, true)], np.normBack as (...a: unknown[]) => np.NDArray],
  ["normAlong", [x, x, Infinity, 1, false, np.linalg.norm(x, Infinity, 1)], np.normAlong as (...a: unknown[]) => np.NDArray],
];

const values = (g: unknown): unknown => (g instanceof np.NDArray ? g.toArray() : Array.isArray(g) ? g.map(values) : g);

describe("rules' reads", () => {
  it("every rule that declares reads is covered here", () => {
    const declared = Object.entries(np.adjoints).filter(([, rule]) => rule.reads !== undefined || rule.shapeOnly !== undefined).map(([name]) => name).sort();
    expect(declared).toEqual(cases.map(([name]) => name).sort());
  });

  it.each(cases)("%s gives the same adjoints without what it does not read", (name, args, forward) => {
    const rule = np.adjoints[name];
    const out = forward(...args);
    const dout = np.random.uniform(-1, 1, out.shape as number[]);
    const full = rule.vjp(dout.copy(), ...args, out);
    const reads = rule.reads ?? [...args.keys(), "out"];
    const given = args.map((arg, i) => (reads.includes(i) || !(arg instanceof np.NDArray) ? arg : undefined));
    const partial = rule.vjp(dout.copy(), ...given, reads.includes("out") ? out : undefined);
    expect(partial.map(values)).toEqual(full.map(values));
  });

  it.each(cases.filter(([name]) => np.adjoints[name].shapeOnly !== undefined))("%s gives the same adjoints given only the shapes it reads", (name, args, forward) => {
    const rule = np.adjoints[name];
    const out = forward(...args);
    const dout = np.random.uniform(-1, 1, out.shape as number[]);
    const full = rule.vjp(dout.copy(), ...args, out);
    const standIn = (arg: unknown): unknown => (Array.isArray(arg) && arg[0] instanceof np.NDArray ? arg.map(standIn) : arg instanceof np.NDArray ? shapeOf(arg) : arg);
    const given = args.map((arg, i) => (rule.shapeOnly!.includes(i) ? standIn(arg) : arg));
    const partial = rule.vjp(dout.copy(), ...given, out);
    expect(partial.map(values)).toEqual(full.map(values));
  });
});
