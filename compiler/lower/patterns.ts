// Destructuring as copies and loads: `const [a, b] = xs` is `a = xs[0]; b = xs[1]`, a property
// of an object pattern is read as `p.w` is, `[a, b] = [b, a + b]` reads every right-hand value
// before it assigns any, a default applies where the value is undefined, and a rest element
// (`[head, ...tail]`) copies what is left into a new Array, as JavaScript's array iterator does.
import type * as t from "@babel/types";
import { unwrap } from "../ast.js";
import { num, v, type Operand } from "../ir/index.js";
import { sourceName, UNDEFINED, type Lowering } from "./lowerer.js";
import { patternLeaves } from "./scopes.js";
import { declareRecord, escapes, recordOf } from "./objects.js";

/**
 * What a pattern takes apart: one value (an array, an object), or the elements of an array
 * literal written in place, each evaluated already (so the literal is never made).
 * `node` names the value for property reads; `local` is a declared leaf it was computed into.
 */
type Source = { kind: "value"; value: Operand; node?: t.Expression; local?: string } | { kind: "items"; items: Source[] };

type Pattern = t.LVal | t.PatternLike;

/** `const <pattern> = init` (also let and var). */
export function declarePattern(l: Lowering, pattern: t.ArrayPattern | t.ObjectPattern, init: t.Expression | null | undefined): void {
  if (!init) {
    l.report("ADJ008", pattern, "a pattern needs a value");
    return;
  }
  // An object literal taken apart (`const { w, g } = { w: b, g: 2 * c }`) is a record first, its fields read as `r.w` is.
  // So is a record a helper returns (`const { x, v } = step(s)`); a record variable's fields are read as they are.
  const inner = unwrap(init);
  if (pattern.type === "ObjectPattern" && (inner.type === "ObjectExpression" || inner.type === "CallExpression")) {
    // Named as a generated local (its fields are `object$w`, …), never a name the module uses.
    const holder = { type: "Identifier", name: l.freshGenerated("object"), start: init.start, end: init.end, loc: init.loc } as t.Identifier;
    const before = l.records.size;
    const isRecord = declareRecord(l, holder, init);
    if (l.records.size > before) bind(l, pattern, { kind: "value", value: v(holder.name), node: holder }, true);
    if (isRecord) return;
  }
  if (pattern.type === "ObjectPattern" && recordOf(l, inner)) return bind(l, pattern, { kind: "value", value: UNDEFINED, node: inner }, true);
  bind(l, pattern, evaluate(l, pattern, init, true, new Set()), true);
}

/** A parameter written as a pattern: the parameter's local, taken apart at the top of the body. */
export function bindParameter(l: Lowering, pattern: t.ArrayPattern | t.ObjectPattern, param: string): void {
  bind(l, pattern, { kind: "value", value: v(param), node: aliasNode(l, param, pattern) }, true);
}

/** A record parameter written as an object pattern: its fields read from the record `holder` names. */
export function bindRecordParameter(l: Lowering, pattern: t.ObjectPattern, holder: t.Identifier): void {
  bind(l, pattern, { kind: "value", value: UNDEFINED, node: holder }, true);
}

/** `<pattern> = right`: every value is read before any target is written (`[a, b] = [b, a + b]`). */
export function assignPattern(l: Lowering, node: t.AssignmentExpression, used: boolean): Operand {
  const pattern = node.left as t.ArrayPattern | t.ObjectPattern;
  const record = unwrap(node.right);
  if (pattern.type === "ObjectPattern" && recordOf(l, record)) {
    if (used) return escapes(l, record, "the value of a destructuring assignment");
    bind(l, pattern, { kind: "value", value: UNDEFINED, node: record }, false);
    return UNDEFINED;
  }
  // Where the assignment's value is used, it is the right-hand array itself.
  const source = used ? valueSource(l, node.right, writtenBy(l, [pattern])) : evaluate(l, pattern, node.right, false, new Set());
  bind(l, pattern, source, false);
  return source.kind === "value" ? source.value : UNDEFINED;
}

/**
 * A parameter name that says what it holds: its type's (`{ w, b }: Params` is `params`), or
 * its leaves' (`[a, b]` is `a_b`).
 */
