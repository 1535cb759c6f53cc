// Hessian-vector products of small NDArray programs assembled by hand as forward mode over the
// reverse sweep: the primal with its tangents (`tangents`), then the reverse sweep as generated
// code runs it (the rules of `adjoint/runtime`'s table, which overwrite an owned dout, and its
// `accumulate`), each step followed by its tangent (`vjpTangents`, `helperTangents`), taken
// before the vjp overwrites dout. H v is checked against central differences of the gradient
// (1e-6 relative in float64, h = 1e-5; 2e-2 in float32, h = 1e-2) and for symmetry,
// <u, H v> = <v, H u> (1e-9 relative; 1e-3 in float32).
import * as np from "adjoint/np";
import * as adjointRuntime from "adjoint/runtime";
import { describe, expect, it } from "vitest";
import { randomArray, rng } from "./helpers.js";
import { opOf } from "./rule-cases.js";

interface Ref {
  ref: number;
}
/** One operation of a program: a rule's name and its arguments, a `Ref` naming an input or an earlier step's result. */
interface Step {
  name: string;
  args: unknown[];
}
const $ = (ref: number): Ref => ({ ref });
const isRef = (a: unknown): a is Ref => typeof a === "object" && a !== null && "ref" in a;
const resolve = (a: unknown, table: unknown[]): unknown => (isRef(a) ? table[a.ref] : Array.isArray(a) && a.some(isRef) ? a.map((e) => resolve(e, table)) : a);
const tangentOf = (a: unknown, table: np.Tangent[]): np.Tangent =>
  isRef(a) ? table[a.ref] : Array.isArray(a) && a.some(isRef) ? a.map((e) => tangentOf(e, table) as np.NDArray | undefined) : undefined;

/** The gradient of the program's (scalar) result with respect to its inputs, and its tangent along `v`: H v. */
function gradientAndHvp(steps: Step[], inputs: np.NDArray[], v: np.NDArray[]): { grads: np.NDArray[]; hv: np.NDArray[] } {
  const values: unknown[] = [...inputs];
  const dots: np.Tangent[] = [...v];
  const argsOf = (step: Step, table: unknown[]) => {
    const args = step.args.map((a) => resolve(a, table));
    return [...args, ...Array(np.adjoints[step.name].params.length - args.length).fill(undefined)];
  };
  for (const step of steps) {
    const args = argsOf(step, values);
    const out = opOf(step.name)(...args.slice(0, step.args.length));
    dots.push(np.tangents[step.name].jvp(step.args.map((a) => tangentOf(a, dots)), ...args, out));
    values.push(out);
  }
  const last = values.length - 1;
  const adjoints: unknown[] = [];
  const adjointDots: np.Tangent[] = [];
  adjoints[last] = adjointRuntime.seed(values[last], "program");
  adjointDots[last] = np.helperTangents.seed([], values[last], "program", adjoints[last]) as np.Tangent;
  const accumulate = (k: number, x: unknown, dx: np.Tangent) => {
    const before = adjoints[k];
    adjoints[k] = adjointRuntime.accumulate(before as np.NDArray, x as np.NDArray);
    adjointDots[k] = np.helperTangents.accumulate([adjointDots[k], dx], before, x, adjoints[k]) as np.Tangent;
  };
  for (let i = last; i >= inputs.length; i--) {
    const step = steps[i - inputs.length];
    if (adjoints[i] === undefined) continue;
    const args = argsOf(step, values);
    const tangents = { dout: adjointDots[i], args: step.args.map((a) => tangentOf(a, dots)), out: dots[i] };
    const dr = np.vjpTangents[step.name].jvp(tangents, adjoints[i] as np.NDArray, ...args, values[i]);
    const r = adjointRuntime.np[step.name].vjp(adjoints[i] as np.NDArray, ...args, values[i]);
    step.args.forEach((a, p) => {
      if (isRef(a)) accumulate(a.ref, r[p], dr[p]);
      else if (Array.isArray(a)) a.forEach((e, j) => isRef(e) && accumulate(e.ref, (r[p] as unknown[])[j], (dr[p] as np.Tangent[])[j]));
    });
  }
  const grads = inputs.map((x, j) => adjointRuntime.orZerosLike(adjoints[j] as np.NDArray, x) as np.NDArray);
  const hv = inputs.map((x, j) => np.helperTangents.orZerosLike([adjointDots[j]], adjoints[j], x, grads[j]) as np.NDArray);
  return { grads, hv };
}

const dotAll = (a: np.NDArray[], b: np.NDArray[]) => a.reduce((s, x, i) => s + np.sum(np.mul(np.astype(x, "float64"), np.astype(b[i], "float64"))).item(), 0);

