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
  /** `jvp(f, { wrt })`: given the primals and one tangent per `wrt` parameter, `[value, J u]`. */
  jvp?: (...args: never[]) => unknown;
  wrt: number[];
  points: Arg[][];
  dvalue?: number | NumericArray;
}

type NumericArray = Float64Array | Float32Array | number[];
type Arg = number | NumericArray | NDArray | ArgRecord;
/** An object record argument (a pytree): its fields are numbers, arrays, NDArrays or records; the gradient has its keys. */
interface ArgRecord {
  [key: string]: Arg | boolean | undefined;
}

const isArray = (value: unknown): value is NumericArray => value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value);
const isRecord = (value: unknown): value is ArgRecord => typeof value === "object" && value !== null && !isArray(value) && !(value instanceof NDArray);
const cloneArg = (arg: Arg): Arg =>
  typeof arg === "number" || arg === undefined ? arg : arg instanceof NDArray ? arg.copy() : isRecord(arg) ? Object.fromEntries(Object.entries(arg).map(([k, x]) => [k, typeof x === "object" ? cloneArg(x) : x])) : arg.slice();
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

type Expected = number | number[] | { [key: string]: Expected };
type Place = { [key: string | number]: unknown };

/** Central differences with respect to the argument at `path` (an index, then record keys): a number, one per element, or a record of them. */
function finiteDifference(f: (...args: Arg[]) => number, point: Arg[], path: (string | number)[]): Expected {
  const read = (args: unknown): unknown => path.reduce((x, k) => (x as Place)[k], args);
  const arg = read(point);
  const last = path[path.length - 1];
  const parent = (args: Arg[]) => path.slice(0, -1).reduce<unknown>((x, k) => (x as Place)[k], args) as Place;
  if (typeof arg === "number") {
    const shifted = (delta: number) => {
      const args = cloneArgs(point);
      parent(args)[last] = arg + delta;
      return f(...args);
    };
    return (shifted(1e-5) - shifted(-1e-5)) / 2e-5;
  }
  if (isRecord(arg)) {
    const fields = Object.entries(arg).filter(([, x]) => typeof x === "number" || typeof x === "object");
    return Object.fromEntries(fields.map(([key]) => [key, finiteDifference(f, point, [...path, key])]));
  }
  if (arg instanceof NDArray) {
    return elements(arg).map((_, j) => {
      const shifted = (delta: number) => {
        const args = cloneArgs(point);
        const copy = read(args) as NDArray; // a contiguous copy: element j is data[j]
        copy.data[j] += delta;
        return f(...args);
      };
      return (shifted(1e-5) - shifted(-1e-5)) / 2e-5;
    });
  }
  const array = arg as NumericArray;
  const h = array instanceof Float32Array ? 1e-3 : 1e-5;
  return Array.from(array, (_, j) => {
    const shifted = (delta: number) => {
      const args = cloneArgs(point);
      (read(args) as NumericArray)[j] += delta;
      return f(...args);
    };
    return (shifted(h) - shifted(-h)) / (2 * h);
  });
}

/** A gradient against its expected value, of the input's kind (a record: key by key). */
function compare(g: unknown, want: Expected, input: unknown, label: string): void {
  if (typeof want === "number") {
    expectClose(g as number, want, { ...TOLERANCE, label });
    return;
  }
  if (isRecord(input)) {
    expect(isRecord(g), `${label}: a record gradient`).toBe(true);
    for (const [key, expected] of Object.entries(want as Record<string, Expected>)) compare((g as Place)[key], expected, input[key], `${label}.${key}`);
    return;
  }
  const list = want as number[];
  expect(Object.getPrototypeOf(g), `${label}: a gradient of the input's kind`).toBe(Object.getPrototypeOf(input));
  if (input instanceof NDArray) {
    expect((g as NDArray).shape, `${label}: shape`).toEqual(input.shape);
    elements(g as NDArray).forEach((value, j) => expectClose(value, list[j], { ...TOLERANCE, label: `${label}[${j}]` }));
    return;
  }
  expect((g as NumericArray).length, `${label}: length`).toBe((input as NumericArray).length);
  const tolerance = input instanceof Float32Array ? { rtol: 2e-2, atol: 2e-2 } : TOLERANCE;
  list.forEach((w, j) => expectClose((g as NumericArray)[j], w, { ...tolerance, label: `${label}[${j}]` }));
}

