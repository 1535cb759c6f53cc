// Array methods that call a function per element (`xs.map(fn)`, `xs.reduce(fn, init)`,
// `xs.forEach(fn)`, `xs.every(fn)`, `xs.some(fn)`, `xs.filter(fn)`, `xs.find(fn)`, `xs.findIndex(fn)`, `Array.from(xs, fn)`, `Float64Array.from(xs, fn)`,
// `Array.from({ length: n }, fn)`), lowered as the loop JavaScript runs: the length read once,
// each element read when the loop reaches it, the callback inlined (closures.ts) per element.
// The loop is written as source AST over `%`-names (which no user name can be) and lowered
// like any loop, so one engine serves it.
import type * as t from "@babel/types";
import { unwrap, walk } from "../ast.js";
import { diagnostic } from "../diagnostics.js";
import { forEachStmt, num, v, type ArrayKind, type Operand } from "../ir/index.js";
import { assigns, define, localFunctionNamed, mayAssign } from "./closures.js";
import { UNDEFINED, type Lowering } from "./lowerer.js";

const ITERATING = new Set(["map", "forEach", "reduce", "every", "some", "filter", "find", "findIndex"]);
const FROM = new Set(["Array", "Float64Array", "Float32Array"]);
/** Methods that remove elements: JavaScript's iteration skips what is gone, a fixed-length loop would not. */
const SHRINKING = new Set(["pop", "shift", "splice"]);

interface Callback {
  /** What the loop calls: an identifier naming a local or module function. */
  callee: t.Identifier;
  /** How many arguments it takes (more are never read: they are not passed). */
  arity: number;
  node: t.Node;
}

export function callbackCall(l: Lowering, object: t.Expression, property: string, node: t.CallExpression, target?: string): Operand | undefined {
  if (object.type === "Identifier" && FROM.has(object.name) && property === "from" && node.arguments.length === 2 && !l.lookup(object.name)) {
    return l.scoped(() => {
      const callback = callbackOf(l, node.arguments[1], `${object.name}.from()`, "from");
      return callback && arrayFrom(l, object.name as ArrayKind, node, callback, target);
    });
  }
  const fused = fusedMapReduce(l, object, property, node);
  if (fused) return fused;
  if (!ITERATING.has(property) || node.arguments.length < 1 || node.arguments.length > (property === "reduce" ? 2 : 1)) return undefined;
  if (object.type === "Identifier" && l.ndarrays.has(l.lookup(object.name) ?? "")) return undefined;
  return l.scoped(() => {
    const callback = callbackOf(l, node.arguments[0], `.${property}()`, property);
    if (!callback) return undefined;
    const array = receiver(l, object, callback);
    return iterate(l, property, array, node, callback);
  });
}

/**
 * `xs.map(f).reduce(g, init)` with inline callbacks that write nothing and call nothing but
 * Math: one loop, `acc = g(acc, f(xs[i], i, xs), i)`, and no mapped array. The order of the
 * calls is then not observable, so interleaving them is what JavaScript computes.
 */
function fusedMapReduce(l: Lowering, object: t.Expression, property: string, node: t.CallExpression): Operand | undefined {
  const inner = unwrap(object);
  if (property !== "reduce" || node.arguments.length !== 2 || inner.type !== "CallExpression" || inner.arguments.length !== 1) return undefined;
  const callee = inner.callee;
  if (callee.type !== "MemberExpression" || callee.computed || callee.property.type !== "Identifier" || callee.property.name !== "map") return undefined;
  const [mapper, reducer] = [inner.arguments[0], node.arguments[0]];
  if (!pureInline(mapper) || !pureInline(reducer) || reducer.params.length > 3) return undefined;
  const source = callee.object as t.Expression;
  if (source.type === "Identifier" && l.ndarrays.has(l.lookup(source.name) ?? "")) return undefined;
  return l.scoped(() => {
    const map = callbackOf(l, mapper, ".map()", "map", "%mapper")!;
    const reduce = callbackOf(l, reducer, ".reduce()", "reduce")!;
    receiver(l, source, map);
    const acc = local(l, "accumulator");
    l.expr(node.arguments[1] as t.Expression, acc);
    const mapped = callExpr(map, [member(id("%array"), id("%i"), node), id("%i"), id("%array")], inner);
    const body = statement({ type: "AssignmentExpression", operator: "=", left: id("%acc"), right: callExpr(reduce, [id("%acc"), mapped, id("%i")], node) } as t.AssignmentExpression, node);
    l.emit({ kind: "assign", target: local(l, "i", "number"), expr: { kind: "copy", arg: num(0) } });
    loop(l, body, node, "reduce");
    return v(acc);
  });
}

