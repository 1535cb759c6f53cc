// trace and diag of matrices (NumPy's, with an offset k from the main diagonal) and the
// adjoints they share: a diagonal written into zeros (`traceBack`, `diagBack`). Each pair is
// the other's vjp; all are linear.
import { allocate, type DType } from "./dtype.js";
import { NDArray, operand, type ArrayOrScalar } from "./ndarray.js";
import { formatShape } from "./shape.js";
import { fresh, rule, withJvp, type AdjointRule, type ArrayMeta } from "./vjp.js";

/** (row, column) of the i-th element of diagonal k. */
const at = (i: number, k: number): [number, number] => (k >= 0 ? [i, i + k] : [i - k, i]);
/** The length of diagonal k of an m x n matrix. */
const lengthOf = (m: number, n: number, k: number) => Math.max(0, k >= 0 ? Math.min(m, n - k) : Math.min(m + k, n));
const sumType = (x: NDArray): DType => (x.dtype === "bool" ? "int32" : x.dtype);

function matrix(op: string, x: ArrayOrScalar): NDArray {
  const a = operand(op, x);
  if (a.ndim !== 2) throw new Error(`${op}: expected a 2-D array, got shape ${formatShape(a.shape)}`);
  return a;
}
const element = (x: NDArray, r: number, c: number) => x.data[x.offset + r * x.strides[0] + c * x.strides[1]];

/** The sum of diagonal `offset` of a 2-D array, a 0-d array. */
export function trace(x: ArrayOrScalar, offset = 0): NDArray {
  const a = matrix("trace", x);
  let total = 0;
  for (let i = 0; i < lengthOf(a.shape[0], a.shape[1], offset); i++) total += element(a, ...at(i, offset));
  const out = new NDArray(allocate(sumType(a), 1), []);
  out.data[0] = total;
  return out;
}

/** A 1-D `v`: the square matrix with v on diagonal k; a 2-D `v`: its diagonal k, a new 1-D array. */
export function diag(v: ArrayOrScalar, k = 0): NDArray {
  const a = operand("diag", v);
  if (a.ndim === 1) {
    const n = a.shape[0] + Math.abs(k);
    const out = new NDArray(allocate(a.dtype, n * n), [n, n]);
    for (let i = 0; i < a.shape[0]; i++) {
      const [r, c] = at(i, k);
      out.data[r * n + c] = a.data[a.offset + i * a.strides[0]];
    }
    return out;
  }
  const m = matrix("diag", a);
  const len = lengthOf(m.shape[0], m.shape[1], k);
  const out = new NDArray(allocate(m.dtype, len), [len]);
  for (let i = 0; i < len; i++) out.data[i] = element(m, ...at(i, k));
  return out;
}

/** Zeros of `shape` with the elements of `g` (a number or a 1-D array) along diagonal k. */
function onDiagonal(g: NDArray, shape: readonly number[], k: number): NDArray {
  const [m, n] = shape;
  const out = new NDArray(allocate(g.dtype === "float32" ? "float32" : "float64", m * n), shape);
  const len = lengthOf(m, n, k);
  for (let i = 0; i < len; i++) {
    const [r, c] = at(i, k);
    out.data[r * n + c] = g.ndim === 0 ? g.data[g.offset] : g.data[g.offset + i * g.strides[0]];
  }
  return out;
}

/** trace's vjp: `g` along diagonal `offset` of zeros of x's shape. Its vjp is `trace(h, offset)`. */
export const traceBack = (g: NDArray, x: NDArray | ArrayMeta, offset = 0): NDArray => onDiagonal(g, x.shape, offset);
/** diag's vjp: for a 1-D x, diagonal k of g; for a 2-D x, g along diagonal k of zeros of x's shape. Its vjp is `diag(h, k)`. */
export const diagBack = (g: NDArray, x: NDArray | ArrayMeta, k = 0): NDArray => (x.ndim === 1 ? diag(g, k) : onDiagonal(g, x.shape, k));

const linear = (f: (t: NDArray, ...rest: any[]) => NDArray) => // eslint-disable-line @typescript-eslint/no-explicit-any
  ([t]: readonly unknown[], ...args: unknown[]) => (t === undefined ? undefined : fresh(f(t as NDArray, ...args.slice(1, -1))));

export const rules: Record<string, AdjointRule> = {
  trace: withJvp(rule(["x", "offset"], [0], (g, x, offset) => [fresh(traceBack(g, x, offset)), undefined], [0, 1], [0]), linear(trace)),
  traceBack: withJvp(rule(["g", "x", "offset"], [0], (h, _g, _x, offset) => [fresh(trace(h, offset)), undefined, undefined], [2]), linear(traceBack)),
  diag: withJvp(rule(["v", "k"], [0], (g, v, k) => [fresh(diagBack(g, v, k)), undefined], [0, 1], [0]), linear(diag)),
  diagBack: withJvp(rule(["g", "x", "k"], [0], (h, _g, _x, k) => [fresh(diag(h, k)), undefined, undefined], [2]), linear(diagBack)),
};
