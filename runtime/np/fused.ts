// What a fused elementwise chain's generated code calls (compiler/optimize/fuse.ts, reverse/
// fused.ts): the backend's chain kernel where it has one (`simd`, `simdVjp`), else its loops
// with their operands laid out as contiguous runs of the broadcast shape, its result and
// adjoints as new arrays, each adjoint summed back to its operand's shape. Operands that are
// not float arrays (int32, bool), where the loop's arithmetic in doubles could differ from the
// operations', run the chain's operations and their rules unfused instead.
import { allocate, dtypeOf, type DType, type TypedArray } from "./dtype.js";
import * as elementwise from "./elementwise.js";
import { copy } from "./elementwise.js";
import { NDArray, type ArrayOrScalar } from "./ndarray.js";
import { mean, sum } from "./reduce.js";
import { adjoints } from "./rules.js";
import { freshCopy } from "./kernels.js";
import { broadcastShapes, broadcastStrides, sameShape, sizeOf, type Shape } from "./shape.js";
import { accumulate, fresh, unbroadcast, type ArrayMeta } from "./vjp.js";
import { backend, type Backend, type ChainReg } from "./backend/index.js";
import { forwardProgram, vjpProgram, type Program, type Steps } from "./fused-program.js";

export type { Steps } from "./fused-program.js";

/** A chain's operands, ready for its loops. */
export class FusedOperands {
  private laid: (TypedArray | undefined)[] = [];

  constructor(
    private readonly arrays: readonly NDArray[],
    readonly shape: Shape,
    readonly size: number,
    /** float32 when every array operand is, else float64 (np's promotion, numbers never widening). */
    readonly dtype: DType,
  ) {}

  /**
   * Array operand k's elements in row-major order of the chain's shape, from index 0: a
   * contiguous operand of that shape where it is; a view (transposed, sliced, broadcast)
   * copied out, once.
   */
  read(k: number): TypedArray {
    return (this.laid[k] ??= laidOut(this.arrays[k], this.shape, this.size));
  }
}

/**
 * The operands of a chain's loops, or undefined where one is not a float NDArray: then the
 * chain runs unfused (`unfused`, `unfusedVjp`).
 */
export function operands(arrays: readonly unknown[]): FusedOperands | undefined {
  let dtype: DType = "float32";
  const shapes: Shape[] = [];
  for (const x of arrays) {
    if (!(x instanceof NDArray) || (x.dtype !== "float64" && x.dtype !== "float32")) return undefined;
    if (x.dtype === "float64") dtype = "float64";
    shapes.push(x.shape);
  }
  const shape = shapes.length === 1 ? shapes[0] : broadcastShapes("fused", ...shapes);
  return new FusedOperands(arrays as NDArray[], shape, sizeOf(shape), dtype);
}

/** `dout`'s elements for the loop of a chain of operands `f`, in the chain's shape. */
export function adjointData(f: FusedOperands, dout: unknown): TypedArray {
  const g = dout instanceof NDArray ? dout : new NDArray(Float64Array.of(dout as number), []);
  return laidOut(g, f.shape, f.size);
}

/** The value of a 0-d adjoint (`dout` of a chain ending in a sum). */
export const scalar = (dout: unknown): number => (dout instanceof NDArray ? dout.data[dout.offset] : (dout as number));

/** A new array of the chain's size and type, for its result, a step's values or an adjoint. */
export const buffer = (f: FusedOperands): TypedArray => allocate(f.dtype, f.size);

/** `data` as an NDArray of the chain's shape. */
export const wrap = (f: FusedOperands, data: TypedArray): NDArray => new NDArray(data, f.shape);

const ops = elementwise as unknown as Record<string, (...x: ArrayOrScalar[]) => NDArray>;

/** Operation `op` (a unary one: tanh, exp, …) on `data`, in place: np's values, by the backend's kernel. */
export function apply(op: string, f: FusedOperands, data: TypedArray): void {
  const x = wrap(f, data);
  ops[op](x, x);
}

// A loop's copies by the element types of the arrays it is given (kernels.ts's reason: one
// typed-array type per access keeps V8's code monomorphic; the first types get the original).
const copiesOf = new WeakMap<Loop, Map<number, Loop>>();
type Loop = (n: number, ...args: (TypedArray | number)[]) => unknown;

/** `loop(n, ...args)`, by its copy for the types of `args`. */
export function run(loop: Loop, n: number, ...args: (TypedArray | number)[]): unknown {
  let key = 1;
  for (const a of args) key = key * 3 + (typeof a === "number" ? 0 : a instanceof Float32Array ? 1 : 2);
  let copies = copiesOf.get(loop);
  if (copies === undefined) copiesOf.set(loop, (copies = new Map()));
  let copy = copies.get(key);
  if (copy === undefined) copies.set(key, (copy = copies.size === 0 ? loop : freshCopy(loop)));
  return copy(n, ...args);
}

