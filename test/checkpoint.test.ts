// Checkpointing where the fixtures do not reach: a checkpointed loop in a callee (split into
// its two halves), a pullback run twice, number[] state that grows, a loop of no steps, and
// the modes that refuse the option or run the block as a plain loop.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { inlineSmallCallees } from "../compiler/lower/index.js";

const dir = resolve(__dirname, "..", ".tmp", "checkpoint");
let count = 0;

/** `calls`: small callees kept as calls (as a checkpointed one is), so both sides add their adjoints in one order. */
async function compile<T>(source: string, calls = false): Promise<T> {
  const inlining = inlineSmallCallees(!calls);
  const result = (() => {
    try {
      return transform(`import { checkpoint, grad, hessian, jvp, valueAndGrad, vjp } from "adjoint";\n${source}`, { filename: "checkpoint.ts" });
    } finally {
      inlineSmallCallees(inlining);
    }
  })();
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `module${++count}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as T;
}

function refused(source: string): string[] {
  const result = transform(`import { checkpoint, grad, hessian, jvp, vjp } from "adjoint";\n${source}`, { filename: "checkpoint.ts" });
  return result.diagnostics.map((d) => `${d.code} ${d.line}: ${d.message}`);
}

type Grad = (...args: unknown[]) => number[];

describe("checkpointed loops", () => {
  it("in a callee: its halves carry the schedule from the forward half to the reverse one", async () => {
    const m = await compile<{ checked: Grad; plain: Grad }>(`
      function stepper(x: number, n: number): number {
        let y = x;
        checkpoint(() => {
          for (let i = 0; i < n; i++) y = Math.sin(y) * x + 0.1 * i;
        }, { snapshots: 2 });
        return y;
      }
      function plainStepper(x: number, n: number): number {
        let y = x;
        for (let i = 0; i < n; i++) y = Math.sin(y) * x + 0.1 * i;
        return y;
      }
      function f(x: number, n: number): number { return stepper(x, n) * stepper(x * 0.5, n + 3); }
      function g(x: number, n: number): number { return plainStepper(x, n) * plainStepper(x * 0.5, n + 3); }
      export const checked = grad(f);
      export const plain = grad(g);
    `, true);
    for (const n of [0, 1, 7, 30]) expect(m.checked(0.9, n)).toBe(m.plain(0.9, n));
  });

  it("a pullback run twice gives the same gradient twice", async () => {
    const m = await compile<{ pull: (x: number, n: number) => [number, (d: number) => number]; plain: (x: number, n: number) => number }>(`
      function f(x: number, n: number): number {
        let y = x;
        for (let i = 0; i < n; i++) y = y * Math.cos(y) + x;
        return y;
      }
      export const pull = vjp(f, { checkpoint: { snapshots: 3 } });
      export const plain = grad(f);
    `);
    const [, pullback] = m.pull(0.4, 25);
    const first = pullback(1);
    expect(pullback(1)).toBe(first);
    expect(pullback(2)).toBe(2 * m.plain(0.4, 25));
    expect(first).toBe(m.plain(0.4, 25));
  });

  it("number[] state that grows each step, and Float64Array parameters given back as the primal leaves them", async () => {
    const m = await compile<{ checked: Grad; plain: Grad }>(`
      function f(xs: number[], w: Float64Array, n: number): number {
        const hist: number[] = [xs[0]];
        for (let i = 0; i < n; i++) {
          hist.push(hist[hist.length - 1] * w[i % w.length] + xs[i % xs.length]);
          w[i % w.length] = w[i % w.length] * 0.9;
        }
        let s = 0;
        for (const h of hist) s += h * h;
        return s;
      }
      export const checked = grad(f, { wrt: [0, 1], checkpoint: { snapshots: 2 } });
      export const plain = grad(f, { wrt: [0, 1] });
    `);
    const w1 = Float64Array.from([0.5, -0.3, 0.8]);
    const w2 = Float64Array.from(w1);
    const got = m.checked([0.2, 1.1], w1, 9);
    const want = m.plain([0.2, 1.1], w2, 9);
    expect(got.map((g) => Array.from(g as unknown as number[]))).toEqual(want.map((g) => Array.from(g as unknown as number[])));
    expect(Array.from(w1)).toEqual(Array.from(w2));
  });

  it("forward mode runs a checkpoint block as a plain loop, and so does a derivative differentiated again", async () => {
    const m = await compile<{ tangent: (x: number, u: number) => [number, number]; second: (x: number) => number; first: (x: number) => number }>(`
      function f(x: number): number {
        let y = x;
        checkpoint(() => {
          for (let i = 0; i < 5; i++) y = Math.sin(y) * x;
        });
        return y;
      }
      export const tangent = jvp(f);
      export const first = grad(f);
      export const second = grad(grad(f));
    `);
    expect(m.tangent(0.7, 1)[1]).toBeCloseTo(m.first(0.7), 12);
    const h = 1e-5;
    expect(m.second(0.7)).toBeCloseTo((m.first(0.7 + h) - m.first(0.7 - h)) / (2 * h), 6);
  });

  it("refuses the option where it cannot apply, and the marker anywhere but around a loop's block", () => {
    const f = "function f(x: number): number { let y = x; for (let i = 0; i < 3; i++) y *= x; return y; }\n";
    expect(refused(`${f}export const d = jvp(f, { checkpoint: true });`)).toEqual([expect.stringMatching(/^ADJ023 3: .*jvp keeps no step's values/)]);
    expect(refused(`${f}export const d = grad(grad(f, { checkpoint: true }));`)).toEqual([expect.stringMatching(/^ADJ023 3: .*differentiated again/)]);
    expect(refused(`${f}export const d = grad(f, { checkpoint: { snapshots: 0 } });`)).toEqual([expect.stringMatching(/^ADJ023 3: .*snapshots, a whole number literal of at least 1/)]);
    expect(refused(`${f}export const d = grad(f, { checkpoint: 4 });`)).toEqual([expect.stringMatching(/^ADJ023 3: .*an object literal/)]);
    expect(refused("function g(x: number): number { const r = checkpoint(() => {}); return x; }\nexport const d = grad(g);")).toEqual([expect.stringMatching(/^ADJ023 2: .*a statement of its own/)]);
    expect(refused("function g(x: number): number { checkpoint((k: number) => {}); return x; }\nexport const d = grad(g);")).toEqual([expect.stringMatching(/^ADJ023 2: .*inline, with no parameters/)]);
  });
});
