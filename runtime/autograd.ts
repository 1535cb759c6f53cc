// The run-time half of MXNet's imperative API. A record block is compiled into one vjp
// (forward code plus one pullback); `record` runs it and remembers, for each output, the
// block and the pullback. `backward()` walks these blocks, newest first, never a
// per-operation tape: one pullback call per block.
import { add, copy } from "./np/elementwise.js";
import { full, zerosLike } from "./np/create.js";
import { inModes } from "./modes.js";
import { setItem } from "./np/shapeops.js";
import { addInto } from "./np/vjp.js";
import { NDArray, setBackward, setOwnedArray } from "./np/ndarray.js";

/** One compiled form of a record block: its vjp and what its pullback differentiates. */
export interface BlockVariant {
  vjp: BlockVjp;
  /** Positions of the arguments the pullback returns gradients for. */
  inputs: number[];
  /**
   * For each output, the saved values its gradient goes through (ids local to the variant):
   * a backward() without retainGraph releases them.
   */
  slices: number[][];
}

/** What the compiler knows about a record block. */
export interface BlockInfo {
  /** The block returns a value: the first output. The others are the outer variables it assigns. */
  returns?: boolean;
  /** Arrays compiled as constants (`const` data the module never attaches a gradient to), by name: position. */
  constants?: Record<string, number>;
  /** `file:line` of the block, for messages. */
  at: string;
}

type BlockVjp = (...args: any[]) => [unknown[], (...heads: unknown[]) => unknown[], NDArray[]?]; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Recorded {
  block: RecordedBlock;
  index: number;
}

let blocksMade = 0;

class RecordedBlock {
  readonly order = ++blocksMade;
  private released = new Set<number>();
  private readonly saved: number;

  constructor(
    private pullback: ((...heads: unknown[]) => unknown[]) | null,
    readonly inputs: unknown[],
    readonly leaves: NDArray[],
    private readonly slices: number[][],
    private readonly at: string,
  ) {
    this.saved = new Set(slices.flat()).size;
  }

  /** The gradients of the inputs (then the leaves'), given heads for some outputs. */
  pull(heads: unknown[], retainGraph: boolean): unknown[] {
    const ids = new Set(heads.flatMap((head, i) => (head === undefined ? [] : this.slices[i] ?? [])));
    if (this.pullback === null || [...ids].some((id) => this.released.has(id))) {
      throw new Error(
        `backward: the values recorded by autograd.record at ${this.at} that this gradient needs were released by an earlier backward(). ` +
          `To differentiate the same graph twice, pass { retainGraph: true } to every backward() but the last (MXNet's retain_graph=True).`,
      );
    }
    const gradients = this.pullback(...heads);
    if (!retainGraph) {
      for (const id of ids) this.released.add(id);
      // Nothing left that another backward could use: let the saved values go.
      if (this.released.size === this.saved && this.saved > 0) this.pullback = null;
    }
    return gradients;
  }
}

/**
 * Runs a compiled record block: its vjp in recording (and training) mode, then `assign`
 * with the outer variables' new values. Returns what the block returned. `variants` go
 * from the fewest inputs to all; the first that covers every argument needing a gradient
 * (one with attachGrad(), or computed by a record block) runs.
 */
