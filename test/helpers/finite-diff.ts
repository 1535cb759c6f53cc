// Central finite differences, the numerical reference every gradient is checked against.

/** (f(x + h e_i) - f(x - h e_i)) / 2h; error O(h²) plus rounding O(ε |f| / h). */
export function centralDifference(f: (...args: number[]) => number, args: number[], index: number, h = 1e-5): number {
  const plus = [...args];
  const minus = [...args];
  plus[index] += h;
  minus[index] -= h;
  return (f(...plus) - f(...minus)) / (2 * h);
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
  label?: string;
}

/** Throws unless |actual - expected| <= atol + rtol * |expected|. */
export function expectClose(actual: number, expected: number, { rtol = 1e-6, atol = 1e-6, label = "value" }: Tolerance = {}): void {
  const ok = Math.abs(actual - expected) <= atol + rtol * Math.abs(expected) || (Number.isNaN(actual) && Number.isNaN(expected));
  if (!ok) {
    throw new Error(`${label}: got ${actual}, expected ${expected} (|diff| ${Math.abs(actual - expected)} > ${atol} + ${rtol} * |expected|)`);
  }
}
