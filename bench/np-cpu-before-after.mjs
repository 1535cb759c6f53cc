// The rows given in ROWS (JSON: [name, np expression, tf expression, shape, dtype, lo, hi]) on the
// build at BEFORE, this build and tfjs-cpu, by CPU time per call (process.cpuUsage), not wall
// time: on an oversubscribed machine a wall-clock sample is mostly waiting for a core.
// Interleaved, medians of 31 rounds (docs/BENCHMARKS.md, "Session 12"). Not part of npm run bench.
import { loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs";
const A = await import(`${process.env.BEFORE}/dist/runtime/np/index.js`);
const B = await import("../dist/runtime/np/index.js");
await tf.setBackend("cpu");
const rows = JSON.parse(process.env.ROWS);
console.log("load", loadavg()[0].toFixed(2));
console.log("| row | before ms | after ms | tfjs-cpu ms | before / after | tfjs-cpu / before | tfjs-cpu / after |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const [name, expr, texpr, shape, dt, lo = -0.5, hi = 0.5] of rows) {
  const mk = (np) => { np.random.seed(1); const x = np.random.uniform(lo, hi, shape).astype(dt); return new Function("np", "x", `return () => ${expr}`)(np, x); };
  const fa = mk(A), fb = mk(B);
  const xt = tf.tensor(Float32Array.from(A.random.uniform(lo, hi, shape).data), shape, "float32");
  const ft = new Function("tf", "x", `return () => tf.tidy(() => void (${texpr}))`)(tf, xt);
  const n = shape.reduce((p, d) => p * d, 1);
  const reps = Math.max(2, Math.round(3e5 / n));
  const s = { a: [], b: [], t: [] };
  const fs = [["a", fa], ["b", fb], ["t", ft]];
  for (let r = 0; r < 31; r++) for (let j = 0; j < 3; j++) {
    const [k, f] = fs[(r + j) % 3];
    const c0 = process.cpuUsage().user; for (let i = 0; i < reps; i++) f(); s[k].push((process.cpuUsage().user - c0) / reps / 1000);
  }
  const med = (v) => v.sort((p, q) => p - q)[v.length >> 1];
  const [a, b, t] = [med(s.a), med(s.b), med(s.t)];
  const fmt = (v) => v < 0.1 ? v.toPrecision(3) : v.toFixed(3);
  console.log(`| ${name} ${dt} | ${fmt(a)} | ${fmt(b)} | ${fmt(t)} | ${(a / b).toFixed(2)} | ${(t / a).toFixed(2)} | ${(t / b).toFixed(2)} |`);
  xt.dispose();
}
console.log("load", loadavg()[0].toFixed(2));
