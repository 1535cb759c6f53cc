// Builds examples/seed-notebook.ts (and the chart module it imports) to .build/<tool>/, with
// either front end a user would pick:
//   node examples/build-notebook.mjs tspc    the real tspc (ts-patch), adjoint/tspc in the tsconfig's plugins
//   node examples/build-notebook.mjs babel   @babel/core with adjoint/babel and preset-typescript
// An installed project finds "adjoint" in its node_modules; here node_modules/adjoint links to the checkout.
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const sources = ["seed-notebook.ts", "sin-grad-chart.ts"];

export async function buildNotebook(tool) {
  mkdirSync(join(here, "node_modules"), { recursive: true });
  try {
    symlinkSync(join("..", ".."), join(here, "node_modules", "adjoint"), "dir");
  } catch (error) {
    if (error.code !== "EEXIST") throw error;
  }
  const outDir = join(here, ".build", tool);
  if (tool === "tspc") {
    const tspc = createRequire(import.meta.url).resolve("ts-patch/bin/tspc.js");
    const { status } = spawnSync(process.execPath, [tspc, "-p", "notebook.tsconfig.json"], { cwd: here, stdio: "inherit" });
    if (status !== 0) throw new Error(`tspc failed (exit ${status})`);
  } else if (tool === "babel") {
    const { transformFileAsync } = await import("@babel/core");
    mkdirSync(outDir, { recursive: true });
    for (const file of sources) {
      const result = await transformFileAsync(join(here, file), {
        babelrc: false,
        configFile: false,
        presets: [["@babel/preset-typescript", { allowDeclareFields: true }]],
        plugins: ["adjoint/babel"],
        sourceMaps: true,
      });
      const out = join(outDir, file.replace(/\.ts$/, ".js"));
      writeFileSync(out, `${result.code}\n//# sourceMappingURL=${file.replace(/\.ts$/, ".js")}.map\n`);
      writeFileSync(`${out}.map`, JSON.stringify(result.map));
    }
  } else {
    throw new Error(`build-notebook: the tool is "tspc" or "babel", not ${tool}`);
  }
  return join(outDir, "seed-notebook.js");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await buildNotebook(process.argv[2] ?? "tspc"));