/** An arrow or function expression that assigns nothing and calls nothing but Math.*. */
function pureInline(node: t.Node): node is t.ArrowFunctionExpression | t.FunctionExpression {
  if (node.type !== "ArrowFunctionExpression" && node.type !== "FunctionExpression") return false;
  if (node.params.some((p) => p.type !== "Identifier")) return false;
  let pure = true;
  walk(node.body, (n) => {
    if (n.type === "AssignmentExpression" || n.type === "UpdateExpression" || n.type === "NewExpression" || n.type === "ArrowFunctionExpression" || n.type === "FunctionExpression" || n.type === "VariableDeclaration") pure = false;
    if (n.type === "CallExpression" && !(n.callee.type === "MemberExpression" && n.callee.object.type === "Identifier" && n.callee.object.name === "Math")) pure = false;
  });
  return pure;
}

/** The callback as something to call: an inline function is declared in the loop's scope first. */
function callbackOf(l: Lowering, arg: t.Node, method: string, base: string, name = "%callback"): Callback | undefined {
  if (arg.type === "ArrowFunctionExpression" || arg.type === "FunctionExpression") {
    define(l, name, arg, `the callback of ${method}`, base);
    return { callee: id(name), arity: arity(arg.params), node: arg };
  }
  if (arg.type !== "Identifier") return undefined;
  const local = localFunctionNamed(l, arg.name);
  if (local) return { callee: arg, arity: arity(local.node.params), node: local.node };
  const moduleFn = !l.lookup(arg.name) && l.ctx.functions.get(arg.name);
  if (moduleFn) return { callee: arg, arity: arity(moduleFn.node.params), node: moduleFn.node };
  return undefined;
}

const arity = (params: t.Node[]) => (params.some((p) => p.type === "RestElement") ? Infinity : params.length);

/** The array iterated, held where the callback cannot reassign it (JavaScript iterates the object, not the variable). */
function receiver(l: Lowering, object: t.Expression, callback: Callback): string {
  const value = l.expr(object);
  const reassigned = object.type === "Identifier" && assigns(callback.node, object.name, l);
  const array = value.kind === "var" && !reassigned ? value.name : (l.compute({ kind: "copy", arg: value }, undefined, "array") as { name: string }).name;
  l.scopes[l.scopes.length - 1].set("%array", array);
  const length = local(l, "n", "number");
  l.emit({ kind: "assign", target: length, expr: { kind: "prim", op: "length", args: [v(array)] } });
  return array;
}

