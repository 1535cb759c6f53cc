// Approximate equality, as NumPy's isclose/allclose: |a - b| <= atol + rtol * |b|,
// elementwise with broadcasting. Comparisons have no gradient.
import { elementwise } from "./elementwise.js";
import type { ArrayOrScalar, NDArray } from "./ndarray.js";

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  /** Whether NaN equals NaN. */
  equalNan?: boolean;
}

/** A bool array: where `a` and `b` agree to `atol + rtol * |b|` (NumPy's defaults 1e-8, 1e-5). */
export function isclose(a: ArrayOrScalar, b: ArrayOrScalar, { rtol = 1e-5, atol = 1e-8, equalNan = false }: CloseOptions = {}): NDArray {
  const close = (x: number, y: number) => (x === y || Math.abs(x - y) <= atol + rtol * Math.abs(y) || (equalNan && Number.isNaN(x) && Number.isNaN(y)) ? 1 : 0);
  return elementwise("isclose", close, [a, b], "bool");
}

/** Whether every element of `a` is close to `b`'s (see isclose). */
export function allclose(a: ArrayOrScalar, b: ArrayOrScalar, options?: CloseOptions): boolean {
  const flags = isclose(a, b, options);
  for (let i = 0; i < flags.size; i++) if (flags.data[flags.offset + i] === 0) return false;
  return true;
}
