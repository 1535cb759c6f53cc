// What the engine hands a front end for one module: the edits to make, or the diagnostics.
import type * as t from "@babel/types";
import type { Diagnostic } from "../diagnostics.js";
import type { PrintedLine } from "../emit/index.js";
import type { ModuleContext } from "../ir/context.js";
import { calleeMarker } from "./bindings.js";

/** The module generated code imports its helpers from. */
export const RUNTIME_MODULE = "adjoint/runtime";

/** Generated code: its lines and, for each, the user's source line it came from. */
export interface Generated {
  code: string;
  lines: PrintedLine[];
}

export interface ModuleOutput {
  diagnostics: Diagnostic[];
  /** Marker calls to replace by an expression, by source range. */
  replacements: (Generated & { start: number; end: number })[];
  /** Function declarations to append to the module. */
  appended: Generated | null;
  /** The import the generated code needs, to put at the top. */
  runtimeImport: string | null;
  /**
   * Only when there are diagnostics: every marker call of the module (outermost ones), with
   * code to put in its place if a front end writes the module anyway (tspc without
   * noEmitOnError). The code throws when called, naming the diagnostics of that call, or
   * all of the module's if none is its own. `replacements` and `appended` are then to be ignored.
   */
  refused: (Generated & { start: number; end: number; diagnostics: Diagnostic[] })[];
}

/**
 * What each marker call becomes in a module written despite its diagnostics: a function
 * (for autograd.record, a call) that throws the diagnostics, with file, line and column.
 */
export function refusals(sites: { call: t.CallExpression; problems: Diagnostic[]; immediate: boolean }[], all: Diagnostic[], ctx: ModuleContext, runtime: string): ModuleOutput["refused"] {
  const refused: ModuleOutput["refused"] = [];
  for (const { call, problems, immediate } of sites) {
    if (refused.some((outer) => outer.start <= call.start! && call.end! <= outer.end)) continue;
    const own = all.filter((d) => problems.some((p) => p.code === d.code && p.start === d.start));
    const named = own.length > 0 ? own : all;
    const [target] = call.arguments;
    const callee = ctx.source.slice(call.callee.start!, call.callee.end!);
    const what = `${callee}(${target?.type === "Identifier" ? target.name : "…"})`;
    const listed = named.map((d) => JSON.stringify(`${d.filename}:${d.line}:${d.column + 1} ${d.code}: ${d.message}`));
    const thrower = `${runtime}.refused(${JSON.stringify(what)}, [${listed.join(", ")}])`;
    // differentiable(f) still computes f; only a gradient through it throws.
    const code =
      calleeMarker(call.callee, ctx) === "differentiable" && target && target.type !== "SpreadElement" && target.type !== "ArgumentPlaceholder"
        ? `${runtime}.withVjp(${ctx.source.slice(target.start!, target.end!)}, ${thrower})`
        : `${thrower}${immediate ? "()" : ""}`;
    refused.push({ start: call.start!, end: call.end!, code, lines: [{ text: code }], diagnostics: named });
  }
  return refused;
}