export function parameterName(pattern: t.ArrayPattern | t.ObjectPattern, index: number): string {
  const type = pattern.typeAnnotation?.type === "TSTypeAnnotation" ? pattern.typeAnnotation.typeAnnotation : undefined;
  if (type?.type === "TSTypeReference" && type.typeName.type === "Identifier" && !type.typeParameters) {
    return type.typeName.name[0].toLowerCase() + type.typeName.name.slice(1);
  }
  const names = patternLeaves(pattern).map((id) => id.name);
  return names.length > 0 && names.length <= 3 ? names.join("_") : `param${index}`;
}

/** The locals that assignments to `targets` write. */
function writtenBy(l: Lowering, targets: (Pattern | null)[]): Set<string> {
  const locals = new Set<string>();
  for (const id of targets.flatMap((target) => (target ? patternLeaves(target) : []))) {
    const local = l.lookup(id.name);
    if (local) locals.add(local);
  }
  return locals;
}

function evaluate(l: Lowering, pattern: Pattern | null, node: t.Expression, declaring: boolean, written: Set<string>): Source {
  const inner = unwrap(node);
  if (pattern?.type === "ArrayPattern" && inner.type === "ArrayExpression" && inner.elements.every((e) => e !== null && e.type !== "SpreadElement")) {
    const restAt = pattern.elements.findIndex((e) => e?.type === "RestElement");
    // A value read from a local that an earlier target assigns is copied first (`[a, b] = [b, a]`: a's).
    const before = (i: number) => (declaring ? written : new Set([...written, ...writtenBy(l, pattern.elements.slice(0, i))]));
    const items = (inner.elements as t.Expression[]).map((e, i) => evaluate(l, restAt >= 0 && i >= restAt ? null : (pattern.elements[i] ?? null), e, declaring, before(i)));
    return { kind: "items", items };
  }
  if (declaring && pattern?.type === "Identifier") {
    // Straight into the leaf, which enters scope only once the whole right side is read.
    const local = l.freshLocal(pattern.name, { temp: false });
    l.expr(node, local);
    return { kind: "value", value: v(local), local };
  }
  return valueSource(l, node, written);
}

function valueSource(l: Lowering, node: t.Expression, written: Set<string>): Source {
  const inner = unwrap(node);
  let value = l.expr(node);
  if (value.kind === "var" && written.has(value.name)) {
    const copy = l.temp();
    l.assign(copy, { kind: "copy", arg: value });
    if (l.ndarrays.has(value.name)) l.ndarrays.add(copy);
    value = v(copy);
  }
  const named = inner.type === "Identifier" && value.kind !== "const" && !(value.kind === "var" && value.name !== l.lookup(inner.name));
  return { kind: "value", value, node: named ? inner : undefined };
}

function bind(l: Lowering, pattern: Pattern, source: Source, declaring: boolean): void {
  switch (pattern.type) {
    case "Identifier":
      leaf(l, pattern, declaring, (into) => l.assign(into, { kind: "copy", arg: valueOf(l, source) }), source);
      return;
    case "MemberExpression":
      l.elementUpdate(pattern, null, () => valueOf(l, source));
      return;
    case "AssignmentPattern":
      withDefault(l, pattern, source, declaring);
      return;
    case "ArrayPattern":
      arrayPattern(l, pattern, source, declaring);
      return;
    case "ObjectPattern":
      objectPattern(l, pattern, source, declaring);
      return;
    default:
      l.report("ADJ008", pattern);
  }
}

/** The leaf's local (declared, or the one an assignment writes), filled by `fill` unless the source already is it. */
function leaf(l: Lowering, id: t.Identifier, declaring: boolean, fill: (into: string) => void, source?: Source): string | undefined {
  if (declaring && source?.kind === "value" && source.local) {
    l.scopes[l.scopes.length - 1].set(id.name, source.local);
    return source.local;
  }
  const into = declaring ? l.freshLocal(id.name, { temp: false }) : l.lookup(id.name);
  if (!into) {
    l.report("ADJ009", id, `'${sourceName(l, id)}'`);
    return undefined;
  }
  fill(into);
  if (declaring) l.scopes[l.scopes.length - 1].set(id.name, into);
  if (source?.kind === "value" && source.value.kind === "var" && l.ndarrays.has(source.value.name)) l.ndarrays.add(into);
  return into;
}

