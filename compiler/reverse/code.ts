// Operands and expressions as JavaScript: as the forward sweep (and forward mode) writes them (inlined
// temporaries in place) and as the reverse sweep reads them (rematerialised ones recomputed).
import type { Expr, Operand } from "../ir/index.js";
import { argForRule, scalarRules } from "../rules/scalar.js";
import type { Reverser } from "./reverser.js";

/** What printing the primal's operands and expressions needs: shared with forward mode (compiler/forward/). */
export type Printer = Pick<Reverser, "inlined" | "isArray" | "isNdarray"> & { options: { runtime: string } };

/** An operand's code: a variable, a literal, or the expression of an inlined temporary. */
export function code(r: Printer, op: Operand): string {
  if (op.kind === "const") return op.code;
  return r.inlined.get(op.name) ?? op.name;
}

/** An operand inside a larger expression: parenthesized unless atomic. */
export function argCode(r: Printer, op: Operand): string {
  const text = code(r, op);
  return /^[\w$.]+$/.test(text) || /^[\w$.]+\([^()]*\)$/.test(text) ? text : `(${text})`;
}

export function exprCode(r: Printer, expr: Expr): string {
  switch (expr.kind) {
    case "stop":
      // A detached NDArray is an array of its own (sharing the elements), as x.detach() gives.
      return expr.arg.kind === "var" && r.isNdarray(expr.arg.name) ? `${argCode(r, expr.arg)}.detach()` : code(r, expr.arg);
    case "copy":
    case "leaf":
      return code(r, expr.arg);
    case "prim":
      return scalarRules[expr.op].js(expr.args.map((a) => argCode(r, a)));
    case "call":
      if (expr.render) return expr.render(expr.args.map((a) => code(r, a)));
      return `${expr.callee.kind === "local" ? expr.callee.key : expr.callee.binding}(${expr.args.map((a) => code(r, a)).join(", ")})`;
    case "opaque":
      return expr.render(expr.args.map((a) => argCode(r, a)), r.options.runtime);
    case "np":
      return expr.render(expr.args.map((a) => argCode(r, a)));
    case "load":
      return `${code(r, expr.array)}[${code(r, expr.index)}]`;
    case "shape":
      return `${r.options.runtime}.shapeOf(${code(r, expr.arg)})`;
    case "view":
      return `${argCode(r, expr.arg)}.subarray(${expr.args.map((a) => code(r, a)).join(", ")})`;
    case "alloc": {
      const arg = code(r, expr.arg);
      const copies = expr.arg.kind === "var" && r.isArray(expr.arg.name);
      if (expr.ctor === "same") return `${arg}.slice(${(expr.range ?? []).map((a) => code(r, a)).join(", ")})`;
      if (expr.ctor === "Array") return copies ? `Array.from(${arg})` : `new Array(${arg})`;
      return `new ${expr.ctor}(${arg})`;
    }
  }
}

/** An operand as the reverse sweep reads it: a rematerialized temporary is computed again. */
export function rcode(r: Reverser, op: Operand): string {
  const remat = op.kind === "var" ? r.a.rematerialized.get(op.name) : undefined;
  if (!remat) return op.kind === "const" ? op.code : op.name;
  const { expr } = remat.assign;
  if (expr.kind === "load") return `${rcode(r, expr.array)}[${rcode(r, expr.index)}]`;
  if (expr.kind !== "prim") return op.kind === "var" ? op.name : "";
  const code = scalarRules[expr.op].js(expr.args.map((arg) => rarg(r, arg)));
  return `(${code})`;
}

export function rarg(r: Reverser, op: Operand): string {
  const text = rcode(r, op);
  return op.kind === "const" && text.startsWith("-") ? `(${text})` : text;
}

export function ruleArg(r: Reverser, op: Operand) {
  return op.kind === "var" && r.a.rematerialized.has(op.name) ? { code: rcode(r, op) } : argForRule(op);
}

/** `x = a + b`, written `x += b` when it accumulates into x. */
export function assignment(r: Printer, target: string, expr: Expr): string {
  if (expr.kind === "prim" && (expr.op === "add" || expr.op === "sub" || expr.op === "mul") && expr.args[0].kind === "var" && expr.args[0].name === target) {
    const op = { add: "+", sub: "-", mul: "*" }[expr.op];
    const right = expr.args[1];
    if (right.kind === "const" && right.code === "1" && op !== "*") return `${target}${op}${op};`;
    return `${target} ${op}= ${code(r, right)};`;
  }
  return `${target} = ${exprCode(r, expr)};`;
}
