// The pooled value stack generated gradients save arrays on: slots are reused from one run
// to the next, and nothing saved in one run is seen, or kept alive, by the next.
import { describe, expect, it } from "vitest";
import { ValueStack } from "../../runtime/stack.js";

describe("ValueStack references", () => {
  it("pop in reverse order, and a released stack starts empty with no stale references", () => {
    const first = ValueStack.acquire();
    const [a, b, c] = [{ n: 1 }, { n: 2 }, { n: 3 }];
    first.pushRef(a);
    first.pushRef(b);
    first.pushRef(c);
    first.rewind();
    expect(first.popRef()).toBe(c);
    expect(first.popRef()).toBe(b);
    // released before every reference was popped: the rest must be dropped too
    first.release();
    expect((first as unknown as { refs: unknown[] }).refs.every((r) => r === undefined)).toBe(true);

    const second = ValueStack.acquire();
    expect(second).toBe(first);
    const d = { n: 4 };
    second.pushRef(d);
    second.rewind();
    expect(second.popRef()).toBe(d);
    second.rewind();
    expect(second.popRef()).toBeUndefined(); // once: a popped reference is let go
    second.release();
  });

  it("a vjp's stack (not pooled) replays its references on every rewind", () => {
    const stack = new ValueStack();
    const [a, b] = [{ n: 1 }, { n: 2 }];
    stack.pushRef(a);
    stack.pushRef(b);
    for (let run = 0; run < 2; run++) {
      stack.rewind();
      expect(stack.popRef()).toBe(b);
      expect(stack.popRef()).toBe(a);
    }
  });
});

describe("ValueStack element blocks", () => {
  it("puts back each array's elements, interleaved with numbers, past the initial capacity, on every rewind", () => {
    const stack = new ValueStack();
    const typed = Float64Array.from({ length: 100 }, (_, i) => i * 0.5);
    const plain = [0.25, -1, 3];
    stack.push(7);
    stack.pushElements(typed);
    stack.push(8);
    stack.pushElements(plain);
    typed.fill(-2);
    plain.fill(9);
    for (let run = 0; run < 2; run++) {
      stack.rewind();
      stack.popElements(plain);
      expect(stack.pop()).toBe(8);
      stack.popElements(typed);
      expect(stack.pop()).toBe(7);
      expect(plain).toEqual([0.25, -1, 3]);
      expect(Array.from(typed)).toEqual(Array.from({ length: 100 }, (_, i) => i * 0.5));
    }
  });
});