function valueOf(l: Lowering, source: Source, into?: string): Operand {
  if (source.kind === "value") return source.value;
  // An array literal a pattern did not take apart (`[a] = [[x, y]]`, a rest element's): made after all.
  const values = source.items.map((item) => valueOf(l, item));
  const array = l.compute({ kind: "alloc", ctor: "Array", arg: num(values.length) }, into, "array") as { kind: "var"; name: string };
  values.forEach((value, i) => l.emit({ kind: "store", array: array.name, index: num(i), value }));
  return array;
}

/** `a = d`: the default applies where the value is undefined (an element past the end). */
function withDefault(l: Lowering, pattern: t.AssignmentPattern, source: Source, declaring: boolean, fill?: (into: string) => void): void {
  const fallback = pattern.right;
  if (!fill) {
    if (source.kind === "items" || (source.value.kind === "const" && source.value.code !== "undefined")) return bind(l, pattern.left, source, declaring);
    if (source.value.kind === "const") return bind(l, pattern.left, valueSource(l, fallback, new Set()), declaring);
  }
  const value = (source as { value: Operand }).value;
  const put = fill ?? ((into: string) => l.assign(into, { kind: "copy", arg: value }));
  const test = (name: string) => {
    const missing = l.temp("boolean");
    l.emit({ kind: "assign", target: missing, expr: { kind: "prim", op: "seq", args: [v(name), UNDEFINED] } });
    l.emit({ kind: "if", cond: v(missing), then: l.collect(() => l.expr(fallback, name)), else: [] });
  };
  if (pattern.left.type === "Identifier") {
    const into = leaf(l, pattern.left, declaring, put, fill ? undefined : source);
    if (into) test(into);
    return;
  }
  // A nested pattern or an element: the value, defaulted, in a temporary first.
  const held = l.temp();
  put(held);
  test(held);
  bind(l, pattern.left, { kind: "value", value: v(held) }, declaring);
}

/**
 * `into = i < xs.length ? xs[i] : undefined`: past the end nothing is loaded, so the reverse
 * sweep gives no element past the end an adjoint (a number[]'s adjoint would grow).
 */
function loadInRange(l: Lowering, array: Operand, i: number, into: string): void {
  const length = l.compute({ kind: "prim", op: "length", args: [array] }, undefined, "number");
  const inRange = l.compute({ kind: "prim", op: "lt", args: [num(i), length] }, undefined, "boolean");
  const load = l.collect(() => l.compute({ kind: "load", array, index: num(i) }, into));
  l.emit({ kind: "if", cond: inRange, then: load, else: [{ kind: "assign", target: into, expr: { kind: "copy", arg: UNDEFINED } }] });
}

function arrayPattern(l: Lowering, pattern: t.ArrayPattern, source: Source, declaring: boolean): void {
  if (source.kind === "value" && source.value.kind === "const") {
    l.report("ADJ008", pattern, "the value is not an array");
    return;
  }
  pattern.elements.forEach((element, i) => {
    if (element === null) return;
    if (element.type === "RestElement") {
      restElement(l, element, source, i, declaring);
      return;
    }
    if (source.kind === "items") {
      bind(l, element, source.items[i] ?? { kind: "value", value: UNDEFINED }, declaring);
      return;
    }
    // A nested pattern takes an element apart as a row of an array of arrays (lower/rows.ts).
    const array = source.value;
    if (element.type === "AssignmentPattern") return withDefault(l, element, source, declaring, (into) => loadInRange(l, array, i, into));
    const load = (into?: string) => l.compute({ kind: "load", array, index: num(i) }, into);
    if (element.type === "Identifier") leaf(l, element, declaring, (into) => void load(into));
    else bind(l, element, { kind: "value", value: load() }, declaring);
  });
}

/** `...tail`: the elements from `from` on, in a new Array (a typed array's too, as its iterator gives them). */
function restElement(l: Lowering, element: t.RestElement, source: Source, from: number, declaring: boolean): void {
  const target = element.argument;
  if (target.type === "MemberExpression") {
    l.report("ADJ008", element, "a rest element written into an array element");
    return;
  }
  const make = (into?: string): Operand => (source.kind === "items" ? valueOf(l, { kind: "items", items: source.items.slice(from) }, into) : restLoop(l, source.value, from, into));
  if (target.type === "Identifier") leaf(l, target, declaring, (into) => void make(into));
  else bind(l, target, { kind: "value", value: make() }, declaring);
}

