// Third and fourth order of NDArray code: a 2-layer MLP's loss (batch 16, 32 -> 32 -> 4, tanh,
// mean squared error) by the scale s of its first layer, each order against the one below it
// (each nesting is reverse mode over the order below, its vjps written as np operations), and
// the third derivative against central differences of the compiled second (two calls).
//
// `node bench/run.mjs third-order` (after `npm run build`). Each time is the median of
// repeated runs (bench/timing.mjs); the third derivative is checked against the differences first.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "../dist/compiler/index.js";
import { random, time } from "./timing.mjs";

const [batch, width, inputs, outputs] = [16, 32, 32, 4];
// The arrays are the module's constants, so each order is a function of s alone.
const program = (data) => `import { grad } from "adjoint";
import * as np from "adjoint/np";
${Object.entries(data).map(([name, [shape, values]]) => `const ${name} = np.reshape(np.array(${JSON.stringify(Array.from(values))}), ${JSON.stringify(shape)});`).join("\n")}
function loss(s: number): number {
  const h = np.tanh(np.add(np.matmul(x, np.mul(w1, s)), b1));
  return np.mean(np.square(np.sub(np.matmul(h, w2), y))).item();
}
export const d1 = grad(loss);
export const d2 = grad(grad(loss));
export const d3 = grad(grad(grad(loss)));
export const d4 = grad(grad(grad(grad(loss))));
export { loss };
`;

const data = {
  x: [[batch, inputs], random(batch * inputs, 1)],
  w1: [[inputs, width], random(inputs * width, 2).map((v) => v * 0.4)],
  b1: [[width], random(width, 3)],
  w2: [[width, outputs], random(width * outputs, 4).map((v) => v * 0.4)],
  y: [[batch, outputs], random(batch * outputs, 5)],
};
const result = transform(program(data), { filename: "bench/third-order.ts", sourceMaps: false });
if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
const outDir = join(fileURLToPath(new URL("..", import.meta.url)), ".tmp", "bench");
mkdirSync(outDir, { recursive: true });
const modulePath = join(outDir, "third-order.mjs");
writeFileSync(modulePath, result.code);
const gen = await import(pathToFileURL(modulePath).href);

const s = 0.7;
const h = 1e-5;
const differences = (f) => (f(s + h) - f(s - h)) / (2 * h);
const d3 = gen.d3(s);
const byDifferences = differences(gen.d2);
if (Math.abs(d3 - byDifferences) > 1e-5 * (1 + Math.abs(d3))) throw new Error(`third order ${d3} disagrees with differences of the second, ${byDifferences}`);

const times = [gen.loss, gen.d1, gen.d2, gen.d3, gen.d4].map((f) => time(() => f(s), 400));
const tDifferences = time(() => differences(gen.d2), 400);
console.log(`load ${loadavg()[0].toFixed(1)} | MLP batch ${batch}, ${inputs} -> ${width} -> ${outputs}, by the scale of w1\n`);
console.log("| order | time | / the order below |");
console.log("| --- | ---: | ---: |");
["loss", "d1", "d2", "d3", "d4"].forEach((name, i) => console.log(`| ${name} | ${(times[i] * 1e3).toFixed(0)} µs | ${i === 0 ? "" : (times[i] / times[i - 1]).toFixed(2)} |`));
console.log(`\n| d3 by reverse mode | d3 by differences of d2 (2 calls) | reverse / differences |`);
console.log("| ---: | ---: | ---: |");
console.log(`| ${(times[3] * 1e3).toFixed(0)} µs | ${(tDifferences * 1e3).toFixed(0)} µs | ${(times[3] / tDifferences).toFixed(2)} |`);
