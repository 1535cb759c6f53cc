// Compiling an effect program through both front ends, and importing what was generated:
// shared by the property tests over effect programs (property-effects, property-rows).
import { transformSync } from "@babel/core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { transform, type Diagnostic } from "../../compiler/index.js";
import adjointBabel from "../../compiler/frontends/babel.js";
import { inlineSmallCallees } from "../../compiler/lower/index.js";

export type Outcome = { status: "compiled"; code: string } | { status: "refused"; diagnostics: Diagnostic[] } | { status: "crashed"; error: string };

export function compileTs(source: string): Outcome {
  try {
    const result = transform(source, { filename: "effects.ts", sourceMaps: false });
    return result.diagnostics.length > 0 ? { status: "refused", diagnostics: result.diagnostics } : { status: "compiled", code: result.code };
  } catch (error) {
    return { status: "crashed", error: String((error as Error)?.stack ?? error) };
  }
}

/** Through Babel with small callees kept as calls (TypeScript's run inlines them): both paths are checked on each program. */
export function compileJs(source: string): Outcome {
  const diagnostics: Diagnostic[] = [];
  const inlining = inlineSmallCallees(false);
  try {
    const result = transformSync(source, {
      filename: "effects.js",
      babelrc: false,
      configFile: false,
      sourceMaps: false,
      plugins: [[adjointBabel, { onDiagnostics: (found: Diagnostic[]) => diagnostics.push(...found) }]],
    });
    return diagnostics.length > 0 ? { status: "refused", diagnostics } : { status: "compiled", code: result?.code ?? "" };
  } catch (error) {
    return { status: "crashed", error: String((error as Error)?.stack ?? error) };
  } finally {
    inlineSmallCallees(inlining);
  }
}

// Generated modules are written to disk and imported, as the other property tests do.
export function moduleLoader(folder: string): (code: string) => Promise<{ d: (...args: unknown[]) => unknown }> {
  const dir = resolve(__dirname, "..", "..", ".tmp", folder);
  const loaded = new Map<string, Promise<{ d: (...args: unknown[]) => unknown }>>();
  let written = 0;
  return (code) => {
    let module = loaded.get(code);
    if (!module) {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${process.pid}-${++written}.mjs`);
      writeFileSync(file, code);
      module = import(pathToFileURL(file).href);
      loaded.set(code, module);
    }
    return module;
  };
}
