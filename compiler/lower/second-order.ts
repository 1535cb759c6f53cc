// A generated NDArray gradient read back to be differentiated again (driver/nested.ts): its
// calls of the runtime become `np` expressions of derived rules (rules/np.ts), so forward
// mode gives each its tangent from the runtime's second-order tables. `R.vjp(…)[p]`, rule R's
// vjp read at parameter p's adjoint; the helpers accumulate, orZerosLike and sumToNumber;
// seed, a constant. (Such a gradient has no shape stand-ins: driver/nested.ts optimizes without them.)
import type * as t from "@babel/types";
import { unwrap } from "../ast.js";
import type { Operand } from "../ir/index.js";
import { npRule } from "../rules/np.js";
import { constantCall, UNDEFINED, type Lowering } from "./lowerer.js";

/** `rt.secondOrder.adjoints.R.vjp(dout, ...args, out, need?)[p]`, or undefined if the node is not such a read. */
export function vjpPick(l: Lowering, node: t.MemberExpression, target?: string): Operand | undefined {
  const picks: number[] = [];
  let at: t.Expression = node;
  while (at.type === "MemberExpression" && at.computed && at.property.type === "NumericLiteral") {
    picks.unshift(at.property.value);
    at = unwrap(at.object);
  }
  if (at.type !== "CallExpression") return undefined;
  const path = runtimePath(l, at.callee as t.Expression);
  if (path?.length !== 5 || path[1] !== "secondOrder" || path[2] !== "adjoints" || path[4] !== "vjp") return undefined;
  const rule = npRule(`vjp:${path[3]}`);
  if (!rule) return undefined;
  if (at.arguments.some((a) => a.type === "ArrayExpression" && !isNeed(a))) {
    l.report("ADJ016", at, `the gradient of ${path[3]} of a list, differentiated again`);
    return UNDEFINED;
  }
  const args = at.arguments.map((a) => (isNeed(a) ? ({ kind: "const", code: needCode(a as t.ArrayExpression) } as Operand) : l.arguments([a])[0]));
  const padded = [...args, ...Array.from({ length: rule.params.length - args.length }, () => UNDEFINED)];
  // The adjoint of a number operand is a number; of an NDArray, an NDArray.
  const operand = padded[1 + picks[0]];
  const result = operand && (operand.kind === "const" ? operand.code !== "undefined" : !l.ndarrays.has(operand.name)) ? "number" : "ndarray";
  const callee = l.ctx.source.slice(at.callee.start!, at.callee.end!);
  const pick = picks.map((p) => `[${p}]`).join("");
  return l.np(rule, padded, (a) => `${callee}(${a.slice(0, args.length).join(", ")})${pick}`, target, result, picks);
}

/** `rt.accumulate(a, b)`, `rt.orZerosLike(g, x)`, `rt.sumToNumber(x)`, `rt.seed(y, name)`; undefined for any other call. */
export function helperCall(l: Lowering, node: t.CallExpression, target?: string): Operand | undefined {
  const path = runtimePath(l, unwrap(node.callee as t.Expression));
  if (path?.length !== 2) return undefined;
  const [, name] = path;
  const callee = l.ctx.source.slice(node.callee.start!, node.callee.end!);
  const render = (a: string[]) => `${callee}(${a.join(", ")})`;
  if (name === "seed") return l.compute(constantCall(node, "the runtime's seed", render, l.arguments(node.arguments)), target);
  const rule = npRule(`helper:${name}`);
  if (!rule) return undefined;
  const args = l.arguments(node.arguments);
  // accumulate and orZerosLike keep their operand's kind; sumToNumber makes a number.
  const operand = args[args.length - 1];
  const number = name === "sumToNumber" || (operand?.kind === "var" && !l.ndarrays.has(operand.name) && l.locals.get(operand.name)?.declared === "number");
  return l.np(rule, args, render, target, number ? "number" : "ndarray");
}

/** `rt.a.b(…)`'s path from the runtime's namespace, where it is not a local of the code. */
function runtimePath(l: Lowering, callee: t.Expression): string[] | undefined {
  const path: string[] = [];
  let at = callee;
  while (at.type === "MemberExpression" && !at.computed && at.property.type === "Identifier") {
    path.unshift(at.property.name);
    at = unwrap(at.object);
  }
  if (at.type !== "Identifier" || at.name !== l.ctx.runtime || l.lookup(at.name)) return undefined;
  return [at.name, ...path];
}

const isNeed = (a: t.Node): boolean => a.type === "ArrayExpression" && a.elements.every((e) => e?.type === "BooleanLiteral");
const needCode = (a: t.ArrayExpression): string => `[${a.elements.map((e) => String((e as t.BooleanLiteral).value)).join(", ")}]`;
