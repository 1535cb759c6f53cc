// Functions declared inside the function being lowered: each call is inlined where it is
// made. Its parameters become fresh locals assigned from the arguments, its body is lowered
// in the scopes where it was defined (so what it captures is the enclosing function's own
// locals, read and written as such), and `return` is an assignment plus the return flag
// control-flow.ts already guards with. A recursive one, or one used as a value, is refused.
import type * as t from "@babel/types";
import { unwrap, walk } from "../ast.js";
import { v, type Operand } from "../ir/index.js";
import { UNDEFINED, type LocalFunction, type Lowering } from "./lowerer.js";
import { copyFields, escapes as recordEscapes, linkCopies, literal, literalInto, RECORD, recordOf, recordValue, type RecordValue } from "./objects.js";
import { recordFunction, returnsRecordCall } from "./record-functions.js";
import { declaredType, defaultType } from "./types.js";
import { bindParameter, parameterName } from "./patterns.js";

type FunctionLike = LocalFunction["node"];

/** Declares `function f() {}` statements of a block at its start, as JavaScript hoists them. */
export function hoist(l: Lowering, stmts: t.Statement[]): void {
  for (const stmt of stmts) {
    if (stmt.type !== "FunctionDeclaration" || !stmt.id) continue;
    const known = l.scopes[l.scopes.length - 1].get(stmt.id.name);
    if (known && l.localFunctions.get(known)?.node === stmt) continue;
    define(l, stmt.id.name, stmt);
  }
}

/** `const f = (x) => …` (or a function expression): a local function, not a value. */
export function defineConst(l: Lowering, kind: string, id: t.Identifier, init: t.Expression): boolean {
  const fn = unwrap(init);
  if (fn.type !== "ArrowFunctionExpression" && fn.type !== "FunctionExpression") return false;
  if (kind !== "const") {
    l.report("ADJ007", fn, `'${id.name}' is declared with ${kind}, so it may be reassigned before a call; declare it with const (or function)`);
    return true;
  }
  define(l, id.name, fn);
  return true;
}

/** Registers `node` under `name` in the innermost scope; returns the key its scopes map it to. */
export function define(l: Lowering, name: string, node: FunctionLike, describe = `'${name}'`, base = name): string {
  const key = `%fn${l.localFunctions.size}`;
  l.scopes[l.scopes.length - 1].set(name, key);
  l.localFunctions.set(key, { node, describe, name: base, key, scopes: [...l.scopes] });
  return key;
}

/** The local function a source name refers to here, if it names one. */
export function localFunctionNamed(l: Lowering, name: string): LocalFunction | undefined {
  const local = l.lookup(name);
  return local === undefined ? undefined : l.localFunctions.get(local);
}

/** Reports a local function used other than by calling it. */
export function escapes(l: Lowering, fn: LocalFunction, at: t.Node, how = "used as a value"): Operand {
  l.report("ADJ007", at, `${fn.describe} is ${how}, so adjoint cannot see where it is called`);
  return UNDEFINED;
}

/**
 * Lowers the call `fn(...args)` as fn's body in place. Arguments are evaluated in the
 * caller's scopes, in order, straight into the parameters' locals; the value is returned
 * into `target` where given.
 */
export function inline(l: Lowering, fn: LocalFunction, args: t.CallExpression["arguments"], at: t.Node, target?: string): Operand {
  return inlined(l, fn, args, at, () => body(l, fn, target)) ?? UNDEFINED;
}

/** The call `fn(...args)` of a function returning a record, inlined: the record it returns; null if that failed. */
export function inlineRecord(l: Lowering, fn: LocalFunction, args: t.CallExpression["arguments"], at: t.Node): RecordValue | null {
  return inlined(l, fn, args, at, () => recordBody(l, fn)) ?? null;
}

