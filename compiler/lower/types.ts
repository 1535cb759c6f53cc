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
    case "TSTypeOperator":
      return type.operator === "readonly" && type.typeAnnotation.type === "TSArrayType" && type.typeAnnotation.elementType.type === "TSNumberKeyword" ? "array" : "other";
    default:
      return "other";
  }
}
