// Array methods that read their array and make a new array (or a number) from it, and spread,
// lowered to IR the rest of the pipeline knows: `x.slice(b, e)` is a copy of that range (an
// alloc), `x.at(i)` a load, `[...xs, 1]`, `a.concat(b, 2)` and `Float64Array.of(…)` a new
// Array filled by `push` (a loop over each spread array), `Math.max(...xs)` a fold in a loop,
// and `sort` the permutation the forward sweep computes (a constant) applied by loads and
// stores. None is a view: every result is a new array, one region of its own.
import type * as t from "@babel/types";
import { spanOf, unwrap } from "../ast.js";
import { num, v, type ArrayKind, type Expr, type Operand, type ValueType } from "../ir/index.js";
import { UNDEFINED, type Lowering } from "./lowerer.js";

type Part = t.Expression | t.SpreadElement;

/** `x.slice(b, e)`, `x.at(i)`, `a.concat(…)`, `x.sort(cmp)`, `x.indexOf(v)`, `Float64Array.of(…)`; undefined for anything else. */
export function arrayRead(l: Lowering, object: t.Expression, property: string, node: t.CallExpression, target?: string): Operand | undefined {
  const args = node.arguments;
  if (args.some((a) => a.type === "ArgumentPlaceholder")) return undefined;
  if (property === "of" && object.type === "Identifier" && ARRAY_KINDS.has(object.name) && !l.lookup(object.name)) {
    return arrayOf(l, object.name as ArrayKind, args as Part[], node, target);
  }
  if (!READS.has(property) || (property === "slice" && (args.length === 0 || args.length > 2)) || (property === "at" && args.length !== 1)) return undefined;
  if (property !== "concat" && args.some((a) => a.type === "SpreadElement")) return undefined;
  // A comparator given by name is a value adjoint cannot see into: calls.ts refuses the sort where a gradient is involved.
  if (property === "sort" && (args.length > 1 || (args.length === 1 && !isFunctionLiteral(args[0] as t.Expression)))) return undefined;
  const array = receiver(l, object);
  if (!array) return undefined;
  switch (property) {
    case "slice":
      return made(l, target, l.compute({ kind: "alloc", ctor: "same", arg: v(array), range: l.arguments(args) }, target, "array"));
    case "at":
      return at(l, array, args[0] as t.Expression, target);
    case "concat":
      return concat(l, array, args as Part[], node, target);
    case "sort":
      return sort(l, object, array, args as t.Expression[], node, target);
    default: {
      // indexOf, lastIndexOf, includes: an index or a boolean, with no derivative.
      const operands = l.arguments(args);
      const render = ([r, ...a]: string[]) => `${r}.${property}(${a.join(", ")})`;
      return l.opaque(node, "ADJ011", `the method call .${property}()`, [v(array), ...operands], render, target, true);
    }
  }
}

/** `Math.max(...xs, y)`, `Math.min`, `Math.hypot` with spread arguments: a fold over every element, one pair at a time. */
export function mathSpread(l: Lowering, name: string, node: t.CallExpression, target?: string): Operand | undefined {
  if (!FOLDS[name] || !node.arguments.some((a) => a.type === "SpreadElement")) return undefined;
  const { start, op } = FOLDS[name];
  // The two-argument rule of max and min gives the gradient to the first that attains the
  // result, so the fold gives it to the first element that does, as the variadic rule would.
  const folded = name === "hypot" ? fresh(l, "norm", "number") : fresh(l, name === "max" ? "largest" : "smallest", "number");
  l.assign(folded, { kind: "copy", arg: start });
  const parts: Operand[] = [];
  for (const part of node.arguments as Part[]) {
    const step = (value: Operand) => l.assign(folded, { kind: "prim", op, args: [v(folded), value] });
    const value = part.type === "SpreadElement" ? spreadArray(l, part) : l.expr(part);
    parts.push(value);
    if (part.type === "SpreadElement") forEachElement(l, value, step);
    else step(value);
  }
  if (name !== "hypot") return target ? l.compute({ kind: "copy", arg: v(folded) }, target) : v(folded);
  // max and min fold exactly; hypot one pair at a time rounds otherwise than Math.hypot of all:
  // the value is Math.hypot's, the derivative the fold's (the same, x / norm, up to rounding).
  const spread = (node.arguments as Part[]).map((part) => part.type === "SpreadElement");
  const render = (args: string[]) => `Math.hypot(${args.map((a, i) => (spread[i] ? `...${a}` : a)).join(", ")})`;
  const exact = l.compute({ kind: "opaque", describe: "Math.hypot", diagnostic: "ADJ011", render, args: parts, at: spanOf(node), constant: true, result: "number" }, undefined, "number");
  return l.compute({ kind: "prim", op: "withValueOf", args: [v(folded), exact] }, target, "number");
}

