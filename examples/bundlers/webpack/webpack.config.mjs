// webpack: one line, `plugins: [adjoint()]`; its loader runs before the rule that strips
// TypeScript. Built for Node as an ES module, with adjoint's runtime bundled in.
import { fileURLToPath } from "node:url";
import adjoint from "adjoint/webpack";

export default {
  mode: "none",
  target: "node20",
  devtool: "source-map",
  entry: fileURLToPath(new URL("../app/src/fit.ts", import.meta.url)),
  output: {
    path: fileURLToPath(new URL("dist", import.meta.url)),
    filename: "fit.mjs",
    module: true,
    chunkFormat: "module",
    library: { type: "module" },
  },
  experiments: { outputModule: true },
  resolve: { extensions: [".ts", ".js"], extensionAlias: { ".js": [".ts", ".js"] } },
  module: { rules: [{ test: /\.ts$/, loader: fileURLToPath(new URL("strip-types-loader.cjs", import.meta.url)) }] },
  plugins: [adjoint()],
};
