// Rollup: one line, `plugins: [adjoint(), …]`, before whatever strips TypeScript (here a
// few lines over esbuild's transform; @rollup/plugin-typescript or rollup-plugin-esbuild
// do the same in a real project). "adjoint" stays external: Node resolves it at run time.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";
import adjoint from "adjoint/rollup";

export default {
  input: fileURLToPath(new URL("../app/src/fit.ts", import.meta.url)),
  output: { dir: fileURLToPath(new URL("dist", import.meta.url)), format: "es", entryFileNames: "[name].mjs", sourcemap: true },
  external: [/^adjoint(\/|$)/],
  plugins: [adjoint(), stripTypes()],
};

/** TypeScript for Rollup: `./model.js` finds `./model.ts`, and esbuild strips the types. */
export function stripTypes() {
  return {
    name: "strip-types",
    resolveId(source, importer) {
      if (!importer || !source.startsWith(".") || !source.endsWith(".js")) return null;
      const candidate = resolve(dirname(importer), source.replace(/\.js$/, ".ts"));
      return existsSync(candidate) ? candidate : null;
    },
    async transform(code, id) {
      if (!id.endsWith(".ts")) return null;
      const result = await transform(code, { loader: "ts", sourcemap: true, sourcefile: id });
      return { code: result.code, map: result.map };
    },
  };
}
