// Calls: Math functions, functions of the module (differentiated with them), functions with an
// attached vjp (imports, customGrad, differentiable), markers, constructors; anything else is opaque.
import type * as t from "@babel/types";
import { forEachChild, spanOf, unwrap } from "../ast.js";
import type { Operand } from "../ir/index.js";
import { markerCalled, sourceName, UNDEFINED, type Lowering } from "./lowerer.js";
import type { FunctionNode, ModuleContext } from "../ir/context.js";
import { scalarRules } from "../rules/scalar.js";
import { declaredType, docTypes } from "./types.js";
import { mathSpread } from "./array-reads.js";
import { callArguments, escapes, recordOf, resolve } from "./objects.js";
import { inline, localFunctionNamed } from "./closures.js";
import { moduleFunction, recordFunction, writingRecordFunction } from "./record-functions.js";
import { callbackCall } from "./callbacks.js";
import { appliedVjp, pullbackCall } from "./pullbacks.js";
import { helperCall } from "./second-order.js";

export function call(l: Lowering, node: t.CallExpression, target?: string): Operand {
  const callee = unwrap(node.callee as t.Expression);
  const helper = l.ctx.runtime !== undefined ? helperCall(l, node, target) : undefined;
  if (helper) return helper;
  const path = memberPath(callee);
  if (path && path.length > 1 && l.ctx.npNamespaces.has(path[0]) && !l.lookup(path[0])) {
    return l.npCall(path.slice(1), node, target);
  }
  if (callee.type === "Identifier" && l.ctx.npImports.has(callee.name) && !l.lookup(callee.name)) {
    return l.npCall([l.ctx.npImports.get(callee.name)!], node, target);
  }
  if (callee.type === "Identifier" && callee.name === "Number" && !l.lookup("Number") && node.arguments.length === 1 && node.arguments[0].type !== "SpreadElement") {
    return l.compute({ kind: "prim", op: "Number", args: l.arguments(node.arguments) }, target, "number");
  }
  if (callee.type === "MemberExpression" && !callee.computed && callee.property.type === "Identifier") {
    const object = resolve(l, unwrap(callee.object));
    const property = callee.property.name;
    if (recordOf(l, object)) return escapes(l, object, `the receiver of a method call .${property}()`);
    if (object.type === "Identifier" && object.name === "Math" && !l.lookup("Math")) {
      const rule = scalarRules[`Math.${property}`];
      if (!rule) {
        l.report("ADJ022", callee, `Math.${property}`);
        return UNDEFINED;
      }
      const folded = mathSpread(l, property, node, target);
      if (folded) return folded;
      const args = l.arguments(node.arguments);
      return l.compute({ kind: "prim", op: `Math.${property}`, args }, target, rule.result);
    }
    if (object.type === "Identifier" && l.ctx.namespaces.has(object.name) && !l.lookup(object.name)) {
      return marker(l, property, node, target);
    }
    const callback = callbackCall(l, object, property, node, target);
    if (callback) return callback;
    const arrayMethod = l.arrayMethod(object, property, node, target);
    if (arrayMethod) return arrayMethod;
    if (object.type === "Identifier" && object.name === "eval") {
      l.report("ADJ005", node);
      return UNDEFINED;
    }
    const receiver = l.expr(object as t.Expression);
    if (receiver.kind === "var" && l.ndarrays.has(receiver.name)) return l.npMethod(receiver.name, property, node, target);
    const args = l.arguments(node.arguments);
    const render = ([r, ...a]: string[]) => `${r}.${property}(${a.join(", ")})`;
    if (WRITES_RECEIVER.has(property)) {
      const describe = `the method call .${property}(), which writes into its array or makes a view of it`;
      return l.compute({ kind: "opaque", describe, diagnostic: "ADJ011", render, args: [receiver, ...args], at: spanOf(node), writesReceiver: true }, target);
    }
    return l.opaque(node, "ADJ011", `the method call .${property}()`, [receiver, ...args], render, target);
  }
  // `grad(f)(x)`, or `df(x)` with `const df = grad(f)` in the module: a derivative differentiated again, through the module function computing it.
  const bound = callee.type === "Identifier" && !l.lookup(callee.name) ? l.ctx.derivativeBindings?.get(callee.name) : undefined;
  const nested = bound ?? (callee.type === "CallExpression" && nestedMarker(l, callee) ? callee : undefined);
  if (nested) {
    const name = l.ctx.nestedDerivative?.(nested, l.ctx.diagnostics, l.ctx.inlineModuleCalls ? "again" : "once");
    if (name === undefined) l.report("ADJ016", callee, "a derivative inside a function being differentiated, where this front end does not nest them");
    if (!name) return UNDEFINED;
    // Differentiated again, every callee is inlined: the inner derivative too (its code is the module's).
    const made = l.ctx.inlineModuleCalls ? l.ctx.functions.get(name) : undefined;
    if (made) return inline(l, moduleFunction(name, made.node, made.source ?? l.ctx.moduleSource ?? l.ctx.source), node.arguments, node, target);
    return l.compute({ kind: "call", callee: { kind: "local", key: name }, args: l.arguments(node.arguments) }, target);
  }
  if (callee.type === "CallExpression" && appliedVjp(l, node)) {
    l.report("ADJ016", callee, "vjp(f)(x) inside differentiated code is taken apart where it is declared: const [value, pullback] = vjp(f)(x), then pullback(v)");
    return UNDEFINED;
  }
  if (callee.type !== "Identifier") {
    l.report("ADJ016", callee, "a call through a computed function");
    return UNDEFINED;
  }
  const name = callee.name;
  const local = localFunctionNamed(l, name);
  if (recordFunction(l, node)) return escapes(l, node, "a record a function returns, used whole here (bind it to a name: const r = f(…), or read one field)");
  if (local) return local.pullback ? pullbackCall(l, local.pullback, node, target) : inline(l, local, node.arguments, node, target);
  const writesRecord = writingRecordFunction(l, node);
  if (writesRecord) return inline(l, writesRecord, node.arguments, node, target);
  const moduleFn = (l.ctx.inlineModuleCalls || l.ctx.inlineCallee?.(name)) && !l.lookup(name) ? l.ctx.functions.get(name) : undefined;
  if (moduleFn) return inline(l, moduleFunction(name, moduleFn.node, moduleFn.source ?? l.ctx.moduleSource ?? l.ctx.source), node.arguments, node, target);
  if (l.record?.functions.has(name) && l.lookup(name)) {
    return l.compute({ kind: "call", callee: { kind: "attached", binding: l.lookup(name)! }, args: l.arguments(node.arguments) }, target);
  }
  if (l.lookup(name)) {
    l.report("ADJ007", callee, `'${sourceName(l, callee)}' is a variable; a function declared here with function or const can be called`);
    return UNDEFINED;
  }
  if (name === "eval") {
    l.report("ADJ005", node);
    return UNDEFINED;
  }
  const markerName = l.ctx.markers.get(name);
  if (markerName) return marker(l, markerName, node, target);
  const records = l.ctx.functions.has(name) ? callArguments(l, l.ctx.functions.get(name)!.node, name, node) : undefined;
  const args = records?.args ?? l.arguments(node.arguments);
  if (l.ctx.functions.has(name)) {
    const result = l.compute({ kind: "call", callee: { kind: "local", key: name }, args, ...(records && { render: records.render }) }, target);
    // Its methods are adjoint/np operations when the callee returns an NDArray.
    if (result.kind === "var" && returnsNdarray(l.ctx.functions.get(name)!.node, l.ctx)) l.ndarrays.add(result.name);
    return result;
  }
  const importProblem = l.ctx.attached.has(name) ? l.ctx.hooks?.importProblem?.(name) : undefined;
  if (importProblem) return l.opaque(node, "ADJ010", importProblem, args, (a) => `${name}(${a.join(", ")})`, target);
  if (l.ctx.attached.has(name)) return l.compute({ kind: "call", callee: { kind: "attached", binding: name }, args }, target);
  l.outerReads.add(name);
  return l.opaque(node, "ADJ010", `'${name}'`, args, (a) => `${name}(${a.join(", ")})`, target);
}

