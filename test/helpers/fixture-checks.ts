// What a numeric fixture exports and how it is checked: every gradient in `checks` against
// central finite differences, values against the primal, inputs left as the primal leaves
// them, and `losses` (a training fixture) falling. Shared by the Babel and tspc runs.
import { expect } from "vitest";
import { centralDifference, expectClose } from "./finite-diff.js";
import { NDArray } from "../../runtime/np/index.js";

/** Relative tolerance of gradients against central differences (h = 1e-5). */
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

export interface Check {
  primal: (...args: never[]) => unknown;
  grad?: (...args: never[]) => unknown;
  valueAndGrad?: (...args: never[]) => unknown;
  vjp?: (...args: never[]) => unknown;
  wrt: number[];
  points: Arg[][];
  dvalue?: number | NumericArray;
}

type NumericArray = Float64Array | Float32Array | number[];
type Arg = number | NumericArray | NDArray;

const isArray = (value: unknown): value is NumericArray => value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value);
const cloneArg = (arg: Arg): Arg => (typeof arg === "number" ? arg : arg instanceof NDArray ? arg.copy() : arg.slice());
/** An NDArray's elements in row-major order, as a plain array. */
const elements = (x: NDArray): number[] => {
  const nested = x.toArray() as number | number[];
  return Array.isArray(nested) ? (nested.flat(Infinity as 1) as number[]) : [nested];
};
const cloneArgs = (args: Arg[]): Arg[] => args.map(cloneArg);

/** The primal as a number: an array result is contracted with the head gradient (ones by default). */
function scalarized(check: Check, dvalue: number | NumericArray): (...args: Arg[]) => number {
  return (...args) => {
    const value = (check.primal as (...a: Arg[]) => number | NumericArray | NDArray)(...cloneArgs(args));
    if (typeof value === "number") return value * (typeof dvalue === "number" ? dvalue : 1);
    const values = value instanceof NDArray ? elements(value) : Array.from(value);
    const heads = typeof dvalue === "number" ? null : dvalue instanceof NDArray ? elements(dvalue) : Array.from(dvalue);
    let total = 0;
    values.forEach((v, k) => (total += v * (heads ? heads[k] : dvalue as number)));
    return total;
  };
}

/** Central differences with respect to argument `index`: a number, or one per element of an array. */
function finiteDifference(f: (...args: Arg[]) => number, point: Arg[], index: number): number | number[] {
  const arg = point[index];
  if (typeof arg === "number") return centralDifference(f as (...args: number[]) => number, point as number[], index);
  if (arg instanceof NDArray) {
    return elements(arg).map((_, j) => {
      const shifted = (delta: number) => {
        const args = cloneArgs(point);
        const copy = args[index] as NDArray; // a contiguous copy: element j is data[j]
        copy.data[j] += delta;
        return f(...args);
      };
      return (shifted(1e-5) - shifted(-1e-5)) / 2e-5;
    });
  }
  const h = arg instanceof Float32Array ? 1e-3 : 1e-5;
  return Array.from(arg, (_, j) => {
    const shifted = (delta: number) => {
      const args = cloneArgs(point);
      (args[index] as NumericArray)[j] += delta;
      return f(...args);
    };
    return (shifted(h) - shifted(-h)) / (2 * h);
  });
}

function verify(check: Check, point: Arg[]): void {
  const dvalue = (check.dvalue as number | NumericArray | undefined) ?? 1;
  const f = scalarized(check, dvalue);
  const expected = check.wrt.map((i) => finiteDifference(f, point, i));
  const where = `at (${point.map((p) => (typeof p === "number" ? p : p instanceof NDArray ? p.toString() : `[${Array.from(p).join(", ")}]`)).join(", ")})`;
  const args = cloneArgs(point);
  const primalArgs = cloneArgs(point);
  const primalValue = (check.primal as (...a: Arg[]) => unknown)(...primalArgs);
  let actual: unknown;
  const checkValue = (value: unknown) => {
    if (typeof value === "number") expectClose(value, primalValue as number, { ...TOLERANCE, label: `value ${where}` });
    else if (value instanceof NDArray) expect(elements(value)).toEqual(elements(primalValue as NDArray));
    else expect(Array.from(value as NumericArray)).toEqual(Array.from(primalValue as NumericArray));
  };
  const call = check.grad ?? check.valueAndGrad ?? check.vjp;
  if (!call) throw new Error("a check needs grad, valueAndGrad or vjp");
  const result = (call as (...a: Arg[]) => unknown)(...args);
  if (check.grad) {
    actual = result;
  } else if (check.valueAndGrad) {
    const [value, gradient] = result as [unknown, unknown];
    checkValue(value);
    actual = gradient;
  } else {
    const [value, pullback] = result as [unknown, (d: unknown) => unknown];
    checkValue(value);
    actual = pullback(dvalue);
  }
  // Inputs come back as the primal leaves them.
  args.forEach((arg, k) => {
    if (arg instanceof NDArray) expect(elements(arg), `argument ${k} after the gradient ${where}`).toEqual(elements(primalArgs[k] as NDArray));
    if (isArray(arg)) expect(Array.from(arg), `argument ${k} after the gradient ${where}`).toEqual(Array.from(primalArgs[k] as NumericArray));
  });
  // `wrt: i` gives the gradient itself, `wrt: [i]` a list of one.
  const single = check.wrt.length === 1;
  const wrapped = single && Array.isArray(actual) && (typeof point[check.wrt[0]] === "number" || isArray((actual as unknown[])[0]) || (actual as unknown[])[0] instanceof NDArray);
  const list = single && !wrapped ? [actual] : (actual as unknown[]);
  expect(list.length, `one gradient per wrt ${where}`).toBe(check.wrt.length);
  list.forEach((g, k) => {
    const label = `d/d arg ${check.wrt[k]} ${where}`;
    const want = expected[k];
    if (typeof want === "number") {
      expectClose(g as number, want, { ...TOLERANCE, label });
      return;
    }
    const input = point[check.wrt[k]] as NumericArray | NDArray;
    expect(Object.getPrototypeOf(g), `${label}: a gradient of the input's kind`).toBe(Object.getPrototypeOf(input));
    if (input instanceof NDArray) {
      expect((g as NDArray).shape, `${label}: shape`).toEqual(input.shape);
      elements(g as NDArray).forEach((value, j) => expectClose(value, want[j], { ...TOLERANCE, label: `${label}[${j}]` }));
      return;
    }
    expect((g as NumericArray).length, `${label}: length`).toBe(input.length);
    const tolerance = input instanceof Float32Array ? { rtol: 2e-2, atol: 2e-2 } : TOLERANCE;
    want.forEach((w, j) => expectClose((g as NumericArray)[j], w, { ...tolerance, label: `${label}[${j}]` }));
  });
}

/** Checks a compiled fixture module: its `checks` at every point, and its `losses` falling. */
export function verifyFixture(module: { checks?: Check[]; losses?: number[] }): void {
  expect(module.checks, "a numeric fixture exports `checks`").toBeDefined();
  const losses = module.losses;
  if (losses) expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 2);
  for (const check of module.checks!) {
    expect(check.points.length).toBeGreaterThanOrEqual(1);
    for (const point of check.points) verify(check, point);
  }
}
