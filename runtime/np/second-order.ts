// Second-order rules: the tangent of each rule's vjp when its inputs move, so forward mode
// can run over a generated NDArray gradient (Hessian-vector products, forward over reverse).
// A vjp is linear in dout, so its tangent is the vjp of dout's tangent plus what the
// arguments moving add: nothing where the vjp reads them only for shapes, the vjp with one
// factor replaced by its tangent for products, an explicit term (second-order-terms.ts) for the rest.
import { add } from "./elementwise.js";
import { NDArray } from "./ndarray.js";
import { adjoints } from "./rules.js";
import { curvedTerms, type CurvedTerm } from "./second-order-terms.js";
import { sameShape } from "./shape.js";
import { addInto, fresh, isOwned, type AdjointRule, type Tangent } from "./vjp.js";

/** The tangents of a vjp call's inputs; `undefined` is zero. */
export interface VjpInputTangents {
  /** Of `dout`. */
  readonly dout?: Tangent;
  /** One per parameter, as for `jvp`; a rule reads only those its entry's `reads` lists. */
  readonly args?: readonly Tangent[];
  /** Of the forward output: the primal `jvp`'s result, read where `reads` has "out". */
  readonly out?: Tangent;
}

/** The tangent of `vjp(dout, ...args, out, need?)`'s result: one tangent per entry of that
 * result (a list for `concat`/`stack`, a number for a number operand, `undefined` for zero). */
export type VjpJvp = (tangents: VjpInputTangents, dout: NDArray | number, ...argsThenOut: any[]) => Tangent[]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** How a rule's vjp depends on its arguments: not at all but for their shapes (`linear`);
 * piecewise constantly, so its derivative is zero almost everywhere (`piecewise`); linearly in
 * each factor (`bilinear`); any other way (`curved`, an explicit term). */
export type SecondOrderKind = "linear" | "piecewise" | "bilinear" | "curved";

export interface SecondOrderRule {
  readonly kind: SecondOrderKind;
  /** The tangents `jvp` reads besides dout's: parameter positions and "out". */
  readonly reads: readonly (number | "out")[];
  readonly jvp: VjpJvp;
}

/** Whether `r`'s vjp reads every differentiable argument only for its shape, and not `out`:
 * then it is a linear map of dout alone, fixed by the shapes (`reads` and `shapeOnly`). */
export const readsOnlyShapes = (r: AdjointRule): boolean =>
  r.reads !== undefined && !r.reads.includes("out") && r.reads.every((i) => !r.wrt.includes(i as number) || (r.shapeOnly ?? []).includes(i as number));

/** Linear in dout whatever the metadata says: `item` reads x's shape alone but does not declare it (see rules.ts). */
const LINEAR = ["item"];
/** Piecewise constant in their arguments: masks and selections (`abs`, `relu`: the sign of x; ties of `max`). */
const PIECEWISE = ["abs", "relu", "maximum", "minimum", "clip", "max", "min"];
/** Linear in each of their first two operands (the products, and their adjoints: adjoint-ops-linalg.ts). */
const BILINEAR = ["mul", "matmul", "dot", "outer", ...["matmul", "dot", "outer"].flatMap((p) => [`${p}AdjointA`, `${p}AdjointB`])];

type Need = readonly boolean[] | undefined;
const needs = (need: Need, i: number) => need === undefined || need[i] !== false;

/** The same arrays where both the vjp merges both operands' adjoints at the first position
 * (`mul(x, x)`, `dot(x, x)` of vectors or 0-d arrays; see vjp.ts). */
const MERGES: Record<string, (a: unknown, b: unknown) => boolean> = {
  mul: (a, b) => a === b && a instanceof NDArray,
  dot: (a, b) => a === b && a instanceof NDArray && a.ndim <= 1,
};

/** A product's term: each adjoint is linear in the other factor, so its tangent is the same
 * adjoint with that factor replaced by its tangent: `vjp(g, a, db)[0]` and `vjp(g, da, b)[1]`. */
