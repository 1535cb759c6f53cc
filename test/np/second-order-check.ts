// Checks a second-order rule (`vjpTangents[name].jvp`) at one point: against central finite
// differences of `vjp(dout + s ddout, args + s u, op(args + s u))` along s, position by
// position of the vjp's result; called with every argument, and as generated code calls the
// vjp (arguments it does not read as `undefined`, shape-only ones as their shape); and that it
// keeps the runtime's conventions (each tangent shaped as its adjoint, no primal storage,
// inputs left as they were, float32 in, float32 out).
import * as np from "adjoint/np";
import { expect } from "vitest";
import { shapeOf } from "adjoint/runtime";
import { isOwned } from "../../runtime/np/vjp.js";
import type { Case, Op } from "./jvp-check.js";
import { randomArray } from "./helpers.js";

type Tree = np.NDArray | number | undefined | readonly Tree[];

/** A random value shaped like `x` (float32 for a float32 array; a list for a list). */
function like(x: unknown, next: () => number): Tree {
  if (typeof x === "number") return -1 + 2 * next();
  if (Array.isArray(x)) return x.map((e) => like(e, next));
  const a = x as np.NDArray;
  const t = randomArray(a.shape, next, -1, 1);
  return a.dtype === "float32" ? np.astype(t, "float32") : t;
}

const isDifferentiable = (x: unknown) => typeof x === "number" || x instanceof np.NDArray || (Array.isArray(x) && x.every((e) => e instanceof np.NDArray));

/** `x + s t` in float64, one stepped array per array object (so `mul(x, x)` stays one array). */
function stepper(s: number) {
  const done = new Map<unknown, unknown>();
  const step = (x: unknown, t: unknown): unknown => {
    if (Array.isArray(x)) return x.map((e, i) => step(e, (t as unknown[] | undefined)?.[i]));
    if (typeof x === "number") return t === undefined ? x : x + s * (t as number);
    if (!(x instanceof np.NDArray)) return x;
    if (!done.has(x)) {
      const wide = np.astype(x, "float64");
      done.set(x, t === undefined ? wide : np.add(wide, np.mul(s, np.astype(t as np.NDArray, "float64"))));
    }
    return done.get(x);
  };
  return step;
}

/** The elements of `x` in float64, zeros where `x` is `undefined` and `shape` says how many. */
function elements(x: Tree, shape: Tree): number[] {
  if (Array.isArray(shape)) return shape.flatMap((e, i) => elements((x as readonly Tree[] | undefined)?.[i], e));
  if (x === undefined) return typeof shape === "number" ? [0] : shape === undefined ? [] : new Array((shape as np.NDArray).size).fill(0);
  if (typeof x === "number") return [x];
  return Array.from(np.astype(x as np.NDArray, "float64").data);
}

const snapshot = (x: unknown): unknown => (x instanceof np.NDArray ? x.toArray() : Array.isArray(x) ? x.map(snapshot) : x);
const buffers = (x: unknown): unknown[] => (x instanceof np.NDArray ? [x.data] : Array.isArray(x) ? x.flatMap(buffers) : []);

/** The kind of each entry of `x` against the vjp's `ref`: a number, a list, or an array of that shape. */
function expectShaped(x: Tree, ref: Tree, where: string): void {
  if (x === undefined) return;
  if (typeof ref === "number") return void expect(typeof x, `${where}: a number's adjoint's tangent is a number`).toBe("number");
  if (Array.isArray(ref)) return (x as readonly Tree[]).forEach((e, i) => expectShaped(e, ref[i], `${where}[${i}]`));
  expect(x, where).toBeInstanceOf(np.NDArray);
  expect((x as np.NDArray).shape, `${where}: shape`).toEqual((ref as np.NDArray).shape);
}

/** The arguments as generated code passes them: unread arrays as `undefined`, shape-only ones as their shape. */
function asGenerated(rule: np.AdjointRule, args: unknown[]): unknown[] {
  return args.map((a, i) => {
    if (!(a instanceof np.NDArray)) return a;
    if (rule.reads !== undefined && !rule.reads.includes(i)) return undefined;
    return rule.shapeOnly?.includes(i) ? shapeOf(a) : a;
  });
}

