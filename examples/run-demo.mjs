// `npm run demo`: builds examples/babel-project with Babel + adjoint/babel and runs it:
// the seed notebook's control-flow example, then a curve fit by gradient descent.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const project = join(dirname(fileURLToPath(import.meta.url)), "babel-project");
const node = (...args) => execFileSync(process.execPath, args, { cwd: project, stdio: "inherit" });

node("build.mjs");
console.log("## The seed notebook, with NDArrays, differentiated at compile time\n");
node("dist/notebook.js");
console.log("## The seed notebook's control flow over numbers\n");
node("dist/seed.js");
console.log("\n## Fitting a damped oscillation by gradient descent (2000 steps)\n");
const fit = JSON.parse(execFileSync(process.execPath, ["dist/fit.js"], { cwd: project, encoding: "utf8" }));
console.log(`amplitude ${fit.amplitude.toFixed(4)} (true 2), decay ${fit.decay.toFixed(4)} (true 0.5)`);
console.log(`loss ${fit.initialLoss.toExponential(3)} -> ${fit.finalLoss.toExponential(3)}`);