interface Program {
  steps: Step[];
  inputs: () => np.NDArray[];
}

const next = rng(20261209);
const r = (shape: number[], lo = -1, hi = 1) => randomArray(shape, next, lo, hi);
const X = r([5, 4]);
const labels = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]]);
const y = np.array([1, -1, 1, 1, -1]);

const programs: Record<string, Program> = {
  // sum(tanh(W x)) in W and x
  "sum(tanh(W x))": { inputs: () => [r([3, 4]), r([4])], steps: [{ name: "matmul", args: [$(0), $(1)] }, { name: "tanh", args: [$(2)] }, { name: "sum", args: [$(3)] }] },
  // logistic regression: mean(log1p(exp(-y (X w))))
  "logistic loss": {
    inputs: () => [r([4])],
    steps: [
      { name: "matmul", args: [X, $(0)] }, { name: "mul", args: [np.neg(y), $(1)] }, { name: "exp", args: [$(2)] },
      { name: "log1p", args: [$(3)] }, { name: "mean", args: [$(4)] },
    ],
  },
  // softmax cross-entropy of X W: sum(labels (log(sum(exp(z), 1, keepdims)) - z)), broadcasting (5,1) - (5,3)
  "cross-entropy": {
    inputs: () => [r([4, 3])],
    steps: [
      { name: "matmul", args: [X, $(0)] }, { name: "exp", args: [$(1)] }, { name: "sum", args: [$(2), 1, true] }, { name: "log", args: [$(3)] },
      { name: "sub", args: [$(4), $(1)] }, { name: "mul", args: [labels, $(5)] }, { name: "sum", args: [$(6)] },
    ],
  },
  // sum(sigmoid(a / b) sqrt(norm(a, axis 1, keepdims) + prod(b))): broadcasting, keepdims, prod, norm
  "norm, prod, div, sqrt, sigmoid": {
    inputs: () => [r([2, 3]), r([3], 0.5, 1.5)],
    steps: [
      { name: "div", args: [$(0), $(1)] }, { name: "sigmoid", args: [$(2)] }, { name: "norm", args: [$(0), null, 1, true] },
      { name: "prod", args: [$(1), 0] }, { name: "add", args: [$(4), $(5)] }, { name: "sqrt", args: [$(6)] },
      { name: "mul", args: [$(3), $(7)] }, { name: "sum", args: [$(8)] },
    ],
  },
  // sum(square(a^T . concat([a, exp(a)])[1:3])): a transposed view, indexing, joining
  "views, concat, getItem": {
    inputs: () => [r([2, 3])],
    steps: [
      { name: "exp", args: [$(0)] }, { name: "concat", args: [[$(0), $(1)], 0] }, { name: "getItem", args: [$(2), ["1:3"]] },
      { name: "transpose", args: [$(0)] }, { name: "dot", args: [$(4), $(3)] }, { name: "square", args: [$(5)] }, { name: "sum", args: [$(6)] },
    ],
  },
  // sum(dot(x, x) * pow(y, x) * x * x): one array at both operands (dot, mul), pow in both operands
  "x.x, x*x, pow(y, x)": {
    inputs: () => [r([3]), r([3], 0.5, 2)],
    steps: [
      { name: "dot", args: [$(0), $(0)] }, { name: "pow", args: [$(1), $(0)] }, { name: "mul", args: [$(2), $(3)] },
      { name: "mul", args: [$(0), $(0)] }, { name: "mul", args: [$(4), $(5)] }, { name: "sum", args: [$(6)] },
    ],
  },
  // mean over a stack of sin and cos of x y^T, max-free: outer, stack, mean with an axis, sinh
  "outer, stack, mean": {
    inputs: () => [r([3]), r([2])],
    steps: [
      { name: "outer", args: [$(0), $(1)] }, { name: "sin", args: [$(2)] }, { name: "cos", args: [$(2)] },
      { name: "stack", args: [[$(3), $(4)], 0] }, { name: "mean", args: [$(5), [0, 2]] }, { name: "sinh", args: [$(6)] }, { name: "sum", args: [$(7)] },
    ],
  },
};