/** Checks `vjpTangents[name]` at one case; `tol` is relative (to max(1, |value|)). `need`: passed to the vjp. */
export function checkVjpJvp(name: string, op: Op, c: Case & { need?: boolean[] }, next: () => number, tol = 1e-6): void {
  const rule = np.adjoints[name];
  const second = np.vjpTangents[name];
  expect(second, `vjpTangents.${name}`).toBeDefined();
  const args = [...c.args, ...Array(rule.params.length - c.args.length).fill(undefined)];
  const out = op(...c.args);
  const wrt = (c.wrt ?? rule.wrt).filter((i) => rule.wrt.includes(i) && isDifferentiable(args[i]));
  const u: Tree[] = args.map((a, i) => (wrt.includes(i) ? like(a, next) : undefined));
  for (const i of wrt) u[i] = u[args.indexOf(args[i])]; // one array at two positions has one tangent
  if (c.zeroInList) for (const i of wrt) if (Array.isArray(u[i])) u[i] = (u[i] as Tree[]).map((t, k) => (c.zeroInList!.includes(k) ? undefined : t));
  const dout = like(out, next) as np.NDArray | number;
  const ddout = like(out, next);
  const float32 = [...args, out].some((a) => a instanceof np.NDArray && a.dtype === "float32");
  const tail = c.need ? [out, c.need] : [out];
  const before = [args, u, dout, ddout].map(snapshot);

  const subsets: [string, boolean, boolean][] = [["dout", true, false], ["args", false, true], ["dout and args", true, true]];
  for (const [what, withDout, withArgs] of subsets) {
    const ts = withArgs ? u : u.map(() => undefined);
    const dOut = withArgs ? np.tangents[name].jvp(ts as np.Tangent[], ...args, out) : undefined;
    const tangents = { dout: (withDout ? ddout : undefined) as np.Tangent, args: ts as np.Tangent[], out: dOut };
    const where = `${name}(${rule.params.join(", ")}) moving ${what}`;
    const got = second.jvp(tangents, dout, ...args, ...tail) as Tree[];
    const generated = second.jvp(tangents, dout, ...asGenerated(rule, args), ...tail) as Tree[];
    const ref = rule.vjp(dout as np.NDArray, ...args, ...tail) as Tree[];
    expect(got.length, `${where}: one tangent per parameter`).toBe(rule.params.length);
    got.forEach((t, i) => expectShaped(t, ref[i], `${where}, position ${i}`));
    expect(got.map((t, i) => elements(t, ref[i])), `${where}: called as generated code calls it`).toEqual(generated.map((t, i) => elements(t, ref[i])));
    const primal = [...args, out, dout].flatMap(buffers);
    expect(got.flatMap(buffers).filter((b) => primal.includes(b)), `${where}: shares a primal's storage`).toEqual([]);
    // What may be written in place (owned) is held by nothing else: no tangent given, no other position.
    const owned = got.flatMap((t) => (Array.isArray(t) ? t : [t])).filter((t) => isOwned(t)) as unknown as np.NDArray[];
    const given = [...(ts as unknown[]), dOut].flatMap(buffers);
    for (const t of owned) expect(given.includes(t.data) || got.flatMap(buffers).filter((b) => b === t.data).length > 1, `${where}: an owned tangent is shared`).toBe(false);
    if (float32 && [...args, ...(ts as unknown[])].every((a) => !(a instanceof np.NDArray) || a.dtype !== "float64")) {
      for (const t of got.flatMap((t) => (Array.isArray(t) ? t : [t]))) if (t instanceof np.NDArray) expect(t.dtype, `${where}: float32 in, float32 out`).toBe("float32");
    }
    if (c.fd === false) continue;
    // Central differences in float64.
    const h = float32 ? 1e-3 : 1e-5;
    const at = (s: number) => {
      const step = stepper(s);
      const moved = args.map((a, i) => step(a, ts[i]));
      const d = withDout ? s : 0;
      const g = typeof dout === "number" ? dout + d * (ddout as number) : np.add(np.astype(dout, "float64"), np.mul(d, np.astype(ddout as np.NDArray, "float64")));
      return rule.vjp(g as np.NDArray, ...moved, op(...moved.slice(0, c.args.length)), ...(c.need ? [c.need] : [])) as Tree[];
    };
    const [plus, minus] = [at(h), at(-h)];
    const fdTol = float32 ? 5e-3 : tol;
    ref.forEach((r, i) => {
      const [p, m, g] = [elements(plus[i], r), elements(minus[i], r), elements(got[i], r)];
      g.forEach((v, k) => {
        const fd = (p[k] - m[k]) / (2 * h);
        if (Number.isNaN(fd) && Number.isNaN(v)) return; // pow's adjoint for b where a < 0
        expect(Math.abs(v - fd), `${where}, position ${i}, element ${k}: tangent ${v}, finite differences ${fd}`).toBeLessThanOrEqual(fdTol * Math.max(1, Math.abs(fd)));
      });
    });
  }
  expect([args, u, dout, ddout].map(snapshot), `${name}: inputs and tangents unchanged`).toEqual(before);
}
