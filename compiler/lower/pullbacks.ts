// `vjp(f)` applied inside code being differentiated:
//   const [y, back] = vjp(f, { wrt })(a, b);  ...  const g = back(v);
// y is the call f(a, b); back is a local function that only calls: back(v) is the module
// function computing f's pullback at (a, b) applied to v (driver/nested.ts, generated in the
// differentiable subset), so the whole is differentiable again. The arguments are kept as they
// were at the vjp: numbers in locals, arrays copied, as JavaScript's pullback would see them.
import type * as t from "@babel/types";
import { unwrap } from "../ast.js";
import type { Operand } from "../ir/index.js";
import { define } from "./closures.js";
import { markerCalled, UNDEFINED, type Lowering } from "./lowerer.js";

/** Whether `init` is `vjp(...)(...)`: the marker's call, applied. */
export function appliedVjp(l: Lowering, init: t.Expression | null | undefined): t.CallExpression | null {
  const call = init && unwrap(init);
  if (call?.type !== "CallExpression") return null;
  const marker = unwrap(call.callee as t.Expression);
  return marker.type === "CallExpression" && markerCalled(l, marker) === "vjp" ? call : null;
}

/** `const [y, back] = vjp(f)(…args)`; true once handled (or reported). */
export function declareAppliedVjp(l: Lowering, kind: string, pattern: t.ArrayPattern, call: t.CallExpression): boolean {
  const marker = unwrap(call.callee as t.Expression) as t.CallExpression;
  const [valueNode, pullbackNode, ...rest] = pattern.elements;
  const bad = [valueNode, pullbackNode].find((e) => e != null && e.type !== "Identifier") ?? rest.find((e) => e != null);
  if (bad) return report(l, bad, "take vjp's result apart as const [value, pullback] = vjp(f)(x)");
  if (pullbackNode && kind !== "const") return report(l, pullbackNode, "declare the pullback with const: it is called, never reassigned");
  const found = l.ctx.nestedPullback?.(marker, l.ctx.diagnostics);
  if (found === undefined) return report(l, marker, "a vjp inside a function being differentiated, where this front end does not nest derivatives");
  if (found === null) return true;
  // The arguments as they are now: the pullback is taken at this point.
  const maybe = l.arguments(call.arguments).map((arg) => kept(l, arg));
  if (maybe.some((a) => a === null)) return report(l, call, "vjp inside differentiated code needs to know which arguments are arrays (annotate them, or pass numbers)");
  const args = maybe as Operand[];
  if (valueNode) {
    const name = l.declare((valueNode as t.Identifier).name, { temp: false });
    l.assign(name, { kind: "call", callee: { kind: "local", key: found.primal }, args });
  }
  if (pullbackNode) {
    const id = pullbackNode as t.Identifier;
    // A function node for the local function table; its calls never inline it (see pullbackCall).
    const node = { type: "ArrowFunctionExpression", params: [], body: call, start: call.start, end: call.end, loc: call.loc } as unknown as t.ArrowFunctionExpression;
    const key = define(l, id.name, node, `the pullback '${id.name}'`);
    l.localFunctions.get(key)!.pullback = { name: found.pullback, args };
  }
  return true;
}

/** `back(v)`: the pullback's module function at the kept arguments, then v. */
export function pullbackCall(l: Lowering, pullback: { name: string; args: Operand[] }, node: t.CallExpression, target?: string): Operand {
  if (node.arguments.length !== 1) return report(l, node, "a pullback takes one cotangent: back(v)"), UNDEFINED;
  const [cotangent] = l.arguments(node.arguments);
  return l.compute({ kind: "call", callee: { kind: "local", key: pullback.name }, args: [...pullback.args, cotangent] }, target);
}

/** An argument kept as it is at the vjp: a number or NDArray in a local, an array copied; null where its kind is not known. */
function kept(l: Lowering, arg: Operand): Operand | null {
  if (arg.kind !== "var") return arg;
  const kind = l.ndarrays.has(arg.name) ? "ndarray" : l.locals.get(arg.name)?.declared;
  if (kind === "array") return l.compute({ kind: "alloc", ctor: "same", arg }, undefined);
  if (kind === undefined && !madeHere(l, arg.name)) return null;
  return l.compute({ kind: "copy", arg }, undefined);
}

/** A temporary just computed as a number or a new array: no other name holds it. */
function madeHere(l: Lowering, name: string): boolean {
  if (!l.locals.get(name)?.temp) return false;
  const last = [...l.block].reverse().find((s) => s.kind === "assign" && s.target === name);
  return last?.kind === "assign" && (last.expr.kind === "prim" || last.expr.kind === "alloc" || last.expr.kind === "np");
}

function report(l: Lowering, at: t.Node, detail: string): true {
  l.report("ADJ016", at, detail);
  return true;
}
