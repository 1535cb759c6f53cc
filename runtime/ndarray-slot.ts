// Where the NDArray half of adjoint/runtime (./generated-ndarray.ts) hands itself to
// ./generated.ts. generated.ts imports nothing of NDArray, so a program of numbers bundles
// no NDArray code; adjoint/np loads the NDArray half, and an NDArray cannot exist before that.
import type { AdjointRule, Jvp } from "./np/vjp.js";
import type { SecondOrderRule } from "./np/second-order.js";
import type * as FusionSupport from "./np/fused.js";

/** What generated code does with NDArrays (see ./generated-ndarray.ts). */
export interface NDArraySupport {
  isNDArray(x: unknown): boolean;
  /** `acc + x` where `acc` is an NDArray (or `x` one, added to a number acc). */
  accumulate(acc: unknown, x: unknown): unknown;
  sumToNumber(x: unknown): number;
  zerosLike(x: unknown): unknown;
  /** Ones of `value`'s shape, owned: the seed of an NDArray result. */
  onesLike(value: unknown): unknown;
  head(value: unknown, dvalue: unknown): unknown;
  disown<T>(x: T): T;
  /** For Jacobians (jacobian.ts): an NDArray's shape, its elements in row-major order, a float
   * array of its shape that is 1 at element k and 0 elsewhere, and an array made of values. */
  shapeOf(x: unknown): readonly number[];
  values(x: unknown): ArrayLike<number>;
  unit(x: unknown, k: number): unknown;
  fromValues(values: Float64Array, shape: readonly number[]): unknown;
}

export let ndarrays: NDArraySupport | undefined;

/** The adjoint rules generated code calls (`adjointRuntime.np.tanh.vjp(…)`); empty until adjoint/np loads. */
export let rules: Readonly<Record<string, AdjointRule>> = Object.freeze({});

/** For forward mode over a generated NDArray gradient (a derivative differentiated again,
 * driver/nested.ts): the rules that never write into dout (`adjoints`; `rules` has variants
 * that do), each rule's vjp's tangent, and the tangents of the helpers gradients call. */
export interface SecondOrderTables {
  readonly adjoints: Readonly<Record<string, AdjointRule>>;
  readonly vjpTangents: Readonly<Record<string, SecondOrderRule>>;
  readonly helperTangents: Readonly<Record<string, Jvp>>;
  /** np's operations by rule name, for a gradient written as operations (np/vjp-ops.ts). */
  readonly ops: Readonly<Record<string, (...args: any[]) => unknown>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const none = Object.freeze({});
/** Empty until adjoint/np loads. */
export let secondOrder: SecondOrderTables = { adjoints: none, vjpTangents: none, helperTangents: none, ops: none };

/** What a fused elementwise chain's generated loops call (np/fused.ts); undefined until adjoint/np loads. */
export let fusion: typeof FusionSupport | undefined;

export function provide(support: NDArraySupport, table: Readonly<Record<string, AdjointRule>>, second: SecondOrderTables, fused: typeof FusionSupport): void {
  ndarrays = support;
  rules = table;
  secondOrder = second;
  fusion = fused;
}