function bilinearTerm(name: string, r: AdjointRule): CurvedTerm {
  const merges = MERGES[name] ?? (() => false);
  return {
    reads: [0, 1],
    term(g, [da, db], [a, b, ...rest], out, _dOut, need) {
      const ofA = needs(need, 0) && db !== undefined ? r.vjp(g, a, db, ...rest, out, [true, false])[0] : undefined;
      const ofB = needs(need, 1) && da !== undefined ? r.vjp(g, da, b, ...rest, out, [false, true])[1] : undefined;
      if (needs(need, 0) && needs(need, 1) && merges(a, b)) return [plus(ofA, ofB, []), undefined];
      return [ofA, ofB];
    },
  };
}

/** `a + b` for tangents (`undefined` is zero), written into one of them when it is owned (see
 * vjp.ts) and shares no storage with `keep` (dout and its tangent: a vjp may pass dout through). */
function plus(a: Tangent, b: Tangent, keep: readonly unknown[]): Tangent {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (Array.isArray(a)) return a.map((t, i) => plus(t, (b as readonly Tangent[])[i], keep)) as Tangent;
  if (typeof a === "number" && typeof b === "number") return a + b;
  const writable = (x: Tangent, y: Tangent): x is NDArray =>
    isOwned(x) && y instanceof NDArray && sameShape(x.shape, y.shape) && (x.dtype === "float64" || y.dtype === x.dtype) &&
    !keep.some((k) => k instanceof NDArray && k.data === x.data);
  if (writable(b, a)) return addInto(b, a as NDArray);
  if (writable(a, b)) return addInto(a, b as unknown as NDArray);
  return fresh(add(a as NDArray | number, b as NDArray | number));
}

/** The rule `r`'s second-order rule, from its kind and, where it has one, its term. */
function secondOrder(r: AdjointRule, kind: SecondOrderKind, curved?: CurvedTerm): SecondOrderRule {
  const n = r.params.length;
  const jvp: VjpJvp = (tangents, dout, ...rest) => {
    const args = rest.slice(0, n);
    const out = rest[n];
    const need = rest[n + 1] as Need;
    const ddout = tangents.dout;
    const viaDout = ddout === undefined ? undefined : r.vjp(asDout(ddout, dout) as NDArray, ...args, out, need);
    const extra = curved?.term(dout as NDArray, tangents.args ?? [], args, out, tangents.out, need);
    return Array.from({ length: n }, (_, i) => plus(viaDout?.[i], extra?.[i], [dout, ddout]));
  };
  return { kind, reads: curved?.reads ?? [], jvp };
}

/** dout's tangent in dout's kind: an array for an array (a number tangent broadcasts). */
const asDout = (t: Tangent, dout: unknown): unknown =>
  typeof t === "number" && dout instanceof NDArray ? new NDArray(new Float64Array(dout.size).fill(t), dout.shape) : t;

function entry(name: string, r: AdjointRule): SecondOrderRule {
  if (BILINEAR.includes(name)) return secondOrder(r, "bilinear", bilinearTerm(name, r));
  if (name in curvedTerms) return secondOrder(r, "curved", curvedTerms[name]);
  if (PIECEWISE.includes(name)) return secondOrder(r, "piecewise");
  if (readsOnlyShapes(r) || LINEAR.includes(name)) return secondOrder(r, "linear");
  // Not a load error (adjoint/np must load); second-order.test.ts fails on it.
  const missing: VjpJvp = () => {
    throw new Error(`vjpTangents: the rule ${name} has no second-order rule; add it to runtime/np/second-order.ts`);
  };
  return { kind: "missing" as SecondOrderKind, reads: [], jvp: missing };
}

/** Every rule of `adjoints`' second-order rule, by the same names: `vjpTangents[name].jvp(
 * tangents, dout, ...args, out, need?)` is the tangent of `adjoints[name].vjp(dout, ...args,
 * out, need?)` when dout, the args and out move along `tangents` (docs/np.md). */
export const vjpTangents: Readonly<Record<string, SecondOrderRule>> = Object.freeze(
  Object.fromEntries(Object.entries(adjoints).map(([name, r]) => [name, entry(name, r)])),
);

export { helperTangents } from "./helper-tangents.js";