// The values a chain's forward loops keep for its vjp, by the chain's result. A vjp takes them
// (a pullback called again recomputes them); a result whose vjp never runs holds them until it is collected.
const keptBy = new WeakMap<object, TypedArray[]>();

/** `result`, keeping `values` for the vjp of the chain that made it. */
export function keep<T extends object>(result: T, values: TypedArray[]): T {
  keptBy.set(result, values);
  return result;
}

/** The values kept with `out`, taken (undefined: none, or taken already). */
export function kept(out: unknown): TypedArray[] | undefined {
  if (typeof out !== "object" || out === null) return undefined;
  const values = keptBy.get(out);
  keptBy.delete(out);
  return values;
}

/** A chain's result that is one number (it ends in a sum): a 0-d array of the chain's type. */
export const reduced = (f: FusedOperands, value: number): NDArray => new NDArray(allocate(f.dtype, 1).fill(value), []);

/**
 * Adjoint `d` (the chain's elements) summed back to operand `x`'s shape, owned by the caller
 * unless `shared` (the same elements are another operand's adjoint too).
 */
export function adjointOf(f: FusedOperands, d: TypedArray, x: ArrayOrScalar | ArrayMeta, shared = false): NDArray | number {
  const whole = wrap(f, d);
  const r = unbroadcast(whole, x);
  return typeof r === "number" || (shared && r === whole) ? r : fresh(r);
}

function laidOut(x: NDArray, shape: Shape, size: number): TypedArray {
  if (x.isContiguous && sameShape(x.shape, shape)) return x.offset === 0 && x.data.length === size ? x.data : x.data.subarray(x.offset, x.offset + size);
  // One element (a 0-d array) everywhere.
  if (x.size === 1) return allocate(x.dtype, size).fill(x.data[x.offset]);
  // A bias row (`b` of shape [n] against [m, n]): repeated, a row at a time.
  if (x.isContiguous && x.size > 0 && trailing(x.shape, shape)) {
    const row = x.data.subarray(x.offset, x.offset + x.size);
    const out = allocate(x.dtype, size);
    for (let at = 0; at < size; at += row.length) out.set(row, at);
    return out;
  }
  const view = sameShape(x.shape, shape) ? x : new NDArray(x.data, shape, broadcastStrides(x.shape, x.strides, shape), x.offset);
  return copy(view).data;
}

/** Whether `inner` is `outer`'s trailing dimensions (leading 1s aside). */
function trailing(inner: Shape, outer: Shape): boolean {
  let k = 0;
  while (k < inner.length && inner[k] === 1) k++;
  const rest = inner.slice(k);
  return rest.length <= outer.length && rest.every((d, j) => d === outer[outer.length - rest.length + j]);
}

const reductions: Record<string, (x: NDArray) => NDArray> = { sum: (x) => sum(x), mean: (x) => mean(x) };

function runSteps(steps: Steps, inputs: readonly ArrayOrScalar[]): ArrayOrScalar[] {
  const values = inputs.slice();
  for (const [op, ...refs] of steps) {
    const args = refs.map((k) => values[k]);
    values.push(reductions[op] ? reductions[op](args[0] as NDArray) : ops[op](...args));
  }
  return values;
}

/** The chain's result by its operations, unfused. */
export const unfused = (steps: Steps, inputs: readonly ArrayOrScalar[]): NDArray => runSteps(steps, inputs).at(-1) as NDArray;

/** Each operand's adjoint by the operations' rules, unfused (`undefined` where none reaches it). */
export function unfusedVjp(steps: Steps, dout: unknown, inputs: readonly ArrayOrScalar[]): (NDArray | number | undefined)[] {
  const values = runSteps(steps, inputs);
  const d: (NDArray | number | undefined)[] = values.map(() => undefined);
  d[values.length - 1] = dout as NDArray;
  for (let s = steps.length - 1; s >= 0; s--) {
    const [op, ...refs] = steps[s];
    const k = inputs.length + s;
    if (d[k] === undefined) continue;
    const rest = reductions[op] ? [undefined, undefined] : [];
    const given = adjoints[op].vjp(d[k] as NDArray, ...refs.map((r) => values[r]), ...rest, values[k]) as (NDArray | number | undefined)[];
    refs.forEach((r, i) => (d[r] = accumulate(d[r], given[i])));
  }
  return d.slice(0, inputs.length);
}

// The chain kernel: one pass over the elements by the backend (wasm/fused.ts), the chain's
// program (fused-program.ts) made once per chain, operand kinds and adjoints wanted.
const programs = new Map<string, Program | null>();
function cached(key: string, make: () => Program | undefined): Program | undefined {
  let p = programs.get(key);
  if (p === undefined) programs.set(key, (p = make() ?? null));
  return p ?? undefined;
}

/** For tests and benchmarks: `on: false` runs every chain's JavaScript loops, as without a chain kernel. */
export const chainKernel = { on: true };

