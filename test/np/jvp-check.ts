// Checks a forward-mode rule (`tangents[name].jvp`) at one point: against central finite
// differences of the operation along the tangent, and against the reverse-mode rule of the
// same entry by the dot-product identity <v, J u> = <J^T v, u>; and that it keeps the
// runtime's conventions (shape and dtype of the output's tangent, no aliasing of a primal,
// views of the tangent exactly where the output is a view, inputs left as they were).
import * as np from "adjoint/np";
import { expect } from "vitest";
import { isOwned } from "../../runtime/np/vjp.js";
import { randomArray } from "./helpers.js";

type Value = np.NDArray | number | undefined | null | string | readonly unknown[];
export type Op = (...args: any[]) => np.NDArray | number; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One point: the arguments, which differentiable parameters get a tangent (default: all
 * that are arrays or numbers), and whether finite differences apply (not at a tie). */
export interface Case {
  args: unknown[];
  wrt?: number[];
  fd?: boolean;
  /** Tangents of a list parameter left out (zero), by index in the list. */
  zeroInList?: number[];
}

/** The elements of a tangent or adjoint, in float64 (a number is one element; a list, all of its entries'). */
function elements(x: unknown, like?: unknown): number[] {
  if (x === undefined) return typeof like === "number" ? [0] : Array.isArray(like) ? like.flatMap((l) => elements(undefined, l)) : new Array((like as np.NDArray).size).fill(0);
  if (typeof x === "number") return [x];
  if (Array.isArray(x)) return x.flatMap((e, i) => elements(e, (like as unknown[] | undefined)?.[i]));
  return Array.from(np.astype(x as np.NDArray, "float64").data);
}
const inner = (a: unknown, b: unknown, likeA?: unknown, likeB?: unknown): number => {
  const x = elements(a, likeA ?? b);
  const y = elements(b, likeB ?? a);
  expect(x.length).toBe(y.length);
  return x.reduce((s, v, i) => s + v * y[i], 0);
};

const isDifferentiable = (x: unknown) => typeof x === "number" || x instanceof np.NDArray || (Array.isArray(x) && x.every((e) => e instanceof np.NDArray));

/** A random tangent shaped like `x` (float32 for a float32 array). */
function tangentLike(x: unknown, next: () => number, zeroInList: number[] = []): unknown {
  if (typeof x === "number") return -1 + 2 * next();
  if (Array.isArray(x)) return x.map((e, i) => (zeroInList.includes(i) ? undefined : tangentLike(e, next)));
  const a = x as np.NDArray;
  const t = randomArray(a.shape, next, -1, 1);
  return a.dtype === "float32" ? np.astype(t, "float32") : t;
}

/** `x + s t` in float64 (a float32 operand is widened, so differences are not lost to rounding). */
function step(x: unknown, t: unknown, s: number): unknown {
  if (t === undefined) return widen(x);
  if (typeof x === "number") return x + s * (t as number);
  if (Array.isArray(x)) return x.map((e, i) => step(e, (t as unknown[])[i], s));
  return np.add(np.astype(x as np.NDArray, "float64"), np.mul(s, np.astype(t as np.NDArray, "float64")));
}
function widen(x: unknown): unknown {
  if (x instanceof np.NDArray && x.dtype === "float32") return np.astype(x, "float64");
  if (Array.isArray(x) && x.every((e) => e instanceof np.NDArray)) return x.map(widen);
  return x;
}

const snapshot = (x: unknown): unknown => (x instanceof np.NDArray ? x.toArray() : Array.isArray(x) ? x.map(snapshot) : x);
const buffers = (x: unknown): unknown[] => (x instanceof np.NDArray ? [x.data] : Array.isArray(x) ? x.flatMap(buffers) : []);