function inlined<T>(l: Lowering, fn: LocalFunction, args: t.CallExpression["arguments"], at: t.Node, lowerBody: () => T): T | undefined {
  if (l.inlining.includes(fn)) {
    if (fn.scopes.length) l.report("ADJ007", at, `${fn.describe} calls itself; a local function is inlined where it is called, so it may not be recursive`);
    else recordEscapes(l, at, `a record passed to or returned by ${fn.describe}, which calls itself: a function returning a record or writing a record parameter's field is inlined where it is called, so it may not be recursive`);
    return undefined;
  }
  const node = fn.node;
  if (node.async || node.generator) {
    l.report(node.async ? "ADJ002" : "ADJ003", node);
    return undefined;
  }
  const parameters = parameterScope(l, fn, args);
  if (!parameters) return undefined;
  const callLoc = l.loc;
  // Messages and source comments are read off the text the callee's offsets point into.
  const source = l.ctx.source;
  if (fn.source !== undefined) l.ctx.source = fn.source;
  const saved = { scopes: l.scopes.splice(0), targets: l.targets.splice(0), result: l.result, returned: l.returned, returnsValue: l.returnsValue, recordResult: l.recordResult };
  l.scopes.push(...fn.scopes, parameters.scope);
  l.recordResult = undefined;
  l.inlining.push(fn);
  try {
    for (const [name, init, missingHere] of parameters.defaults) {
      // A default applies where the call passes nothing, and never where it passes a literal.
      if (missingHere) {
        l.expr(init, name);
        continue;
      }
      const missing = l.temp("boolean");
      l.emit({ kind: "assign", target: missing, expr: { kind: "prim", op: "seq", args: [v(name), UNDEFINED] } });
      l.emit({ kind: "if", cond: v(missing), then: l.collect(() => l.expr(init, name)), else: [] });
    }
    return lowerBody();
  } finally {
    for (const record of parameters.records) record.holders--;
    l.inlining.pop();
    l.scopes.splice(0, l.scopes.length, ...saved.scopes);
    l.targets.splice(0, l.targets.length, ...saved.targets);
    l.result = saved.result;
    l.returned = saved.returned;
    l.returnsValue = saved.returnsValue;
    l.recordResult = saved.recordResult;
    l.loc = callLoc;
    l.ctx.source = source;
  }
}

/** The parameters as new locals, each assigned its argument (evaluated where the call is). */
function parameterScope(l: Lowering, fn: LocalFunction, args: t.CallExpression["arguments"]): { scope: Map<string, string>; defaults: [string, t.Expression, boolean][]; records: RecordValue[] } | undefined {
  const scope = new Map<string, string>();
  const defaults: [string, t.Expression, boolean][] = [];
  const names: (string | undefined)[] = [];
  const patterns: [string, t.ArrayPattern | t.ObjectPattern][] = [];
  // A record argument binds its parameter to the record (the object itself, as JavaScript passes it).
  const recordArgs = args.map((arg) => arg.type !== "SpreadElement" && arg.type !== "ArgumentPlaceholder" && isRecordArgument(l, arg as t.Expression));
  const records: RecordValue[] = [];
  l.scopes.push(scope);
  for (const param of fn.node.params) {
    let id: t.Node = param;
    let byDefault: t.Expression | undefined;
    if (id.type === "AssignmentPattern") {
      byDefault = id.right;
      id = id.left;
    }
    if (id.type === "ArrayPattern" || id.type === "ObjectPattern") {
      // Taken apart in the function's scope once its argument is in a local (`([x, y]) => …` over rows).
      const name = l.freshLocal(parameterName(id, names.length), { temp: false });
      patterns.push([name, id]);
      names.push(name);
      continue;
    }
    if (id.type !== "Identifier") {
      l.report(id.type === "RestElement" ? "ADJ019" : "ADJ008", id);
      names.push(undefined);
      continue;
    }
    if (recordArgs[names.length]) {
      names.push(undefined);
      continue;
    }
    const arg = args[names.length];
    // The argument is the caller's name: looked up past the parameters bound so far (`g(x, y)` with parameters `(y, x)`).
    l.scopes.pop();
    const same = !byDefault && arg?.type === "Identifier" ? sameLocal(l, fn, id.name, arg, args.slice(names.length + 1)) : undefined;
    l.scopes.push(scope);
    if (same) {
      // The argument's own local: the callback's `i` is the loop's counter, not a copy of it.
      scope.set(id.name, same);
      names.push(undefined);
      continue;
    }
    const declared = declaredType(id.typeAnnotation, l.ctx.typeAliases) ?? (byDefault && defaultType(byDefault));
    // A parameter nothing assigns but its argument is a temporary: the reverse sweep may load
    // an element again (`v = xs[i]`) rather than save it.
    const name = l.declare(id.name, { declared, temp: !byDefault && !assigns(fn.node, id.name) });
    names.push(name);
    const given = args[names.length - 1];
    const literal = given && (given.type === "NumericLiteral" || given.type === "StringLiteral" || given.type === "BooleanLiteral" || given.type === "NullLiteral");
    if (byDefault && !literal) defaults.push([name, byDefault, !given]);
  }
  l.scopes.pop();
  // A named function expression sees itself by its name (a call to it is recursion).
  if (fn.node.type === "FunctionExpression" && fn.node.id) scope.set(fn.node.id.name, fn.key);
  for (let i = 0; i < Math.max(args.length, names.length); i++) {
    const arg = args[i];
    if (arg && (arg.type === "SpreadElement" || arg.type === "ArgumentPlaceholder")) {
      l.report("ADJ019", arg);
      return undefined;
    }
    const name = names[i];
    if (recordArgs[i] && i < fn.node.params.length) {
      const param = fn.node.params[i];
      const id = (param.type === "AssignmentPattern" ? param.left : param) as t.Identifier;
      const record = recordValue(l, arg as t.Expression, id.name);
      if (!record) return undefined;
      const key = `${RECORD}${l.records.size}`;
      l.records.set(key, record);
      scope.set(id.name, key);
      record.holders++;
      records.push(record);
      continue;
    }
    if (arg && !(name === undefined && i < fn.node.params.length)) l.expr(arg as t.Expression, name);
    else if (name && !defaults.some(([param, , missingHere]) => param === name && missingHere)) l.emit({ kind: "assign", target: name, expr: { kind: "copy", arg: UNDEFINED } });
  }
  l.scopes.push(scope);
  for (const [name, pattern] of patterns) bindParameter(l, pattern, name);
  l.scopes.pop();
  return { scope, defaults, records };
}

