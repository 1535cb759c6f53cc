// Central finite differences, the numerical reference every gradient is checked against.

type ScalarFunction = (...args: number[]) => number;

/** (f(x + h e_i) - f(x - h e_i)) / 2h; error O(h²) plus rounding O(ε |f| / h). */
export function centralDifference(f: ScalarFunction, args: readonly number[], index: number, h = 1e-5): number {
  return (f(...shifted(args, index, h)) - f(...shifted(args, index, -h))) / (2 * h);
}

export interface SmoothnessOptions {
  /** The step of the reference difference (default 1e-5). */
  h?: number;
  /** How much wider the second step is (default 10). */
  widen?: number;
  /** Largest allowed |d(h) - d(widen h)| relative to 1 + |d(h)| (default 1e-4). */
  tolerance?: number;
}

/**
 * The central difference at h, or undefined where f is not smooth enough within
 * widen * h of the point for it to be a reference: a branch boundary, kink or jump
 * there makes the differences at h and at widen * h disagree, and a kink at the point
 * itself makes the forward and backward differences disagree.
 */
export function smoothCentralDifference(
  f: ScalarFunction,
  args: readonly number[],
  index: number,
  { h = 1e-5, widen = 10, tolerance = 1e-4 }: SmoothnessOptions = {},
): number | undefined {
  const fine = centralDifference(f, args, index, h);
  const coarse = centralDifference(f, args, index, h * widen);
  if (!Number.isFinite(fine) || !Number.isFinite(coarse)) return undefined;
  if (Math.abs(fine - coarse) > tolerance * (1 + Math.abs(fine))) return undefined;
  // Smooth f: forward and backward differences differ by about widen * h * |f''|.
  const step = h * widen;
  const at = f(...args);
  const forward = (f(...shifted(args, index, step)) - at) / step;
  const backward = (at - f(...shifted(args, index, -step))) / step;
  return Math.abs(forward - backward) <= 1e-2 * (1 + Math.abs(fine)) ? fine : undefined;
}

/** Each component of f's gradient at w by central differences. */
export function centralGradient(f: (w: number[]) => number, w: readonly number[], h = 1e-6): number[] {
  return w.map((_, j) => centralDifference((...v: number[]) => f(v), w, j, h));
}

function shifted(args: readonly number[], index: number, by: number): number[] {
  const moved = [...args];
  moved[index] += by;
  return moved;
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
  /** What is compared, for the message ("d/d arg 1 at (0.5, 2)"). */
  label?: string;
}

/** Throws unless |actual - expected| <= atol + rtol * |expected| (NaN only matches NaN). */
export function expectClose(actual: unknown, expected: number, { rtol = 1e-6, atol = 1e-6, label = "value" }: Tolerance = {}): void {
  if (typeof actual !== "number") {
    throw new Error(`${label}: got ${describe(actual)}, expected the number ${expected}`);
  }
  const diff = Math.abs(actual - expected);
  const ok = diff <= atol + rtol * Math.abs(expected) || (Number.isNaN(actual) && Number.isNaN(expected));
  if (!ok) {
    const relative = expected === 0 ? "" : `, relative ${(diff / Math.abs(expected)).toExponential(2)}`;
    throw new Error(`${label}: got ${actual}, expected ${expected} (|diff| ${diff}${relative} > ${atol} + ${rtol} * |expected|)`);
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array [${value.join(", ")}]`;
  return value === null ? "null" : `${typeof value} ${String(value)}`;
}
