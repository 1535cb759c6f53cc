// linalg.inv, linalg.det and linalg.solve of square matrices (2-D; NumPy's stacks are not
// supported), by LU decomposition with partial pivoting in float64, results in the input's float
// type; and their rules. A singular matrix: inv and solve throw, as NumPy's LinAlgError; det
// is 0 and its adjoint, the cofactor matrix, is exact there too: by minors up to 6 x 6 (near a
// singular matrix det(A) A⁻ᵀ is noise), by det(A) A⁻ᵀ above (as JAX's, losing digits near singular).
import { allocate, type DType } from "./dtype.js";
import { add, copy, mul, neg, sub } from "./elementwise.js";
import { linalg as base, matmul, outer } from "./linalg.js";
import { NDArray, operand, type ArrayOrScalar } from "./ndarray.js";
import { sum } from "./reduce.js";
import type { CurvedTerm } from "./second-order-terms.js";
import { formatShape } from "./shape.js";
import { reshape, transpose } from "./shapeops.js";
import { fresh, rule, withJvp, type AdjointRule, type Tangent } from "./vjp.js";

function square(op: string, x: ArrayOrScalar): NDArray {
  const a = operand(op, x);
  if (a.ndim !== 2 || a.shape[0] !== a.shape[1]) throw new Error(`${op}: expected a square 2-D array, got shape ${formatShape(a.shape)}`);
  return a;
}

/** a's elements, row-major, as float64. */
function rowsOf(a: NDArray): Float64Array {
  const [m, n] = a.shape;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = a.data[a.offset + i * a.strides[0] + j * a.strides[1]];
  return out;
}

interface LU {
  lu: Float64Array;
  perm: Int32Array;
  sign: number;
  singular: boolean;
}
/** PA = LU in place on a copy of the n x n matrix `m` (row-major). */
function decompose(m: Float64Array, n: number): LU {
  const lu = m.slice();
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  let singular = false;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(lu[i * n + k]) > Math.abs(lu[p * n + k])) p = i;
    if (lu[p * n + k] === 0) {
      singular = true;
      continue;
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) [lu[k * n + j], lu[p * n + j]] = [lu[p * n + j], lu[k * n + j]];
      [perm[k], perm[p]] = [perm[p], perm[k]];
      sign = -sign;
    }
    for (let i = k + 1; i < n; i++) {
      const f = (lu[i * n + k] /= lu[k * n + k]);
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
    }
  }
  return { lu, perm, sign, singular };
}
const determinant = (m: Float64Array, n: number): number => {
  const { lu, sign, singular } = decompose(m, n);
  if (singular) return 0;
  let d = sign;
  for (let i = 0; i < n; i++) d *= lu[i * n + i];
  return d;
};

/** A⁻¹ B for the n x k matrix `b` (row-major); throws where A is singular. */
function solveRows(op: string, f: LU, n: number, b: Float64Array, k: number): Float64Array {
  if (f.singular) throw new Error(`${op}: singular matrix`);
  const { lu, perm } = f;
  const x = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[perm[i] * k + c];
      for (let j = 0; j < i; j++) s -= lu[i * n + j] * x[j * k + c];
      x[i * k + c] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i * k + c];
      for (let j = i + 1; j < n; j++) s -= lu[i * n + j] * x[j * k + c];
      x[i * k + c] = s / lu[i * n + i];
    }
  }
  return x;
}

/** float32 where every operand is, else float64. */
const typeOf = (...xs: NDArray[]): DType => (xs.every((x) => x.dtype === "float32") ? "float32" : "float64");
function result(values: Float64Array, shape: readonly number[], dtype: DType): NDArray {
  const out = new NDArray(allocate(dtype, values.length), shape);
  (out.data as Float64Array).set(values);
  return out;
}

/** The inverse of a square matrix; throws where it is singular. */
export function inv(x: ArrayOrScalar): NDArray {
  const a = square("inv", x);
  const n = a.shape[0];
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return result(solveRows("inv", decompose(rowsOf(a), n), n, eye, n), [n, n], typeOf(a));
}

