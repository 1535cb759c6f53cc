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
  if (object.type !== "Identifier") return undefined;
  const array = l.lookup(object.name);
  if (!array || l.ndarrays.has(array)) return undefined;
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
