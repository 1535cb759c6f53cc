// adjoint's bundler plugins (Vite, Rollup, esbuild, webpack) from one unplugin factory.
// Each module that imports "adjoint" goes through @babel/core with only the adjoint Babel
// plugin and the TypeScript *syntax*: the output keeps its types, and the bundler's own
// TypeScript handling strips them afterwards. Everything else is left to the bundler.
import { transformAsync } from "@babel/core";
import { createUnplugin, type FilterPattern, type SourceMapCompact, type UnpluginContext, type UnpluginInstance } from "unplugin";
import { AdjointCompileError } from "../diagnostics.js";
import adjointBabel from "./babel.js";

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
  const plugins: Array<"typescript" | "jsx"> = /\.[cm]?tsx?$/.test(filename) ? ["typescript"] : [];
  if (/\.[jt]sx$/.test(filename)) plugins.push("jsx");
  try {
    const result = await transformAsync(code, {
      filename,
      babelrc: false,
      configFile: false,
      sourceType: "module",
      sourceMaps: true,
      // The name the Babel plugin gives generated code's positions, so the map has one
      // source (Rollup drops the mappings of a second source in a transform's map).
      sourceFileName: filename,
      // Not read from an inline comment: the bundler chains this map onto the maps of the
      // transforms before it (Babel accepts false; @types/babel__core lacks it).
      inputSourceMap: false as unknown as undefined,
      parserOpts: { plugins },
      plugins: [adjointBabel],
    });
    if (!result?.code) return undefined;
    return { code: result.code, map: result.map };
  } catch (error) {
    if (!(error instanceof AdjointCompileError)) throw error;
    const [first] = error.diagnostics;
    context.error({
      id: filename,
      plugin: "adjoint",
      code: first.code,
      // Babel prefixed the message with the file name; the catalogue's own wording has it per diagnostic.
      message: new AdjointCompileError(error.diagnostics, code).message,
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
