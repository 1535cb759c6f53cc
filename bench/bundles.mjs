// Bundles of two small programs with adjoint's runtime bundled in, minified: the curve fit of
// examples/bundlers (numbers only) and an NDArray program. Used by bench/bundle-size.bench.mjs
// (sizes) and test/bundle-content.test.ts (what the scalar bundle must not contain).
// Runs against the built package: npm run build first.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = join(root, ".tmp", "bundles");

const ndarrayProgram = `import { grad } from "adjoint";
import * as np from "adjoint/np";

const loss = (w: np.NDArray, x: np.NDArray): np.NDArray => np.sum(np.tanh(np.matmul(w, x)));
np.random.seed(1);
const w = np.random.normal(0, 1, [3, 4]);
const x = np.random.normal(0, 1, [4, 2]);
console.log(JSON.stringify(grad(loss)(w, x).toArray()));
`;

/** The programs' entry files: the curve fit as it is, the NDArray program written under .tmp/. */
export function programs() {
  mkdirSync(work, { recursive: true });
  const ndarray = join(work, "ndarray.ts");
  writeFileSync(ndarray, ndarrayProgram);
  return { scalar: join(root, "examples", "bundlers", "app", "src", "fit.ts"), ndarray };
}

/** The minified bundle of `entry` (everything bundled, ES module for Node) as text. */
export const bundlers = {
  async vite(entry) {
    const { build } = await import("vite");
    const { default: adjoint } = await import("adjoint/vite");
    const result = await build({
      configFile: false,
      logLevel: "silent",
      plugins: [adjoint()],
      ssr: { noExternal: true },
      build: { ssr: entry, target: "node20", minify: true, write: false, rollupOptions: { output: { format: "es" } } },
    });
    const output = Array.isArray(result) ? result[0] : result;
    return output.output.map((chunk) => (chunk.type === "chunk" ? chunk.code : "")).join("");
  },
  async esbuild(entry) {
    const { build } = await import("esbuild");
    const { default: adjoint } = await import("adjoint/esbuild");
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      minify: true,
      write: false,
      logLevel: "silent",
      plugins: [adjoint()],
    });
    return result.outputFiles.map((file) => file.text).join("");
  },
};

/** Size in bytes, minified and gzipped. */
export const sizes = (code) => ({ minified: Buffer.byteLength(code), gzip: gzipSync(code).length });
