// The playground's build: `npm run playground` serves it, `npm run build:playground` writes
// playground/dist/, static files that work from any host or straight from disk (file://).
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin, type UserConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * One classic script instead of a module script: a page opened from disk may not load
 * module scripts or `crossorigin` assets (file:// has no origin), but runs a classic one.
 */
function classicScript(): Plugin {
  return {
    name: "playground-classic-script",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler: (html) => html.replace(/<script type="module" crossorigin /g, "<script defer ").replace(/ crossorigin(?=[ >])/g, ""),
    },
  };
}

export const playgroundConfig: UserConfig = {
  root: here("."),
  // Relative asset URLs: the folder works at any path of any static host.
  base: "./",
  // Babel's config loader asks for its environment name; a browser has no process.env.
  define: { "process.env.BABEL_ENV": "undefined" },
  resolve: {
    alias: [
      // The page runs the TypeScript sources, as the tests do; generated code's imports are
      // resolved at run time (src/module-runner.ts).
      { find: /^adjoint\/runtime$/, replacement: here("../runtime/generated.ts") },
      { find: /^adjoint\/np$/, replacement: here("../runtime/np/index.ts") },
      { find: /^adjoint\/compiler$/, replacement: here("../compiler/index.ts") },
      { find: /^adjoint$/, replacement: here("../runtime/index.ts") },
      // What @babel/core (inside adjoint/compiler's transform) imports of Node.
      { find: /^(node:)?path$/, replacement: "pathe" },
      { find: /^(node:)?assert$/, replacement: here("shims/assert.ts") },
    ],
  },
  plugins: [classicScript()],
  // The run worker (src/run-worker.ts), built into the page's script as a Blob.
  worker: { format: "iife", rolldownOptions: { checks: { emptyImportMeta: false } } },
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    // One file of script: a classic script cannot import chunks.
    // import.meta.url is read only where Node is (compiler/diagnostics.ts): {} in the page is right.
    rolldownOptions: { output: { format: "iife", codeSplitting: false }, checks: { emptyImportMeta: false } },
    // Babel and CodeMirror are most of it (about 1.9 MB, 500 kB gzipped); nothing is fetched later.
    chunkSizeWarningLimit: 2500,
  },
};

export default defineConfig(playgroundConfig);