/** Whether an argument is a record: an object literal, a record's name or field, a call returning one. */
function isRecordArgument(l: Lowering, arg: t.Expression): boolean {
  const value = unwrap(arg);
  return value.type === "ObjectExpression" || !!recordOf(l, value) || (value.type === "CallExpression" && returnsRecordCall(l, value));
}

/**
 * The local an identifier argument names, where the parameter may be that local itself:
 * nothing in the function assigns (so neither the parameter nor what it captures changes),
 * nor do the arguments after it. A loop's own `%`-names are never the user's to assign.
 */
function sameLocal(l: Lowering, fn: LocalFunction, param: string, arg: t.Identifier, later: t.Node[]): string | undefined {
  const local = l.lookup(arg.name);
  if (local === undefined || l.localFunctions.has(local) || assigns(fn.node, param)) return undefined;
  // A module function's assignments are to its own locals (it captures nothing): only a local function's may reach the argument.
  if (!arg.name.startsWith("%") && ((fn.scopes.length > 0 && mayAssign(l, fn.node)) || later.some((a) => mayAssign(l, a)))) return undefined;
  return local;
}

/** Whether code under `node` assigns a variable of that name (with `l`, also through the local functions it calls). */
export function assigns(node: t.Node, name: string, l?: Lowering, seen = new Set<t.Node>()): boolean {
  let found = false;
  walk(node, (n) => {
    if (found) return;
    const written = n.type === "AssignmentExpression" ? n.left : n.type === "UpdateExpression" ? n.argument : null;
    if (written?.type === "Identifier" && written.name === name) found = true;
    else if (l && n.type === "CallExpression" && n.callee.type === "Identifier") {
      const fn = localFunctionNamed(l, n.callee.name);
      if (fn && !seen.has(fn.node)) found = assigns(fn.node, name, l, seen.add(fn.node));
    }
  });
  return found;
}

function body(l: Lowering, fn: LocalFunction, target?: string): Operand {
  return inlineBody(
    l,
    fn,
    // The usual shape, one return at the end: its value goes straight to the target.
    (value) => (value ? l.expr(value, target) : UNDEFINED),
    (stmts) => {
      l.result = l.freshGenerated(`${fn.name}Result`);
      l.locals.set(l.result, { temp: true });
      l.returned = l.flag("returned");
      l.loc = l.locOf(fn.node);
      l.emit({ kind: "assign", target: l.returned, expr: { kind: "copy", arg: { kind: "const", code: "false", value: false } } });
      if (!alwaysReturns(stmts)) l.emit({ kind: "assign", target: l.result, expr: { kind: "copy", arg: UNDEFINED } });
      l.statements(stmts, 0);
      return v(l.result);
    },
  );
}

/**
 * A function's body lowered in place: `once` lowers the value of a body that returns only at
 * its end (after the statements before it), `several` a body with returns elsewhere.
 */
function inlineBody<T>(l: Lowering, fn: LocalFunction, once: (value: t.Expression | null) => T, several: (stmts: t.Statement[]) => T): T {
  const node = fn.node;
  if (node.body.type !== "BlockStatement") {
    l.loc = l.locOf(node.body);
    return once(node.body);
  }
  const stmts = node.body.body;
  hoist(l, stmts);
  const last = stmts[stmts.length - 1];
  if (last?.type === "ReturnStatement" && !stmts.slice(0, -1).some(containsReturn)) {
    l.statements(stmts.slice(0, -1), 0);
    l.loc = l.locOf(last);
    return once(last.argument ?? null);
  }
  return several(stmts);
}