/** Whether `call` is `grad(…)`, `valueAndGrad(…)`, `jvp(…)` or `hvp(…)` of adjoint (by its import binding). */
function nestedMarker(l: Lowering, call: t.CallExpression): boolean {
  const name = markerCalled(l, call);
  return name === "grad" || name === "valueAndGrad" || name === "jvp" || name === "hvp";
}

export function marker(l: Lowering, name: string, node: t.CallExpression, target?: string): Operand {
  if (name === "stopGradient" && node.arguments.length === 1) {
    const [arg] = l.arguments(node.arguments);
    return l.compute({ kind: "stop", arg }, target);
  }
  if (name === "checkpoint") {
    l.report("ADJ023", node, "checkpoint(() => { for (…) … }) is a statement of its own, around the loop");
    return UNDEFINED;
  }
  l.report("ADJ016", node, `${name}(…) inside a differentiated function, other than called at once (grad(f)(x) nests; a derivative held in a variable, or vjp, does not yet)`);
  return UNDEFINED;
}

export function newExpression(l: Lowering, node: t.NewExpression, target?: string): Operand {
  if (node.callee.type === "Identifier") {
    const allocated = l.allocation(node.callee.name, node, target);
    if (allocated) return allocated;
  }
  const args = l.arguments(node.arguments);
  const callee = node.callee.type === "Identifier" ? l.identifier(node.callee) : null;
  if (!callee) {
    l.report("ADJ016", node.callee);
    return UNDEFINED;
  }
  return l.opaque(node, "ADJ021", `new ${node.callee.type === "Identifier" ? node.callee.name : "…"}`, [callee, ...args], ([c, ...a]) => `new ${c}(${a.join(", ")})`, target);
}