/** `[a, ...xs, b]`: a new Array, each spread array's elements pushed in a loop. */
export function spreadLiteral(l: Lowering, node: t.ArrayExpression, target?: string): Operand | undefined {
  if (!node.elements.some((e) => e?.type === "SpreadElement") || node.elements.includes(null)) {
    remember(l, target);
    return undefined;
  }
  return list(l, node.elements as Part[], node, target);
}

/** The array a read method reads: a local array, or the new array an expression makes (`[...xs]`, `xs.slice()`). */
function receiver(l: Lowering, object: t.Expression): string | undefined {
  if (object.type === "Identifier") {
    const name = l.lookup(object.name);
    return name && isArrayOfNumbers(l, name) ? name : undefined;
  }
  if (!makesNewArray(object)) return undefined;
  const value = l.value(object);
  return value.kind === "var" && isArrayOfNumbers(l, value.name) ? value.name : undefined;
}

function makesNewArray(node: t.Expression): boolean {
  if (node.type === "ArrayExpression") return true;
  if (node.type === "NewExpression") return node.callee.type === "Identifier" && ARRAY_KINDS.has(node.callee.name);
  if (node.type !== "CallExpression" || node.callee.type !== "MemberExpression" || node.callee.property.type !== "Identifier") return false;
  const object = unwrap(node.callee.object as t.Expression);
  const method = node.callee.property.name;
  if (method === "from" || method === "of") return object.type === "Identifier" && ARRAY_KINDS.has(object.name);
  return method === "slice" || method === "concat";
}

/** Whether the expression is syntactically a plain Array (not a typed one). */
function isPlainArray(node: t.Expression): boolean {
  if (node.type === "ArrayExpression") return true;
  if (node.type === "NewExpression") return node.callee.type === "Identifier" && node.callee.name === "Array";
  if (node.type !== "CallExpression" || node.callee.type !== "MemberExpression" || node.callee.property.type !== "Identifier") return false;
  const object = unwrap(node.callee.object as t.Expression);
  const method = node.callee.property.name;
  return method === "concat" || ((method === "from" || method === "of") && object.type === "Identifier" && object.name === "Array");
}

function at(l: Lowering, array: string, index: t.Expression, target?: string): Operand {
  const i = l.expr(index);
  let position: Operand;
  if (i.kind === "const" && typeof i.value === "number" && Number.isInteger(i.value)) {
    // A literal index: counted from the end when negative.
    position = i.value >= 0 ? i : l.compute({ kind: "prim", op: "sub", args: [l.compute({ kind: "prim", op: "length", args: [v(array)] }, undefined, "number"), num(-i.value)] }, undefined, "number");
  } else {
    position = l.compute({ kind: "opaque", describe: "an index", diagnostic: "ADJ011", render: ([x, k], runtime) => `${runtime}.atIndex(${x}, ${k})`, args: [v(array), i], at: spanOf(index), constant: true, result: "number" }, undefined, "number");
  }
  return l.compute({ kind: "load", array: v(array), index: position }, target);
}

/** `a.concat(b, 2, ...c)`: the receiver's elements, then each argument's (an Array's elements, or the number). */
function concat(l: Lowering, array: string, args: Part[], node: t.CallExpression, target?: string): Operand {
  // Every argument is evaluated before concat reads the arrays.
  const parts: { operand: Operand; spread: boolean }[] = [];
  for (const arg of args) {
    const kind = arg.type === "SpreadElement" ? "number" : kindOf(l, arg);
    if (!kind) {
      l.report("ADJ027", arg, "an argument of concat(…): an Array's elements are appended, a number is one element");
      return UNDEFINED;
    }
    const operand = l.expr(arg.type === "SpreadElement" ? arg.argument : arg);
    parts.push({ operand, spread: arg.type === "SpreadElement" || kind === "array" });
    if (kind === "array") guardConcatenable(l, operand, "an argument", arg);
  }
  guardConcatenable(l, v(array), "the array", node);
  const result = fresh(l, "joined", "array");
  l.assign(result, { kind: "alloc", ctor: "Array", arg: num(0) });
  const push = pusher(l, result, node);
  forEachElement(l, v(array), push);
  for (const { operand, spread } of parts) {
    if (spread) forEachElement(l, operand, push);
    else push(operand);
  }
  return made(l, target, target ? l.compute({ kind: "copy", arg: v(result) }, target) : v(result));
}

