// Compile-time fusion of elementwise chains (compiler/optimize/fuse.ts): the gradients of
// bench/programs.mjs compiled with fusion (the default) and without (ADJOINT_FUSION=off),
// beside the same gradient written by hand with adjoint/np and jax-js's jit(grad(f)) on its
// Wasm device, in one process, each call making fresh results. grad(sum(tanh(x * w))) at
// 1e3-1e6 elements on inputs in [-0.5, 0.5], and the MLP of peers.bench.mjs, in float64 and
// float32 (jax-js in float32 only). adjoint/np runs on its default backend.
// "fused loops": the fused gradient with the chain kernel off (np/fused.ts' chainKernel), its
// chains in the generated JavaScript loops, as before the Wasm chain kernel.
// Ratios: loops / fused (above 1: the chain kernel helps), unfused / fused (above 1: fusion helps), fused / hand-written (target ≤ 1.3, issue 19),
// jax-js / fused f32 (above 1: adjoint faster; target ≥ 1.5 at 1e5 and more).
import * as jax from "@jax-js/jax";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "../dist/compiler/index.js";
import * as np from "../dist/runtime/np/index.js";
import { chainKernel } from "../dist/runtime/np/fused.js";
import { finish, fmtMs, fmtRatio, printHeader, printTable, quick, timeInterleaved } from "./compare.mjs";
import { compilePrograms, handWritten, jaxPrograms, mlpArguments, MLP, tanhProductArguments } from "./programs.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
await jax.init("wasm");
jax.defaultDevice("wasm");
printHeader("fused against unfused generated gradients, hand-written adjoint/np and jax-js", `adjoint/np backend ${np.getBackend()}; jax-js 0.1.25 (wasm)`);

const fused = await compilePrograms(transform, join(root, ".tmp", "bench", "fusion-on.mjs"));
process.env.ADJOINT_FUSION = "off";
const unfused = await compilePrograms(transform, join(root, ".tmp", "bench", "fusion-off.mjs"));
delete process.env.ADJOINT_FUSION;
const hand = handWritten(np);
const jxp = jaxPrograms(jax);

const columns = ["gradient", "dtype", "fused ms", "fused loops ms", "unfused ms", "hand-written ms", "jax-js f32 ms", "loops / fused", "unfused / fused", "fused / hand (≤ 1.3)", "jax-js / fused (≥ 1.5 large)"];
console.log("");
printTable(columns, []);

async function row(name, key, args64, { large, warmUp = false }) {
  const jaxArgs = args64.map((a) => jax.numpy.array(Float32Array.from(a.copy().data)).reshape([...a.shape]));
  const jaxRun = async () => jax.tree.dispose(await jax.blockUntilReady(jxp[key](...jaxArgs.map((a) => a.ref))));
  for (const dtype of ["float64", "float32"]) {
    const args = dtype === "float64" ? args64 : args64.map((a) => a.astype("float32"));
    const variants = [
      { name: "fused", run: () => fused[`${key}Grad`](...args) },
      // The same fused gradient with its chains in JavaScript loops (no chain kernel).
      { name: "loops", run: () => { chainKernel.on = false; try { return fused[`${key}Grad`](...args); } finally { chainKernel.on = true; } } },
      { name: "unfused", run: () => unfused[`${key}Grad`](...args) },
      { name: "hand", run: () => hand[key](...args) },
      ...(dtype === "float32" ? [{ name: "jax-js", run: jaxRun }] : []),
    ];
    const ms = await timeInterleaved(variants, { minRounds: quick ? 3 : 7 });
    if (warmUp) continue;
    const cells = [name, dtype, fmtMs(ms.fused), fmtMs(ms.loops), fmtMs(ms.unfused), fmtMs(ms.hand), fmtMs(ms["jax-js"])];
    cells.push(fmtRatio(ms.loops / ms.fused), fmtRatio(ms.unfused / ms.fused), fmtRatio(ms.fused / ms.hand, { max: 1.3 }), fmtRatio(ms["jax-js"] / ms.fused, large ? { min: 1.5 } : undefined));
    console.log(`| ${cells.join(" | ")} |`);
  }
  jax.tree.dispose(jaxArgs);
}

// The first row timed in a process runs code V8 has not optimised yet: a discarded round first.
await row("warm-up", "tanhProduct", tanhProductArguments(np, 1e3), { warmUp: true });
for (const n of [1e3, 1e4, 1e5, 1e6]) await row(`grad(sum(tanh(x * w))) n = 1e${Math.log10(n)}`, "tanhProduct", tanhProductArguments(np, n), { large: n >= 1e5 });
await row(`MLP ${MLP.batch}x${MLP.widths.join("x")}`, "mlpLoss", mlpArguments(np), { large: true });
await finish();
