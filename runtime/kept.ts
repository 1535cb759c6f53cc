// The arrays one compiled `out: true` entry point keeps between calls (compiler/reverse/kept.ts).
// A kept adjoint is refilled with zeros each call unless an argument shares memory with it (it
// is that array, or a view of its buffer): then that slot gets a new array, and the argument
// is read as given. Comparing memory takes `.buffer` reads (~12 ns each), so each argument
// position remembers the last argument found apart from every kept array: a typed array's
// buffer never changes, and a kept array made later is new memory no earlier array views.
import { overlap } from "./overlap.js";
import { refill } from "./zeros.js";
import type { NumericArray } from "./generated.js";

export class KeptArrays {
  private arrays: (NumericArray | undefined)[];
  /** Per array parameter: the last argument that shares no element with a kept array. */
  private apart: unknown[];

  constructor(slots: number, parameters: number) {
    this.arrays = new Array<NumericArray | undefined>(slots).fill(undefined);
    this.apart = new Array<unknown>(parameters).fill(undefined);
  }

  /** Array parameter `i`'s argument this call: a kept array it shares memory with is let go. */
  argument(i: number, argument: unknown): void {
    if (this.apart[i] === argument) return;
    for (let j = 0; j < this.arrays.length; j++) if (overlap(this.arrays[j], argument)) this.arrays[j] = undefined;
    this.apart[i] = argument;
  }

  /** Slot `j`'s array zeroed, or a new one where it has not `like`'s kind and length. */
  refill<T extends NumericArray>(j: number, like: T): T {
    const made = refill(this.arrays[j] as T | undefined, like);
    this.arrays[j] = made;
    return made;
  }
}

/** A compiled `out: true` entry point's kept arrays: `slots` adjoints, compared with `parameters` array arguments. */
export function keptArrays(slots: number, parameters: number): KeptArrays {
  return new KeptArrays(slots, parameters);
}