function pusher(l: Lowering, array: string, node: t.Node): (value: Operand) => void {
  const at = spanOf(node);
  return (value) => l.emit({ kind: "method", array, method: "push", args: [value], at });
}

/** What lowering can tell of a concat argument's kind: a number literal or a declared local. */
function kindOf(l: Lowering, node: t.Expression): ValueType | undefined {
  const e = unwrap(node);
  if (e.type === "NumericLiteral" || (e.type === "UnaryExpression" && e.argument.type === "NumericLiteral")) return "number";
  if (e.type === "BinaryExpression" && "+-*/%**".includes(e.operator)) return "number";
  if (e.type === "ArrayExpression" || makesNewArray(e)) return "array";
  if (e.type === "Identifier") {
    const name = l.lookup(e.name);
    const declared = name ? (l.locals.get(name)?.declared ?? madeArrays.get(l.locals)?.get(name)) : undefined;
    return declared === "number" || declared === "array" ? declared : undefined;
  }
  return undefined;
}

/**
 * Locals this file (or an array literal) made an array, by function (its locals map): what
 * kindOf knows of an unannotated `const ys = [...xs, 1]`. A local that is a number elsewhere
 * is refused by the kind analysis (ADJ026) all the same.
 */
const madeArrays = new WeakMap<ReadonlyMap<string, unknown>, Map<string, ValueType>>();

function remember(l: Lowering, target: string | undefined): void {
  if (!target) return;
  let known = madeArrays.get(l.locals);
  if (!known) madeArrays.set(l.locals, (known = new Map()));
  known.set(target, "array");
}

function made(l: Lowering, target: string | undefined, result: Operand): Operand {
  remember(l, target);
  return result;
}

/** concat spreads only Arrays, and typed arrays have no concat: the generated code throws where the user's would not do the same. */
function guardConcatenable(l: Lowering, array: Operand, role: string, at: t.Node | undefined): void {
  const render = ([x]: string[], runtime: string) => `${runtime}.assertConcatenable(${x}, "${role}")`;
  const span = at ? spanOf(at) : { start: 0, end: 0, line: l.loc.line, column: l.loc.column };
  l.emit({ kind: "effect", expr: { kind: "opaque", describe: "a check", diagnostic: "ADJ011", render, args: [array], at: span, constant: true } });
}

function arrayOf(l: Lowering, kind: ArrayKind, args: Part[], node: t.CallExpression, target?: string): Operand {
  if (kind === "Array") return list(l, args, node, target);
  if (args.some((a) => a.type === "SpreadElement")) {
    // The elements gathered in an Array, then copied into the typed array.
    return made(l, target, l.compute({ kind: "alloc", ctor: kind, arg: list(l, args, node) }, target, "array"));
  }
  const values = l.arguments(args);
  const result = fresh(l, "made", "array");
  l.assign(result, { kind: "alloc", ctor: kind, arg: num(args.length) });
  values.forEach((value, i) => l.emit({ kind: "store", array: result, index: num(i), value }));
  return made(l, target, target ? l.compute({ kind: "copy", arg: v(result) }, target) : v(result));
}

/** A new Array of the parts' values: numbers pushed, spread arrays pushed element by element, in order. */
function list(l: Lowering, parts: Part[], node: t.Node, target?: string): Operand {
  const result = fresh(l, "list", "array");
  l.assign(result, { kind: "alloc", ctor: "Array", arg: num(0) });
  const push = pusher(l, result, node);
  for (const part of parts) {
    if (part.type === "SpreadElement") forEachElement(l, spreadArray(l, part), push);
    else push(l.expr(part));
  }
  return made(l, target, target ? l.compute({ kind: "copy", arg: v(result) }, target) : v(result));
}

/** The array a spread reads; a value declared otherwise (a string, an NDArray) is refused, as before. */
function spreadArray(l: Lowering, part: t.SpreadElement): Operand {
  const operand = l.expr(part.argument);
  if (operand.kind === "var" && !isArrayOfNumbers(l, operand.name)) {
    l.report("ADJ019", part, "a spread of a value not known to be an array of numbers");
    return EMPTY;
  }
  return operand;
}

/** Whether a local may be an array of numbers: not an NDArray, and not declared another kind. */
function isArrayOfNumbers(l: Lowering, name: string): boolean {
  const declared = l.locals.get(name)?.declared;
  return !l.ndarrays.has(name) && (declared === undefined || declared === "array");
}

const EMPTY: Operand = { kind: "const", code: "[]" };

