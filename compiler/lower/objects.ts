// Local object records (`const p = { w, b: 2 * x }`, a parameter `p: { w: Float64Array; b: number }`)
// by scalar replacement: each field is a local of its own (`p$w`, `p$b`), so analysis and the
// reverse sweep see only numbers and arrays. A record parameter becomes one parameter per
// field; a record passed to a module function is passed field by field. A record used in any
// other way (returned, stored, passed to unknown code, compared) is refused: ADJ028.
import type * as t from "@babel/types";
import { forEachChild, unwrap } from "../ast.js";
import type { FunctionNode, ModuleContext } from "../ir/context.js";
import { v, type Operand, type SourceParam, type ValueType } from "../ir/index.js";
import { UNDEFINED, type Lowering } from "./lowerer.js";
import { CONSTANT_PROPERTIES } from "../rules/np.js";
import { declaredType, defaultType, docTypes } from "./types.js";

/** A record in the lowering: each key's local, or a nested record. */
export interface RecordValue {
  fields: Map<string, string | RecordValue>;
  /** A parameter's record is the caller's object: a number field written here would not reach it. */
  param: boolean;
  /** How many names (variables, fields, inlined parameters) hold it: one held by another cannot be assigned a new one's fields. */
  holders: number;
  /**
   * Records its fields were copied from or to where JavaScript would have one object (a helper
   * returning its parameter on one of several paths): while both are held, neither is written.
   */
  copies?: Set<RecordValue>;
}

/** `a` and `b` are copies standing for what may be one object (and so are their nested records). */
export function linkCopies(a: RecordValue, b: RecordValue): void {
  (a.copies ??= new Set()).add(b);
  (b.copies ??= new Set()).add(a);
  for (const [key, field] of a.fields) {
    const other = b.fields.get(key);
    if (typeof field === "object" && typeof other === "object") linkCopies(field, other);
  }
}

/** Reports a write to a record while a copy standing for the same object is held by another name. */
function writtenWhileCopied(l: Lowering, record: RecordValue, at: t.Node): boolean {
  const held = [...(record.copies ?? [])].some((other) => other.holders > 0);
  if (held) escapes(l, at, "written while a helper's result, which may be this same object, is held by another name (copy the fields into a new record first)");
  return held;
}

/** What a record parameter holds: each key's declared kind (undefined: its uses decide), or a nested record. */
export interface RecordShape {
  fields: Map<string, ValueType | undefined | RecordShape>;
  /** Keys the type marks optional (`opt?: …`) or the code reads with `?.`. */
  optional: Set<string>;
  /** The parameter itself may be left out: `opts?.k`, or `opts?: { k: number }`. */
  nullable?: boolean;
}

export type { SourceParam } from "../ir/index.js";

/** Scope names of records and the synthetic identifiers that stand for their fields. */
export const RECORD = "\0record:";
export const FIELD = "\0field:";

export const isShape = (field: ValueType | undefined | RecordShape): field is RecordShape => typeof field === "object";

/** The static key of `p.w`, `p["w"]`, `p?.w`. */
function keyOf(node: t.MemberExpression | t.OptionalMemberExpression): string | undefined {
  if (!node.computed && node.property.type === "Identifier") return node.property.name;
  if (node.computed && node.property.type === "StringLiteral") return node.property.value;
  return undefined;
}

const isMember = (node: t.Node): node is t.MemberExpression | t.OptionalMemberExpression => node.type === "MemberExpression" || node.type === "OptionalMemberExpression";

/** The record `node` denotes (a record variable, or a field that is a record), if any. */
export function recordOf(l: Lowering, node: t.Node): RecordValue | undefined {
  const inner = node.type === "Identifier" || isMember(node) ? node : unwrap(node as t.Expression);
  if (inner.type === "Identifier") {
    const bound = l.lookup(inner.name);
    return bound?.startsWith(RECORD) ? l.records.get(bound) : undefined;
  }
  if (!isMember(inner)) return undefined;
  const owner = recordOf(l, inner.object);
  const key = keyOf(inner);
  const field = owner && key !== undefined ? owner.fields.get(key) : undefined;
  return typeof field === "object" ? field : undefined;
}

/**
 * `node` with a record's field read replaced by an identifier standing for the field's local
 * (its position kept, so a message shows `p.w`): every family then treats it as a variable.
 */
