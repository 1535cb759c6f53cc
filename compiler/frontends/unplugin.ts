// adjoint's bundler plugins (Vite, Rollup, esbuild, webpack) from one unplugin factory.
// Each module that imports "adjoint" goes through the engine, whose edits are spliced into
// its text (splice.ts): the output keeps its types, and the bundler's own TypeScript
// handling strips them afterwards. Everything else is left to the bundler.
import { createUnplugin, type FilterPattern, type SourceMapCompact, type UnpluginContext, type UnpluginInstance } from "unplugin";
import { AdjointCompileError } from "../diagnostics.js";
import { spliceModule } from "./splice.js";

export interface AdjointBundlerOptions {
  /** Module ids to consider (default: .ts .tsx .mts .cts .js .jsx .mjs .cjs). */
  include?: FilterPattern;
  /** Module ids to leave alone (default: anything under node_modules, and virtual modules). */
  exclude?: FilterPattern;
}

const SCRIPT = /\.(?:[cm]?[jt]s|[jt]sx)(?:[?#]|$)/;
const NOT_OURS = [/[\\/]node_modules[\\/]/, /^\0/];
/** The fast path: a module that never names "adjoint" in an import or require is not parsed. */
const IMPORTS_ADJOINT = /(?:from|import|require\s*\()\s*["']adjoint["']/;

/** The module's path without a bundler's query (`?v=…`) or hash. */
function pathOf(id: string): string {
  return id.replace(/[?#].*$/, "");
}

type Compiled = { code: string; map: SourceMapCompact | null | undefined } | undefined;

/** Compiles one module; undefined when it has nothing for adjoint. Reports diagnostics on the bundler's channel. */
async function transformModule(context: UnpluginContext, code: string, id: string): Promise<Compiled> {
  const filename = pathOf(id);
  try {
    // The engine's edits spliced into the text (no Babel traversal or printing): the bundler
    // strips the types it leaves, and chains the source map onto its own.
    const result = spliceModule(code, filename);
    if (!result) return undefined;
    return { code: result.code, map: result.map as unknown as SourceMapCompact };
  } catch (error) {
    if (!(error instanceof AdjointCompileError)) throw error;
    const [first] = error.diagnostics;
    context.error({
      id: filename,
      plugin: "adjoint",
      code: first.code,
      message: error.message,
      loc: { file: filename, line: first.line, column: first.column },
    });
    // Rollup and Vite throw from error(); webpack and esbuild collect it and fail the build.
    return { code, map: null };
  }
}

export const adjoint: UnpluginInstance<AdjointBundlerOptions | undefined, false> = createUnplugin((options) => {
  // A rebuild (esbuild's context.rebuild(), watch modes) compiles only the modules whose source changed.
  const compiled = new Map<string, { source: string; output: Compiled }>();
  return {
    name: "adjoint",
    // Before the bundler strips TypeScript: the engine reads the type annotations.
    enforce: "pre",
    transform: {
      // Vite (Rolldown) and Rollup apply these filters natively, without calling the handler;
      // webpack attaches the loader only to ids that pass; esbuild tests them in JavaScript.
      filter: {
        id: { include: options?.include ?? SCRIPT, exclude: options?.exclude ?? NOT_OURS },
        code: IMPORTS_ADJOINT,
      },
      async handler(code, id) {
        const cached = compiled.get(id);
        if (cached?.source === code) return cached.output;
        const output = await transformModule(this, code, id);
        // A module with diagnostics is compiled again next time, so its errors are reported again.
        if (output?.map) compiled.set(id, { source: code, output });
        return output;
      },
    },
  };
});

export default adjoint;
