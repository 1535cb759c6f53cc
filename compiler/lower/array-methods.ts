// Array methods that write into their array (`a.push(v)`, `v = a.pop()`, `a.splice(i, 1, x)`,
// `a.set(b, k)`, …) as one `method` statement each, by their rule in rules/array-methods.ts.
// Anything else (a spread argument, a receiver that is not a local array, `sort`) is left to
// calls.ts, which refuses it where a gradient is involved.
import type * as t from "@babel/types";
import { spanOf } from "../ast.js";
import { v, type Operand } from "../ir/index.js";
import { arrayMethodRule } from "../rules/array-methods.js";
import { UNDEFINED, type Lowering } from "./lowerer.js";

export function arrayMethodCall(l: Lowering, object: t.Expression, property: string, node: t.CallExpression, target?: string): Operand | undefined {
  // A new array written at once (`x.slice().reverse()`, `[...x].fill(0)`): made into a temporary first.
  if (makesArray(object) && !node.arguments.some((arg) => arg.type === "SpreadElement") && arrayMethodRule(property, node.arguments.length)?.result === "self") {
    const made = l.expr(object);
    if (made.kind !== "var") return undefined;
    return methodOn(l, made.name, property, node, target);
  }
  if (object.type !== "Identifier") return undefined;
  const array = l.lookup(object.name);
  if (!array) return undefined;
  return methodOn(l, array, property, node, target);
}

/** An array literal or a method that makes a new array of numbers (never an NDArray's: np calls are not methods of an array). */
function makesArray(object: t.Expression): boolean {
  if (object.type === "ArrayExpression") return true;
  if (object.type !== "CallExpression" || object.callee.type !== "MemberExpression" || object.callee.property.type !== "Identifier") return false;
  const receiver = object.callee.object;
  const name = object.callee.property.name;
  if (receiver.type === "Identifier" && /^(Array|Float64Array|Float32Array)$/.test(receiver.name)) return name === "from" || name === "of";
  return ["slice", "map", "concat", "filter"].includes(name) && !(receiver.type === "Identifier" && receiver.name === "np");
}

function methodOn(l: Lowering, array: string, property: string, node: t.CallExpression, target?: string): Operand | undefined {
  if (l.ndarrays.has(array)) return undefined;
  if (node.arguments.some((arg) => arg.type === "SpreadElement" || arg.type === "ArgumentPlaceholder")) return undefined;
  const rule = arrayMethodRule(property, node.arguments.length);
  if (!rule) return undefined;
  const args = l.arguments(node.arguments);
  // What it returns that carries a derivative goes to a temporary only this statement assigns.
  // A generated gradient's plain stack gives back the NDArrays it holds into NDArray variables (reverse/index.ts stackKind).
  const element = target !== undefined && l.ndarrays.has(target) ? "ndarray" : "number";
  const result = rule.result === "element" ? l.temp(element) : rule.result === "removed" ? l.temp("array") : undefined;
  l.emit({ kind: "method", array, method: property, args, target: result, at: spanOf(node) });
  switch (rule.result) {
    case "element":
    case "removed":
      return target ? l.compute({ kind: "copy", arg: v(result!) }, target) : v(result!);
    case "length":
      // The new length: a number with no derivative.
      return l.compute({ kind: "prim", op: "length", args: [v(array)] }, target, "number");
    case "self":
      return target ? l.compute({ kind: "copy", arg: v(array) }, target) : v(array);
    case "none":
      return UNDEFINED;
  }
}