export function record(variants: BlockVariant[], args: unknown[], info: BlockInfo, assign?: ((outputs: unknown[]) => void) | null, options?: { trainMode?: boolean }): unknown {
  const needsGradient = (array: unknown) => array instanceof NDArray && (array.gradRequest !== undefined || array.recordedBy !== undefined);
  for (const [name, i] of Object.entries(info.constants ?? {})) {
    const array = args[i];
    if (needsGradient(array)) {
      throw new Error(
        `autograd.record at ${info.at}: '${name}' was compiled as a constant (a const that, as far as the compiler follows it in this module, never gets a gradient), ` +
          `but its array ${(array as NDArray).gradRequest !== undefined ? "has a gradient attached" : "was computed in a record block"}. ` +
          `Call attachGrad() on it (or on what it was taken from) in this module, or declare it with let, so the block differentiates it.`,
      );
    }
  }
  const all = variants[variants.length - 1];
  const constants = new Set(Object.values(info.constants ?? {}));
  args.forEach((array, i) => {
    if (!all.inputs.includes(i) && !constants.has(i) && needsGradient(array)) {
      throw new Error(
        `autograd.record at ${info.at}: the block reads an array that needs a gradient (argument ${i}) where the compiler saw no NDArray; ` +
          `give its variable a type (let w: np.NDArray) so the block differentiates it.`,
      );
    }
  });
  args.forEach((arg, i) => {
    const field = all.inputs.includes(i) ? undefined : arrayNeedingGradientIn(arg, needsGradient);
    if (field !== undefined) {
      throw new Error(
        `autograd.record at ${info.at}: the block uses an object whole (argument ${i}) whose ${field} is an array that needs a gradient, which the compiler cannot follow there. ` +
          `Read the array as a field in the block (params.w), or pass the object to a function of this module that takes it as a record.`,
      );
    }
  });
  const variant = variants.find((v) => all.inputs.every((i) => v.inputs.includes(i) || !needsGradient(args[i]))) ?? all;
  // Only arrays a record block computed can call backward(): hooked here, not at load, so a bundle without record leaves this module out.
  setBackward(backward);
  const [outputs, pullback, leaves = []] = inModes(true, options?.trainMode ?? true, () => variant.vjp(...args));
  const block = new RecordedBlock(pullback, variant.inputs.map((i) => args[i]), leaves, variant.slices, info.at);
  outputs.forEach((output, index) => {
    // An input passed through unchanged keeps what it was (a leaf, or another block's output).
    if (output instanceof NDArray && output.gradRequest === undefined && !args.includes(output)) output.recordedBy = { block, index } satisfies Recorded;
  });
  assign?.(info.returns ? outputs.slice(1) : outputs);
  return info.returns ? outputs[0] : undefined;
}

/** Where a plain object or list holds an array that needs a gradient (`field 'w'`, `element 0`), a few levels down; undefined if nowhere. */
function arrayNeedingGradientIn(value: unknown, needsGradient: (array: unknown) => boolean, depth = 0): string | undefined {
  if (depth > 3 || value === null || typeof value !== "object" || value instanceof NDArray || ArrayBuffer.isView(value)) return undefined;
  const proto = Object.getPrototypeOf(value);
  const list = Array.isArray(value);
  if (!list && proto !== Object.prototype && proto !== null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const here = list ? `element ${key}` : `field '${key}'`;
    if (needsGradient(item)) return here;
    const inner = arrayNeedingGradientIn(item, needsGradient, depth + 1);
    if (inner !== undefined) return `${here}'s ${inner}`;
  }
  return undefined;
}

type Head = NDArray | number | undefined;

/** The head gradient for `y`: ones (MXNet's default), a number's array, or the user's array checked. */
function seedOf(caller: string, y: NDArray, head: Head): NDArray {
  if (head === undefined || typeof head === "number") return full(y.shape, head ?? 1, y.dtype);
  if (head.shape.length !== y.shape.length || head.shape.some((n, i) => n !== y.shape[i])) {
    throw new Error(`${caller}: the head gradient has shape (${head.shape.join(", ")}) but the array has shape (${y.shape.join(", ")})`);
  }
  // The user's array: generated rules may write into an adjoint they own, never into this.
  setOwnedArray(head, false);
  return head;
}

/**
 * The gradients of `heads` (with their head gradients) with respect to every array with
 * attachGrad() they reach through record blocks: each block's pullback runs once, newest
 * block first (a block's inputs come from older blocks, so by then all its heads are in).
 */
