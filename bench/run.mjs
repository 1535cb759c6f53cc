// `npm run bench`: runs every bench/*.bench.mjs in turn against the built package (dist/).
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv[2];
for (const file of readdirSync(here).filter((f) => f.endsWith(".bench.mjs")).sort()) {
  if (only && !file.includes(only)) continue;
  console.log(`\n## ${file}\n`);
  await import(pathToFileURL(join(here, file)).href);
}
