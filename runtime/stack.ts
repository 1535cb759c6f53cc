// The value stack generated code saves overwritten values on (as Tangent and Tapenade do).
// Pops only move a cursor, so a pullback can run the reverse sweep more than once:
// `rewind()` puts the cursor back on top.

const INITIAL_CAPACITY = 64;

export class ValueStack {
  private floats = new Float64Array(INITIAL_CAPACITY);
  private floatCount = 0;
  private floatCursor = 0;
  private ints = new Int32Array(INITIAL_CAPACITY);
  private intCount = 0;
  private intCursor = 0;
  private bits = new Uint8Array(INITIAL_CAPACITY);
  private bitCount = 0;
  private bitCursor = 0;
  private refs: unknown[] = [];
  private refCount = 0;
  private refCursor = 0;

  /**
   * A slotted loop's saves (compiler/reverse/slots.ts): each iteration's at its own index of a
   * block claimed before the loop, so no cursor moves per value.
   */
  slots = new Float64Array(INITIAL_CAPACITY);
  private slotCount = 0;
  private slotCursor = 0;

  /**
   * The first index of a block with room for all of `count` slots: a loop whose trip count is
   * exact writes them with no check per iteration (compiler/reverse/slots.ts), so no cap here.
   */
  openAllSlots(count: number): number {
    const needed = this.slotCount + (count > 0 ? Math.ceil(count) : 0);
    if (needed > this.slots.length) {
      let length = Math.max(this.slots.length, 1);
      while (length < needed) length *= 2;
      this.slots = enlarged(this.slots, length);
    }
    return this.slotCount;
  }

  /** The first index of a block of slots past those held, with room for `count` (a hint, at most 2^20 at a time). */
  openSlots(count: number): number {
    const needed = this.slotCount + (count > 0 ? Math.min(Math.ceil(count), 1 << 20) : 0);
    if (needed > this.slots.length) {
      let length = this.slots.length;
      while (length < needed) length *= 2;
      this.slots = enlarged(this.slots, length);
    }
    return this.slotCount;
  }

  /** Room for `needed` slots in all (doubling), for a loop running past the room it was given; returns them. */
  moreSlots(needed: number): Float64Array {
    let length = this.slots.length * 2;
    while (length < needed) length *= 2;
    return (this.slots = enlarged(this.slots, length));
  }

  /** After the loop: its block, `used` slots, held until the reverse sweep gives it back. */
  holdSlots(used: number): void {
    this.slotCount += used;
  }

  /** The first index of the last block held (`used` slots), given back for the reverse sweep to read. */
  popSlots(used: number): number {
    return (this.slotCursor -= used);
  }

  /** Saves a number (a value the forward sweep is about to overwrite). */
  push(value: number): void {
    if (this.floatCount === this.floats.length) this.floats = grow(this.floats, Float64Array);
    this.floats[this.floatCount++] = value;
  }

  /**
   * Room for `count` more numbers, made at once (a loop's trip count times its pushes per
   * step; a hint, so any count is safe). At most 2^20 (8 MB) at a time: a loop that may
   * exit early is not given memory it may never use; past that the stack doubles as it fills.
   */
  reserve(count: number): void {
    if (!(count > 0)) return;
    const needed = this.floatCount + Math.min(Math.ceil(count), 1 << 20);
    if (needed <= this.floats.length) return;
    let length = this.floats.length;
    while (length < needed) length *= 2;
    const bigger = new Float64Array(length);
    bigger.set(this.floats);
    this.floats = bigger;
  }

  pop(): number {
    return this.floats[--this.floatCursor];
  }

  /**
   * Saves every element of an array a loop is about to overwrite one by one, in one block
   * (a `slice()` per loop run costs a new buffer: about 1 µs for 1,000 elements).
   */
  pushElements(array: Float64Array | Float32Array | number[]): void {
    const n = array.length;
    if (this.floatCount + n > this.floats.length) {
      let length = this.floats.length;
      while (length < this.floatCount + n) length *= 2;
      const bigger = new Float64Array(length);
      bigger.set(this.floats.subarray(0, this.floatCount));
      this.floats = bigger;
    }
    this.floats.set(array, this.floatCount);
    this.floatCount += n;
  }