function iterate(l: Lowering, method: string, array: string, node: t.CallExpression, callback: Callback): Operand {
  const at = node;
  const element = () => member(id("%array"), id("%i"), at);
  const args = (...first: t.Expression[]) => [...first, id("%i"), id("%array")];
  const call = (first: t.Expression[]) => callExpr(callback, args(...first), at);
  const index = local(l, "i", "number");
  let body: t.Statement;
  let result: Operand = UNDEFINED;
  let start = 0;
  switch (method) {
    case "map": {
      // A new array of the receiver's kind (a copy, each element then overwritten), as JavaScript's map makes.
      const out = local(l, "mapped", "array");
      l.emit({ kind: "assign", target: out, expr: { kind: "alloc", ctor: "same", arg: v(array) } });
      body = statement({ type: "AssignmentExpression", operator: "=", left: member(id("%out"), id("%i"), at), right: call([element()]) } as t.AssignmentExpression, at);
      result = v(out);
      break;
    }
    case "reduce": {
      const acc = local(l, "accumulator");
      if (node.arguments.length === 2) l.expr(node.arguments[1] as t.Expression, acc);
      else {
        const empty = { type: "BinaryExpression", operator: "===", left: id("%n"), right: { type: "NumericLiteral", value: 0 } } as t.BinaryExpression;
        const error = { type: "NewExpression", callee: id("TypeError"), arguments: [{ type: "StringLiteral", value: "Reduce of empty array with no initial value" }] } as t.NewExpression;
        l.statement(located({ type: "IfStatement", test: empty, consequent: located({ type: "ThrowStatement", argument: error } as t.ThrowStatement, at), alternate: null } as t.IfStatement, at));
        l.emit({ kind: "assign", target: acc, expr: { kind: "load", array: v(array), index: num(0) } });
        start = 1;
      }
      body = statement({ type: "AssignmentExpression", operator: "=", left: id("%acc"), right: call([id("%acc"), element()]) } as t.AssignmentExpression, at);
      result = v(acc);
      break;
    }
    case "forEach":
      body = statement(call([element()]), at);
      break;
    case "filter": {
      // Kept elements stored from the front of a copy of the receiver's kind, then that much of it sliced off.
      const kept = local(l, "kept", "array");
      l.emit({ kind: "assign", target: kept, expr: { kind: "alloc", ctor: "same", arg: v(array) } });
      const count = local(l, "count", "number");
      l.emit({ kind: "assign", target: count, expr: { kind: "copy", arg: num(0) } });
      const next = { type: "UpdateExpression", operator: "++", prefix: false, argument: id("%count") } as t.UpdateExpression;
      const keep = statement({ type: "AssignmentExpression", operator: "=", left: member(id("%kept"), next, at), right: element() } as t.AssignmentExpression, at);
      body = located({ type: "IfStatement", test: call([element()]), consequent: keep, alternate: null } as t.IfStatement, at);
      l.emit({ kind: "assign", target: index, expr: { kind: "copy", arg: num(0) } });
      loop(l, body, at, method);
      const slice = located({ type: "CallExpression", callee: { type: "MemberExpression", object: id("%kept"), property: id("slice"), computed: false }, arguments: [{ type: "NumericLiteral", value: 0 }, id("%count")] } as unknown as t.CallExpression, at);
      return l.expr(slice);
    }
    case "find":
    case "findIndex": {
      // The first element (its index) the callback accepts; undefined (-1) if none does.
      const found = local(l, method === "find" ? "found" : "foundAt");
      l.emit({ kind: "assign", target: found, expr: { kind: "copy", arg: method === "find" ? UNDEFINED : num(-1) } });
      const take = statement({ type: "AssignmentExpression", operator: "=", left: id("%found"), right: method === "find" ? element() : id("%i") } as t.AssignmentExpression, at);
      const leave = located({ type: "BlockStatement", directives: [], body: [take, located({ type: "BreakStatement", label: null } as t.BreakStatement, at)] } as t.BlockStatement, at);
      body = located({ type: "IfStatement", test: call([element()]), consequent: leave, alternate: null } as t.IfStatement, at);
      result = v(found);
      break;
    }
    default: {
      // every: false at the first falsy result; some: true at the first truthy one.
      const every = method === "every";
      const found = local(l, every ? "all" : "any", "boolean");
      l.emit({ kind: "assign", target: found, expr: { kind: "copy", arg: { kind: "const", code: String(every), value: every } } });
      const test = every ? ({ type: "UnaryExpression", operator: "!", prefix: true, argument: call([element()]) } as t.UnaryExpression) : call([element()]);
      const leave = located({ type: "BlockStatement", directives: [], body: [statement({ type: "AssignmentExpression", operator: "=", left: id("%found"), right: { type: "BooleanLiteral", value: !every } } as t.AssignmentExpression, at), located({ type: "BreakStatement", label: null } as t.BreakStatement, at)] } as t.BlockStatement, at);
      body = located({ type: "IfStatement", test, consequent: leave, alternate: null } as t.IfStatement, at);
      result = v(found);
    }
  }
  l.emit({ kind: "assign", target: index, expr: { kind: "copy", arg: num(start) } });
  loop(l, body, at, method);
  return result;
}