export function resolve(l: Lowering, node: t.Expression): t.Expression {
  const inner = unwrap(node);
  if (!isMember(inner)) return node;
  const owner = recordOf(l, inner.object);
  if (!owner) return node;
  const key = keyOf(inner);
  if (key === undefined) {
    l.report("ADJ028", inner, `a computed key on '${l.ctx.source.slice(inner.object.start!, inner.object.end!)}' (write the key: p.w or p["w"])`);
    return { type: "Identifier", name: "undefined" } as t.Identifier;
  }
  const field = owner.fields.get(key);
  if (typeof field === "object") return node;
  if (field === undefined) return { ...inner, type: "Identifier", name: "undefined" } as unknown as t.Identifier;
  return { type: "Identifier", name: FIELD + field, start: inner.start, end: inner.end, loc: inner.loc } as t.Identifier;
}

/** A record used whole where adjoint cannot follow its fields. */
export function escapes(l: Lowering, node: t.Node, how = "used whole here, as an object"): Operand {
  l.report("ADJ028", node, `'${l.ctx.source.slice(node.start!, node.end!)}' is ${how}`);
  return UNDEFINED;
}

/** `p.b = value`, `p.w = array`: the field's local takes the value (a new key of a local record gets one). */
export function fieldTarget(l: Lowering, node: t.MemberExpression): t.Identifier | undefined {
  const owner = recordOf(l, node.object);
  const key = owner && keyOf(node);
  if (!owner || key === undefined) return undefined;
  if (owner.param) {
    l.report("ADJ009", node, `'${l.ctx.source.slice(node.start!, node.end!)}' is a field of a parameter, the caller's object (write through an array field, or make a local record)`);
    return { type: "Identifier", name: "undefined" } as t.Identifier;
  }
  if (writtenWhileCopied(l, owner, node)) return { type: "Identifier", name: "undefined" } as t.Identifier;
  const field = owner.fields.get(key);
  if (typeof field === "object") {
    escapes(l, node, "a record field assigned");
    return { type: "Identifier", name: "undefined" } as t.Identifier;
  }
  if (field === undefined) owner.fields.set(key, l.newLocal(`${baseName(l, node.object)}$${key}`, undefined, l.ctx.source.slice(node.start!, node.end!)));
  return resolve(l, node) as t.Identifier;
}

