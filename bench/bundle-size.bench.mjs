// Bundle weight: the minified (and gzipped) bundle of a program of numbers only (the curve
// fit of examples/bundlers) and of an NDArray program, built by Vite and by esbuild with
// everything bundled. Against the built package: npm run build, then npm run bench bundle.
import { bundlers, programs, sizes } from "./bundles.mjs";

const kB = (bytes) => (bytes / 1000).toFixed(1);
const entries = programs();
console.log("bundle sizes, adjoint's runtime bundled in (kB = 1000 bytes)\n");
console.log("| bundler | program | minified kB | gzip kB |");
console.log("| --- | --- | ---: | ---: |");
for (const [bundler, build] of Object.entries(bundlers)) {
  for (const [program, entry] of Object.entries(entries)) {
    const { minified, gzip } = sizes(await build(entry));
    console.log(`| ${bundler} | ${program === "scalar" ? "numbers only (curve fit)" : "NDArray"} | ${kB(minified)} | ${kB(gzip)} |`);
  }
}