/** `rest = new Array(max(n - from, 0)); for (j = 0; j < rest.length; j++) rest[j] = xs[j + from]`. */
function restLoop(l: Lowering, array: Operand, from: number, into?: string): Operand {
  let count = l.compute({ kind: "prim", op: "length", args: [array] }, undefined, "number");
  if (from > 0) {
    const left = l.compute({ kind: "prim", op: "sub", args: [count, num(from)] }, undefined, "number");
    count = l.compute({ kind: "prim", op: "Math.max", args: [left, num(0)] }, undefined, "number");
  }
  const rest = l.compute({ kind: "alloc", ctor: "Array", arg: count }, into, "array") as { kind: "var"; name: string };
  const j = l.freshGenerated("j");
  l.locals.set(j, { temp: true, declared: "number" });
  l.emit({ kind: "assign", target: j, expr: { kind: "copy", arg: num(0) } });
  const cond = l.temp("boolean");
  const pre = l.collect(() => l.emit({ kind: "assign", target: cond, expr: { kind: "prim", op: "lt", args: [v(j), count] } }));
  const body = l.collect(() => {
    const at = from > 0 ? l.compute({ kind: "prim", op: "add", args: [v(j), num(from)] }, undefined, "number") : v(j);
    const element = l.compute({ kind: "load", array, index: at }, undefined);
    l.emit({ kind: "store", array: rest.name, index: v(j), value: element });
    l.emit({ kind: "assign", target: j, expr: { kind: "prim", op: "add", args: [v(j), num(1)] } });
  });
  l.emit({ kind: "loop", pre, cond: v(cond), body });
  return rest;
}

/** `{ w, b: [b0, b1], c = 1 }`: each property read as `p.w` is read. */
function objectPattern(l: Lowering, pattern: t.ObjectPattern, source: Source, declaring: boolean): void {
  if (source.kind === "items" || (source.value.kind === "const" && !(source.node && recordOf(l, source.node)))) {
    l.report("ADJ008", pattern, "the value is not an object");
    return;
  }
  const object = source.node ?? aliasNode(l, (source.value as { name: string }).name, pattern);
  for (const property of pattern.properties) {
    if (property.type === "RestElement") {
      l.report("ADJ008", property, "a rest element in an object pattern makes a new object, which differentiated code cannot hold");
      continue;
    }
    const key = property.key;
    // `"w": w` and `["w"]: w` read `p.w`; `[k]: v` and `0: v` read `p[k]`, `p[0]`, as written.
    const named = key.type === "StringLiteral" && /^[A-Za-z_$][\w$]*$/.test(key.value);
    if (key.type === "StringLiteral" && !named) {
      l.report("ADJ008", property, "a property whose name is no identifier");
      continue;
    }
    const member = {
      type: "MemberExpression",
      object,
      property: named ? { ...key, type: "Identifier", name: (key as t.StringLiteral).value } : key,
      computed: !named && (property.computed || key.type !== "Identifier"),
      start: property.start,
      end: property.end,
      loc: property.loc,
    } as t.MemberExpression;
    const value = property.value as Pattern;
    if (value.type === "Identifier") leaf(l, value, declaring, (into) => void l.expr(member, into));
    // A nested record's fields (`{ layer: { w, b } }`) are read from it as `p.layer.w` is.
    else if (value.type === "ObjectPattern" && recordOf(l, member)) bind(l, value, { kind: "value", value: UNDEFINED, node: member }, declaring);
    else bind(l, value, valueSource(l, member, new Set()), declaring);
  }
}

/** An identifier standing for `local` in synthesized property reads, located at `at` for messages. */
function aliasNode(l: Lowering, local: string, at: t.Node): t.Identifier {
  const name = `%pattern:${local}`;
  l.scopes[l.scopes.length - 1].set(name, local);
  return { type: "Identifier", name, start: at.start, end: at.end, loc: at.loc } as t.Identifier;
}
