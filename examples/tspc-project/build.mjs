// Builds src/*.ts to dist/ with this folder's tsconfig.json: the real `tspc` (ts-patch's
// live compiler) loading adjoint/tspc from tsconfig "plugins". An installed project finds
// "adjoint" in its node_modules; this example links node_modules/adjoint to the checkout.
// Pass TSP_COMPILER_TS_PATH=<dir of a typescript package> to build with another TypeScript.
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, "node_modules"), { recursive: true });
try {
  symlinkSync(join("..", "..", ".."), join(here, "node_modules", "adjoint"), "dir");
} catch (error) {
  if (error.code !== "EEXIST") throw error;
}
const tspc = createRequire(import.meta.url).resolve("ts-patch/bin/tspc.js");
const { status } = spawnSync(process.execPath, [tspc, "-p", here, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(status ?? 1);
