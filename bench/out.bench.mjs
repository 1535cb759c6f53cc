// grad(f, { out: true }) at small sizes, where a call's fixed cost decides: the gradient that
// keeps its arrays against grad with fresh arrays and the hand-written adjoint, and with
// OUT_BASELINE=<a copy of an older dist/> that compiler's out: true, all in one process,
// interleaved sample by sample (medians of 400 samples of 2000 calls). Ratios only.
// node bench/out.bench.mjs [f64|arr]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadavg } from "node:os";
import { transform } from "../dist/compiler/index.js";
import { hand } from "./kernels.hand.mjs";
import { random } from "./timing.mjs";

const dir = fileURLToPath(new URL("../.tmp/bench", import.meta.url));
mkdirSync(dir, { recursive: true });
const src = (T) => `import { grad } from "adjoint";
export function dot(a: ${T}, b: ${T}): number { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
export function horner(c: ${T}, x: number): number { let y = 0; for (let i = c.length - 1; i >= 0; i--) { y = y * x + c[i]; if (y > 2) y = y * 0.5; } return y; }
export const dotOut = grad(dot, { wrt: [0, 1], out: true });
export const dotPlain = grad(dot, { wrt: [0, 1] });
export const hornerOut = grad(horner, { wrt: [0, 1], out: true });
export const hornerPlain = grad(horner, { wrt: [0, 1] });
`;
async function load(t, name, T) {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, t(src(T), { filename: `${name}.ts` }).code);
  return import(pathToFileURL(file).href);
}
const kinds = process.argv.slice(2).filter((a) => a === "f64" || a === "arr");
const baseline = process.env.OUT_BASELINE ? (await import(pathToFileURL(join(process.env.OUT_BASELINE, "compiler", "index.js")).href)).transform : null;
const batch = (fn, args) => new Function("fn", "args", `return (reps) => { let s = 0; for (let k = 0; k < reps; k++) { const r = fn(...args); s += r.length; } return s; };`)(fn, args);
const table = [];
for (const kind of kinds.length > 0 ? kinds : ["f64", "arr"]) {
  const T = kind === "f64" ? "Float64Array" : "number[]";
  const now = await load(transform, `out_${kind}`, T);
  const before = baseline ? await load(baseline, `out_baseline_${kind}`, T) : null;
  const as = (x) => (kind === "f64" ? x : Array.from(x));
  const rows = {
    "dot, n = 4": [[as(random(4, 1)), as(random(4, 2))], "dot"],
    "horner, 32 coefficients": [[as(random(32, 4).map((v) => v * 3)), 0.9], "horner"],
  };
  for (const [name, [args, k]] of Object.entries(rows)) {
    const fns = [now[`${k}Out`], now[`${k}Plain`], hand[k], ...(before ? [before[`${k}Out`]] : [])];
    const runs = fns.map((f) => batch(f, args));
    const samples = runs.map(() => []);
    for (let round = 0; round < 400; round++) {
      runs.forEach((run, i) => {
        const t0 = performance.now();
        run(2000);
        samples[i].push(((performance.now() - t0) / 2000) * 1000);
      });
    }
    const [out, plain, handMade, old] = samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]);
    table.push({ row: `${name}, ${T}`, "out µs": out.toFixed(3), "fresh µs": plain.toFixed(3), "hand µs": handMade.toFixed(3), "out/hand": (out / handMade).toFixed(2), "fresh/hand": (plain / handMade).toFixed(2), ...(old ? { "baseline out/hand": (old / handMade).toFixed(2), "out/baseline out": (out / old).toFixed(2) } : {}) });
  }
}
console.table(table);
console.log(`load average ${loadavg()[0].toFixed(1)}`);
