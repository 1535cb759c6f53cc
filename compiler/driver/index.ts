// The engine's entry: given a parsed module, find the markers (by their import binding
// from "adjoint"), generate each needed vjp once, and say what to put where. Front ends
// apply the result to their own AST; none has differentiation logic of its own.
import type * as t from "@babel/types";
import type { FrontEndHooks } from "../ir/context.js";
import { moduleContext } from "./bindings.js";
import { ModuleCompiler } from "./module-compiler.js";
import type { ModuleOutput } from "./output.js";

export { RUNTIME_MODULE, type Generated, type ModuleOutput } from "./output.js";

const EMPTY: ModuleOutput = { diagnostics: [], replacements: [], appended: null, runtimeImport: null, refused: [] };

/** A cheap test before parsing: modules that never mention "adjoint" are left alone. */
export function mayUseAdjoint(source: string): boolean {
  return source.includes("adjoint");
}

export function compileModule(file: t.File, source: string, filename: string, hooks?: FrontEndHooks): ModuleOutput {
  const ctx = moduleContext(file.program, source, filename);
  ctx.hooks = hooks;
  if (ctx.markers.size === 0 && ctx.namespaces.size === 0 && ctx.autograd.size === 0) return EMPTY;
  return new ModuleCompiler(ctx, file.program).run();
}
