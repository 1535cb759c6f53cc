// Indexed code on typed arrays and number[]: element reads and writes (`a[i]`, `a[i] += v`),
// allocations and copies, array literals, fill/slice; and property reads (`.length`, NDArray's).
import type * as t from "@babel/types";
import { spanOf, unwrap } from "../ast.js";
import { num, v, type ArrayKind, type Operand } from "../ir/index.js";
import { sourceName, UNDEFINED, type Lowering } from "./lowerer.js";
import { mathConstants } from "../rules/scalar.js";
import { CONSTANT_PROPERTIES, npRule } from "../rules/np.js";
import { arrayMethodCall } from "./array-methods.js";
import { arrayRead, spreadLiteral } from "./array-reads.js";
import { escapes, recordOf, resolve } from "./objects.js";
import { mayAssign } from "./closures.js";

export function member(l: Lowering, node: t.MemberExpression, target?: string): Operand {
  const object = unwrap(node.object);
  if (!node.computed && node.property.type === "Identifier") {
    const property = node.property.name;
    if (object.type === "Identifier" && object.name === "Math" && !l.lookup("Math") && mathConstants.has(property)) {
      return { kind: "const", code: `Math.${property}`, value: Math[property as "PI"] };
    }
    const receiver = l.expr(object);
    if (receiver.kind === "var" && l.ndarrays.has(receiver.name)) {
      if (property === "T") return l.np(npRule("transpose")!, [receiver], ([x]) => `${x}.T`, target);
      if (CONSTANT_PROPERTIES.has(property)) return l.opaque(node, "ADJ012", `the property .${property}`, [receiver], ([r]) => `${r}.${property}`, target, true);
      if (property === "data") {
        // The NDArray's own elements: a write through them would change it in place.
        const describe = `\`${l.ctx.source.slice(node.start!, node.end!)}\` (its elements, which a write would change)`;
        return l.compute({ kind: "opaque", describe, diagnostic: "ADJ025", render: ([r]) => `${r}.data`, args: [receiver], at: spanOf(node), writesReceiver: true }, target);
      }
    }
    if (property === "length") return l.compute({ kind: "prim", op: "length", args: [receiver] }, target, "number");
    return l.opaque(node, "ADJ012", `the property .${property}`, [receiver], ([r]) => `${r}.${property}`, target);
  }
  const array = l.expr(object);
  const index = l.expr(node.property as t.Expression);
  return l.compute({ kind: "load", array, index }, target);
}

/** The local array an element write goes to; reports writes to anything else. */
export function arrayTarget(l: Lowering, node: t.MemberExpression): { array: string; index: Operand } | undefined {
  const object = resolve(l, unwrap(node.object));
  if (recordOf(l, object)) {
    escapes(l, object, "indexed");
    return undefined;
  }
  if (!node.computed || object.type !== "Identifier") {
    l.report(node.computed ? "ADJ014" : "ADJ016", node, node.computed ? "the array is computed here" : "assignment to a property");
    return undefined;
  }
  const array = l.lookup(object.name);
  if (!array) {
    l.report("ADJ009", node, `'${sourceName(l, object)}' (an element of an array declared outside the function)`);
    return undefined;
  }
  if (appends(object.name, node.property as t.Expression)) {
    // The store grows the array: a length the reverse sweep reads again would be the grown one.
    l.report("ADJ016", node, `a store at ${object.name}.length, which grows the array (write ${object.name}.push(value))`);
    return undefined;
  }
  return { array, index: l.expr(node.property as t.Expression) };
}

/** `a[a.length] = v`, `a[a.length + k] = v`: an element written past the array's end. */
function appends(name: string, index: t.Expression): boolean {
  const at = unwrap(index);
  const isLength = (e: t.Node) => e.type === "MemberExpression" && !e.computed && e.property.type === "Identifier" && e.property.name === "length" && unwrap(e.object as t.Expression).type === "Identifier" && (unwrap(e.object as t.Expression) as t.Identifier).name === name;
  return isLength(at) || (at.type === "BinaryExpression" && at.operator === "+" && (isLength(at.left) || isLength(at.right)));
}

/** `a[i] op= value` (op "" for plain `=`): a load, the arithmetic, a store. */
export function elementUpdate(l: Lowering, node: t.MemberExpression, op: string | null, value: () => Operand, valueNode?: t.Node): Operand {
  const place = arrayTarget(l, node);
  if (!place) return UNDEFINED;
  // JavaScript reads the index (and, for `a[i] += …`, the element) before the right side, which may write them.
  const readFirst = valueNode !== undefined && mayAssign(l, valueNode, true);
  if (readFirst && place.index.kind === "var" && !l.locals.get(place.index.name)?.temp) place.index = l.compute({ kind: "copy", arg: place.index }, undefined, "number");
  const first = readFirst && op ? l.compute({ kind: "load", array: v(place.array), index: place.index }, undefined) : undefined;
  let result = value();
  if (op) {
    const old = first ?? l.compute({ kind: "load", array: v(place.array), index: place.index }, undefined);
    result = l.compute({ kind: "prim", op, args: [old, result] }, undefined, "number");
  }
  l.emit({ kind: "store", array: place.array, index: place.index, value: result });
  return result;
}

