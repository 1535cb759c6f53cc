import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; compiled fixtures import the package by name.
    alias: [
      { find: /^adjoint\/runtime$/, replacement: here("./runtime/generated.ts") },
      { find: /^adjoint\/np$/, replacement: here("./runtime/np/index.ts") },
      { find: /^adjoint\/compiler$/, replacement: here("./compiler/index.ts") },
      { find: /^adjoint$/, replacement: here("./runtime/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
