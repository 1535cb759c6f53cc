// adjoint's bundler plugins (Vite, Rollup, esbuild, webpack) from one unplugin factory.
// Each module that imports "adjoint" goes through the engine, whose edits are spliced into
// its text (splice.ts): the output keeps its types, and the bundler's own TypeScript
// handling strips them afterwards. Everything else is left to the bundler.
//
// This module stays small: the engine (the compiler, Babel's parser, the source-map
// writer: about 150 ms to load) is imported on the first module that uses adjoint, so a
// build, or a Vitest run, in which no module does never loads it.
import { readFileSync } from "node:fs";
import { createUnplugin, type FilterPattern, type SourceMapCompact, type UnpluginContext, type UnpluginInstance } from "unplugin";
import { AdjointCompileError } from "../diagnostics.js";

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

let engine: Promise<typeof import("./splice.js")> | undefined;
const loadEngine = () => (engine ??= import("./splice.js"));

/** The module's path without a bundler's query (`?v=…`) or hash. */
function pathOf(id: string): string {
  return id.replace(/[?#].*$/, "");
}

type Compiled = { code: string; map: SourceMapCompact | null | undefined } | undefined;

/** Compiles one module; undefined when it has nothing for adjoint. Reports diagnostics on the bundler's channel. */
async function transformModule(context: UnpluginContext, code: string, id: string): Promise<Compiled> {
  const filename = pathOf(id);
  const { spliceModule } = await loadEngine();
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

/** The module's text, or undefined if there is no such file (as unplugin's own read for esbuild). */
function readModule(id: string): string | undefined {
  try {
    return readFileSync(pathOf(id), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export const adjoint: UnpluginInstance<AdjointBundlerOptions | undefined, false> = createUnplugin((options, meta) => {
  const ids = { include: options?.include ?? SCRIPT, exclude: options?.exclude ?? NOT_OURS };
  // A rebuild (esbuild's context.rebuild(), watch modes) compiles only the modules whose source changed.
  const compiled = new Map<string, { source: string; output: Compiled }>();
  async function compile(context: UnpluginContext, code: string, id: string): Promise<Compiled> {
    const cached = compiled.get(id);
    if (cached?.source === code) return cached.output;
    const output = await transformModule(context, code, id);
    // A module with diagnostics is compiled again next time, so its errors are reported again.
    if (output?.map) compiled.set(id, { source: code, output });
    return output;
  }
  if (meta.framework === "esbuild") {
    // esbuild calls into JavaScript for every module a plugin's onLoad filter matches, and
    // unplugin's transform there reads each one with fs.promises (open, stat, read, close:
    // four trips through the thread pool). A load hook reads it in one synchronous call and
    // returns nothing for a module without adjoint, which esbuild then loads itself.
    return {
      name: "adjoint",
      load: {
        filter: { id: ids },
        handler(id) {
          const code = readModule(id);
          return code !== undefined && IMPORTS_ADJOINT.test(code) ? compile(this, code, id) : undefined;
        },
      },
      // With the default include, esbuild does not call in for a module that is not a script (its own regex engine).
      esbuild: options?.include === undefined ? { onLoadFilter: SCRIPT } : undefined,
    };
  }
  return {
    name: "adjoint",
    // Before the bundler strips TypeScript: the engine reads the type annotations.
    enforce: "pre",
    transform: {
      // Vite (Rolldown) and Rollup apply these filters natively, without calling the handler;
      // webpack attaches the loader only to ids that pass.
      filter: { id: ids, code: IMPORTS_ADJOINT },
      handler(code, id) {
        return compile(this, code, id);
      },
    },
  };
});

export default adjoint;
