// Jacobians from a compiled vjp (reverse mode, one pullback per output element), and the
// Hessian from a compiled Hessian-vector product (one per input element). What the compiler
// emits for `jacrev(f)` and `hessian(f)` of an array function calls these.
type Vjp = (...args: any[]) => [unknown, (dvalue: unknown) => unknown];

/** The rows d y_i / d x of `y = f(...args)` (for a number y, its gradient), x the argument at `wrt`. */
export function jacobianRows(vjp: Vjp, args: unknown[], pick: number | undefined): unknown {
  const [value, pullback] = vjp(...args);
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
