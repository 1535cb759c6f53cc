// The run-time half of MXNet's imperative API. A record block is compiled into one vjp
// (forward code plus one pullback); `record` runs it and remembers, for each output, the
// block and the pullback. `backward()` walks these blocks, newest first, never a
// per-operation tape: one pullback call per block.
import { add } from "./np/elementwise.js";
import { full, zerosLike } from "./np/create.js";
import { setItem } from "./np/shapeops.js";
import { addInto } from "./np/vjp.js";
import { NDArray, setBackward, setOwnedArray } from "./np/ndarray.js";

let recording = false;
let training = false;

/** MXNet's autograd state: recording inside `record`, training unless told otherwise. */
export const modes = {
  isRecording: (): boolean => recording,
  isTraining: (): boolean => training,
  /** Sets whether operations are recorded; returns the previous setting. */
  setRecording(flag: boolean): boolean {
    const previous = recording;
    recording = flag;
    return previous;
  },
  /** Sets training (true) or prediction mode; returns the previous setting. */
  setTraining(flag: boolean): boolean {
    const previous = training;
    training = flag;
    return previous;
  },
};

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
        `autograd.record at ${info.at}: '${name}' was compiled as a constant (a const this module never calls attachGrad() on), ` +
          `but its array ${(array as NDArray).gradRequest !== undefined ? "has a gradient attached" : "was computed in a record block"}. ` +
          `Call ${name}.attachGrad() by that name in this module, or declare it with let, so the block differentiates it.`,
      );
    }
  }
  const all = variants[variants.length - 1];
  const variant = variants.find((v) => all.inputs.every((i) => v.inputs.includes(i) || !needsGradient(args[i]))) ?? all;
  const wasRecording = modes.setRecording(true);
  const wasTraining = modes.setTraining(options?.trainMode ?? true);
  let ran;
  try {
    ran = variant.vjp(...args);
  } finally {
    modes.setRecording(wasRecording);
    modes.setTraining(wasTraining);
  }
  const [outputs, pullback, leaves = []] = ran;
  const block = new RecordedBlock(pullback, variant.inputs.map((i) => args[i]), leaves, variant.slices, info.at);
  outputs.forEach((output, index) => {
    // An input passed through unchanged keeps what it was (a leaf, or another block's output).
    if (output instanceof NDArray && output.gradRequest === undefined && !args.includes(output)) output.recordedBy = { block, index } satisfies Recorded;
  });
  assign?.(info.returns ? outputs.slice(1) : outputs);
  return info.returns ? outputs[0] : undefined;
}

function backward(y: NDArray, head: NDArray | number | undefined, retainGraph: boolean): void {
  const start = y.recordedBy as Recorded;
  let seed: NDArray;
  if (head === undefined || typeof head === "number") seed = full(y.shape, head ?? 1, y.dtype);
  else if (head.shape.length !== y.shape.length || head.shape.some((n, i) => n !== y.shape[i])) {
    throw new Error(`backward: the head gradient has shape (${head.shape.join(", ")}) but the array has shape (${y.shape.join(", ")})`);
  } else {
    // The user's array: generated rules may write into an adjoint they own, never into this.
    setOwnedArray(head, false);
    seed = head;
  }

  // Heads gathered per block; a block's inputs come from older blocks, so newest first sees them all.
  const pending = new Map<RecordedBlock, unknown[]>();
  const addHead = ({ block, index }: Recorded, gradient: unknown) => {
    const heads = pending.get(block) ?? [];
    heads[index] = heads[index] === undefined ? gradient : add(heads[index] as NDArray, gradient as NDArray);
    pending.set(block, heads);
  };
  const leafGradients = new Map<NDArray, NDArray>();
  const reach = (array: unknown, gradient: unknown) => {
    if (!(array instanceof NDArray)) return;
    if (array.gradRequest !== undefined) {
      // A variable the graph reaches gets a gradient, zeros if nothing flowed to it (MXNet's write).
      const sum = leafGradients.get(array);
      if (gradient === undefined) leafGradients.set(array, sum ?? zerosLike(array));
      else leafGradients.set(array, sum === undefined ? (gradient as NDArray) : add(sum, gradient as NDArray));
    } else if (gradient !== undefined && array.recordedBy !== undefined) {
      addHead(array.recordedBy as Recorded, gradient);
    }
  };
  addHead(start, seed);
  while (pending.size > 0) {
    let block = pending.keys().next().value!;
    for (const b of pending.keys()) if (b.order > block.order) block = b;
    const heads = pending.get(block)!;
    pending.delete(block);
    const gradients = block.pull(heads, retainGraph);
    block.inputs.forEach((input, k) => reach(input, gradients[k]));
    const leaves = (gradients[block.inputs.length] ?? []) as unknown[];
    block.leaves.forEach((leaf, j) => reach(leaf, leaves[j]));
  }
  for (const [array, gradient] of leafGradients) {
    if (array.gradRequest === "add") addInto(array.grad, gradient);
    else setItem(array.grad, "...", gradient);
  }
}

setBackward(backward);