/**
 * Whether a module function returns an NDArray: its return type says so, or every value it
 * returns is an adjoint/np call or an NDArray method's result.
 */
function returnsNdarray(fn: FunctionNode, ctx: ModuleContext): boolean {
  let known = returnsNdarrayOf.get(fn);
  if (known === undefined) returnsNdarrayOf.set(fn, (known = readReturnsNdarray(fn, ctx)));
  return known;
}

/** What returnsNdarray found for each function, read once per function rather than per call. */
const returnsNdarrayOf = new WeakMap<FunctionNode, boolean>();

function readReturnsNdarray(fn: FunctionNode, ctx: ModuleContext): boolean {
  const declared = (fn.returnType?.type === "TSTypeAnnotation" ? declaredType(fn.returnType, ctx.typeAliases) : undefined) ?? docTypes(ctx.source, fn.start ?? 0)?.returns;
  if (declared) return declared === "ndarray";
  const returned: t.Expression[] = [];
  if (fn.body.type !== "BlockStatement") returned.push(fn.body);
  else {
    const visit = (node: t.Node) => {
      if (node.type === "ReturnStatement") {
        if (node.argument) returned.push(node.argument);
      } else if (!node.type.includes("Function")) {
        forEachChild(node, visit);
      }
    };
    visit(fn.body);
  }
  const isNpCall = (e: t.Expression): boolean => {
    if (e.type !== "CallExpression") return false;
    let root: t.Node = e.callee;
    while (root.type === "MemberExpression") root = root.object;
    return root.type === "Identifier" && (ctx.npNamespaces.has(root.name) || ctx.npImports.has(root.name));
  };
  return returned.length > 0 && returned.every((e) => isNpCall(unwrap(e)));
}

/** `np.linalg.norm` as ["np", "linalg", "norm"]; null for anything but a dotted name. */
function memberPath(node: t.Expression): string[] | null {
  if (node.type === "Identifier") return [node.name];
  if (node.type !== "MemberExpression" || node.computed || node.property.type !== "Identifier") return null;
  const head = memberPath(node.object as t.Expression);
  return head ? [...head, node.property.name] : null;
}

/** Array methods that write into their receiver or return a view of it (issue 15 differentiates them; until then they are refused where a gradient is involved). */
const WRITES_RECEIVER = new Set(["set", "copyWithin", "reverse", "sort", "push", "pop", "shift", "unshift", "splice", "subarray", "fill"]);
