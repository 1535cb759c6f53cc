// esbuild: one line, `plugins: [adjoint()]`; esbuild strips the TypeScript itself and
// bundles adjoint's runtime in.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import adjoint from "adjoint/esbuild";

export const options = {
  entryPoints: [fileURLToPath(new URL("../app/src/fit.ts", import.meta.url))],
  outfile: fileURLToPath(new URL("dist/fit.mjs", import.meta.url)),
  bundle: true,
  platform: "node",
  format: "esm",
  sourcemap: true,
  plugins: [adjoint()],
};

if (import.meta.url === `file://${process.argv[1]}`) await build(options);
