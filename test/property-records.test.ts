// Property: random small programs over object records -- a local record built from a record
// parameter (its array field copied or the caller's own), number fields written, elements
// written through the array field and through an alias of it, the record passed whole to
// helpers that read it or write into its array, helpers that return a record (assigned back to
// q, or from one of two returns) or write its number field, records taken apart by patterns -- compile, and their gradients with respect to
// the record parameter (a record of the same keys) and a number match central finite
// differences at several points, the caller's array left as the primal leaves it. Each program
// is compiled as TypeScript and as untyped JavaScript (the fields' kinds found from their uses).
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { verifyFixture } from "./helpers/fixture-checks.js";

const dir = resolve(__dirname, "..", ".tmp", "property-records");
let count = 0;

/** One statement of the differentiated function's body, over the local record q, the parameter p, x and s. */
const STATEMENTS: ((k: number, c: string) => string)[] = [
  (_, c) => `q.b = q.b * ${c} + Math.sin(x);`,
  (k, c) => `q.w[${k}] = q.w[${k}] * x + q.b * ${c};`,
  (k, c) => `q["b"] += q.w[${k}] * ${c};`,
  (k) => `s += q.w[${k}] * p.b;`,
  (k, c) => `const w${k} = q.w; w${k}[${k}] += Math.tanh(q.b * ${c});`,
  (_, c) => `s += readModel(q, x * ${c});`,
  (_, c) => `scaleModel(q, ${c});`,
  (k, c) => `s = s * ${c} + Math.sin(q.w[${k}] * p.w[${(k + 1) % 3}]);`,
  (_, c) => `s += readModel({ w: q.w, b: s * ${c} }, x);`,
  (_, c) => `q = stepModel(q, x * ${c});`,
  (k, c) => `bumpModel(q, ${c}, ${k});`,
  (k, c) => `const r${k} = ordered(q.b * ${c}, q.w[${k}]); s += r${k}.hi * 2 - r${k}.lo;`,
  (k, c) => `{ const { b: qb, w: qw } = q; s += qb * ${c} + qw[${k}]; }`,
  (k, c) => `{ const { hi, lo = 0 } = ordered(s * ${c}, q.w[${k}]); s = hi - lo; }`,
];

interface Spec {
  copy: boolean;
  body: [number, number, number][];
}

const spec: fc.Arbitrary<Spec> = fc.record({
  copy: fc.boolean(),
  body: fc.array(fc.tuple(fc.nat(STATEMENTS.length - 1), fc.nat(2), fc.integer({ min: -9, max: 9 })), { minLength: 1, maxLength: 6 }),
});

function render(s: Spec, typed: boolean): string {
  const M = typed ? ": Model" : "";
  const num = typed ? ": number" : "";
  const body = s.body.map(([i, k, c], n) => STATEMENTS[i](k, (0.1 * c + 0.05).toFixed(2)).replace(/\b([wr])(\d)\b/g, `$1$2_${n}`));
  return `import { grad, valueAndGrad } from "adjoint";
${typed ? "interface Model { w: Float64Array; b: number }" : ""}
function readModel(m${M}, t${num})${num} {
  let total = m.b;
  for (let i = 0; i < m.w.length; i++) total += m.w[i] * t;
  return Math.tanh(total);
}
function scaleModel(m${M}, c${num})${typed ? ": void" : ""} {
  for (let i = 0; i < m.w.length; i++) m.w[i] = m.w[i] * c + m.b * 0.1;
}
function stepModel(m${M}, t${num})${M} {
  return { w: m.w, b: m.b * 0.5 + Math.sin(t * m.w[1]) };
}
function bumpModel(m${M}, c${num}, k${num})${typed ? ": void" : ""} {
  m.b = m.b * c + m.w[k];
}
function ordered(a${num}, b${num}) {
  if (a > b) return { hi: a, lo: b };
  return { hi: b, lo: a };
}
function f(p${M}, x${num})${num} {
  let q = { w: ${s.copy ? "Float64Array.from(p.w)" : "p.w"}, b: p.b * x };
  let s = 0;
  ${body.join("\n  ")}
  return s + q.b + q.w[0] * q.w[2] + p.w[1];
}
const at = (w, b, x) => [{ w: Float64Array.from(w), b }, x];
export const checks = [
  { primal: f, grad: grad(f, { wrt: [0, 1] }), wrt: [0, 1], points: [at([0.3, -0.5, 0.8], 0.4, 0.7), at([-0.2, 0.6, 0.1], -0.3, -0.9)] },
  { primal: f, valueAndGrad: valueAndGrad(f), wrt: [0], points: [at([0.5, 0.25, -0.4], 0.2, 0.35)] },
];
`.replace("const at = (w, b, x)", typed ? "const at = (w: number[], b: number, x: number)" : "const at = (w, b, x)");
}

