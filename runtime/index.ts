// The markers users import from "adjoint". The compiler replaces every call to them
// with generated code; reaching one at run time means the file was not compiled.
import { VJP, type Vjp } from "./generated.js";
import { backwardOf, gradOf } from "./autograd.js";
import { inModes, modes } from "./modes.js";
import type { NDArray } from "./np/ndarray.js";

type AnyFunction = (...args: any[]) => any;

/** The parameter positions of a function type: 0 | 1 | ... */
export type ParamIndex<F extends AnyFunction> = ToNumber<Exclude<keyof Parameters<F>, keyof unknown[]>>;
type ToNumber<S> = S extends `${infer N extends number}` ? N : never;

/** Which parameters to differentiate with respect to. */
export type Wrt<F extends AnyFunction> = ParamIndex<F> | readonly ParamIndex<F>[];

/** The type of the gradient(s) `grad(f, { wrt })` returns. */
export type GradOf<F extends AnyFunction, W> = W extends number
  ? Parameters<F>[W]
  : W extends readonly number[]
    ? { -readonly [K in keyof W]: Parameters<F>[W[K] & number] }
    : never;

export interface GradOptions<W> {
  /** Parameter position(s); the result is an array when this is an array. Default 0. */
  wrt: W;
}

/** How a loop is checkpointed: at most `snapshots` states kept (the start's included); none given: √n. */
export interface CheckpointOptions {
  snapshots?: number;
}

/** Reverse mode's options besides `wrt`: `checkpoint` the function's loops (true: √n snapshots). */
export interface SweepOptions {
  checkpoint?: boolean | CheckpointOptions;
}

/**
 * grad's and valueAndGrad's `out: true`: the function keeps the arrays it returns gradients
 * in and refills them on its next call (no allocation per call). A result is then valid
 * until that next call: copy it (`g.slice()`) to keep it. A gradient passed back in as an
 * argument is never overwritten while it is read (that call makes a new array).
 */
export interface OutOptions {
  out?: boolean;
}

export type Pullback<F extends AnyFunction, W> = (dvalue: ReturnType<F>) => GradOf<F, W>;

/** `grad(f)` is `(...args) => d f / d args[0]`; `wrt` picks other parameters. */
export function grad<F extends AnyFunction>(f: F, options?: SweepOptions & OutOptions): (...args: Parameters<F>) => GradOf<F, 0>;
export function grad<F extends AnyFunction, const W extends Wrt<F>>(
  f: F,
  options: GradOptions<W> & SweepOptions & OutOptions,
): (...args: Parameters<F>) => GradOf<F, W>;
export function grad(f: AnyFunction, options?: unknown): never {
  return notCompiled("grad", f, options);
}

/** `valueAndGrad(f)(...args)` is `[f(...args), grad(f)(...args)]`, computed in one sweep. */
export function valueAndGrad<F extends AnyFunction>(
  f: F,
  options?: SweepOptions & OutOptions,
): (...args: Parameters<F>) => [ReturnType<F>, GradOf<F, 0>];
export function valueAndGrad<F extends AnyFunction, const W extends Wrt<F>>(
  f: F,
  options: GradOptions<W> & SweepOptions & OutOptions,
): (...args: Parameters<F>) => [ReturnType<F>, GradOf<F, W>];
export function valueAndGrad(f: AnyFunction, options?: unknown): never {
  return notCompiled("valueAndGrad", f, options);
}

/** `vjp(f)(...args)` is `[value, pullback]`; `pullback(dvalue)` is the vector-Jacobian product. */
export function vjp<F extends AnyFunction>(
  f: F,
  options?: SweepOptions,
): (...args: Parameters<F>) => [ReturnType<F>, Pullback<F, 0>];
export function vjp<F extends AnyFunction, const W extends Wrt<F>>(
  f: F,
  options: GradOptions<W> & SweepOptions,
): (...args: Parameters<F>) => [ReturnType<F>, Pullback<F, W>];
export function vjp(f: AnyFunction, options?: unknown): never {
  return notCompiled("vjp", f, options);
}

/**
 * `hessian(f)(...args)`: the second derivatives of f with respect to parameter `wrt` (default
 * 0): a number for a number, rows `H[i][j] = d²f / dx_i dx_j` for an array.
 */
export function hessian<F extends AnyFunction>(f: F, options?: { wrt: ParamIndex<F> }): (...args: Parameters<F>) => Parameters<F>[0] extends number ? number : Float64Array[] {
  return notCompiled("hessian", f, options);
}