describe("Hessian-vector products, forward over the reverse sweep", () => {
  for (const [title, program] of Object.entries(programs)) {
    for (const dtype of ["float64", "float32"] as const) {
      it(`${title} (${dtype}): H v matches central differences of the gradient, and <u, H v> = <v, H u>`, () => {
        const cast = (x: np.NDArray) => (dtype === "float32" ? np.astype(x, "float32") : x);
        const inputs = program.inputs().map(cast);
        const [u, v] = [0, 1].map(() => inputs.map((x) => cast(r(x.shape as number[]))));
        const { hv } = gradientAndHvp(program.steps, inputs, v);
        const { hv: hu } = gradientAndHvp(program.steps, inputs, u);
        hv.forEach((t, j) => expect(t.shape, `H v's shape for input ${j}`).toEqual(inputs[j].shape));
        // Differences of the float64 gradient at x +- h v.
        const h = dtype === "float32" ? 1e-2 : 1e-5;
        const wide = inputs.map((x) => np.astype(x, "float64"));
        const moved = (s: number) => gradientAndHvp(program.steps, wide.map((x, j) => np.add(x, np.mul(s, np.astype(v[j], "float64")))), v).grads;
        const [plus, minus] = [moved(h), moved(-h)];
        const tol = dtype === "float32" ? 2e-2 : 1e-6;
        hv.forEach((t, j) => {
          const fd = np.div(np.sub(plus[j], minus[j]), 2 * h).toArray() as number[] | number[][];
          const got = np.astype(t, "float64").toArray() as number[] | number[][];
          [got].flat(2).forEach((g, k) => {
            const f = [fd].flat(2)[k] as number;
            expect(Math.abs((g as number) - f), `input ${j}, element ${k}: H v ${g}, differences ${f}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(f)));
          });
        });
        const [uHv, vHu] = [dotAll(u, hv), dotAll(v, hu)];
        expect(Math.abs(uHv - vHu), `<u, H v> = ${uHv}, <v, H u> = ${vHu}`).toBeLessThanOrEqual((dtype === "float32" ? 1e-3 : 1e-9) * Math.max(1, Math.abs(uHv)));
      });
    }
  }
});

describe("helper tangents", () => {
  it("cover every runtime function the generated NDArray gradients of fixtures/ call, but the stack and the rules", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const root = new URL("../../fixtures/", import.meta.url);
    const called = new Set<string>();
    for (const dir of readdirSync(root).filter((d) => d.startsWith("ndarray-"))) {
      const code = readFileSync(new URL(`${dir}/output.js`, root), "utf8");
      for (const [, name] of code.matchAll(/adjointRuntime\.(\w+)/g)) called.add(name);
    }
    // ValueStack holds values (a tangent goes on the stack beside its value); vjpWith is an entry point; np is the rule table;
    // fusion is what fused chains call, which only first-order gradients have (a gradient to be differentiated again is generated unfused).
    const structural = ["ValueStack", "vjpWith", "np", "fusion"];
    expect([...called].filter((name) => !structural.includes(name) && !(name in np.helperTangents)), "helpers without a tangent").toEqual([]);
  });

  it("accumulate: numbers stay numbers, a number added to an array broadcasts, an owned tangent takes the sum in place", () => {
    const { accumulate } = np.helperTangents;
    expect(accumulate([1, np.array([2, 3])], 1, np.array([0, 0]), 0)).toBe(6);
    expect((accumulate([undefined, 2], np.zeros([2]), 2, np.zeros([2])) as np.NDArray).toArray()).toEqual([2, 2]);
    const owned = np.vjpTangents.square.jvp({ dout: np.array([1, 1]) }, np.array([1, 1]), np.array([1, 2]), np.array([1, 4]))[0] as np.NDArray;
    const sum = accumulate([owned, np.array([1, 1])], np.zeros([2]), np.zeros([2]), np.zeros([2])) as np.NDArray;
    expect(sum).toBe(owned);
    expect(sum.toArray()).toEqual([3, 5]);
    expect(accumulate([undefined, undefined], 1, 2, 3)).toBeUndefined();
  });

  it("orZerosLike gives zeros where no gradient reached an input; head spreads a number; constants have no tangent", () => {
    const { orZerosLike, head, seed, shapeOf, sumToNumber } = np.helperTangents;
    const x = np.astype(np.array([1, 2]), "float32");
    const zeros = orZerosLike([undefined], undefined, x, x) as np.NDArray;
    expect([zeros.dtype, zeros.toArray()]).toEqual(["float32", [0, 0]]);
    expect(orZerosLike([undefined], undefined, 3, 0)).toBe(0);
    expect((head([undefined, 2], np.zeros([2, 2]), 1, undefined) as np.NDArray).toArray()).toEqual([[2, 2], [2, 2]]);
    expect([seed([], x, "f", undefined), shapeOf([undefined], x, undefined), sumToNumber([np.array([1, 2])], x, 3)]).toEqual([undefined, undefined, 3]);
  });
});