function propagate(caller: string, heads: [NDArray, Head][], retainGraph: boolean): Map<NDArray, NDArray> {
  const pending = new Map<RecordedBlock, unknown[]>();
  const addHead = ({ block, index }: Recorded, gradient: unknown) => {
    const given = pending.get(block) ?? [];
    given[index] = given[index] === undefined ? gradient : add(given[index] as NDArray, gradient as NDArray);
    pending.set(block, given);
  };
  const leafGradients = new Map<NDArray, NDArray>();
  const reach = (array: unknown, gradient: unknown) => {
    if (!(array instanceof NDArray)) return;
    // A gradient handed on is read by more than one owner from here: no rule may write into it.
    if (gradient instanceof NDArray) setOwnedArray(gradient, false);
    if (array.gradRequest !== undefined) {
      // A variable the graph reaches gets a gradient, zeros if nothing flowed to it (MXNet's write).
      const sum = leafGradients.get(array);
      if (gradient === undefined) leafGradients.set(array, sum ?? zerosLike(array));
      else leafGradients.set(array, sum === undefined ? (gradient as NDArray) : add(sum, gradient as NDArray));
    } else if (gradient !== undefined && array.recordedBy !== undefined) {
      addHead(array.recordedBy as Recorded, gradient);
    }
  };
  for (const [y, head] of heads) {
    if (!(y instanceof NDArray) || y.recordedBy === undefined) {
      throw new Error(`${caller}: an array it was given was not computed inside autograd.record(() => { ... }), so nothing recorded how to differentiate it`);
    }
    addHead(y.recordedBy as Recorded, seedOf(caller, y, head));
  }
  while (pending.size > 0) {
    let block = pending.keys().next().value!;
    for (const b of pending.keys()) if (b.order > block.order) block = b;
    const given = pending.get(block)!;
    pending.delete(block);
    const gradients = block.pull(given, retainGraph);
    block.inputs.forEach((input, k) => reach(input, gradients[k]));
    const leaves = (gradients[block.inputs.length] ?? []) as unknown[];
    block.leaves.forEach((leaf, j) => reach(leaf, leaves[j]));
  }
  return leafGradients;
}

/** Stores gradients into `.grad`: overwriting, or adding for attachGrad("add"). */
function store(gradients: Map<NDArray, NDArray>): void {
  for (const [array, gradient] of gradients) {
    if (array.gradRequest === "add") addInto(array.grad, gradient);
    else setItem(array.grad, "...", gradient);
  }
}

function backward(y: NDArray, head: Head, retainGraph: boolean): void {
  store(propagate("backward", [[y, head]], retainGraph));
}

/** The heads (one array or several) with their head gradients, paired. */
function paired(caller: string, heads: NDArray | NDArray[], headGrads: Head | Head[] | undefined): [NDArray, Head][] {
  const list = Array.isArray(heads) ? heads : [heads];
  const grads = headGrads === undefined ? [] : Array.isArray(headGrads) ? headGrads : [headGrads];
  if (grads.length > 0 && grads.length !== list.length) throw new Error(`${caller}: ${list.length} heads but ${grads.length} head gradients`);
  return list.map((y, i) => [y, grads[i]]);
}

/** MXNet's autograd.backward: the gradient of several heads at once, stored into `.grad`. */
export function backwardOf(heads: NDArray | NDArray[], headGrads?: Head | Head[], options?: { retainGraph?: boolean }): void {
  store(propagate("autograd.backward", paired("autograd.backward", heads, headGrads), options?.retainGraph ?? false));
}

/**
 * MXNet's autograd.grad: the gradients of the heads with respect to `variables` (arrays with
 * attachGrad()), returned rather than stored; `.grad` is left alone.
 */
export function gradOf(heads: NDArray | NDArray[], variables: NDArray | NDArray[], headGrads?: Head | Head[], options?: { retainGraph?: boolean }): NDArray[] {
  const list = Array.isArray(variables) ? variables : [variables];
  list.forEach((v, i) => {
    if (!(v instanceof NDArray) || v.gradRequest === undefined) {
      throw new Error(`autograd.grad: variable ${i} has no gradient attached; call attachGrad() on it before recording`);
    }
  });
  const gradients = propagate("autograd.grad", paired("autograd.grad", heads, headGrads), options?.retainGraph ?? false);
  return list.map((v) => {
    const g = gradients.get(v);
    return g === undefined ? zerosLike(v) : g.isContiguous && g.shape.length === v.shape.length ? g : copy(g);
  });
}