/** The determinant of a square matrix, a 0-d array (0 for a singular one). */
export function det(x: ArrayOrScalar): NDArray {
  const a = square("det", x);
  return result(Float64Array.of(determinant(rowsOf(a), a.shape[0])), [], typeOf(a));
}

/** x with a x = b, for a square `a` and `b` of shape (n,) or (n, k); throws where a is singular. */
export function solve(a: ArrayOrScalar, b: ArrayOrScalar): NDArray {
  const A = square("solve", a);
  const B = operand("solve", b);
  const n = A.shape[0];
  if ((B.ndim !== 1 && B.ndim !== 2) || B.shape[0] !== n) throw new Error(`solve: b of shape ${formatShape(B.shape)} does not match a of shape ${formatShape(A.shape)}`);
  const k = B.ndim === 1 ? 1 : B.shape[1];
  return result(solveRows("solve", decompose(rowsOf(A), n), n, rowsOf(B.ndim === 1 ? reshape(B, [n, 1]) : B), k), B.shape, typeOf(A, B));
}

/** The (n-1) x (n-1) matrix m without row i and column j. */
function minorOf(m: Float64Array, n: number, i: number, j: number): Float64Array {
  const out = new Float64Array((n - 1) * (n - 1));
  let k = 0;
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (r !== i && c !== j) out[k++] = m[r * n + c];
  return out;
}
const cofactorSign = (i: number, j: number) => ((i + j) % 2 === 0 ? 1 : -1);

/** The cofactor matrix of the n x n matrix m, by minors (used where it is singular). */
function cofactorsByMinors(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = cofactorSign(i, j) * (n === 1 ? 1 : determinant(minorOf(m, n, i, j), n - 1));
  return out;
}

/** Up to this size cofactors are minors' determinants: det(a) a⁻ᵀ loses every digit near a singular a. */
const MINORS_UP_TO = 6;
const byMinors = (a: NDArray, d: number) => d === 0 || a.shape[0] <= MINORS_UP_TO;

/** The cofactor matrix of a: by minors where a is small or singular, else det(a) a⁻ᵀ. */
const cofactors = (a: NDArray, d: number): NDArray =>
  !byMinors(a, d) ? mul(transpose(inv(a)), d) : result(cofactorsByMinors(rowsOf(a), a.shape[0]), a.shape, typeOf(a));

/** The derivative of the cofactor matrix of m along dm, by minors: each cofactor is a minor's det. */
function cofactorTangentByMinors(a: NDArray, da: NDArray): NDArray {
  const n = a.shape[0];
  const [m, dm] = [rowsOf(a), rowsOf(da)];
  const out = new Float64Array(n * n);
  for (let i = 0; n > 1 && i < n; i++) {
    for (let j = 0; j < n; j++) {
      const [minor, dMinor] = [minorOf(m, n, i, j), minorOf(dm, n, i, j)];
      const c = cofactorsByMinors(minor, n - 1);
      out[i * n + j] = cofactorSign(i, j) * c.reduce((acc, v, k) => acc + v * dMinor[k], 0);
    }
  }
  return result(out, a.shape, typeOf(a, da));
}

/** -u xᵀ (an outer product for vectors): solve's adjoint of a, u = a⁻ᵀ g. */
const minusProduct = (u: NDArray, x: NDArray): NDArray => neg(x.ndim === 1 ? outer(u, x) : matmul(u, transpose(x)));
const T = (x: NDArray) => transpose(x);

