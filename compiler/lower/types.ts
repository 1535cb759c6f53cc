// Type annotations as the engine's value types (number, boolean, array, NDArray, other).
import type * as t from "@babel/types";
import type { ValueType } from "../ir/index.js";

/** The engine's type of an annotation; the module's aliases (`type Scalar = number`) are read through. */
export function declaredType(annotation: t.Identifier["typeAnnotation"], aliases: ReadonlyMap<string, t.TSType>): ValueType | undefined {
  if (!annotation || annotation.type !== "TSTypeAnnotation") return undefined;
  return typeOfTs(annotation.typeAnnotation, aliases, 0);
}

function typeOfTs(type: t.TSType, aliases: ReadonlyMap<string, t.TSType>, depth: number): ValueType | undefined {
  if (type.type === "TSTypeReference" && type.typeName.type === "Identifier" && !type.typeParameters && depth < 8) {
    const aliased = aliases.get(type.typeName.name);
    if (aliased) return typeOfTs(aliased, aliases, depth + 1);
  }
  if (type.type === "TSParenthesizedType") return typeOfTs(type.typeAnnotation, aliases, depth + 1);
  switch (type.type) {
    case "TSAnyKeyword":
    case "TSUnknownKeyword":
      // Says nothing: the value's uses say what it is, as in untyped code.
      return undefined;
    case "TSUnionType": {
      // `Float64Array | number[]` is an array; members of different kinds make no one kind.
      const kinds = new Set(type.types.map((member) => typeOfTs(member, aliases, depth + 1) ?? "other"));
      return kinds.size === 1 ? [...kinds][0] : "other";
    }
    case "TSNumberKeyword":
      return "number";
    case "TSBooleanKeyword":
      return "boolean";
    case "TSArrayType":
      return type.elementType.type === "TSNumberKeyword" ? "array" : "other";
    case "TSTypeReference": {
      if (type.typeName.type === "TSQualifiedName" && type.typeName.right.name === "NDArray") return "ndarray";
      const name = type.typeName.type === "Identifier" ? type.typeName.name : "";
      if (name === "NDArray") return "ndarray";
      if (name === "Float64Array" || name === "Float32Array") return "array";
      const [element] = type.typeParameters?.params ?? [];
      return (name === "Array" || name === "ReadonlyArray") && element?.type === "TSNumberKeyword" ? "array" : "other";
    }
    case "TSTupleType":
      // `[number, number]`, named or not: an array of numbers of that length.
      return type.elementTypes.every((e) => (e.type === "TSNamedTupleMember" ? e.elementType : e).type === "TSNumberKeyword") ? "array" : "other";
    case "TSTypeOperator":
      if (type.operator === "readonly" && type.typeAnnotation.type === "TSTupleType") return typeOfTs(type.typeAnnotation, aliases, depth + 1);
      return type.operator === "readonly" && type.typeAnnotation.type === "TSArrayType" && type.typeAnnotation.elementType.type === "TSNumberKeyword" ? "array" : "other";
    default:
      return "other";
  }
}

/** Whether an annotation is an array of something other than numbers (`number[][]`, `Point[]`): walked by index as an array of arrays is. */
export function declaresList(annotation: t.Identifier["typeAnnotation"], aliases: ReadonlyMap<string, t.TSType>): boolean {
  if (!annotation || annotation.type !== "TSTypeAnnotation") return false;
  let type = annotation.typeAnnotation;
  for (let depth = 0; depth < 8; depth++) {
    if (type.type === "TSTypeReference" && type.typeName.type === "Identifier" && !type.typeParameters && aliases.has(type.typeName.name)) type = aliases.get(type.typeName.name)!;
    else if (type.type === "TSParenthesizedType" || (type.type === "TSTypeOperator" && type.operator === "readonly")) type = type.typeAnnotation;
    else break;
  }
  const generic = type.type === "TSTypeReference" && type.typeName.type === "Identifier" && (type.typeName.name === "Array" || type.typeName.name === "ReadonlyArray");
  return (type.type === "TSArrayType" || generic) && typeOfTs(annotation.typeAnnotation, aliases, 0) === "other";
}

/** What a function's JSDoc says of its parameters (`@param {number[]} x`) and result (`@returns {number}`). */
export interface DocTypes {
  params: Map<string, ValueType>;
  returns?: ValueType;
}

/**
 * The JSDoc comment right before a function (`/** … *\/ function f(x)`, `/** … *\/ export const
 * f = (x) => …`), read from the source: its `@param` and `@returns` types as the engine's.
 */
export function docTypes(source: string, start: number): DocTypes | undefined {
  const before = source.slice(0, start);
  const end = before.lastIndexOf("*/");
  if (end < 0 || !/^\s*(export\s+(default\s+)?)?((const|let|var)\s+[\w$]+\s*=\s*)?(async\s+)?$/.test(before.slice(end + 2))) return undefined;
  const open = before.lastIndexOf("/**", end);
  if (open < 0 || before.slice(open, end).includes("*/")) return undefined;
  const text = before.slice(open + 3, end);
  const params = new Map<string, ValueType>();
  let returns: ValueType | undefined;
  for (const m of text.matchAll(/@(param|arg|argument|returns?)\s*\{([^}]*)\}\s*(\[?\s*[\w$]+)?/g)) {
    const type = docType(m[2]);
    if (m[1].startsWith("return")) returns = type;
    else if (m[3]) params.set(m[3].replace(/^\[\s*/, ""), type);
  }
  return { params, returns };
}

/** A JSDoc type expression (`number`, `number[]`, `Array.<number>`, `Float64Array`, `NDArray`) as the engine's type. */
export function docType(text: string): ValueType {
  const type = text.replace(/\s+/g, "").replace(/^[?!]|=$/g, "").replace(/\.</g, "<");
  if (type === "number") return "number";
  if (type === "boolean") return "boolean";
  if (/^(number\[\]|readonlynumber\[\]|(Readonly)?Array<number>|Float64Array|Float32Array)$/.test(type)) return "array";
  if (/(^|\.)NDArray$/.test(type)) return "ndarray";
  return "other";
}

/** The type a parameter's default value gives it (`x = 0`, `x = []`, `flag = true`), if it says. */
export function defaultType(value: t.Expression): ValueType | undefined {
  if (value.type === "NumericLiteral" || (value.type === "UnaryExpression" && value.operator === "-" && value.argument.type === "NumericLiteral")) return "number";
  if (value.type === "BooleanLiteral") return "boolean";
  if (value.type === "ArrayExpression" && value.elements.every((e) => e?.type === "NumericLiteral")) return "array";
  if (value.type === "NewExpression" && value.callee.type === "Identifier" && (value.callee.name === "Float64Array" || value.callee.name === "Float32Array")) return "array";
  return undefined;
}
