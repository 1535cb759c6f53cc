// The rows of bench/np-rows.mjs on two builds in one process, interleaved with tfjs-cpu:
// BEFORE=<a checkout's root with dist/ built> against this checkout's dist/ (docs/BENCHMARKS.md,
// "Session 10"). Both on their default (Wasm) backend; every call makes a fresh result.
// ONLY=<comma-separated substrings of row names> picks rows. Not part of `npm run bench`.
import * as tf from "@tensorflow/tfjs";
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import * as np from "../dist/runtime/np/index.js";
import { npRows } from "./np-rows.mjs";
import { fmtMs, setUpTfjs, tensorOn, timeInterleaved } from "./compare.mjs";

const before = await import(pathToFileURL(`${process.env.BEFORE}/dist/runtime/np/index.js`).href);
await setUpTfjs();
const only = process.env.ONLY?.split(",");
const rows = npRows(np, tf).filter((r) => !only || only.some((o) => r.name.includes(o)));
const oldRows = Object.fromEntries(npRows(before, tf).map((r) => [r.name, r]));
const load = () => loadavg()[0].toFixed(2);
console.log(`load average at the start ${load()}`);
console.log("| row | before f64 ms | after f64 ms | before f32 ms | after f32 ms | tfjs-cpu ms | tfjs-cpu / before f64 | tfjs-cpu / after f64 | tfjs-cpu / before f32 | tfjs-cpu / after f32 |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
np.random.seed(0);
for (const spec of rows) {
  const f64 = spec.shapes.map((s) => np.random.uniform(spec.range[0], spec.range[1], s));
  const f32 = f64.map((a) => a.astype("float32"));
  const [old64, old32] = [f64, f32].map((xs) => xs.map((a) => before.array(a.toArray(), a.dtype)));
  const onCpu = [];
  for (const a of f64) onCpu.push(await tensorOn("cpu", a));
  const old = oldRows[spec.name];
  const ms = await timeInterleaved([
    { name: "before f64", run: () => old.np(...old64) },
    { name: "after f64", run: () => spec.np(...f64) },
    { name: "before f32", run: () => old.np(...old32) },
    { name: "after f32", run: () => spec.np(...f32) },
    { name: "tfjs-cpu", use: () => tf.setBackend("cpu"), run: () => tf.tidy(() => void spec.tf(...onCpu)) },
  ], spec.size >= 1e6 ? { budgetMs: 300, minRounds: 7 } : undefined);
  for (const t of onCpu) t.dispose();
  const r = (k) => (ms["tfjs-cpu"] / ms[k]).toFixed(2);
  console.log(`| ${spec.name} | ${["before f64", "after f64", "before f32", "after f32", "tfjs-cpu"].map((k) => fmtMs(ms[k])).join(" | ")} | ${r("before f64")} | ${r("after f64")} | ${r("before f32")} | ${r("after f32")} |`);
}
console.log(`load average at the end ${load()}`);
