// `npm run demo`, the main job: builds examples/seed-notebook.ts with the real tspc
// (adjoint/tspc as its transformer), runs it, and prints each cell's output as the seed
// notebook prints it. Its exercise-5 plot goes to docs/sin-grad.svg.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildNotebook } from "./build-notebook.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const notebook = await buildNotebook("tspc");
console.log("# The seed notebook (MXNet autograd), compiled by adjoint through tspc\n");
execFileSync(process.execPath, [notebook, "--svg", join(root, "docs", "sin-grad.svg"), "--cost"], { stdio: "inherit" });
