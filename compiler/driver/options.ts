// The options object of a marker call, read from the source: `{ wrt: 1 }`, `{ wrt: [0, 2] }`,
// `{ checkpoint: { snapshots: 8 } }`, `{ out: true }`.
import type * as t from "@babel/types";
import { spanOf, unwrap } from "../ast.js";
import type { DiagnosticCode } from "../diagnostics.js";
import type { Checkpoint } from "../ir/index.js";
import type { FunctionNode } from "../ir/context.js";
import type { PrintedLine } from "../emit/index.js";
import { checkpointSetting } from "../lower/checkpoint.js";

/** The `wrt` a marker call names (default 0), or null after reporting why it cannot be read. */
export function wrtOption(options: t.CallExpression["arguments"][number] | undefined, fail: (node: t.Node, code: DiagnosticCode, detail: string) => void): number | number[] | null {
  if (!options) return 0;
  if (options.type !== "ObjectExpression") {
    fail(options, "ADJ023", "write the options as an object literal in the call, such as { wrt: [0, 1] }, so the compiler can read them");
    return null;
  }
  const prop = options.properties.find(
    (p): p is t.ObjectProperty => p.type === "ObjectProperty" && !p.computed && p.key.type === "Identifier" && p.key.name === "wrt",
  );
  if (!prop) return 0;
  const value = unwrap(prop.value as t.Expression);
  if (value.type === "NumericLiteral") return value.value;
  if (value.type === "ArrayExpression" && value.elements.length > 0 && value.elements.every((e) => e?.type === "NumericLiteral")) {
    return value.elements.map((e) => (e as t.NumericLiteral).value);
  }
  fail(prop.value, "ADJ017", "wrt must be a number literal or an array of number literals");
  return null;
}

/** grad's, valueAndGrad's or vjp's `checkpoint` (true, or { snapshots }): undefined if not asked, null after reporting why it cannot be read. */
export function checkpointOption(options: t.CallExpression["arguments"][number] | undefined, fail: (node: t.Node, code: DiagnosticCode, detail: string) => void): Checkpoint | undefined | null {
  const prop = options?.type === "ObjectExpression" ? options.properties.find((p): p is t.ObjectProperty => p.type === "ObjectProperty" && !p.computed && p.key.type === "Identifier" && p.key.name === "checkpoint") : undefined;
  const value = prop && unwrap(prop.value as t.Expression);
  if (!value || (value.type === "BooleanLiteral" && !value.value)) return undefined;
  return checkpointSetting(value, spanOf(prop), (node, detail) => fail(node, "ADJ023", detail));
}

/** grad's or valueAndGrad's `out` (true: the gradient arrays are reused from call to call): false if not asked, null after reporting why it cannot be read. */
export function outOption(options: t.CallExpression["arguments"][number] | undefined, marker: string, fail: (node: t.Node, code: DiagnosticCode, detail: string) => void): boolean | null {
  const prop = options?.type === "ObjectExpression" ? options.properties.find((p): p is t.ObjectProperty => p.type === "ObjectProperty" && !p.computed && p.key.type === "Identifier" && p.key.name === "out") : undefined;
  if (!prop) return false;
  const value = unwrap(prop.value as t.Expression);
  if (value.type !== "BooleanLiteral") {
    fail(prop.value, "ADJ023", "out must be true or false, written in the call");
    return null;
  }
  if (value.value && marker !== "grad" && marker !== "valueAndGrad") {
    fail(prop, "ADJ023", `out is for grad and valueAndGrad (${marker} makes its results elsewhere)`);
    return null;
  }
  return value.value;
}

/**
 * An `out: true` site's replacement behind `reusing`, its printed lines too; none where the
 * site was refused or calls a function making an entry point that keeps its arrays itself
 * (`kept`: reverse/kept.ts), which the runtime's wrapper is for code that cannot.
 */
export function reusingSite(site: { code: string; lines: PrintedLine[] } | undefined, runtime: string, kept: Set<string>): void {
  if (!site || kept.has(site.code)) return;
  const last = site.lines.length - 1;
  site.code = `${runtime}.reusing(${site.code})`;
  site.lines = site.lines.map((l, i) => ({ ...l, text: `${i === 0 ? `${runtime}.reusing(` : ""}${l.text}${i === last ? ")" : ""}` }));
}

export const DIFFERENTIABLE_TYPES: ReadonlySet<string> = new Set<string>(["number", "array", "ndarray"]);

/** The first `wrt` parameter whose kind has no gradient (ADJ020), by its source name: lowering may have renamed it. */
export function undifferentiableParam(fn: FunctionNode, paramTypes: readonly string[], indices: number[]): { node: t.Node; name: string } | undefined {
  const i = indices.find((index) => !DIFFERENTIABLE_TYPES.has(paramTypes[index]));
  if (i === undefined) return undefined;
  const param = fn.params[i].type === "AssignmentPattern" ? (fn.params[i] as t.AssignmentPattern).left : fn.params[i];
  return { node: fn.params[i], name: param.type === "Identifier" ? `'${param.name}'` : `parameter ${i}` };
}