/** `hvp(f)(...args, v)`: the Hessian of f with respect to parameter `wrt` times v, without forming the Hessian. */
export function hvp<F extends AnyFunction>(f: F, options?: { wrt: ParamIndex<F> }): (...args: [...Parameters<F>, Parameters<F>[0]]) => Parameters<F>[0] {
  return notCompiled("hvp", f, options);
}

/**
 * `jacobian(f)(...args)`: the Jacobian of f with respect to parameter `wrt`, by forward mode
 * where the input has fewer elements than the output and reverse mode otherwise: rows
 * `d y_i / d x` (for a number output, its gradient), as jacfwd and jacrev give them.
 */
export function jacobian<F extends AnyFunction>(f: F, options?: GradOptions<ParamIndex<F>>): (...args: Parameters<F>) => ReturnType<F> extends number ? Parameters<F>[0] : Parameters<F>[0][] {
  return notCompiled("jacobian", f, options);
}

/** `jacrev(f)(...args)`: the Jacobian of f by reverse mode, one row `d y_i / d x` per output element (for a number y, its gradient). */
export function jacrev<F extends AnyFunction>(f: F, options?: GradOptions<ParamIndex<F>>): (...args: Parameters<F>) => ReturnType<F> extends number ? Parameters<F>[0] : Parameters<F>[0][] {
  return notCompiled("jacrev", f, options);
}

/** The tangents `jvp(f, { wrt })` takes after the primals: one per `wrt` parameter, of its type. */
export type TangentsOf<F extends AnyFunction, W> = W extends number
  ? [Parameters<F>[W]]
  : W extends readonly number[]
    ? { -readonly [K in keyof W]: Parameters<F>[W[K] & number] }
    : never;

/**
 * `jvp(f)(...args, tangent)` is `[f(...args), J u]`: forward mode, the value and its directional
 * derivative along the tangent `u` of `args[0]`, computed in one sweep. `wrt` picks other
 * parameters, one tangent each, in its order. Every parameter is passed, defaults included,
 * before the tangents.
 */
export function jvp<F extends AnyFunction>(
  f: F,
): (...args: [...Required<Parameters<F>>, ...TangentsOf<F, 0>]) => [ReturnType<F>, ReturnType<F>];
export function jvp<F extends AnyFunction, const W extends Wrt<F>>(
  f: F,
  options: GradOptions<W>,
): (...args: [...Required<Parameters<F>>, ...TangentsOf<F, W>]) => [ReturnType<F>, ReturnType<F>];
export function jvp(f: AnyFunction, options?: GradOptions<unknown>): never {
  return notCompiled("jvp", f, options);
}

/** The Jacobian of an output O with respect to an input I: a number's is O itself, an array's a number's derivatives of I's kind, or rows of them. */
export type Jacobian<I, O> = I extends number ? O : O extends number ? I : I[];
type JacobianOf<F extends AnyFunction, W> = W extends number
  ? Jacobian<Parameters<F>[W], ReturnType<F>>
  : W extends readonly number[]
    ? { -readonly [K in keyof W]: Jacobian<Parameters<F>[W[K] & number], ReturnType<F>> }
    : never;

/**
 * `jacfwd(f)(...args)`: the Jacobian of f with respect to `args[0]` (`wrt` picks others, one
 * Jacobian each), by forward mode: one jvp per element of the input. For an output of m
 * elements and an array input of n, m rows of n (row i: the derivatives of output i).
 */
export function jacfwd<F extends AnyFunction>(f: F): (...args: Parameters<F>) => JacobianOf<F, 0>;
export function jacfwd<F extends AnyFunction, const W extends Wrt<F>>(f: F, options: GradOptions<W>): (...args: Parameters<F>) => JacobianOf<F, W>;
export function jacfwd(f: AnyFunction, options?: GradOptions<unknown>): never {
  return notCompiled("jacfwd", f, options);
}

/** Marks a function that `grad` in other modules may call through. */
export function differentiable<F extends AnyFunction>(f: F): F {
  return notCompiled("differentiable", f);
}

/**
 * Inside differentiated code, the loops of `block` are checkpointed: their reverse sweep keeps at
 * most `snapshots` states (√n if not given) and recomputes the steps between them (revolve).
 * Outside, and in forward mode, it runs `block`.
 */
export function checkpoint(block: () => void, _options?: CheckpointOptions): void {
  block();
}

/** Inside differentiated code, `stopGradient(x)` is a constant; outside, it is `x`. */
export function stopGradient<T>(x: T): T {
  return x;
}