async function check(s: Spec, typed: boolean): Promise<void> {
  const source = render(s, typed);
  const result = transform(source, { filename: typed ? "program.ts" : "program.js" });
  expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`), source).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `program${++count}.mjs`);
  writeFileSync(file, result.code);
  try {
    verifyFixture(await import(pathToFileURL(file).href));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n\n${source}`);
  }
}

/** The program with its Hessian-vector products by the record and by x, and the gradients they are checked against (TypeScript or untyped JavaScript). */
function renderCurvature(s: Spec, typed: boolean): string {
  const program = render(s, typed);
  return `${program.slice(0, program.indexOf("const at = "))}
export const byRecord = hvp(f);
export const byX = hvp(f, { wrt: 1 });
export const recordGrad = grad(f);
export const xGrad = grad(f, { wrt: 1 });
`.replace('import { grad, valueAndGrad } from "adjoint";', 'import { grad, hvp } from "adjoint";');
}

interface Model {
  w: Float64Array;
  b: number;
}
const shifted = (p: Model, v: Model, h: number): Model => ({ w: p.w.map((w, i) => w + h * v.w[i]), b: p.b + h * v.b });

/** H v by the record and by x against central differences of the compiled gradients; false where the hvp is refused (located). */
async function checkCurvature(s: Spec, typed: boolean, refusals: Map<string, number>): Promise<boolean> {
  const source = renderCurvature(s, typed);
  const result = transform(source, { filename: typed ? "curvature.ts" : "curvature.js" });
  if (result.diagnostics.length > 0) {
    for (const d of result.diagnostics) {
      expect(d.line, `${d.code} ${d.message} is located\n${source}`).toBeGreaterThan(0);
      const why = `${d.code} ${d.message.replace(/'[^']*'/g, "'…'")}`;
      refusals.set(why, (refusals.get(why) ?? 0) + 1);
    }
    return false;
  }
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `curvature${++count}.mjs`);
  writeFileSync(file, result.code);
  const m = await import(pathToFileURL(file).href);
  const h = 1e-5;
  for (const [w, b, x] of [[[0.3, -0.5, 0.8], 0.4, 0.7], [[-0.2, 0.6, 0.1], -0.3, -0.9]] as [number[], number, number][]) {
    const p = { w: Float64Array.from(w), b };
    const v = { w: Float64Array.from([0.5, -1, 0.25]), b: 0.75 };
    const hv = m.byRecord({ w: p.w.slice(), b }, x, v);
    const [up, down] = [m.recordGrad(shifted(p, v, h), x), m.recordGrad(shifted(p, v, -h), x)];
    const expected = { w: up.w.map((u: number, i: number) => (u - down.w[i]) / (2 * h)), b: (up.b - down.b) / (2 * h) };
    const close = (got: number, want: number) => Math.abs(got - want) <= 1e-4 * Math.max(1, Math.abs(want));
    const where = `at p = ${JSON.stringify({ w, b })}, x = ${x}\n${source}`;
    expect([...hv.w].every((g: number, i: number) => close(g, expected.w[i])) && close(hv.b, expected.b), `H v by the record ${JSON.stringify({ w: [...hv.w], b: hv.b })} against ${JSON.stringify(expected)} ${where}`).toBe(true);
    const hx = m.byX({ w: p.w.slice(), b }, x, 1);
    const expectedX = (m.xGrad({ w: p.w.slice(), b }, x + h) - m.xGrad({ w: p.w.slice(), b }, x - h)) / (2 * h);
    expect(close(hx, expectedX), `H by x ${hx} against ${expectedX} ${where}`).toBe(true);
  }
  return true;
}

describe("random programs over records", () => {
  it("have Hessian-vector products, by the record and by x, that match differences of their gradients (or are refused, located)", async () => {
    const refusals = new Map<string, number>();
    let compiled = 0;
    const runs = Number(process.env.RECORD_PROGRAMS ?? 25);
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        if (await checkCurvature(s, true, refusals)) compiled++;
        // Untyped JavaScript: the record's kinds found from its uses, at every level.
        await checkCurvature(s, false, refusals);
      }),
      { numRuns: runs, seed: process.env.RECORD_SEED ? Number(process.env.RECORD_SEED) : undefined },
    );
    console.log(`records hvp: ${compiled} of ${runs} programs compiled and agree; refused: ${[...refusals].map(([why, n]) => `${n}× ${why}`).join("; ")}`);
    // Straight-line reads of the record and helpers that only read it nest: some programs must compile.
    expect(compiled).toBeGreaterThan(0);
  }, 120_000);

  it("compile, and their gradients (records of the parameter's keys) match finite differences", async () => {
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        await check(s, true);
        await check(s, false);
      }),
      { numRuns: Number(process.env.RECORD_PROGRAMS ?? 25), seed: process.env.RECORD_SEED ? Number(process.env.RECORD_SEED) : undefined },
    );
  }, 60_000);
});