  /** Puts back what `pushElements` saved of the array (its length has not changed since). */
  popElements(array: Float64Array | Float32Array | number[]): void {
    const n = array.length;
    const from = (this.floatCursor -= n);
    if (Array.isArray(array)) {
      for (let i = 0; i < n; i++) array[i] = this.floats[from + i];
    } else {
      array.set(this.floats.subarray(from, from + n));
    }
  }

  /** Saves an integer: a trip count, a branch taken among several. */
  pushInt(value: number | boolean): void {
    if (this.intCount === this.ints.length) this.ints = grow(this.ints, Int32Array);
    this.ints[this.intCount++] = value as number;
  }

  popInt(): number {
    return this.ints[--this.intCursor];
  }

  /** Saves a flag (a branch's condition, a break flag): one byte. */
  pushBit(value: boolean): void {
    if (this.bitCount === this.bits.length) this.bits = grow(this.bits, Uint8Array);
    this.bits[this.bitCount++] = value ? 1 : 0;
  }

  popBit(): boolean {
    return this.bits[--this.bitCursor] === 1;
  }

  /** Saves an object: a callee's pullback, an array. */
  pushRef(value: unknown): void {
    // Slots are reused from one run to the next (release() empties them but keeps the array).
    if (this.refCount < this.refs.length) this.refs[this.refCount++] = value;
    else {
      this.refs.push(value);
      this.refCount++;
    }
  }

  popRef<T>(): T {
    const value = this.refs[--this.refCursor] as T;
    // A gradient entry point's reverse sweep runs once: let go of arrays as it passes them.
    if (this.once) this.refs[this.refCursor] = undefined;
    return value;
  }

  private static pool: ValueStack[] = [];

  /** A stack for a gradient entry point, which gives it back (`release`) when its reverse sweep is done. */
  static acquire(): ValueStack {
    const stack = ValueStack.pool.pop() ?? new ValueStack();
    stack.once = true;
    return stack;
  }

  /** Popped references are dropped (set by acquire: its reverse sweep is not repeated). */
  private once = false;

  release(): void {
    this.clear();
    if (this.refs.length > 4096) this.refs.length = 0; // a very long run: give the slots back too
    ValueStack.pool.push(this);
  }

  /** Empties the stack (a checkpointed loop's tape, after each step), keeping its slots for the next run. */
  clear(): void {
    this.noteHighWater();
    this.floatCount = this.floatCursor = 0;
    this.intCount = this.intCursor = 0;
    this.bitCount = this.bitCursor = 0;
    this.slotCount = this.slotCursor = 0;
    // Let go of every saved reference.
    const refs = this.refs;
    for (let i = 0; i < this.refCount; i++) refs[i] = undefined;
    this.refCount = this.refCursor = 0;
  }

  /** The most values any stack held at once when it was released or cleared (for the benchmarks). */
  static highWater = 0;

  private noteHighWater(): void {
    const held = this.floatCount + this.intCount + this.bitCount + this.refCount + this.slotCount;
    if (held > ValueStack.highWater) ValueStack.highWater = held;
  }

  /** Starts a reverse sweep: every pop reads from the top again. */
  rewind(): void {
    this.floatCursor = this.floatCount;
    this.intCursor = this.intCount;
    this.bitCursor = this.bitCount;
    this.slotCursor = this.slotCount;
    this.refCursor = this.refCount;
  }
}

function enlarged(data: Float64Array, length: number) {
  const bigger = new Float64Array(length);
  bigger.set(data);
  return bigger;
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(
  data: T,
  Kind: { new (length: number): T },
): T {
  const bigger = new Kind(data.length * 2);
  bigger.set(data);
  return bigger;
}
