// Jacobians and Hessians from generated code, by loops the compiler cannot unroll (their
// counts are array lengths): `jacfwd(f)` runs the generated jvp over unit tangents, `jacrev(f)`
// f's vjp and its pullback once per output element, `hessian(f)` of an array function the
// generated Hessian-vector product once per input element (re-exported by generated.ts).
import type { NumericArray } from "./generated.js";

import { ndarrays } from "./ndarray-slot.js";

type Jvp = (...args: unknown[]) => [unknown, unknown];

const isNumbers = (x: unknown): x is NumericArray => Array.isArray(x) || x instanceof Float64Array || x instanceof Float32Array;
const zerosOf = (x: NumericArray): NumericArray => (Array.isArray(x) ? new Array<number>(x.length).fill(0) : new (x.constructor as new (n: number) => NumericArray)(x.length));
const isNDArray = (x: unknown): boolean => ndarrays?.isNDArray(x) ?? false;

/** How many elements a value has (a number: one). */
const sizeOf = (x: unknown): number => (isNumbers(x) ? x.length : isNDArray(x) ? ndarrays!.shapeOf(x).reduce((p, d) => p * d, 1) : 1);
/** A value's shape as a Jacobian's axes: none for a number. */
const axesOf = (x: unknown): number[] => (isNumbers(x) ? [x.length] : isNDArray(x) ? [...ndarrays!.shapeOf(x)] : []);
/** Its elements in row-major order. */
const valuesOf = (x: unknown): ArrayLike<number> => (isNumbers(x) ? x : isNDArray(x) ? ndarrays!.values(x) : [x as number]);

/** The unit direction along element k of x, of x's kind (a float NDArray for an NDArray). */
function unitLike(x: unknown, k: number): unknown {
  if (isNDArray(x)) return ndarrays!.unit(x, k);
  if (!isNumbers(x)) return 1;
  const t = zerosOf(x);
  t[k] = 1;
  return t;
}

/**
 * Jacobian entries d out_i / d in_j, given by `entry(i, j)`, as JAX lays them out: an NDArray of
 * shape [...out's shape, ...in's shape] where either is an NDArray; otherwise, for an array in,
 * of a number out an array of in's kind, of an array out one row of in's kind per out element.
 */
function assemble(out: unknown, input: unknown, entry: (i: number, j: number) => number): unknown {
  const [m, n] = [sizeOf(out), sizeOf(input)];
  if (isNDArray(out) || isNDArray(input)) {
    const values = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) values[i * n + j] = entry(i, j);
    return ndarrays!.fromValues(values, [...axesOf(out), ...axesOf(input)]);
  }
  const row = (i: number) => {
    const r = zerosOf(input as NumericArray);
    for (let j = 0; j < n; j++) r[j] = entry(i, j);
    return r;
  };
  return isNumbers(out) ? Array.from({ length: m }, (_, i) => row(i)) : row(0);
}

/**
 * The Jacobian with respect to each wrt input: of a number input, the tangent itself (a number,
 * an array or an NDArray of the output's shape); of an array or NDArray input, see `assemble`.
 * Each jvp gets fresh copies of the array arguments, so a function that writes into its inputs
 * sees them as given every time and the caller's are not written.
 */
