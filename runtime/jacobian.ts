// Jacobians and Hessians from generated code, by loops the compiler cannot unroll (their
// counts are array lengths): `jacfwd(f)` runs the generated jvp over unit tangents, `jacrev(f)`
// f's vjp and its pullback once per output element, `hessian(f)` of an array function the
// generated Hessian-vector product once per input element (re-exported by generated.ts).
import type { NumericArray } from "./generated.js";

type Jvp = (...args: unknown[]) => [unknown, unknown];

const isNumbers = (x: unknown): x is NumericArray => Array.isArray(x) || x instanceof Float64Array || x instanceof Float32Array;
const zerosOf = (x: NumericArray): NumericArray => (Array.isArray(x) ? new Array<number>(x.length).fill(0) : new (x.constructor as new (n: number) => NumericArray)(x.length));

/**
 * The Jacobian with respect to each wrt input: of a number input, the tangent itself (a number,
 * or an array of the output's shape); of an array input of n elements, for a number output an
 * array of n derivatives (the input's kind), for an output of m elements m rows of n (row i:
 * the derivatives of output i). Each jvp gets fresh copies of the array arguments, so a
 * function that writes into its inputs sees them as given every time and the caller's are not written.
 */
export function jacfwdOf(jvp: Jvp, params: number, wrt: readonly number[], single: boolean) {
  return (...args: unknown[]) => {
    const primals = Array.from({ length: params }, (_, i) => args[i]);
    const tangents = (at: number, element: number) =>
      wrt.map((i, k) => {
        const x = primals[i];
        if (!isNumbers(x)) return k === at ? 1 : 0;
        const t = zerosOf(x);
        if (k === at) t[element] = 1;
        return t;
      });
    const run = (at: number, element: number) => jvp(...primals.map((x) => (isNumbers(x) ? x.slice() : x)), ...tangents(at, element))[1];
    const jacobians = wrt.map((i, k) => {
      const x = primals[i];
      if (!isNumbers(x)) return run(k, 0);
      const columns = Array.from({ length: x.length }, (_, j) => run(k, j));
      if (columns.length === 0 || !isNumbers(columns[0])) {
        const out = zerosOf(x);
        columns.forEach((c, j) => (out[j] = c as number));
        return out;
      }
      return Array.from({ length: (columns[0] as NumericArray).length }, (_, row) => {
        const out = zerosOf(x);
        columns.forEach((c, j) => (out[j] = (c as NumericArray)[row]));
        return out;
      });
    });
    return single ? jacobians[0] : jacobians;
  };
}

type Vjp = (...args: any[]) => [unknown, (dvalue: unknown) => unknown];

/**
 * `jacobian(f)`: forward mode where the input has fewer elements than the output (n jvps),
 * reverse mode otherwise (m pullbacks), as JAX's docs advise. The output's size is known only
 * once f has run: the vjp runs first, and is used if reverse mode is the pick.
 */
export function jacobianOf(jvp: Jvp, vjp: Vjp, params: number, wrt: number) {
  const forward = jacfwdOf(jvp, params, [wrt], true);
  return (...args: unknown[]) => {
    const x = args[wrt];
    const n = isNumbers(x) ? x.length : 1;
    const first = vjp(...args.map(copyOf));
    const m = typeof first[0] === "number" ? 1 : (first[0] as ArrayLike<number>).length;
    return n < m ? forward(...args) : jacobianRows(vjp, args, 0, first);
  };
}

/** The rows d y_i / d x of `y = f(...args)` (for a number y, its gradient), x the argument at `wrt`. */
export function jacobianRows(vjp: Vjp, args: unknown[], pick: number | undefined, first = vjp(...args)): unknown {
  const [value, pullback] = first;
  const gradient = (g: unknown) => (pick === undefined ? g : (g as unknown[])[pick]);
  if (typeof value === "number") return gradient(pullback(1));
  const y = value as ArrayLike<number>;
  const rows: unknown[] = [];
  for (let i = 0; i < y.length; i++) {
    const seed = new Float64Array(y.length);
    seed[i] = 1;
    // A pullback that restores overwritten elements runs once: the vjp is run again for the next row.
    const [, again] = i === 0 ? [value, pullback] : vjp(...args.map(copyOf));
    rows.push(copyOf(gradient(again(seed))));
  }
  return rows;
}

/** The rows H e_k of the Hessian, from a compiled `hvp(...args, v)`, x the argument at `wrt`. */
export function hessianRows(hvp: (...args: any[]) => unknown, args: unknown[], wrt: number): unknown[] {
  const x = args[wrt] as ArrayLike<number>;
  const rows: unknown[] = [];
  for (let k = 0; k < x.length; k++) {
    const v = new Float64Array(x.length);
    v[k] = 1;
    rows.push(hvp(...args.map(copyOf), v));
  }
  return rows;
}

function copyOf<T>(value: T): T {
  if (value instanceof Float64Array || value instanceof Float32Array) return value.slice() as T;
  return Array.isArray(value) ? (value.slice() as T) : value;
}
