// TypeScript for webpack in a few lines: esbuild strips the types (ts-loader, babel-loader
// or esbuild-loader do the same in a real project). Runs after adjoint's loader.
const { transform } = require("esbuild");

module.exports = function stripTypes(source, map) {
  const callback = this.async();
  // webpack leaves chaining source maps to each loader: esbuild reads the previous
  // loader's map (adjoint's) from an inline comment and maps straight to the original.
  const input = map ? `${source}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}` : source;
  transform(input, { loader: "ts", sourcemap: "external", sourcefile: this.resourcePath }).then(
    (result) => callback(null, result.code, result.map),
    callback,
  );
};