/** `new Float64Array(n)`, `new Float64Array(a)`, `Array.from(a)`, `new Array(n)`: an array allocation. */
export function allocation(l: Lowering, kind: string, node: t.NewExpression | t.CallExpression, target?: string, from = false): Operand | undefined {
  if (!ARRAY_KINDS.has(kind) || l.lookup(kind) || node.arguments.length !== 1) return undefined;
  const [arg] = l.arguments(node.arguments);
  return l.compute({ kind: "alloc", ctor: kind as ArrayKind, arg, ...(from && { from: true as const }) }, target, "array");
}

export function arrayLiteral(l: Lowering, node: t.ArrayExpression, target?: string): Operand {
  const spread = spreadLiteral(l, node, target);
  if (spread) return spread;
  const elements = node.elements.map((e) => {
    if (e === null || e.type === "SpreadElement") {
      l.report("ADJ019", e ?? node);
      return UNDEFINED;
    }
    return l.expr(e);
  });
  if (elements.some((e) => e.kind === "var" && l.ndarrays.has(e.name))) {
    // A list of NDArrays is no array of numbers: refused where gradient would flow through it.
    return l.opaque(node, "ADJ016", "a list of NDArrays (np.concat and np.stack take one, written in their call)", elements, (a) => `[${a.join(", ")}]`, target);
  }
  const array = l.compute({ kind: "alloc", ctor: "Array", arg: num(elements.length) }, target, "array");
  elements.forEach((value, i) => l.emit({ kind: "store", array: (array as { name: string }).name, index: num(i), value }));
  return array;
}

/** Array methods and constructors compiled as such: `Float64Array.from(a)`, `a.slice()`, `a.fill(v)`, `new Array(n).fill(0)`. */
export function arrayMethod(l: Lowering, object: t.Expression, property: string, node: t.CallExpression, target?: string): Operand | undefined {
  if (object.type === "Identifier" && property === "from" && ARRAY_KINDS.has(object.name)) {
    const allocated = allocation(l, object.name, node, target, true);
    if (allocated) return allocated;
  }
  if ((property === "fill" || property === "set") && object.type === "Identifier" && l.ndarrays.has(l.lookup(object.name) ?? "")) {
    // The reverse sweep reads arrays as the forward sweep left them: writing one in place would corrupt it.
    l.report("ADJ025", node, `${sourceName(l, object)}.${property}(…)`);
    return UNDEFINED;
  }
  if (property === "subarray" && object.type === "Identifier" && l.lookup(object.name) && !l.ndarrays.has(l.lookup(object.name)!) && node.arguments.length <= 2 && node.arguments.every((a) => a.type !== "SpreadElement" && a.type !== "ArgumentPlaceholder")) {
    // A view: the same memory, one region with the array (its adjoint is the same view of the array's).
    return l.compute({ kind: "view", arg: v(l.lookup(object.name)!), args: l.arguments(node.arguments) }, target, "array");
  }
  if ((property === "slice" || property === "fill") && object.type === "Identifier" && l.lookup(object.name)) {
    const array = l.lookup(object.name)!;
    if (property === "slice" && node.arguments.length === 0) {
      return l.compute({ kind: "alloc", ctor: "same", arg: v(array) }, target, "array");
    }
    if (property === "fill" && node.arguments.length === 1) {
      const [value] = l.arguments(node.arguments);
      l.emit({ kind: "fill", array, value });
      return v(array);
    }
  }
  if (property === "slice" && object.type === "MemberExpression" && object.computed && node.arguments.length <= 2 && node.arguments.every((a) => a.type !== "SpreadElement" && a.type !== "ArgumentPlaceholder")) {
    // `X[k].slice()`: a copy of an element, a row (lower/rows.ts), as `row.slice()` is.
    const element = l.value(object);
    if (element.kind === "var") return l.compute({ kind: "alloc", ctor: "same", arg: element, ...(node.arguments.length > 0 && { range: l.arguments(node.arguments) }) }, target, "array");
  }
  if (property === "fill" && node.arguments.length === 1 && object.type === "NewExpression") {
    // `new Array(n).fill(0)`
    const array = l.value(object, target);
    const [value] = l.arguments(node.arguments);
    if (array.kind === "var") l.emit({ kind: "fill", array: array.name, value });
    return array;
  }
  return arrayRead(l, object, property, node, target) ?? arrayMethodCall(l, object, property, node, target);
}

const ARRAY_KINDS = new Set<string>(["Float64Array", "Float32Array", "Array"]);
