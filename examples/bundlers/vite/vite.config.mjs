// Vite: one line, `plugins: [adjoint()]`. Here Vite builds the app for Node (SSR build).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import adjoint from "adjoint/vite";

export default defineConfig({
  plugins: [adjoint()],
  build: {
    ssr: fileURLToPath(new URL("../app/src/fit.ts", import.meta.url)),
    outDir: fileURLToPath(new URL("dist", import.meta.url)),
    target: "node20",
    minify: false,
    sourcemap: true,
  },
});
