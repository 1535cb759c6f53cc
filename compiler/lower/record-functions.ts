// Functions that return a record, or write a field of a record they are given, are inlined
// where they are called (closures.ts): a record stays its fields' locals, in the caller too, so
// the object a helper makes or changes is the caller's locals. This file tells which they are.
import type * as t from "@babel/types";
import { forEachChild, unwrap, walk } from "../ast.js";
import type { FunctionNode, ModuleContext } from "../ir/context.js";
import type { LocalFunction, Lowering } from "./lowerer.js";
import { paramShape, shapeOfType } from "./objects.js";

/** The function a call of a function returning a record calls (local, or of the module), if it is one. */
export function recordFunction(l: Lowering, call: t.CallExpression): LocalFunction | undefined {
  const fn = calledFunction(l, call);
  return fn && returnsRecord(fn.node, l.ctx) ? fn : undefined;
}

export const returnsRecordCall = (l: Lowering, call: t.CallExpression): boolean => recordFunction(l, call) !== undefined;

/** A function of the module that writes a field of a record parameter (`p.b = …`): inlined at each call, so the write reaches the caller's record. */
export function writingRecordFunction(l: Lowering, call: t.CallExpression): LocalFunction | undefined {
  const callee = unwrap(call.callee as t.Expression);
  if (callee.type !== "Identifier" || l.lookup(callee.name) !== undefined) return undefined;
  const fn = l.ctx.functions.get(callee.name)?.node;
  return fn && writesRecordParam(fn, l.ctx) ? moduleFunction(callee.name, fn) : undefined;
}

function calledFunction(l: Lowering, call: t.CallExpression): LocalFunction | undefined {
  const callee = unwrap(call.callee as t.Expression);
  if (callee.type !== "Identifier") return undefined;
  const local = l.lookup(callee.name);
  if (local !== undefined) return l.localFunctions.get(local);
  const fn = l.ctx.functions.get(callee.name)?.node;
  return fn && moduleFunction(callee.name, fn);
}

/** A module function as a function to inline: its names are the module's (no enclosing scopes). */
const asLocal = new WeakMap<FunctionNode, LocalFunction>();
export function moduleFunction(name: string, node: FunctionNode, source?: string): LocalFunction {
  let fn = asLocal.get(node);
  if (!fn) asLocal.set(node, (fn = { node, describe: `'${name}'`, name, key: `%module:${name}`, scopes: [] }));
  if (source !== undefined) fn.source = source;
  return fn;
}

const returnsRecordOf = new WeakMap<t.Node, boolean>();

/**
 * Whether a function returns a record: its return type is an object type, or a value it returns
 * is an object literal, a local declared with one, a record parameter, or the result of a call of
 * a function returning a record.
 */
export function returnsRecord(fn: FunctionNode, ctx: ModuleContext): boolean {
  const known = returnsRecordOf.get(fn);
  if (known !== undefined) return known;
  returnsRecordOf.set(fn, false); // recursion: a call of itself says nothing yet
  const declared = fn.returnType?.type === "TSTypeAnnotation" ? shapeOfType(fn.returnType.typeAnnotation, ctx, 0) !== undefined : false;
  const found = declared || returnedValues(fn).some((value) => isRecordExpression(value, fn, ctx));
  returnsRecordOf.set(fn, found);
  return found;
}

function returnedValues(fn: FunctionNode): t.Expression[] {
  if (fn.body.type !== "BlockStatement") return [fn.body];
  const values: t.Expression[] = [];
  const visit = (node: t.Node) => {
    if (node.type === "ReturnStatement" && node.argument) values.push(node.argument);
    if (!node.type.includes("Function")) forEachChild(node, visit);
  };
  fn.body.body.forEach(visit);
  return values;
}

function isRecordExpression(node: t.Expression, fn: FunctionNode, ctx: ModuleContext): boolean {
  const value = unwrap(node);
  if (value.type === "ObjectExpression") return true;
  if (value.type === "ConditionalExpression") return isRecordExpression(value.consequent, fn, ctx) || isRecordExpression(value.alternate, fn, ctx);
  if (value.type === "CallExpression" && value.callee.type === "Identifier") {
    const callee = ctx.functions.get(value.callee.name)?.node;
    return !!callee && returnsRecord(callee, ctx);
  }
  if (value.type !== "Identifier") return false;
  const index = fn.params.findIndex((p) => p.type === "Identifier" && p.name === value.name);
  if (index >= 0) return paramShape(fn, index, ctx) !== undefined;
  let declaredWithRecord = false;
  walk(fn.body, (n) => {
    if (n.type === "VariableDeclarator" && n.id.type === "Identifier" && n.id.name === value.name && n.init) declaredWithRecord ||= isRecordExpression(n.init, fn, ctx);
  });
  return declaredWithRecord;
}

const writesRecordParamOf = new WeakMap<FunctionNode, boolean>();

/** Whether a function assigns a field of a record parameter: `p.b = …`, `p.b += …`, `p.layer.w = …`, `p.n++`. */
function writesRecordParam(fn: FunctionNode, ctx: ModuleContext): boolean {
  const known = writesRecordParamOf.get(fn);
  if (known !== undefined) return known;
  const records = new Set(fn.params.flatMap((p, i) => (p.type === "Identifier" && paramShape(fn, i, ctx) ? [p.name] : [])));
  let found = false;
  if (records.size > 0) {
    walk(fn.body, (n) => {
      const written = n.type === "AssignmentExpression" ? n.left : n.type === "UpdateExpression" ? n.argument : null;
      let at: t.Node | null = written;
      while (at && (at.type === "MemberExpression" || at.type === "OptionalMemberExpression") && (!at.computed || at.property.type === "StringLiteral")) at = at.object;
      if (written && written !== at && at?.type === "Identifier" && records.has(at.name)) found = true;
    });
  }
  writesRecordParamOf.set(fn, found);
  return found;
}
