// A rule's `reads` is a promise generated code relies on: it passes undefined for an array
// the rule does not read. Each declared rule must give the same adjoints either way.
import { describe, expect, it } from "vitest";
import * as np from "../../runtime/np/index.js";

np.random.seed(5);
const x = np.random.uniform(0.2, 0.9, [3, 4]);
const w = np.random.uniform(-1, 1, [4, 2]);
const row = np.random.uniform(-1, 1, [4]);

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
];

const values = (g: unknown) => (g instanceof np.NDArray ? g.toArray() : g);

describe("rules' reads", () => {
  it("every rule that declares reads is covered here", () => {
    const declared = Object.entries(np.adjoints).filter(([, rule]) => rule.reads !== undefined).map(([name]) => name).sort();
    expect(declared).toEqual(cases.map(([name]) => name).sort());
  });

  it.each(cases)("%s gives the same adjoints without what it does not read", (name, args, forward) => {
    const rule = np.adjoints[name];
    const out = forward(...args);
    const dout = np.random.uniform(-1, 1, out.shape as number[]);
    const full = rule.vjp(dout.copy(), ...args, out);
    const given = args.map((arg, i) => (rule.reads!.includes(i) || !(arg instanceof np.NDArray) ? arg : undefined));
    const partial = rule.vjp(dout.copy(), ...given, rule.reads!.includes("out") ? out : undefined);
    expect(partial.map(values)).toEqual(full.map(values));
  });
});
