// Everyday untyped JavaScript programs checked against central differences: each program's
// source exports `f` and, per marker it uses, `g = grad(f, { wrt })` and `j = jvp(f, { wrt })`.
// Arguments are numbers, arrays, records of them, or data (arrays of arrays, strings) left alone.
import { expect } from "vitest";
import { compile } from "./identity-programs.js";

export type Value = number | number[] | Float64Array | boolean | string | undefined | Value[] | { [key: string]: Value };

export interface Program {
  /** The module body: defines f (and its helpers); the harness appends the markers. */
  source: string;
  /** Differentiated arguments (default [0]). */
  wrt?: number[];
  points: Value[][];
  /** Also check jvp(f, { wrt }) along a tangent of each point. */
  jvp?: boolean;
}

const isRecord = (v: Value): v is { [key: string]: Value } => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Float64Array);

/** The numbers of a differentiated argument, depth first (a record's fields in key order). */
export function leaves(v: Value): number[] {
  if (typeof v === "number") return [v];
  if (Array.isArray(v) || v instanceof Float64Array) return Array.from(v as ArrayLike<Value>, (e) => leaves(e as Value)).flat();
  if (isRecord(v)) return Object.keys(v).flatMap((k) => leaves(v[k]));
  return [];
}

/** v with its numbers replaced by `flat` in `leaves`' order; a fresh copy either way. */
export function withLeaves(v: Value, flat: number[], at = { i: 0 }): Value {
  if (typeof v === "number") return flat[at.i++];
  if (v instanceof Float64Array) return Float64Array.from(v, () => flat[at.i++]);
  if (Array.isArray(v)) return v.map((e) => withLeaves(e, flat, at));
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).map((k) => [k, withLeaves(v[k], flat, at)]));
  return v;
}

const copy = (v: Value): Value => withLeaves(v, leaves(v));

/** A gradient's numbers in its argument's order: a record's by the argument's keys (an absent key's are missing). */
function gradientLeaves(gradient: unknown, like: Value): number[] {
  if (typeof like === "number") return [gradient as number];
  if (Array.isArray(like) || like instanceof Float64Array) return Array.from(like as ArrayLike<Value>, (e, i) => gradientLeaves((gradient as ArrayLike<unknown>)[i], e as Value)).flat();
  if (isRecord(like)) return Object.keys(like).flatMap((k) => (leaves(like[k]).length === 0 ? [] : gradientLeaves((gradient as Record<string, unknown>)[k], like[k])));
  return [];
}

const TOLERANCE = 1e-6;
const H = 1e-6;

export async function checkProgram(name: string, program: Program, filename = `everyday-${name}.js`): Promise<void> {
  const wrt = program.wrt ?? [0];
  const markers = [`export { f as __primal };`, `export const __grad = grad(f, { wrt: [${wrt.join(", ")}] });`, ...(program.jvp ? [`export const __jvp = jvp(f, { wrt: [${wrt.join(", ")}] });`] : [])];
  const compiled = await compile<{ __primal: (...args: Value[]) => number; __grad: (...args: Value[]) => unknown[]; __jvp?: (...args: Value[]) => [number, number] }>(`${program.source}\n${markers.join("\n")}\n`, filename);
  const m = { f: compiled.__primal, g: compiled.__grad, j: compiled.__jvp };
  for (const point of program.points) {
    const before = JSON.stringify(point);
    const gradient = m.g(...point.map(copy));
    const args = point.map(copy);
    const got = wrt.flatMap((w, k) => gradientLeaves(gradient[k], args[w]));
    const want: number[] = [];
    for (const w of wrt) {
      const base = leaves(point[w]);
      base.forEach((_, j) => {
        const moved = (s: number) => {
          const flat = base.slice();
          flat[j] += s * H;
          const shifted = point.map(copy);
          shifted[w] = withLeaves(point[w], flat);
          return m.f(...shifted);
        };
        want.push((moved(1) - moved(-1)) / (2 * H));
      });
    }
    expect(got.length, `${name}: gradient size`).toBe(want.length);
    got.forEach((x, i) => expect(Math.abs(x - want[i]), `${name} at ${before}: component ${i}: ${x} vs ${want[i]}`).toBeLessThanOrEqual(TOLERANCE * (1 + Math.abs(want[i]))));
    expect(JSON.stringify(point), `${name}: the arguments are left as they were`).toBe(before);
    if (m.j) {
      // Along u = (1, -0.5, 0.25, …) over the differentiated numbers: J u = <∇f, u>.
      const tangents = wrt.map((w) => withLeaves(point[w], leaves(point[w]).map((_, i) => [1, -0.5, 0.25][i % 3])));
      // Tangents follow every parameter, defaulted ones too (left undefined here).
      const primals = Array.from({ length: m.j.length - wrt.length }, (_, i) => copy(point[i]));
      const [value, tangent] = m.j(...primals, ...tangents);
      const u = tangents.flatMap(leaves);
      const directional = want.reduce((s, d, i) => s + d * u[i], 0);
      expect(Math.abs(value - m.f(...point.map(copy))), `${name}: jvp value`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(value)));
      expect(Math.abs(tangent - directional), `${name}: jvp tangent ${tangent} vs ${directional}`).toBeLessThanOrEqual(TOLERANCE * (1 + Math.abs(directional)));
    }
  }
}
