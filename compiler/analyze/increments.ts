// Element increments: `a[i] += e` lowers to a load, an add and a store of the same element.
// Their three adjoints (take da[i] and zero it, pass it through the add, add it back for the
// load) come to `de += da[i]`, with da[i] left as it was: the reverse sweep writes that.
import type { Assign, IRFunction, Operand, Stmt } from "../ir/index.js";
import type { InferredType } from "./types.js";

export interface Increment {
  /** The load and the add the store's reverse stands for. */
  parts: [Assign, Assign];
  /** What is added (or, with sign -1, subtracted). */
  addend: Operand;
  sign: 1 | -1;
}

const sameOperand = (a: Operand, b: Operand) => (a.kind === "var" && b.kind === "var" && a.name === b.name) || (a.kind === "const" && b.kind === "const" && a.code === b.code);

/**
 * Stores that increment their element: `t = a[i]; u = t + e; a[i] = u` in a row, t and u
 * temporaries read only there, e a number.
 */
export function incrementsOf(fn: IRFunction, singleUse: Set<string>, types: Map<string, InferredType>): Map<Stmt, Increment> {
  const found = new Map<Stmt, Increment>();
  const visit = (block: Stmt[]) => {
    block.forEach((s, at) => {
      if (s.kind === "if") {
        visit(s.then);
        visit(s.else);
      } else if (s.kind === "loop") {
        visit(s.pre);
        visit(s.body);
      }
      const [load, add] = [block[at - 2], block[at - 1]];
      if (s.kind !== "store" || load?.kind !== "assign" || add?.kind !== "assign" || s.value.kind !== "var" || s.value.name !== add.target) return;
      if (load.expr.kind !== "load" || load.expr.array.kind !== "var" || load.expr.array.name !== s.array || !sameOperand(load.expr.index, s.index)) return;
      if (add.expr.kind !== "prim" || (add.expr.op !== "add" && add.expr.op !== "sub")) return;
      if (![load.target, add.target].every((t) => fn.locals.get(t)?.temp && singleUse.has(t))) return;
      const [first, second] = add.expr.args;
      const isLoaded = (op: Operand) => op.kind === "var" && op.name === load.target;
      const addend = isLoaded(first) ? second : add.expr.op === "add" && isLoaded(second) ? first : null;
      if (!addend || isLoaded(addend) || (addend.kind === "var" && types.get(addend.name) !== "number")) return;
      found.set(s, { parts: [load, add], addend, sign: add.expr.op === "add" ? 1 : -1 });
    });
  };
  visit(fn.body);
  return found;
}
