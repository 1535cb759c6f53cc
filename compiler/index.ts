// adjoint/compiler: the engine with no build tool around it.
import { transformSync } from "@babel/core";
import transformTypeScript from "@babel/plugin-transform-typescript";
import adjointBabel from "./frontends/babel.js";
import type { Diagnostic } from "./diagnostics.js";

export { catalogue, formatDiagnostic, AdjointCompileError, type Diagnostic, type DiagnosticCode, type FormatOptions } from "./diagnostics.js";
export { compileModule, mayUseAdjoint, type ModuleOutput } from "./driver/index.js";

export interface TransformOptions {
  filename: string;
  /** Produce a source map (default true). */
  sourceMaps?: boolean;
  /** Keep TypeScript syntax in the output instead of stripping it (default false). */
  keepTypes?: boolean;
}

export interface TransformResult {
  /** JavaScript with every marker call replaced by generated code; empty if there were diagnostics. */
  code: string;
  map: object | null;
  diagnostics: Diagnostic[];
}

/** Compiles one module: `grad(f)` and its siblings become generated adjoint code. */
export function transform(code: string, options: TransformOptions): TransformResult {
  const diagnostics: Diagnostic[] = [];
  const isTsx = options.filename.endsWith(".tsx");
  const result = transformSync(code, {
    filename: options.filename,
    babelrc: false,
    configFile: false,
    sourceMaps: options.sourceMaps ?? true,
    parserOpts: { plugins: isTsx ? ["typescript", "jsx"] : ["typescript"] },
    plugins: [
      [adjointBabel, { onDiagnostics: (found: Diagnostic[]) => diagnostics.push(...found) }],
      ...(options.keepTypes ? [] : [[transformTypeScript, { isTSX: isTsx }]]),
    ],
  });
  if (diagnostics.length > 0) return { code: "", map: null, diagnostics };
  return { code: result?.code ?? "", map: (result?.map as object | null) ?? null, diagnostics };
}
