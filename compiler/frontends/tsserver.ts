// adjoint/tsserver: a TypeScript language service plugin, so editors show adjoint's
// diagnostics as they show TypeScript's. Configured beside the tspc transformer:
//   "plugins": [{ "transform": "adjoint/tspc" }, { "name": "adjoint/tsserver" }]
// It runs the same engine on the file being edited and adds what it reports; the tspc
// transformer is what compiles.
import { parse } from "@babel/parser";
import type * as TS from "typescript";
import { compileModule, mayUseAdjoint } from "../driver/index.js";
import { checkerHooks } from "./tspc/checker.js";
import { internalDiagnostic, toTsDiagnostic } from "./tspc/diagnostics.js";

/** adjoint's diagnostics for one file of a program, as TypeScript diagnostics. */
export function adjointDiagnostics(ts: typeof TS, program: TS.Program, file: TS.SourceFile): TS.Diagnostic[] {
  if (file.isDeclarationFile || !mayUseAdjoint(file.text)) return [];
  if (program.getSyntacticDiagnostics(file).length > 0) return [];
  try {
    const ast = parse(file.text, { sourceType: "module", plugins: file.fileName.endsWith("x") ? ["typescript", "jsx"] : ["typescript"] });
    const output = compileModule(ast, file.text, file.fileName, checkerHooks(ts, program, file));
    return output.diagnostics.map((d) => toTsDiagnostic(ts, d, file));
  } catch (error) {
    return [internalDiagnostic(ts, file, error instanceof Error ? error.message : String(error))];
  }
}

/** The plugin module tsserver loads: `init({ typescript })` returns `{ create }`. */
export default function init(modules: { typescript: typeof TS }): TS.server.PluginModule {
  const ts = modules.typescript;
  return {
    create(info: TS.server.PluginCreateInfo): TS.LanguageService {
      const service = info.languageService;
      const proxy = Object.create(null) as TS.LanguageService;
      for (const key of Object.keys(service) as (keyof TS.LanguageService)[]) {
        const method = service[key];
        (proxy as unknown as Record<string, unknown>)[key] = typeof method === "function" ? (...args: unknown[]) => (method as (...a: unknown[]) => unknown).apply(service, args) : method;
      }
      proxy.getSemanticDiagnostics = (fileName: string) => {
        const own = service.getSemanticDiagnostics(fileName);
        const program = service.getProgram();
        const file = program?.getSourceFile(fileName);
        return program && file ? [...own, ...adjointDiagnostics(ts, program, file)] : own;
      };
      return proxy;
    },
  };
}
