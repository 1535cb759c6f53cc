// TypeScript for webpack in a few lines: esbuild strips the types (ts-loader, babel-loader
// or esbuild-loader do the same in a real project). Runs after adjoint's loader.
const { transform } = require("esbuild");

module.exports = function stripTypes(source, map) {
  const callback = this.async();
  transform(source, { loader: "ts", sourcemap: "external", sourcefile: this.resourcePath }).then(
    (result) => callback(null, result.code, result.map || map),
    callback,
  );
};
