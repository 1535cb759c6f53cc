// Builds src/*.ts to dist/*.js with this folder's babel.config.json (adjoint/babel + preset-typescript).
import { transformFileAsync } from "@babel/core";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, "dist"), { recursive: true });
for (const file of readdirSync(join(here, "src")).filter((f) => f.endsWith(".ts"))) {
  const out = join(here, "dist", file.replace(/\.ts$/, ".js"));
  const result = await transformFileAsync(join(here, "src", file), { cwd: here, sourceFileName: `../src/${file}` });
  writeFileSync(out, `${result.code}\n//# sourceMappingURL=${file.replace(/\.ts$/, ".js")}.map\n`);
  writeFileSync(`${out}.map`, JSON.stringify(result.map));
}