export function jacfwdOf(jvp: Jvp, params: number, wrt: readonly number[], single: boolean) {
  return (...args: unknown[]) => {
    const primals = Array.from({ length: params }, (_, i) => args[i]);
    const zero = (x: unknown) => (isNumbers(x) ? zerosOf(x) : isNDArray(x) ? undefined : 0);
    const tangents = (at: number, element: number) => wrt.map((i, k) => (k === at ? unitLike(primals[i], element) : zero(primals[i])));
    const run = (at: number, element: number) => jvp(...primals.map(copyOf), ...tangents(at, element))[1];
    const jacobians = wrt.map((i, k) => {
      const x = primals[i];
      if (!isNumbers(x) && !isNDArray(x)) return run(k, 0);
      const raw = Array.from({ length: sizeOf(x) }, (_, j) => run(k, j));
      // The output's kind, from a column, or from a zero tangent where x has no element.
      const out = raw.length > 0 ? raw[0] : jvp(...primals.map(copyOf), ...tangents(-1, 0))[1];
      const columns = raw.map(valuesOf);
      return assemble(out, x, (row, j) => columns[j][row]);
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
    const first = vjp(...args.map(copyOf));
    const [n, m] = [sizeOf(x), sizeOf(first[0])];
    return n < m ? forward(...args) : jacobianRows(vjp, args, 0, first);
  };
}

/** The rows d y_i / d x of `y = f(...args)` (for a number y, its gradient), x the argument at `wrt`. */
export function jacobianRows(vjp: Vjp, args: unknown[], pick: number | undefined, first = vjp(...args)): unknown {
  const [value, pullback] = first;
  const gradient = (g: unknown) => (pick === undefined ? g : (g as unknown[])[pick]);
  if (typeof value === "number") return gradient(pullback(1));
  const rows: unknown[] = [];
  for (let i = 0; i < sizeOf(value); i++) {
    // A pullback that restores overwritten elements runs once: the vjp is run again for the next row.
    const [, again] = i === 0 ? [value, pullback] : vjp(...args.map(copyOf));
    rows.push(copyOf(gradient(again(unitLike(value, i)))));
  }
  return stacked(value, rows);
}

/** Rows d y_i / d x, one per element of y, laid out as `assemble` does where y or x is an NDArray. */
function stacked(value: unknown, rows: unknown[]): unknown {
  if (!isNDArray(value) && !rows.some(isNDArray)) return rows;
  const input = rows.length > 0 ? rows[0] : 0;
  const values = rows.map(valuesOf);
  return assemble(value, input, (i, j) => values[i][j]);
}

/**
 * The Jacobian by each of several arguments at once, from one vjp whose pullback gives a list
 * of their gradients (a record's fields): for a number y, that list; else, per argument, its
 * rows d y_i / d x, each pullback run once for all of them.
 */
export function jacobianFields(vjp: Vjp, args: unknown[], count: number): unknown[] {
  const [value, pullback] = vjp(...args.map(copyOf));
  if (typeof value === "number") return pullback(1) as unknown[];
  const lists: unknown[][] = [];
  for (let i = 0; i < sizeOf(value); i++) {
    const [, again] = i === 0 ? [value, pullback] : vjp(...args.map(copyOf));
    lists.push((again(unitLike(value, i)) as unknown[]).map(copyOf));
  }
  return Array.from({ length: count }, (_, k) => stacked(value, lists.map((list) => list[k])));
}

/** The rows H e_k of the Hessian, from a compiled `hvp(...args, v)`, x the argument at `wrt`. */
export function hessianRows(hvp: (...args: any[]) => unknown, args: unknown[], wrt: number): unknown {
  const x = args[wrt];
  const rows: unknown[] = [];
  for (let k = 0; k < sizeOf(x); k++) rows.push(hvp(...args.map(copyOf), isNDArray(x) ? unitLike(x, k) : unitLike(Float64Array.from(valuesOf(x)), k)));
  if (!isNDArray(x)) return rows;
  const values = rows.map(valuesOf);
  return assemble(x, x, (i, j) => values[i][j]);
}

/**
 * The Hessian with respect to a record's fields (the flat arguments `fields`), a block per pair:
 * `blocks[k][j]` holds d²f / d field_k d field_j laid out as a Jacobian of field k's gradient by
 * field j (`assemble`). `hvp` takes one tangent per field and returns H times them, a list.
 */
export function hessianBlocks(hvp: (...args: any[]) => unknown[], args: unknown[], fields: readonly number[]): unknown[][] {
  const xs = fields.map((f) => args[f]);
  const zeroLike = (x: unknown) => (isNDArray(x) ? ndarrays!.zerosLike(x) : isNumbers(x) ? zerosOf(x) : 0);
  // columns[j][e]: H along the unit tangent of element e of field j, one product per field.
  const columns = xs.map((x, j) =>
    Array.from({ length: sizeOf(x) }, (_, e) => hvp(...args.map(copyOf), ...xs.map((y, i) => (i === j ? unitLike(y, e) : zeroLike(y))))),
  );
  return xs.map((xk, k) => xs.map((xj, j) => block(xk, xj, columns[j].map((products) => valuesOf(products[k])))));
}

/** d grad_k / d x_j from the products along each element e of x_j (`columns[e]`, of x_k's size). */
function block(xk: unknown, xj: unknown, columns: ArrayLike<number>[]): unknown {
  if (!isNumbers(xj) && !isNDArray(xj)) {
    // By a number: the column itself, of x_k's kind.
    if (isNDArray(xk)) return ndarrays!.fromValues(Float64Array.from(columns[0]), axesOf(xk));
    if (!isNumbers(xk)) return columns[0][0];
    const column = zerosOf(xk);
    for (let r = 0; r < column.length; r++) column[r] = columns[0][r];
    return column;
  }
  return assemble(xk, xj, (r, e) => columns[e][r]);
}

function copyOf<T>(value: T): T {
  if (value instanceof Float64Array || value instanceof Float32Array) return value.slice() as T;
  return Array.isArray(value) ? (value.slice() as T) : value;
}