/** Arrays of an argument (in records too) as the primal leaves them. */
function expectSameInputs(arg: unknown, primal: unknown, label: string): void {
  if (arg instanceof NDArray) expect(elements(arg), label).toEqual(elements(primal as NDArray));
  else if (isArray(arg)) expect(Array.from(arg), label).toEqual(Array.from(primal as NumericArray));
  else if (isRecord(arg)) for (const key of Object.keys(arg)) expectSameInputs(arg[key], (primal as Place)[key], `${label}.${key}`);
}

/**
 * A jvp at a point: its tangent along u (a fixed tangent per wrt parameter) against central
 * differences of the primal along u, element by element; its value against the primal; the
 * tangents and inputs left as given.
 */
function verifyJvp(check: Check, point: Arg[]): void {
  let seed = 7;
  const next = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  type Tangent = number | NumericArray | NDArray;
  const u: Tangent[] = check.wrt.map((i) => {
    const arg = point[i];
    if (typeof arg === "number") return next();
    if (arg instanceof NDArray) return new NDArray(Float64Array.from(elements(arg), next), arg.shape);
    const t = (arg as NumericArray).slice();
    for (let j = 0; j < t.length; j++) t[j] = next();
    return t;
  });
  const values = (v: unknown): number[] => (typeof v === "number" ? [v] : v instanceof NDArray ? elements(v) : Array.from(v as NumericArray));
  const given = u.map(values);
  const along = (s: number) => {
    const args = cloneArgs(point);
    check.wrt.forEach((i, k) => {
      const [a, t] = [args[i], u[k]];
      if (typeof t === "number") args[i] = (a as number) + s * t;
      else if (t instanceof NDArray) args[i] = new NDArray(Float64Array.from(elements(a as NDArray), (x, j) => x + s * elements(t)[j]), t.shape);
      else (a as NumericArray).forEach((_, j) => ((a as NumericArray)[j] += s * t[j]));
    });
    return values((check.primal as (...a: Arg[]) => unknown)(...args));
  };
  const where = `at (${point.map((p) => (typeof p === "number" ? p : `[${values(p).join(", ")}]`)).join(", ")})`;
  const args = cloneArgs(point);
  const primalArgs = cloneArgs(point);
  const primal = (check.primal as (...a: Arg[]) => unknown)(...primalArgs);
  const [value, tangent] = (check.jvp as (...a: unknown[]) => [unknown, unknown])(...args, ...u);
  expect(values(value), `value ${where}`).toEqual(values(primal));
  args.forEach((arg, k) => expectSameInputs(arg, primalArgs[k], `argument ${k} after the jvp ${where}`));
  expect(u.map(values), `the tangents as given ${where}`).toEqual(given);
  const [plus, minus] = [along(1e-5), along(-1e-5)];
  const tangents = values(tangent);
  expect(tangents.length, `a tangent of the value's shape ${where}`).toBe(plus.length);
  tangents.forEach((t, j) => expectClose(t, (plus[j] - minus[j]) / 2e-5, { ...TOLERANCE, label: `tangent[${j}] ${where}` }));
}

function verify(check: Check, point: Arg[]): void {
  if (check.jvp) return verifyJvp(check, point);
  const dvalue = (check.dvalue as number | NumericArray | undefined) ?? 1;
  const f = scalarized(check, dvalue);
  const expected = check.wrt.map((i) => finiteDifference(f, point, [i]));
  const where = `at (${point.map((p) => (typeof p === "number" || p === undefined ? String(p) : p instanceof NDArray ? p.toString() : isRecord(p) ? JSON.stringify(p) : `[${Array.from(p).join(", ")}]`)).join(", ")})`;
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
  if (!call) throw new Error("a check needs grad, valueAndGrad, vjp or jvp");
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
  args.forEach((arg, k) => expectSameInputs(arg, primalArgs[k], `argument ${k} after the gradient ${where}`));
  // `wrt: i` gives the gradient itself, `wrt: [i]` a list of one.
  const single = check.wrt.length === 1;
  const wrapped = single && Array.isArray(actual) && (typeof point[check.wrt[0]] === "number" || isArray((actual as unknown[])[0]) || (actual as unknown[])[0] instanceof NDArray);
  const list = single && !wrapped ? [actual] : (actual as unknown[]);
  expect(list.length, `one gradient per wrt ${where}`).toBe(check.wrt.length);
  list.forEach((g, k) => compare(g, expected[k], point[check.wrt[k]], `d/d arg ${check.wrt[k]} ${where}`));
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