export const rules: Record<string, AdjointRule> = {
  // d(A⁻¹) = -A⁻¹ dA A⁻¹, so A's adjoint is -A⁻ᵀ g A⁻ᵀ: from the output alone.
  inv: withJvp(rule(["x"], [0], (g, _x, out) => [fresh(neg(matmul(matmul(T(out), g), T(out))))], ["out"]),
    ([dx], _x, out) => (dx === undefined ? undefined : fresh(neg(matmul(matmul(out, dx as NDArray), out))))),
  // d det = sum(cofactors(A) dA).
  det: withJvp(rule(["x"], [0], (g, x, out) => [fresh(mul(cofactors(x, out.item()), g))], [0, "out"]),
    ([dx], x, out) => (dx === undefined ? undefined : fresh(sum(mul(cofactors(x, out.item()), dx as NDArray))))),
  // u = A⁻ᵀ g is b's adjoint, -u xᵀ A's; the tangent is A⁻¹ (db - dA x).
  solve: withJvp(rule(["a", "b"], [0, 1], (g, a, _b, out, need?: readonly boolean[]) => {
    const u = solve(T(a), g);
    return [need?.[0] === false ? undefined : fresh(minusProduct(u, out)), need?.[1] === false ? undefined : fresh(u)];
  }, [0, "out"]), ([da, db], a, _b, out) => {
    if (da === undefined && db === undefined) return undefined;
    const rhs = da === undefined ? (db as NDArray) : sub(db === undefined ? 0 : (db as NDArray), matmul(da as NDArray, out));
    return fresh(solve(a, rhs));
  }),
};

// Second order. inv: -(dOutᵀ g outᵀ + outᵀ g dOutᵀ). det: g (dOut A⁻ᵀ - det (A⁻¹ dA A⁻¹)ᵀ), by minors
// where the cofactors are. solve: u = A⁻ᵀ g moves by du = -A⁻ᵀ dAᵀ u; A's adjoint by -(du xᵀ + u dxᵀ).
const none = (n: number): Tangent[] => Array.from({ length: n }, () => undefined);
export const solveTerms: Readonly<Record<string, CurvedTerm>> = {
  inv: {
    reads: ["out"],
    term: (g, _t, _args, out, dOut) =>
      dOut === undefined ? none(1) : [fresh(neg(add(matmul(matmul(T(dOut as NDArray), g), T(out)), matmul(matmul(T(out), g), T(dOut as NDArray)))))],
  },
  det: {
    reads: [0, "out"],
    term(g, [dx], [x], out, dOut) {
      if (dx === undefined && dOut === undefined) return none(1);
      // By minors as the adjoint's cofactors (dOut agrees with dx): A⁻¹ may not exist.
      if (byMinors(x as NDArray, out.item())) return dx === undefined ? none(1) : [fresh(mul(cofactorTangentByMinors(x as NDArray, dx as NDArray), g))];
      const invT = T(inv(x as NDArray));
      const ofOut = dOut === undefined ? undefined : mul(invT, mul(g, dOut as NDArray));
      const ofX = dx === undefined ? undefined : mul(T(matmul(matmul(inv(x as NDArray), dx as NDArray), inv(x as NDArray))), mul(g, neg(out)));
      return [fresh(ofOut === undefined ? ofX! : ofX === undefined ? ofOut : add(ofOut, ofX))];
    },
  },
  solve: {
    reads: [0, "out"],
    term(g, [da], [a], out, dOut, need) {
      if (da === undefined && dOut === undefined) return none(2);
      const A = a as NDArray;
      const u = solve(T(A), g);
      const du = da === undefined ? undefined : neg(solve(T(A), matmul(T(da as NDArray), u)));
      const ofA = du === undefined ? undefined : minusProduct(du, out);
      const ofX = dOut === undefined ? undefined : minusProduct(u, dOut as NDArray);
      const dA = ofA === undefined ? ofX : ofX === undefined ? ofA : add(ofA, ofX);
      return [need?.[0] === false ? undefined : fresh(copy(dA!)), need?.[1] === false || du === undefined ? undefined : fresh(du)];
    },
  },
};

/** `np.linalg`: norm (linalg.ts) and these. */
export const linalg = { ...base, inv, det, solve };
