// Slotted loops (compiler/reverse/slots.ts): a loop with no inner loop and no call writes its
// saves at its iteration's slot instead of pushing them. Which loops get it, and every program's
// gradient (those that must not get it too) against central differences (h = 1e-5, 6 digits)
// at 4 points, directly and through a caller, over Float64Array and number[].
import { describe, expect, it } from "vitest";
import { ValueStack } from "../runtime/stack.js";
import { checkedKernels, ownCode } from "./helpers/kernel-gradients.js";

/** Compiles `body` for each array kind and checks f's and the caller's gradients; returns each kind's code. */
const checked = (body: string, helpers = "", options = "", c = 0.6) => checkedKernels("loop-slots", body, helpers, options, c);

const slotted = (code: string) => /stack\.open(All)?Slots\(/.test(code);

const horner = `
  let y = 0;
  for (let i = x.length - 1; i >= 0; i--) {
    y = y * c + x[i];
    if (y > 1) y = y * 0.5;
  }
  return y;`;

describe("slotted loops", () => {
  it("Horner with a branch: the old y and the branch's flag at the iteration's two slots", async () => {
    for (const code of await checked(horner)) {
      const own = ownCode(code);
      // Its trip count is exact: room for all of it, and no check per iteration.
      expect(own).toContain("const base = stack.openAllSlots(2 * (i + 1)),");
      expect(own).not.toContain("moreSlots");
      expect(own).toMatch(/slots\[base \+ 2 \* trips\] = y;/);
      expect(own).toMatch(/slots\[base \+ 2 \* trips \+ 1\] = t\d+ \? 1 : 0;/);
      expect(own).not.toMatch(/stack\.push(Bit)?\(/);
    }
  });

  it("through a helper's halves: the forward holds the block, the reverse gives it back", async () => {
    // f calls a function after the loop, so g calls f's halves rather than inlining it.
    const [code] = await checked(horner.replace("return y;", "return half(y);"), "function half(v: number): number { if (v > 1e9) return v; return v * 0.5; }");
    expect(code).toMatch(/function f\$fwd\(stack[\s\S]*stack\.holdSlots\(2 \* trips\);[\s\S]*function f\$rev\(stack[\s\S]*stack\.popSlots\(2 \* trips\)/);
  });

  it("a loop with no trip count on entry grows its block as it runs (past the stack's first 64 slots)", async () => {
    const codes = await checked(`
  let y = c;
  let k = 0;
  while (y < 40) {
    y = y * 1.02 + Math.sin(y) * x[k % x.length] * 0.05 + 0.1;
    k++;
  }
  return y;`);
    for (const code of codes) expect(ownCode(code)).toContain("stack.openSlots(0);");
  });

  it("an early exit (break, return) leaves room unused, and the gradient right", async () => {
    await checked(`
  let y = c;
  for (let i = 0; i < 1000; i++) {
    if (y > 2) break;
    y = Math.sin(y) * x[i % x.length] * 0.5 + y;
  }
  return y;`);
    const codes = await checked(`
  let y = c;
  for (let i = 0; i < x.length; i++) {
    y = y * x[i] + 0.5;
    if (y > 1.5) return y * 0.5;
  }
  return y;`);
    for (const code of codes) expect(slotted(ownCode(code))).toBe(true);
  });

  it("room for an exact trip count: no check per iteration; a bound the loop may change keeps the check", async () => {
    // Counted from the end, by 2, and up to a constant: exact.
    for (const loop of ["for (let i = x.length - 1; i >= 0; i--)", "for (let i = 0; i < x.length; i += 2)", "for (let i = 0; i < 3; i++)"]) {
      const codes = await checked(`
  let y = c;
  ${loop} y = Math.sin(y * x[i % x.length]) + c;
  return y;`);
      for (const code of codes) {
        expect(ownCode(code)).toContain("openAllSlots(");
        expect(ownCode(code)).not.toContain("moreSlots");
      }
    }
    // A number[] that grows as the loop runs over its length: the check stays.
    const codes = await checked(`
  const marks: number[] = [0, 0];
  let s = c;
  for (let i = 0; i < marks.length; i++) {
    s = Math.sin(s + x[i % x.length]) * c;
    if (marks.length < 6) marks.push(1);
  }
  return s;`);
    // (A store at marks.length is refused: it grows the array unseen, error-array-append.)
    for (const code of codes) expect(ownCode(code)).not.toContain("openAllSlots");
    // An early exit keeps it too.
    const exits = await checked(`
  let y = c;
  for (let i = 0; i < x.length; i++) {
    y = y * x[i] + 0.5;
    if (y > 1.5) break;
  }
  return y;`);
    for (const code of exits) expect(ownCode(code)).toContain("moreSlots");
  });

  it("a loop whose counter the body writes too", async () => {
    await checked(`
  let y = c;
  for (let i = 0; i < x.length; i++) {
    y = Math.sin(y + x[i]);
    if (y > 0.5) i++;
  }
  return y;`);
  });

  it("the inner loop of two, each outer iteration's block held and given back in turn", async () => {
    const codes = await checked(`
  let s = c;
  for (let r = 0; r < 3; r++) {
    for (let i = 0; i < x.length; i++) s = Math.sin(s * x[i] + r);
    s = s * s;
  }
  return s;`);
    for (const code of codes) {
      const own = ownCode(code);
      expect(own.match(/stack\.open(All)?Slots\(/g)).toHaveLength(1);
      // The outer loop pushes what it saves.
      expect(own).toMatch(/stack\.push\(s\);/);
    }
  });

  it("element stores a loop overwrites: the old elements at the slots", async () => {
    const codes = await checked(`
  const y = Float64Array.from(x);
  for (let i = 1; i < y.length; i++) y[i] = y[i - 1] * c + Math.sin(y[i]);
  for (let i = y.length - 2; i >= 0; i--) y[i] = y[i + 1] * y[i];
  return y[0] + y[y.length - 1];`);
    for (const code of codes) expect(ownCode(code)).toMatch(/slots\d*\[[^\]]+\] = y\[i\];/);
  });
});

describe("loops not slotted", () => {
  it("a loop calling a module function (its half may open a block of its own)", async () => {
    // step calls a function that returns early (not small), so it is called through its halves, not inlined.
    const helper = "function twice(u: number): number { if (u > 1e9) return u; return u * 2; }\nfunction step(v: number, w: number): number { return twice(Math.sin(v)) + w; }";
    const codes = await checked(`
  let y = c;
  for (let i = 0; i < x.length; i++) y = step(y, x[i]) * c;
  return y;`, helper);
    for (const code of codes) expect(ownCode(code)).not.toMatch(/open(All)?Slots/);
  });

  it("a checkpointed loop, and every loop of its function", async () => {
    const codes = await checked(`
  let y = c;
  for (let i = 0; i < x.length; i++) y = Math.sin(y) * x[i] + y;
  for (let i = 0; i < x.length; i++) y = Math.cos(y) * x[i];
  return y;`, "", ", checkpoint: { snapshots: 2 }");
    for (const code of codes) expect(ownCode(code)).not.toMatch(/open(All)?Slots/);
  });

  it("a loop whose test saves (it runs once more than the body)", async () => {
    await checked(`
  let y = c;
  let i = 0;
  while ((y = y * 0.9 + x[i % x.length]) < 3 && i < 50) i++;
  return y;`);
  });
});

describe("the stack's slots", () => {
  it("blocks held in turn are given back last first; a loop past its room gets more", () => {
    const stack = new ValueStack();
    const outer = stack.openSlots(2);
    stack.slots[outer] = 1;
    stack.slots[outer + 1] = 2;
    stack.holdSlots(2);
    const inner = stack.openSlots(0);
    let slots = stack.slots;
    for (let k = 0; k < 300; k++) {
      if (inner + 3 * k + 3 > slots.length) slots = stack.moreSlots(inner + 3 * k + 3);
      slots[inner + 3 * k] = k;
      slots[inner + 3 * k + 1] = -k;
      slots[inner + 3 * k + 2] = k * k;
    }
    stack.holdSlots(900);
    stack.rewind();
    const back = stack.popSlots(900);
    expect(back).toBe(inner);
    expect([stack.slots[back + 3 * 299], stack.slots[back + 3 * 299 + 2]]).toEqual([299, 299 * 299]);
    expect(stack.popSlots(2)).toBe(outer);
    expect([stack.slots[outer], stack.slots[outer + 1]]).toEqual([1, 2]);
    // More at once than the stack doubles to: grown to the slot asked for.
    const wide = stack.openSlots(0);
    const grown = stack.moreSlots(wide + 5000);
    expect(grown.length).toBeGreaterThanOrEqual(wide + 5000);
  });
});
