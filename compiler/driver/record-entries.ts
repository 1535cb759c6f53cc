// Entry points of a function with object-record parameters: the generated sweep takes one
// parameter per field (lower/objects.ts), so the entry users call unpacks each record into
// its fields and packs the fields' gradients into an object of the same keys (a pytree, as
// JAX returns it).
import type { IRFunction, SourceParam } from "../ir/index.js";
import type { PrintedLine } from "../emit/index.js";
import type { FunctionNode } from "../ir/context.js";
import { parameterName } from "../lower/patterns.js";

/** Parameter types a gradient can be taken with respect to. */
const DIFFERENTIABLE = new Set<string>(["number", "array", "ndarray"]);

/** The flat parameters a source parameter's gradient is made of (a record's differentiable fields, depth first). */
export function flatGradientParams(ir: IRFunction, param: SourceParam): number[] {
  if (param.kind === "value") return DIFFERENTIABLE.has(ir.paramTypes[param.index]) ? [param.index] : [];
  return param.fields.flatMap(([, field]) => flatGradientParams(ir, field));
}

/** A record parameter that may be left out: its fields are read with `?.`. */
const nullable = (param: SourceParam) => param.kind === "record" && !!param.nullable;

/** The arguments of the flat function, read from the source parameters (`p.w`, `p.layer?.b`). */
export function unpacked(names: string[], params: SourceParam[]): string[] {
  const read = (path: string, param: SourceParam, optional: boolean): string[] =>
    param.kind === "value" ? [path] : param.fields.flatMap(([key, field]) => read(`${path}${optional ? "?." : "."}${key}`, field, optional || (field.kind === "record" && param.optional.has(key))));
  return params.flatMap((param, i) => read(names[i], param, nullable(param)));
}

/** The paths of a source parameter's differentiable fields (`flatGradientParams`' order) under `path`. */
function differentiablePaths(ir: IRFunction, path: string, param: SourceParam, optional: boolean): string[] {
  if (param.kind === "value") return DIFFERENTIABLE.has(ir.paramTypes[param.index]) ? [path] : [];
  return param.fields.flatMap(([key, field]) => differentiablePaths(ir, `${path}${optional ? "?." : "."}${key}`, field, optional || (field.kind === "record" && param.optional.has(key))));
}

/** The gradient of a source parameter as code: a record of its fields' gradients, the k-th differentiable field's `entry(k)`. */
function packed(ir: IRFunction, param: SourceParam, entry: (k: number) => string, next: { at: number }, path: string): string {
  if (param.kind === "value") return entry(next.at++);
  const fields = param.fields.filter(([, field]) => flatGradientParams(ir, field).length > 0);
  const code = (key: string, field: SourceParam) => {
    const inner = packed(ir, field, entry, next, `${path}?.${key}`);
    // An optional record the caller left out has no gradient either, nor has a field it left out.
    if (!param.optional.has(key)) return inner;
    return field.kind === "record" ? `${path}?.${key} == null ? undefined : ${inner}` : `${path}?.${key} === undefined ? undefined : ${inner}`;
  };
  return `{ ${fields.map(([key, field]) => `${key}: ${code(key, field)}`).join(", ")} }`;
}

/** The paths of a record's differentiable fields under `path` (`v.w`, `v.layer?.b`), in `flatGradientParams`' order. */
export function fieldPaths(ir: IRFunction, param: SourceParam, path: string): string[] {
  return differentiablePaths(ir, path, param, nullable(param));
}

/** A record of `param`'s differentiable fields' values, read from `list` in order (`inner`: the code of each entry, given the entry's: a Hessian's row of blocks). */
export function recordOf(ir: IRFunction, param: SourceParam, list: string, path: string, inner = (entry: string) => entry): string {
  return orAbsent(param, path, packed(ir, param, (k) => inner(`${list}[${k}]`), { at: 0 }, path));
}

/** Gradients of the records among `order` (source positions), in that order, from `list`, the flat gradients (of each field, a record's packed back). */
export function gradients(ir: IRFunction, names: string[], order: number[], list: string): string[] {
  const next = { at: 0 };
  return order.map((i) => orAbsent(ir.sourceParams![i], names[i], packed(ir, ir.sourceParams![i], (k) => `${list}[${k}]`, next, names[i])));
}

/** A record the caller left out has no gradient either. */
function orAbsent(param: SourceParam, path: string, code: string): string {
  return nullable(param) ? `${path} == null ? undefined : ${code}` : code;
}

/** A name none of the parameters has. */
function freeName(base: string, names: string[]): string {
  let name = base;
  for (let i = 1; names.includes(name); i++) name = `${base}_${i}`;
  return name;
}

export interface RecordEntry {
  /** The source parameters' names. */
  names: string[];
  /** The gradient's parameters, in the order asked (source positions). */
  order: number[];
  /** A single gradient (wrt: i), not a list. */
  single: boolean;
}