/** The record a call returns, the function (local or of the module) inlined; undefined if it returns none. */
export function recordCall(l: Lowering, call: t.CallExpression): RecordValue | undefined | null {
  const fn = recordFunction(l, call);
  return fn && inlineRecord(l, fn, call.arguments, call);
}

/**
 * The body of a function returning a record: the record its one final return gives, or (with
 * several returns) a record of fresh locals each return assigns its record's fields to.
 */
function recordBody(l: Lowering, fn: LocalFunction): RecordValue | null {
  const base = `${fn.name}Result`;
  return inlineBody(
    l,
    fn,
    (value) => (value ? returned(l, value, base) : (recordEscapes(l, fn.node, `${fn.describe} returning no record`), null)),
    (stmts) => {
      if (!alwaysReturns(stmts)) {
        recordEscapes(l, fn.node, `${fn.describe} may end without returning its record`);
        return null;
      }
      l.recordResult = { base };
      l.returned = l.flag("returned");
      l.loc = l.locOf(fn.node);
      l.emit({ kind: "assign", target: l.returned, expr: { kind: "copy", arg: { kind: "const", code: "false", value: false } } });
      l.statements(stmts, 0);
      return l.recordResult.record ?? null;
    },
  );
}

function returned(l: Lowering, node: t.Expression, base: string): RecordValue | null {
  const record = recordValue(l, node, base);
  if (record === undefined) recordEscapes(l, node, "returned where the function returns a record on another path");
  return record ?? null;
}

/** `return r` in a function returning a record from several places: r's fields into the result record. */
export function returnRecord(l: Lowering, node: t.ReturnStatement): void {
  const into = l.recordResult!;
  if (!node.argument) return void recordEscapes(l, node, "a return without a record, where the function returns one elsewhere");
  const value = unwrap(node.argument);
  // A literal is the result record itself where it is the first, and is lowered straight into it after.
  if (value.type === "ObjectExpression" && !into.record) {
    into.record = literal(l, value, into.base);
    return;
  }
  if (value.type === "ObjectExpression" && literalInto(l, into.record!, value)) return;
  const record = returned(l, node.argument, into.base);
  if (!record) return;
  if (!into.record) {
    const copy = (r: RecordValue, base: string): RecordValue => ({
      fields: new Map([...r.fields].map(([key, field]) => [key, typeof field === "object" ? copy(field, `${base}$${key}`) : l.newLocal(`${base}$${key}`)])),
      param: false,
      holders: 0,
    });
    into.record = copy(record, into.base);
  }
  // A record another name holds is copied: the two stand for one object, so neither may be written while both are held.
  if (copyFields(l, into.record, record, node.argument) && record.holders > 0) linkCopies(into.record, record);
}

function containsReturn(stmt: t.Node): boolean {
  let found = false;
  walk(stmt, (n) => {
    if (n.type === "ReturnStatement") found = true;
  });
  // Returns of nested functions are theirs, but counting them only costs the general path.
  return found;
}

function alwaysReturns(stmts: t.Statement[]): boolean {
  return stmts.some(function leaves(s: t.Statement): boolean {
    if (s.type === "ReturnStatement" || s.type === "ThrowStatement") return true;
    if (s.type === "BlockStatement") return s.body.some(leaves);
    if (s.type === "IfStatement") return !!s.alternate && leaves(s.consequent) && leaves(s.alternate);
    return false;
  });
}

/**
 * Whether evaluating `node` may assign a variable (an assignment, `++`, or a call of a local
 * function that does): an operand read before it must be read into a temporary first, as
 * JavaScript reads it before. With `elements`, an element write counts too.
 */
export function mayAssign(l: Lowering, node: t.Node, elements = false, seen = new Set<t.Node>()): boolean {
  let found = false;
  walk(node, (n) => {
    if (found) return;
    const written = n.type === "AssignmentExpression" ? n.left : n.type === "UpdateExpression" ? n.argument : null;
    if (written) found = elements || written.type === "Identifier";
    else if (n.type === "CallExpression" && n.callee.type === "Identifier") {
      const fn = localFunctionNamed(l, n.callee.name);
      if (fn && !seen.has(fn.node)) found = mayAssign(l, fn.node, elements, seen.add(fn.node));
    }
  });
  return found;
}

/** `operand`, or a copy of it when `later` may assign it before it is used. */
export function readBefore(l: Lowering, operand: Operand, later: t.Node): Operand {
  if (operand.kind !== "var" || l.locals.get(operand.name)?.temp || !mayAssign(l, later)) return operand;
  return l.compute({ kind: "copy", arg: operand }, undefined);
}