const chainBackend = (f: FusedOperands): Backend | undefined => {
  const b = backend();
  return chainKernel.on && b.chain !== undefined && f.size >= b.minSize ? b : undefined;
};
const isReduced = (steps: Steps) => !!reductions[steps[steps.length - 1][0]];

/** A register of `x` over the chain's elements: in place, one number, a row repeated, or laid out. */
function operand(f: FusedOperands, x: ArrayOrScalar, tile: () => number): ChainReg {
  if (typeof x === "number") return { kind: "splat", value: x, tile: tile() };
  if (x.size === 1) return { kind: "splat", value: x.data[x.offset] as number, tile: tile() };
  if (x.isContiguous && sameShape(x.shape, f.shape)) return { kind: "stream", data: x.data.subarray(x.offset, x.offset + f.size) };
  if (x.isContiguous && trailing(x.shape, f.shape)) return { kind: "row", data: x.data.subarray(x.offset, x.offset + x.size), tile: tile() };
  return { kind: "stream", data: laidOut(x, f.shape, f.size) };
}

interface Given { dout?: NDArray; g?: number; kept?: TypedArray[] }

function execute(b: Backend, f: FusedOperands, p: Program, inputs: readonly ArrayOrScalar[], given: Given) {
  let tiles = p.tiles;
  const tile = () => tiles++;
  const results = Array.from({ length: p.results }, () => allocate(f.dtype, f.size));
  const regs = p.regs.map((r): ChainReg => {
    if (r.kind === "tile") return r;
    if (r.kind === "result") return { kind: "result", data: results[r.result] };
    if (r.kind === "const") return { kind: "splat", value: r.value, tile: r.tile! };
    if (r.kind === "g") return { kind: "splat", value: given.g!, tile: r.tile! };
    if (r.kind === "kept") return { kind: "stream", data: given.kept![r.kept] };
    return operand(f, r.kind === "input" ? inputs[r.input] : given.dout!, tile);
  });
  const sums = b.chain!({ size: f.size, float64: f.dtype === "float64", code: p.code, regs, tiles, sums: p.sums });
  return { results, sums };
}

/**
 * The chain's result by the backend's chain kernel, or undefined where it has none (the JS
 * backend, below its size, a step without a vector function): then the generated loops run.
 */
export function simd(f: FusedOperands, steps: Steps, inputs: readonly ArrayOrScalar[]): NDArray | undefined {
  const b = chainBackend(f);
  if (b === undefined) return undefined;
  const key = JSON.stringify(steps) + inputs.length;
  const p = cached(key, () => forwardProgram(steps, inputs.length));
  if (p === undefined) return undefined;
  const { results, sums } = execute(b, f, p, inputs, {});
  const result = isReduced(steps) ? reduced(f, steps[steps.length - 1][0] === "mean" ? sums[0] / f.size : sums[0]) : wrap(f, results[0]);
  // The transcendental steps' values, as the loops keep them (either vjp reads them).
  return p.kept.length > 0 ? keep(result, p.kept.map((k) => results[k])) : result;
}

/** Each `active` operand's adjoint (undefined for the rest) by the chain kernel, or undefined as for `simd`. */
export function simdVjp(f: FusedOperands, steps: Steps, active: readonly boolean[], dout: unknown, out: unknown, inputs: readonly ArrayOrScalar[]): (NDArray | number | undefined)[] | undefined {
  const b = chainBackend(f);
  if (b === undefined) return undefined;
  const key = JSON.stringify(steps) + inputs.length;
  const sum = isReduced(steps);
  const saved = typeof out === "object" && out !== null ? keptBy.get(out) : undefined;
  const keptGiven = saved !== undefined && saved.every((a) => a.length === f.size && dtypeOf(a) === f.dtype);
  const numbers = inputs.map((x) => typeof x === "number");
  const p = cached(`${key}|${active.map(Number).join("")}|${numbers.map(Number).join("")}|${keptGiven}`, () => vjpProgram(steps, inputs.length, active, numbers, keptGiven));
  if (p === undefined) return undefined;
  if (keptGiven) keptBy.delete(out as object);
  const given: Given = sum ? { g: scalar(dout) / (steps[steps.length - 1][0] === "mean" ? f.size : 1) } : { dout: dout instanceof NDArray ? dout : new NDArray(Float64Array.of(dout as number), []) };
  given.kept = keptGiven ? saved : undefined;
  const { results, sums } = execute(b, f, p, inputs, given);
  return active.map((on, i) => {
    const a = p.adjoints[i];
    if (!on) return undefined;
    if (numbers[i]) return a !== undefined && "sum" in a ? sums[a.sum] : 0;
    if (a === undefined || !("result" in a)) return adjointOf(f, buffer(f), inputs[i]);
    const shared = p.adjoints.some((o, j) => j !== i && o !== undefined && "result" in o && o.result === a.result);
    return adjointOf(f, results[a.result], inputs[i], shared);
  });
}