/** `valueAndGrad`/`grad` of f with records: unpack, call the flat sweep, pack. */
export function recordValueAndGrad(ir: IRFunction, entry: RecordEntry, name: string, flat: string, gradName: string | null): PrintedLine[] {
  const { names, order, single } = entry;
  const list = freeName("gradients", names);
  const value = freeName("value", names);
  const packedList = gradients(ir, names, order, list);
  const result = single ? packedList[0] : `[${packedList.join(", ")}]`;
  const about = `of ${ir.key.replace(/Target\d*$/, "")} with respect to ${order.map((i) => names[i]).join(", ")} (line ${ir.loc.line}); generated by adjoint`;
  const lines: PrintedLine[] = [
    { text: `// value and gradient ${about}` },
    { text: `function ${name}(${names.join(", ")}) {` },
    { text: `  const [${value}, ${list}] = ${flat}(${unpacked(names, ir.sourceParams!).join(", ")});` },
    { text: `  return [${value}, ${result}];` },
    { text: "}" },
  ];
  if (gradName) {
    lines.push({ text: "" }, { text: `// gradient ${about}` }, { text: `function ${gradName}(${names.join(", ")}) {` }, { text: `  return ${name}(${names.join(", ")})[1];` }, { text: "}" });
  }
  return lines;
}

/** A vjp of f with records: the flat vjp, its pullback's gradients packed per source parameter of `mask`. */
export function recordVjp(ir: IRFunction, names: string[], mask: number[], name: string, flat: string): PrintedLine[] {
  const list = freeName("gradients", names);
  const value = freeName("value", names);
  const pullback = freeName("pullback", names);
  const dvalue = freeName("dvalue", names);
  return [
    { text: `// vjp of ${ir.key.replace(/Target\d*$/, "")} with respect to ${mask.map((i) => names[i]).join(", ")} (line ${ir.loc.line}); generated by adjoint` },
    { text: `function ${name}(${names.join(", ")}) {` },
    { text: `  const [${value}, ${pullback}] = ${flat}(${unpacked(names, ir.sourceParams!).join(", ")});` },
    { text: `  return [${value}, (${dvalue}) => {` },
    { text: `    const ${list} = ${pullback}(${dvalue});` },
    { text: `    return [${gradients(ir, names, mask, list).join(", ")}];` },
    { text: "  }];" },
    { text: "}" },
  ];
}

/** A jvp of f with records: each record and its tangent (a record of the same keys) unpacked into the flat jvp's fields. */
export function recordJvp(ir: IRFunction, names: string[], order: number[], name: string, flat: string, prologue?: string): PrintedLine[] {
  const tangents = order.map((i) => freeName(`${names[i]}_dot`, names));
  const fieldTangents = order.flatMap((i, k) => differentiablePaths(ir, tangents[k], ir.sourceParams![i], false));
  const primals = unpacked(names, ir.sourceParams!);
  return [
    { text: `// jvp of ${ir.key.replace(/Target\d*$/, "")} with tangents of ${order.map((i) => names[i]).join(", ")} (line ${ir.loc.line}); generated by adjoint` },
    { text: `function ${name}(${[...names, ...tangents].join(", ")}) {` },
    ...(prologue ? [{ text: `  ${prologue}` }] : []),
    { text: `  return ${flat}(${[...primals, ...fieldTangents].join(", ")});` },
    { text: "}" },
  ];
}

/** A parameter's type in generated code to be lowered again, from its kind. */
export function typeOfKind(kind: string): string {
  return kind === "number" ? "number" : kind === "array" ? "Float64Array | number[]" : kind === "boolean" ? "boolean" : kind === "ndarray" ? "NDArray" : "any";
}

/** A source parameter's type as a literal (`{ w: number; b?: { k: number } }`), from its fields' kinds. */
export function sourceType(ir: IRFunction, param: SourceParam): string {
  if (param.kind === "value") return typeOfKind(ir.paramTypes[param.index]);
  return `{ ${param.fields.map(([key, field]) => `${key}${param.optional.has(key) ? "?" : ""}: ${sourceType(ir, field)}`).join("; ")} }`;
}

/**
 * A derivative of f by fields (its records taken as their fields) as a function of f's own
 * parameters: each record unpacked into its fields; `extra` are the derivative's own parameters after f's (tangents, a cotangent), with
 * their types. `result`: the result's type annotation, null for the JavaScript appended.
 */
export function recordWrapper(ir: IRFunction, names: string[], about: string, name: string, flat: string, extra: { name: string; typed: string }[], result: string | null): PrintedLine[] {
  const typed = result !== null;
  const params = [...names.map((n, i) => (typed ? `${n}: ${sourceType(ir, ir.sourceParams![i])}` : n)), ...extra.map((e) => (typed ? e.typed : e.name))];
  const args = [...unpacked(names, ir.sourceParams!), ...extra.map((e) => e.name)];
  return [
    { text: `// ${about}, taking ${names.filter((_, i) => ir.sourceParams![i].kind === "record").join(", ")} as records; generated by adjoint` },
    { text: `function ${name}(${params.join(", ")})${result ?? ""} {` },
    { text: `  return ${flat}(${args.join(", ")});` },
    { text: "}" },
  ];
}

/** A function's parameters by their source names (a default's name). */
export function sourceNames(fn: FunctionNode): string[] {
  const given = fn.params.map((p) => (p.type === "Identifier" ? p.name : p.type === "AssignmentPattern" && p.left.type === "Identifier" ? p.left.name : undefined));
  // A pattern (`{ w, b }`) is named by its leaves (`w_b`), apart from the other parameters.
  return fn.params.map((p, i) => {
    if (given[i] !== undefined) return given[i];
    const base = p.type === "ObjectPattern" || p.type === "ArrayPattern" ? parameterName(p, i) : `arg${i}`;
    let name = base;
    for (let k = 1; given.includes(name); k++) name = `${base}_${k}`;
    return name;
  });
}
