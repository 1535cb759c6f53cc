// f and its derivatives evaluated where the user asks, beside central finite differences of
// f itself, so every derivative adjoint generated is checked against f by something that
// knows nothing of adjoint. A number input is swept over a range (a curve to plot); an
// array input is evaluated once, each element perturbed in turn.
import * as np from "adjoint/np";
import type { Comparison } from "./comparison.js";

type Fn = (...args: unknown[]) => unknown;

export interface Derivatives {
  f: Fn;
  /** The first derivative; `pair` when it returns [value, gradient] (valueAndGrad). */
  first?: { fn: Fn; pair: boolean };
  second?: Fn;
  /** The parameter differentiated. */
  wrt: number;
}


export interface ScalarRun {
  kind: "scalar";
  xs: number[];
  f: number[];
  first?: Comparison;
  second?: Comparison;
}

export interface ArrayRun {
  kind: "array";
  value: number;
  /** Elements of the input; the second derivative is size × size, row by row. */
  size: number;
  first?: Comparison;
  second?: Comparison;
}

/** Central-difference steps, relative to the point (as the fixtures' checks use for the first). */
const FIRST_STEP = 1e-5;
const SECOND_STEP = 1e-4;
/** Beyond this many elements the Hessian's 4·n² evaluations of f are skipped. */
const MAX_HESSIAN_DIFFERENCES = 24;

/** Evaluates over `points` values of x from `from` to `to`; `argsAt(x)` builds fresh arguments. */
export function evaluateScalar(d: Derivatives, argsAt: (x: number) => unknown[], from: number, to: number, points: number): ScalarRun {
  const xs = Array.from({ length: points }, (_, i) => (points === 1 ? from : from + ((to - from) * i) / (points - 1)));
  const run: ScalarRun = { kind: "scalar", xs, f: [] };
  if (d.first) run.first = { adjoint: [], finiteDifferences: [] };
  if (d.second) run.second = { adjoint: [], finiteDifferences: [] };
  for (const x of xs) {
    const at = argsAt(x)[d.wrt];
    if (typeof at !== "number") throw new Error(`argument ${d.wrt} is not a number at x = ${x}`);
    const along = (t: number) => objective(d.f(...withArgument(argsAt(x), d.wrt, t)));
    const center = along(at);
    run.f.push(center);
    if (d.first && run.first) {
      const h = FIRST_STEP * Math.max(1, Math.abs(at));
      run.first.adjoint.push(asNumber(firstDerivative(d.first, argsAt(x)), "the first derivative"));
      run.first.finiteDifferences.push((along(at + h) - along(at - h)) / (2 * h));
    }
    if (d.second && run.second) {
      const h = SECOND_STEP * Math.max(1, Math.abs(at));
      run.second.adjoint.push(asNumber(d.second(...argsAt(x)), "the second derivative"));
      run.second.finiteDifferences.push((along(at + h) - 2 * center + along(at - h)) / (h * h));
    }
  }
  return run;
}

/** Evaluates once at `args()`, the gradient (and Hessian) against differences element by element. */
export function evaluateArray(d: Derivatives, args: () => unknown[]): ArrayRun {
  const input = args()[d.wrt];
  const size = elements(input).length;
  const at = (...steps: [number, number][]) => {
    const given = args();
    let changed = given[d.wrt];
    for (const [index, delta] of steps) changed = perturbed(changed, index, delta);
    return objective(d.f(...withArgument(given, d.wrt, changed)));
  };
  const run: ArrayRun = { kind: "array", value: at(), size };
  const values = elements(input);
  const step = (scale: number, i: number) => scale * Math.max(1, Math.abs(values[i]));
  if (d.first) {
    const adjoint = flatten(firstDerivative(d.first, args()));
    if (adjoint.length !== size) throw new Error(`the gradient has ${adjoint.length} elements, the input ${size}`);
    const finiteDifferences = values.map((_, i) => {
      const h = step(FIRST_STEP, i);
      return (at([i, h]) - at([i, -h])) / (2 * h);
    });
    run.first = { adjoint, finiteDifferences };
  }
  if (d.second && size <= MAX_HESSIAN_DIFFERENCES) {
    const adjoint = flatten(d.second(...args()));
    if (adjoint.length !== size * size) throw new Error(`the Hessian has ${adjoint.length} elements, not ${size}×${size}`);
    const finiteDifferences: number[] = [];
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const [hi, hj] = [step(SECOND_STEP, i), step(SECOND_STEP, j)];
        finiteDifferences.push((at([i, hi], [j, hj]) - at([i, hi], [j, -hj]) - at([i, -hi], [j, hj]) + at([i, -hi], [j, -hj])) / (4 * hi * hj));
      }
    }
    run.second = { adjoint, finiteDifferences };
  }
  return run;
}

function firstDerivative(first: NonNullable<Derivatives["first"]>, args: unknown[]): unknown {
  const result = first.fn(...args);
  return first.pair ? (result as unknown[])[1] : result;
}

/** What is differentiated: a number as it is, an array's sum (a non-scalar result is seeded with ones). */
function objective(value: unknown): number {
  if (typeof value === "number") return value;
  return elements(value).reduce((sum, v) => sum + v, 0);
}

function asNumber(value: unknown, what: string): number {
  if (typeof value === "number") return value;
  if (value instanceof np.NDArray && value.size === 1) return value.item();
  throw new Error(`${what} is not a number: plot a function of one number, or give an array argument`);
}

function withArgument(args: unknown[], index: number, value: unknown): unknown[] {
  const copy = [...args];
  copy[index] = value;
  return copy;
}

/** The numbers of a value, row-major: a number, an NDArray, a typed array or number[], or an array of those (Hessian rows). */
export function flatten(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (value instanceof np.NDArray) return value.flatten().toArray() as number[];
  if (Array.isArray(value) && value.some((v) => typeof v !== "number")) return value.flatMap(flatten);
  return elements(value);
}

function elements(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (value instanceof np.NDArray) return value.flatten().toArray() as number[];
  if (value instanceof Float32Array) throw new Error("finite differences need float64: use Float64Array or number[]");
  if (value instanceof Float64Array || (Array.isArray(value) && value.every((v) => typeof v === "number"))) return Array.from(value as ArrayLike<number>);
  throw new Error("the argument differentiated must be a number, number[], Float64Array or NDArray");
}

/** A copy of `value` with element `index` moved by `delta`; the original is not touched. */
function perturbed(value: unknown, index: number, delta: number): unknown {
  if (typeof value === "number") return value + delta;
  if (value instanceof np.NDArray) {
    const flat = elements(value);
    flat[index] += delta;
    return np.array(flat).reshape(...value.shape);
  }
  const copy = value instanceof Float64Array ? new Float64Array(value) : [...(value as number[])];
  copy[index] += delta;
  return copy;
}