/**
 * A hand-written rule for `f`: `rule(args, value, dvalue)` returns the adjoint of every
 * parameter, in order (`0` for ones that are not differentiable). `f`'s body is never
 * read by the compiler, so it may use anything.
 */
export function customGrad<F extends AnyFunction>(
  f: F,
  rule: (args: Parameters<F>, value: ReturnType<F>, dvalue: ReturnType<F>) => unknown[],
): F {
  const wrapped = ((...args: Parameters<F>) => f(...args)) as F;
  const customVjp: Vjp = (...args) => {
    const value = f(...args);
    return [value, (dvalue) => rule(args as Parameters<F>, value, dvalue)];
  };
  Object.defineProperty(wrapped, VJP, { value: customVjp, enumerable: false });
  Object.defineProperty(wrapped, "name", { value: f.name });
  return wrapped;
}

function notCompiled(marker: string, f: unknown, _options?: unknown): never {
  const name = typeof f === "function" && f.name ? f.name : "f";
  throw new Error(
    `adjoint: ${marker}(${name}) ran uncompiled in ${callerFile()}: that file was not transformed by adjoint. ` +
      `Add the Babel plugin ("plugins": ["adjoint/babel"]) or the tspc transformer ` +
      `({ "transform": "adjoint/tspc" } in compilerOptions.plugins) to the build that compiles it.`,
  );
}

/** The file that called the marker, read from the stack. */
function callerFile(): string {
  const frames = (new Error().stack ?? "").split("\n").slice(1);
  const outside = frames.find((frame) => !frame.includes("/runtime/index."));
  const match = outside?.match(/\(?((?:file:\/\/)?[^\s()]+?):\d+:\d+\)?\s*$/);
  return match ? match[1] : "an unknown file";
}

export interface RecordOptions {
  /** Run the block in training mode (default) or prediction mode, as MXNet's train_mode. */
  trainMode?: boolean;
}

/**
 * Records the block for `backward()`: arrays with `attachGrad()` that it reads are its
 * inputs, outer variables it assigns are its outputs. Returns what the block returns.
 * The options may come first or last: `record({ trainMode: false }, () => { ... })`.
 */
function record<T = void>(block: () => T, options?: RecordOptions): T;
function record<T = void>(options: RecordOptions, block: () => T): T;
function record(first: unknown, second?: unknown): never {
  return notCompiled("autograd.record", typeof first === "function" ? first : second);
}

/**
 * MXNet's imperative autograd. `record` blocks are compiled: each becomes generated forward
 * code and one generated pullback, which `y.backward()` calls.
 */
export const autograd = {
  record,
  /** Runs `block` unrecorded (its results are constants), in prediction mode unless `trainMode`. */
  pause<T>(block: () => T, options?: RecordOptions): T {
    return inModes(false, options?.trainMode ?? false, block);
  },
  /** Runs `block` in training mode (dropout on, for instance), recording or not as around it. */
  trainMode<T>(block: () => T): T {
    return inModes(undefined, true, block);
  },
  /** Runs `block` in prediction mode, recording or not as around it. */
  predictMode<T>(block: () => T): T {
    return inModes(undefined, false, block);
  },
  /**
   * MXNet's `autograd.backward(heads, head_grads)`: the gradient of several recorded arrays
   * at once (each seeded with ones, or its head gradient), stored into `.grad`.
   */
  backward(heads: NDArray | NDArray[], headGrads?: NDArray | number | (NDArray | number | undefined)[], options?: { retainGraph?: boolean }): void {
    backwardOf(heads, headGrads, options);
  },
  /**
   * MXNet's `autograd.grad(heads, variables)`: the gradients of the heads with respect to
   * `variables` (arrays with attachGrad()), returned in order; `.grad` is left alone.
   */
  grad(heads: NDArray | NDArray[], variables: NDArray | NDArray[], headGrads?: NDArray | number | (NDArray | number | undefined)[], options?: { retainGraph?: boolean }): NDArray[] {
    return gradOf(heads, variables, headGrads, options);
  },
  /** True inside `record` (and not inside `pause`). */
  isRecording: modes.isRecording,
  /** True inside `record` unless `trainMode: false`, and inside `trainMode`. */
  isTraining: modes.isTraining,
  /** Sets recording; returns the previous setting. Generated code uses it for `pause` inside a block. */
  setRecording: modes.setRecording,
  /** Sets training mode; returns the previous setting. */
  setTraining: modes.setTraining,
};