/** Checks `tangents[name].jvp` at one case; `tol` is relative (to max(1, |value|)). */
export function checkJvp(name: string, op: Op, c: Case, next: () => number, tol = 1e-6): void {
  const rule = np.tangents[name];
  expect(rule, `tangents.${name}`).toBeDefined();
  const args = [...c.args, ...Array(rule.params.length - c.args.length).fill(undefined)];
  const out = op(...c.args);
  const wrt = (c.wrt ?? rule.wrt).filter((i) => rule.wrt.includes(i) && isDifferentiable(args[i]));
  const u = args.map((a, i) => (wrt.includes(i) ? tangentLike(a, next, c.zeroInList) : undefined));
  // One array at two positions (`mul(x, x)`) has one tangent: only all of them move together.
  const shared = wrt.some((i) => wrt.some((j) => j < i && args[j] === args[i]));
  for (const i of wrt) u[i] = u[args.indexOf(args[i])];
  const v = typeof out === "number" ? -1 + 2 * next() : randomArray(out.shape, next, -1, 1);
  const float32 = [...args, ...u, out].some((a) => a instanceof np.NDArray && a.dtype === "float32");
  const before = { args: args.map(snapshot), u: u.map(snapshot) };

  // Each tangent alone, and all together: the one-term and the fused paths.
  const subsets = wrt.length > 1 && !shared ? [...wrt.map((i) => [i]), wrt] : [wrt];
  for (const subset of subsets) {
    const ts = u.map((t, i) => (subset.includes(i) ? t : undefined));
    const where = `${name}(${rule.params.join(", ")}) with tangents of ${subset.map((i) => rule.params[i]).join(", ")}`;
    const t = rule.jvp(ts as np.Tangent[], ...args, out);
    if (subset.length === 0) {
      expect(t, `${where}: no tangent, a zero tangent`).toBeUndefined();
      continue;
    }
    // Shape, type and storage.
    if (typeof out === "number") expect(typeof t === "number" || t === undefined, `${where}: a number's tangent is a number`).toBe(true);
    else if (t !== undefined) {
      const tt = t as np.NDArray;
      expect(tt.shape, `${where}: shape`).toEqual(out.shape);
      expect(tt.dtype, `${where}: dtype`).toBe(out.dtype === "float32" ? "float32" : "float64");
      const primal = args.flatMap(buffers);
      expect(primal.includes(tt.data), `${where}: the tangent shares a primal's storage`).toBe(false);
      const inputs = args.filter((a) => a instanceof np.NDArray) as np.NDArray[];
      const viewOf = inputs.findIndex((a) => a.data === out.data);
      if (viewOf >= 0) {
        const dx = ts[args.indexOf(inputs[viewOf])] as np.NDArray;
        expect(tt.data, `${where}: the output is a view, its tangent a view of the operand's`).toBe(dx.data);
        expect(isOwned(tt), `${where}: a view is not owned`).toBe(false);
      } else {
        expect(ts.flatMap(buffers).includes(tt.data), `${where}: a new output's tangent shares a tangent's storage`).toBe(false);
        expect(isOwned(tt), `${where}: a new tangent is fresh`).toBe(true);
      }
    }
    // Finite differences along the tangents: (f(x + h u) - f(x - h u)) / 2h, in float64.
    if (c.fd !== false) {
      const h = float32 ? 1e-3 : 1e-5; // a float32 output (astype) rounds to 6e-8
      const f = (s: number) => op(...args.slice(0, c.args.length).map((a, i) => step(a, ts[i], s)));
      const plus = f(h);
      const minus = f(-h);
      const fd = typeof plus === "number" ? [(plus - (minus as number)) / (2 * h)] : elements(np.div(np.sub(plus, minus as np.NDArray), 2 * h));
      const got = elements(t, out);
      expect(got.length, `${where}: size`).toBe(fd.length);
      const fdTol = float32 ? 2e-3 : tol;
      got.forEach((g, k) => {
        expect(Math.abs(g - fd[k]), `${where}, element ${k}: jvp ${g}, finite differences ${fd[k]}`).toBeLessThanOrEqual(fdTol * Math.max(1, Math.abs(fd[k])));
      });
    }
    // <v, J u> against <J^T v, u>, from the same entry's vjp.
    const grads = np.adjoints[name].vjp(v as np.NDArray, ...args, out);
    const left = inner(v, t, undefined, out);
    const right = subset.reduce((s, i) => s + inner(grads[i], ts[i], args[i], args[i]), 0);
    const scale = Math.max(1, Math.abs(left), Math.abs(right));
    expect(Math.abs(left - right), `${where}: <v, J u> = ${left}, <J^T v, u> = ${right}`).toBeLessThanOrEqual((float32 ? 1e-3 : 1e-9) * scale);
  }
  expect({ args: args.map(snapshot), u: u.map(snapshot) }, `${name}: inputs and tangents unchanged`).toEqual(before);
}