function baseName(l: Lowering, node: t.Node): string {
  return l.ctx.source.slice(node.start!, node.end!).replace(/\?/g, "").replace(/\[["'](\w+)["']\]/g, "$$$1").replace(/\./g, "$").replace(/[^\w$]/g, "_");
}

/** `{ w, b: 2 * x, layer: { … } }`: each field lowered into a local of its own. */
export function literal(l: Lowering, node: t.ObjectExpression, base: string): RecordValue | undefined {
  const record: RecordValue = { fields: new Map(), param: false, holders: 0 };
  for (const prop of node.properties) {
    if (prop.type !== "ObjectProperty" || (prop.computed && prop.key.type !== "StringLiteral")) {
      const what = prop.type === "SpreadElement" ? "a spread {...p}" : prop.type === "ObjectMethod" ? (prop.kind === "method" ? "a method" : `a ${prop.kind}ter`) : "a computed key";
      l.report("ADJ016", prop, `${what} in an object literal (write each field: { w: p.w, b: p.b })`);
      return undefined;
    }
    const key = prop.key.type === "Identifier" ? prop.key.name : prop.key.type === "StringLiteral" ? prop.key.value : String((prop.key as t.NumericLiteral).value);
    const value = unwrap(prop.value as t.Expression);
    const nested = recordValue(l, value, `${base}$${key}`);
    if (nested) {
      nested.holders++;
      record.fields.set(key, nested);
    } else if (nested === null) return undefined;
    else {
      const local = l.newLocal(`${base}$${key}`, undefined, `${base.replace(/\$/g, ".")}.${key}`);
      l.expr(value, local);
      record.fields.set(key, local);
    }
  }
  return record;
}

/** `{ x: …, v: … }` lowered into the locals of a record of the same keys; false (nothing lowered) where the keys differ. */
export function literalInto(l: Lowering, into: RecordValue, node: t.ObjectExpression): boolean {
  const props = node.properties.filter((p): p is t.ObjectProperty => p.type === "ObjectProperty" && !p.computed && p.key.type === "Identifier");
  if (props.length !== node.properties.length || props.length !== into.fields.size) return false;
  if (!props.every((p) => typeof into.fields.get((p.key as t.Identifier).name) === "string")) return false;
  for (const prop of props) l.expr(prop.value as t.Expression, into.fields.get((prop.key as t.Identifier).name) as string);
  return true;
}

/**
 * The record `node` evaluates to: an object literal's (its fields lowered), a record variable's
 * or field's, or the one a function of the module returns (its call inlined). Undefined for a
 * value that is no record; null for a record that failed (reported).
 */
export function recordValue(l: Lowering, node: t.Expression, base: string): RecordValue | undefined | null {
  const value = unwrap(node);
  if (value.type === "ObjectExpression") return literal(l, value, base) ?? null;
  if (value.type === "CallExpression") return l.recordCall(value);
  return recordOf(l, value);
}

/** `const p = { … }`, `const q = p`, `const layer = p.layer`, `const s = step(s0)`: the name is bound to the record; false if init is no record. */
export function declareRecord(l: Lowering, id: t.Identifier, init: t.Expression): boolean {
  const record = recordValue(l, init, id.name);
  if (!record) return record === null;
  bindRecord(l, id.name, record);
  return true;
}

/** Binds a source name in the innermost scope to `record`. */
export function bindRecord(l: Lowering, name: string, record: RecordValue): void {
  const key = `${RECORD}${l.records.size}`;
  l.records.set(key, record);
  l.bind(name, key);
  record.holders++;
}

/**
 * `s = step(s, dt)`, `p = { w: …, b: … }`: the new record's fields copied into s's locals,
 * which is the same as s naming the new object while nothing else names either of them.
 */
export function assignRecord(l: Lowering, node: t.AssignmentExpression & { left: t.Identifier }): Operand {
  const into = recordOf(l, node.left)!;
  if (node.operator !== "=") return escapes(l, node.left, `assigned with ${node.operator}`);
  if (into.param) return escapes(l, node.left, "a parameter's record, assigned again (declare a local record)");
  if (into.holders > 1) return escapes(l, node.left, "assigned a new record while another name holds its record, which would keep the old object (declare a new record instead)");
  const from = recordValue(l, node.right, node.left.name);
  if (from === null) return UNDEFINED;
  if (!from) return escapes(l, node.left, "a record, assigned a value that is no record");
  if (from === into) return UNDEFINED;
  if (writtenWhileCopied(l, into, node.left)) return UNDEFINED;
  if (from.holders > 0) return escapes(l, node.right, "assigned to a second name, which then shares its fields (assign a new record: { w: q.w, … })");
  copyFields(l, into, from, node);
  into.copies = undefined; // it holds the new record's values now, a copy of nothing held
  return UNDEFINED;
}

/** Each field of `from` assigned to `into`'s local of the same key: both must have the same keys. */
export function copyFields(l: Lowering, into: RecordValue, from: RecordValue, at: t.Node): boolean {
  const keys = (r: RecordValue) => [...r.fields.keys()].sort().join(",");
  if (keys(into) !== keys(from)) {
    escapes(l, at, `given a record with keys { ${keys(from)} } where one with { ${keys(into)} } is held`);
    return false;
  }
  for (const [key, field] of into.fields) {
    const given = from.fields.get(key)!;
    if (typeof field === "object" && typeof given === "object") {
      if (field.holders > 1) return (escapes(l, at, `a nested record '${key}' another name holds, assigned again`), false);
      if (!copyFields(l, field, given, at)) return false;
    } else if (typeof field === "string" && typeof given === "string") {
      l.emit({ kind: "assign", target: field, expr: { kind: "copy", arg: v(given) } });
    } else {
      escapes(l, at, `given a record whose '${key}' is ${typeof given === "object" ? "a record" : "a value"} where the held one's is not`);
      return false;
    }
  }
  return true;
}

/** A record parameter: one parameter per field (depth first), each pushed by `add`. */
export function recordParam(l: Lowering, name: string, shape: RecordShape, add: (local: string, declared: ValueType | undefined) => number): SourceParam {
  const unpack = (base: string, s: RecordShape): [RecordValue, SourceParam] => {
    const record: RecordValue = { fields: new Map(), param: true, holders: 1 };
    const fields: [string, SourceParam][] = [];
    for (const [key, field] of s.fields) {
      if (isShape(field)) {
        const [nested, param] = unpack(`${base}$${key}`, field);
        record.fields.set(key, nested);
        fields.push([key, param]);
      } else {
        const local = l.newLocal(`${base}$${key}`, field, `${base.replace(/\$/g, ".")}.${key}`);
        record.fields.set(key, local);
        fields.push([key, { kind: "value", index: add(local, field) }]);
      }
    }
    return [record, { kind: "record", fields, optional: s.optional, ...(s.nullable && { nullable: true }) }];
  };
  const [record, param] = unpack(name, shape);
  const key = `${RECORD}${l.records.size}`;
  l.records.set(key, record);
  l.bind(name, key);
  return param;
}

/**
 * The arguments of a call to a module function, a record argument passed field by field in the
 * callee's order; and the primal call written with them packed back into records.
 */
export function callArguments(l: Lowering, callee: FunctionNode, name: string, node: t.CallExpression): { args: Operand[]; render: (args: string[]) => string } | undefined {
  const shapes = callee.params.map((_, i) => paramShape(callee, i, l.ctx));
  if (shapes.every((s) => !s)) return undefined;
  const args: Operand[] = [];
  node.arguments.forEach((arg, i) => {
    const shape = shapes[i];
    if (!shape) {
      args.push(...l.arguments([arg]));
      return;
    }
    const param = callee.params[i];
    // A pattern parameter (`{ w, b }`) has no name: its fields' locals are named after the callee.
    const record = recordValue(l, arg as t.Expression, param.type === "Identifier" ? param.name : `${name}Arg${i}`);
    if (!record) {
      if (record === undefined) args.push(...fieldsOfObject(l, arg as t.Expression, shape));
      return;
    }
    const flatten = (r: RecordValue, s: RecordShape, at: t.Node) => {
      for (const [key, field] of s.fields) {
        const given = r.fields.get(key);
        if (isShape(field)) {
          if (typeof given === "object") flatten(given, field, at);
          else if (given === undefined && s.optional.has(key)) flatten({ fields: new Map(), param: false, holders: 0 }, field, at);
          else escapes(l, at, `passed with '${key}' not a record`);
        } else if (typeof given === "object") escapes(l, at, `passed with '${key}' a record where a value is expected`);
        else args.push(given === undefined ? UNDEFINED : v(given));
      }
    };
    flatten(record, shape, arg);
  });
  const render = (flat: string[]) => {
    let at = 0;
    const pack = (s: RecordShape): string => `{ ${[...s.fields].map(([key, field]) => `${key}: ${isShape(field) ? pack(field) : flat[at++]}`).join(", ")} }`;
    return `${name}(${shapes.slice(0, node.arguments.length).map((s) => (s ? pack(s) : flat[at++])).join(", ")})`;
  };
  return { args, render };
}

/**
 * The fields a record parameter takes, read from an object that is no record of this function
 * (a configuration object of the module, say): property reads, constant unless a gradient would
 * flow through them (then ADJ012, as the callee's own reads would have been).
 */
function fieldsOfObject(l: Lowering, node: t.Expression, shape: RecordShape): Operand[] {
  const read = (object: Operand, s: RecordShape, nullable = !!s.nullable): Operand[] =>
    [...s.fields].flatMap(([key, field]) => {
      const dot = nullable || s.optional.has(key) ? "?." : ".";
      const value = l.opaque(node, "ADJ012", `the property ${dot}${key}`, [object], ([r]) => `${r}${dot}${key}`);
      return isShape(field) ? read(value, field, nullable || s.optional.has(key)) : [value];
    });
  return read(l.expr(node), shape);
}

// ---- which parameters are records ----

const shapes = new WeakMap<FunctionNode, (RecordShape | undefined)[]>();

/**
 * Parameter `index` of `fn` as a record: typed with an object type (a literal, an interface,
 * an alias) or untyped and read only by its fields, and used only through its fields or
 * passed whole to module functions taking records. Undefined for any other parameter.
 */
export function paramShape(fn: FunctionNode, index: number, ctx: ModuleContext): RecordShape | undefined {
  let known = shapes.get(fn);
  if (!known) shapes.set(fn, (known = []));
  if (index in known) return known[index];
  known[index] = undefined; // a recursive function's own call reads its shape as not yet a record
  const param = fn.params[index];
  if (param?.type === "ObjectPattern") return (known[index] = patternShape(fn, param, ctx));
  if (param?.type !== "Identifier") return undefined;
  const typed = param.typeAnnotation?.type === "TSTypeAnnotation" ? shapeOfType(param.typeAnnotation.typeAnnotation, ctx, 0) : undefined;
  if (param.typeAnnotation && !typed) return undefined;
  const said = ctx.hooks?.typeAt?.(param.start!, param.end!) ?? docTypes(ctx.source, fn.start ?? 0)?.params.get(param.name);
  if (!typed && said && said !== "other") return undefined;
  const used = shapeOfUse(fn, param.name, ctx);
  const found = typed ? (used ? typed : undefined) : used;
  // Left out by callers (`opts?: …`), or read as if it may be (`opts?.k`): its fields are read with `?.`.
  const shape = found && (param.optional || used?.nullable) ? { ...found, nullable: true } : found;
  known[index] = shape;
  return shape;
}

/**
 * A parameter written as an object pattern (`function f({ w, b = 0 }, x)`): a record of its
 * keys, each field's kind from its type, default or uses (a field used by keys is a record);
 * undefined for a rest element or a computed key (lowering refuses those, located).
 */
function patternShape(fn: FunctionNode, pattern: t.ObjectPattern, ctx: ModuleContext): RecordShape | undefined {
  const type = pattern.typeAnnotation?.type === "TSTypeAnnotation" ? pattern.typeAnnotation.typeAnnotation : undefined;
  const typed = type && shapeOfType(type, ctx, 0);
  if (type && !typed) return undefined;
  const shape: RecordShape = typed ?? { fields: new Map(), optional: new Set() };
  for (const property of pattern.properties) {
    if (property.type !== "ObjectProperty" || property.computed) return undefined;
    const key = property.key.type === "Identifier" ? property.key.name : property.key.type === "StringLiteral" ? property.key.value : undefined;
    if (key === undefined || (typed && !typed.fields.has(key))) return undefined;
    if (typed) continue;
    const value = property.value;
    if (value.type === "Identifier") shape.fields.set(key, shapeOfUse(fn, value.name, ctx));
    else if (value.type === "AssignmentPattern" && value.left.type === "Identifier") {
      // A field the caller may leave out: then it has no gradient.
      shape.fields.set(key, defaultType(value.right));
      shape.optional.add(key);
    }
    else if (value.type === "ObjectPattern") {
      const inner = patternShape(fn, value, ctx);
      if (!inner) return undefined;
      shape.fields.set(key, inner);
    } else if (value.type === "ArrayPattern") shape.fields.set(key, "array");
    else return undefined;
  }
  return shape.fields.size > 0 ? shape : undefined;
}

export function shapeOfType(type: t.TSType, ctx: ModuleContext, depth: number): RecordShape | undefined {
  if (depth > 8) return undefined;
  if (type.type === "TSParenthesizedType") return shapeOfType(type.typeAnnotation, ctx, depth + 1);
  if (type.type === "TSTypeReference" && type.typeName.type === "Identifier" && !type.typeParameters) {
    const aliased = ctx.typeAliases.get(type.typeName.name);
    return aliased ? shapeOfType(aliased, ctx, depth + 1) : undefined;
  }
  if (type.type !== "TSTypeLiteral") return undefined;
  const shape: RecordShape = { fields: new Map(), optional: new Set() };
  for (const member of type.members) {
    if (member.type !== "TSPropertySignature" || member.computed) return undefined;
    const key = member.key.type === "Identifier" ? member.key.name : member.key.type === "StringLiteral" ? member.key.value : undefined;
    if (key === undefined) return undefined;
    if (member.optional) shape.optional.add(key);
    const annotation = member.typeAnnotation?.typeAnnotation;
    const inner = annotation && (shapeOfType(annotation, ctx, depth + 1) ?? (annotation.type === "TSUnionType" ? optionalShape(annotation, ctx, depth) : undefined));
    shape.fields.set(key, inner ?? declaredType(member.typeAnnotation, ctx.typeAliases));
  }
  return shape;
}

/** `{ k: number } | undefined`: the record, optional. */
function optionalShape(type: t.TSUnionType, ctx: ModuleContext, depth: number): RecordShape | undefined {
  const present = type.types.filter((m) => m.type !== "TSUndefinedKeyword" && m.type !== "TSNullKeyword");
  return present.length === 1 ? shapeOfType(present[0], ctx, depth + 1) : undefined;
}

/** How a value is used: the static keys it is read by, whether it is used otherwise, the record parameters it is passed to. */
interface Use {
  keys: Map<string, Use>;
  other: boolean;
  optional: boolean;
  passed: RecordShape[];
}

const newUse = (): Use => ({ keys: new Map(), other: false, optional: false, passed: [] });

/**
 * The fields `name` is read by in `fn`, if it is used only through them or passed whole to
 * module functions taking records. A field read only by further keys (`p.layer.w`) is a nested
 * record; one indexed, called, assigned or read by `.length` is a value whose kind its uses decide.
 */
function shapeOfUse(fn: FunctionNode, name: string, ctx: ModuleContext): RecordShape | undefined {
  const parentOf = new Map<t.Node, t.Node>();
  const visit = (node: t.Node) => forEachChild(node, (child) => (parentOf.set(child, node), visit(child)));
  visit(fn.body);
  const root = newUse();
  for (const [node, parent] of parentOf) {
    if (node.type !== "Identifier" || node.name !== name) continue;
    if (isMember(parent) && parent.property === node && !parent.computed) continue;
    if ((parent.type === "ObjectProperty" && parent.key === node && !parent.computed) || parent.type === "TSPropertySignature") continue;
    if (parent.type === "VariableDeclarator" && parent.id === node) return undefined; // shadowed: leave it
    let at: t.Node = node;
    let use = root;
    for (let up = parentOf.get(at); ; up = parentOf.get(at)) {
      if (up?.type === "OptionalMemberExpression" && up.object === at && up.optional) use.optional = true;
      const key = up && isMember(up) && up.object === at ? keyOf(up) : undefined;
      if (key === undefined) break;
      if (!use.keys.has(key)) use.keys.set(key, newUse());
      use = use.keys.get(key)!;
      at = up!;
    }
    const up = parentOf.get(at);
    // `const { w, b } = p`: p read by those keys.
    if (up?.type === "VariableDeclarator" && up.init === at && up.id.type === "ObjectPattern" && patternReads(up.id, use)) continue;
    // A method call's receiver is no record of fields: an array's, an NDArray's, a string's.
    if (up?.type === "CallExpression" && up.callee === at && at !== node) return undefined;
    const callee = up?.type === "CallExpression" && up.callee.type === "Identifier" && up.arguments.includes(at as t.Expression) ? ctx.functions.get(up.callee.name) : undefined;
    const passed = callee && paramShape(callee.node, (up as t.CallExpression).arguments.indexOf(at as t.Expression), ctx);
    if (passed) use.passed.push(passed);
    else if (use === root) return undefined;
    else use.other = true;
  }
  // An untyped value read by a property arrays, NDArrays or strings have is one of those.
  if ([...root.keys.keys()].some((key) => NOT_RECORD_KEYS.has(key))) return undefined;
  if (root.keys.size === 0 && root.passed.length === 0) return undefined;
  const shape = shapeOf(root);
  return root.optional ? { ...shape, nullable: true } : shape;
}

/** The keys an object pattern reads into `use`; false for a rest element, a computed key or a nested pattern. */
function patternReads(pattern: t.ObjectPattern, use: Use): boolean {
  for (const property of pattern.properties) {
    if (property.type !== "ObjectProperty" || property.computed) return false;
    const key = property.key.type === "Identifier" ? property.key.name : property.key.type === "StringLiteral" ? property.key.value : undefined;
    if (key === undefined) return false;
    if (!use.keys.has(key)) use.keys.set(key, newUse());
    const field = use.keys.get(key)!;
    // A value whose kind its own uses decide (a nested pattern is not taken apart from a record).
    const value = property.value.type === "AssignmentPattern" ? property.value.left : property.value;
    if (value.type !== "Identifier") return false;
    field.other = true;
  }
  return true;
}

// (`size` and `offset` are common field names too: they alone do not say.)
const NOT_RECORD_KEYS = new Set([...[...CONSTANT_PROPERTIES].filter((key) => key !== "size" && key !== "offset"), "T", "data", "buffer", "byteLength", "byteOffset"]);

function shapeOf(use: Use): RecordShape {
  const shape: RecordShape = { fields: new Map(), optional: new Set() };
  for (const [key, field] of use.keys) {
    const nested = !field.other && field.keys.size > 0 && !field.keys.has("length");
    shape.fields.set(key, nested || field.passed.length > 0 ? shapeOf(field) : undefined);
    if (field.optional) shape.optional.add(key);
  }
  for (const passed of use.passed) merge(shape, passed);
  return shape;
}

function merge(into: RecordShape, from: RecordShape): void {
  for (const [key, field] of from.fields) {
    const existing = into.fields.get(key);
    if (isShape(field)) merge(isShape(existing) ? existing : (into.fields.set(key, { fields: new Map(), optional: new Set() }), into.fields.get(key) as RecordShape), field);
    else if (!into.fields.has(key) || existing === undefined) into.fields.set(key, field);
  }
  for (const key of from.optional) into.optional.add(key);
}