function arrayFrom(l: Lowering, ctor: ArrayKind, node: t.CallExpression, callback: Callback, target?: string): Operand {
  void target;
  const at = node;
  const source = unwrap(node.arguments[0] as t.Expression);
  const length = local(l, "n", "number");
  const lengthOnly = source.type === "ObjectExpression" && source.properties.length === 1 && source.properties[0].type === "ObjectProperty" && !source.properties[0].computed && source.properties[0].key.type === "Identifier" && source.properties[0].key.name === "length";
  let element: t.Expression;
  if (lengthOnly) {
    l.expr((source.properties[0] as t.ObjectProperty).value as t.Expression, length);
    element = id("undefined");
  } else {
    const value = l.expr(source);
    // A typed array's from() reads every element before it calls the callback once.
    const snapshot = ctor !== "Array" && mayAssign(l, callback.node, true);
    const array = snapshot || value.kind !== "var" ? (l.compute(snapshot ? { kind: "alloc", ctor: "same", arg: value } : { kind: "copy", arg: value }, undefined, "array") as { name: string }).name : value.name;
    l.scopes[l.scopes.length - 1].set("%array", array);
    l.emit({ kind: "assign", target: length, expr: { kind: "prim", op: "length", args: [v(array)] } });
    element = member(id("%array"), id("%i"), at);
  }
  const out = local(l, "mapped", "array");
  l.emit({ kind: "assign", target: out, expr: { kind: "alloc", ctor, arg: v(length) } });
  const index = local(l, "i", "number");
  l.emit({ kind: "assign", target: index, expr: { kind: "copy", arg: num(0) } });
  const body = statement({ type: "AssignmentExpression", operator: "=", left: member(id("%out"), id("%i"), at), right: callExpr(callback, [element, id("%i")], at) } as t.AssignmentExpression, at);
  loop(l, body, at, "from", !lengthOnly && ctor === "Array");
  return v(out);
}

/** `for (; %i < %n; %i++) body`, refusing a callback that removes elements while it runs. */
function loop(l: Lowering, body: t.Statement, at: t.Node, method: string, growing = false): void {
  const test = { type: "BinaryExpression", operator: "<", left: id("%i"), right: id("%n") } as t.BinaryExpression;
  const update = { type: "UpdateExpression", operator: "++", prefix: false, argument: id("%i") } as t.UpdateExpression;
  const stmts = l.collect(() => l.statement(located({ type: "ForStatement", init: null, test, update, body } as t.ForStatement, at)));
  forEachStmt(stmts, (s) => {
    if (s.kind === "method" && (SHRINKING.has(s.method) || (growing && (s.method === "push" || s.method === "unshift")))) {
      const detail = `.${s.method}() in the callback of ${method === "from" ? "Array.from()" : `.${method}()`}, which JavaScript iterates as the array changes: remove elements after the loop, or loop with an index`;
      l.ctx.diagnostics.push(diagnostic("ADJ011", l.ctx.filename, s.at, detail));
    }
  });
  l.block.push(...stmts);
}

/** A generated local the loop's `%`-name refers to. */
function local(l: Lowering, base: string, declared?: "number" | "boolean" | "array"): string {
  const name = l.freshGenerated(base);
  l.locals.set(name, { temp: true, declared });
  const alias = { n: "%n", i: "%i", mapped: "%out", accumulator: "%acc", all: "%found", any: "%found", found: "%found", foundAt: "%found", kept: "%kept", count: "%count" }[base];
  if (alias) l.scopes[l.scopes.length - 1].set(alias, name);
  return name;
}

const id = (name: string): t.Identifier => ({ type: "Identifier", name }) as t.Identifier;

function located<T extends t.Node>(node: T, at: t.Node): T {
  return Object.assign(node, { start: at.start, end: at.end, loc: at.loc });
}

function member(object: t.Expression, property: t.Expression, at: t.Node): t.MemberExpression {
  return located({ type: "MemberExpression", object, property, computed: true } as t.MemberExpression, at);
}

function callExpr(callback: Callback, args: t.Expression[], at: t.Node): t.CallExpression {
  return located({ type: "CallExpression", callee: callback.callee, arguments: args.slice(0, callback.arity) } as t.CallExpression, at);
}

function statement(expression: t.Expression, at: t.Node): t.ExpressionStatement {
  return located({ type: "ExpressionStatement", expression: located(expression, at) } as t.ExpressionStatement, at);
}