/** `xs.sort(cmp)` in place: order = the permutation (a constant), then xs[k] = copy[order[k]]. */
function sort(l: Lowering, object: t.Expression, array: string, args: t.Expression[], node: t.CallExpression, target?: string): Operand | undefined {
  const direction = args.length === 0 ? 0 : comparatorDirection(args[0]);
  if (direction === null) {
    l.report("ADJ011", args[0], "a sort comparator other than (a, b) => a - b or (a, b) => b - a");
    return UNDEFINED;
  }
  if (direction === 0 && isPlainArray(unwrap(object))) {
    // Refused where a gradient is involved, as any method adjoint cannot see into.
    const describe = "sort() with no comparator on a number[], which orders the numbers as strings (10 before 9); pass (a, b) => a - b";
    return l.compute({ kind: "opaque", describe, diagnostic: "ADJ011", render: ([r]) => `${r}.sort()`, args: [v(array)], at: spanOf(node), writesReceiver: true }, target);
  }
  const order = fresh(l, "order", "array");
  const render = ([x]: string[], runtime: string) => `${runtime}.sortOrder(${x}, ${direction})`;
  l.assign(order, { kind: "opaque", describe: "the order", diagnostic: "ADJ011", render, args: [v(array)], at: spanOf(node), constant: true, result: "array" });
  const unsorted = fresh(l, "unsorted", "array");
  l.assign(unsorted, { kind: "alloc", ctor: "same", arg: v(array) });
  forEachElement(l, v(order), (from, k) => {
    const value = l.compute({ kind: "load", array: v(unsorted), index: from }, undefined, "number");
    l.emit({ kind: "store", array, index: k, value });
  });
  return made(l, target, target ? l.compute({ kind: "copy", arg: v(array) }, target) : v(array));
}

function isFunctionLiteral(node: t.Expression): boolean {
  return node.type === "ArrowFunctionExpression" || node.type === "FunctionExpression";
}

/** 1 for `(a, b) => a - b`, -1 for `(a, b) => b - a` (arrow or function expression); null for any other comparator. */
function comparatorDirection(node: t.Expression): 1 | -1 | null {
  if ((node.type !== "ArrowFunctionExpression" && node.type !== "FunctionExpression") || node.async || node.generator) return null;
  const [a, b] = node.params;
  if (node.params.length !== 2 || a.type !== "Identifier" || b.type !== "Identifier" || a.name === b.name) return null;
  let body: t.Node = node.body;
  if (body.type === "BlockStatement") {
    if (body.body.length !== 1 || body.body[0].type !== "ReturnStatement" || !body.body[0].argument) return null;
    body = body.body[0].argument;
  }
  body = unwrap(body as t.Expression);
  if (body.type !== "BinaryExpression" || body.operator !== "-") return null;
  const left = unwrap(body.left as t.Expression);
  const right = unwrap(body.right);
  if (left.type !== "Identifier" || right.type !== "Identifier") return null;
  if (left.name === a.name && right.name === b.name) return 1;
  if (left.name === b.name && right.name === a.name) return -1;
  return null;
}

/** `for (let k = 0; k < array.length; k++) body(array[k], k)`, the length read once before the loop. */
function forEachElement(l: Lowering, array: Operand, body: (element: Operand, k: Operand) => void): void {
  const length = l.compute({ kind: "prim", op: "length", args: [array] }, undefined, "number");
  const k = fresh(l, "k", "number");
  l.assign(k, { kind: "copy", arg: num(0) });
  const more = l.temp("boolean");
  const pre = l.collect(() => l.assign(more, { kind: "prim", op: "lt", args: [v(k), length] }));
  const loopBody = l.collect(() => {
    const element = l.compute({ kind: "load", array, index: v(k) }, undefined, "number");
    body(element, v(k));
    l.assign(k, { kind: "prim", op: "add", args: [v(k), num(1)] } as Expr);
  });
  l.emit({ kind: "loop", pre, cond: v(more), body: loopBody });
}

function fresh(l: Lowering, base: string, declared: ValueType): string {
  const name = l.freshGenerated(base);
  l.locals.set(name, { temp: true, declared });
  return name;
}

const ARRAY_KINDS = new Set<string>(["Float64Array", "Float32Array", "Array"]);
const READS = new Set(["slice", "at", "concat", "sort", "indexOf", "lastIndexOf", "includes"]);
const FOLDS: Record<string, { start: Operand; op: string }> = {
  max: { start: { kind: "const", code: "-Infinity", value: -Infinity }, op: "Math.max" },
  min: { start: { kind: "const", code: "Infinity", value: Infinity }, op: "Math.min" },
  hypot: { start: num(0), op: "hypotStep" },
};
