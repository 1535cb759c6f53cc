// Vitest runs tests through Vite's pipeline: the same one line, `plugins: [adjoint()]`,
// compiles every module that imports "adjoint", the tests included.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import adjoint from "adjoint/vite";

export default defineConfig({
  plugins: [adjoint()],
  test: { root: fileURLToPath(new URL(".", import.meta.url)), include: ["**/*.test.ts"] },
});
