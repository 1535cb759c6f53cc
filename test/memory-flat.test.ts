// Gradient calls in a row hold memory flat: the value stacks go back to their pool, a
// checkpointed loop's snapshots and tape are let go. A small count here (bench/checkpoint.bench.mjs
// runs 1e5); the heap is measured after a full collection, and only its growth is asserted.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";

const source = `
import { grad } from "adjoint";
export function ode(k: number, y: number, steps: number): number {
  for (let i = 0; i < steps; i++) y += 0.01 * (Math.sin(y) - k * y * y);
  return y;
}
export function heat(u: Float64Array, alpha: number, steps: number): number {
  const next = Float64Array.from(u);
  for (let step = 0; step < steps; step++) {
    for (let i = 1; i < u.length - 1; i++) next[i] = u[i] + alpha * (u[i - 1] - 2 * u[i] + u[i + 1]);
    u.set(next);
  }
  return u[1] * u[2];
}
export const plain = grad(ode, { wrt: [0, 1] });
export const checkpointed = grad(ode, { wrt: [0, 1], checkpoint: { snapshots: 4 } });
export const heatPlain = grad(heat, { wrt: [0, 1] });
export const heatCheckpointed = grad(heat, { wrt: [0, 1], checkpoint: true });
`;

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function heapGrowth(call: () => void, calls: number): number {
  for (let i = 0; i < 200; i++) call();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < calls; i++) call();
  gc();
  return process.memoryUsage().heapUsed - before;
}

describe("memory over many gradient calls", () => {
  it("stays flat, with and without checkpointing", async () => {
    const result = transform(source, { filename: "memory.ts" });
    expect(result.diagnostics).toEqual([]);
    const dir = resolve(__dirname, "..", ".tmp", "memory-flat");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "module.mjs");
    writeFileSync(file, result.code);
    const mod = await import(pathToFileURL(file).href);
    const u = () => Float64Array.from({ length: 16 }, (_, i) => Math.sin(i));
    const calls: [string, () => void][] = [
      ["plain", () => mod.plain(0.3, 0.8, 200)],
      ["checkpointed", () => mod.checkpointed(0.3, 0.8, 200)],
      ["heat", () => mod.heatPlain(u(), 0.2, 50)],
      ["heat, checkpointed", () => mod.heatCheckpointed(u(), 0.2, 50)],
    ];
    for (const [name, call] of calls) {
      // 5000 calls that each kept even 100 bytes would grow the heap by 500 kB.
      expect(heapGrowth(call, 5000), name).toBeLessThan(256 * 1024);
    }
  });
});
