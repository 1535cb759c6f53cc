// Property: for random scalar programs f(x, y) of the differentiable subset, the
// gradient adjoint generates matches central finite differences of f, and its second
// derivatives (grad(grad(f)), the inner gradient differentiated again) match central
// differences of that gradient.
//
// A program is built from a sequence of choices (fast-check shrinks the sequence, so a
// failure shrinks towards a shorter, simpler program): up to two helper functions that
// f (and later helpers) call; let-bound temporaries, reassignment of temporaries and
// parameters, compound assignment, ++/--; if/else on comparisons (sometimes joined by
// && or ||), `?:`, early returns; for and while loops with constant trip counts
// (sometimes left by `break` or `continue`); + - * ** abs min max and guarded division
// and Math functions, so every program is defined everywhere: `a / (1 + b * b)`,
// `Math.exp(Math.sin(a))`, `Math.sqrt(1 + a * a)`, `Math.log(1 + a * a)`.
//
// A failure prints the program and the point; put a minimal version of it in
// fixtures/regression-<n>/input.ts.
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectClose, smoothCentralDifference } from "./helpers/finite-diff.js";
import { evaluate, MAX_VALUE, pointsArbitrary, programArbitrary, staysBounded } from "./helpers/scalar-programs.js";

// PROPERTY_RUNS and PROPERTY_SEED explore further (e.g. 5000 runs, another seed) by hand.
const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);
const SEED = Number(process.env.PROPERTY_SEED ?? 20_240_611);
const TIME_LIMIT_MS = 25_000;
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };
/** Skip a component where differences at h and 10h disagree at the comparison's scale. */
const SMOOTHNESS = { tolerance: 1e-6 };

describe("random scalar programs", () => {
  it("generates programs that run as plain JavaScript with finite values", () => {
    fc.assert(
      fc.property(programArbitrary, pointsArbitrary, (source, points) => {
        const f = evaluate(source);
        for (const [x, y] of points) expect(Number.isFinite(f(x, y)), source).toBe(true);
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it("have gradients that match central finite differences", async () => {
    const outDir = resolve(__dirname, "..", ".tmp", "property");
    mkdirSync(outDir, { recursive: true });
    let modules = 0;
    const counts = { compared: 0, skipped: 0, large: 0 };

    const property = fc.asyncProperty(programArbitrary, pointsArbitrary, async (source, points) => {
      const code = `import { grad } from "adjoint";\n${source}\nexport const df = grad(f, { wrt: [0, 1] });\nexport const primal = f;\n`;
      const result = transform(code, { filename: "prop.ts" });
      expect(result.diagnostics.map((d) => `${d.code} ${d.message}`), source).toEqual([]);
      const path = join(outDir, `${modules++}.mjs`);
      writeFileSync(path, result.code);
      const compiled = (await import(pathToFileURL(path).href)) as {
        df: (x: number, y: number) => [number, number];
        primal: (x: number, y: number) => number;
      };
      const reference = evaluate(source);
      for (const point of points) {
        const where = `at (${point.join(", ")}) in ${path}:\n${source}\n`;
        const value = reference(...point);
        expectClose(compiled.primal(...point), value, { rtol: 0, atol: 0, label: `primal ${where}` });
        if (Math.abs(value) > MAX_VALUE || !staysBounded(source, point)) {
          counts.large++;
          continue;
        }
        const gradient = compiled.df(...point);
        expect(Array.isArray(gradient) && gradient.length === 2, `df returns [dx, dy] ${where}`).toBe(true);
        for (const index of [0, 1]) {
          const expected = smoothCentralDifference(reference, point, index, SMOOTHNESS);
          if (expected === undefined) {
            counts.skipped++;
            continue;
          }
          counts.compared++;
          expectClose(gradient[index], expected, { ...TOLERANCE, label: `d f / d ${"xy"[index]} ${where}` });
        }
      }
    });

    await fc.assert(property, { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: TIME_LIMIT_MS });
    console.log(`property: ${modules} programs, ${counts.compared} gradient components compared, ${counts.skipped} skipped near a kink, ${counts.large} points skipped as too large`);
    // Most components must really be compared, not skipped as near a branch boundary.
    expect(counts.compared).toBeGreaterThan(4 * (counts.skipped + 2 * counts.large));
  });

  it("have second derivatives (grad of grad, nested) that match central differences of their gradient", async () => {
    const outDir = resolve(__dirname, "..", ".tmp", "property-second");
    mkdirSync(outDir, { recursive: true });
    let modules = 0;
    const counts = { compared: 0, skipped: 0, large: 0 };
    const property = fc.asyncProperty(programArbitrary, pointsArbitrary, async (source, points) => {
      const code = `import { grad } from "adjoint";\n${source}\nexport const dfx = grad(f);\nexport const d2 = grad(grad(f), { wrt: [0, 1] });\n`;
      const result = transform(code, { filename: "prop.ts" });
      expect(result.diagnostics.map((d) => `${d.code} ${d.message}`), source).toEqual([]);
      const path = join(outDir, `${modules++}.mjs`);
      writeFileSync(path, result.code);
      const compiled = (await import(pathToFileURL(path).href)) as { dfx: (x: number, y: number) => number; d2: (x: number, y: number) => [number, number] };
      const reference = evaluate(source);
      for (const point of points) {
        const where = `at (${point.join(", ")}) in ${path}:\n${source}\n`;
        if (Math.abs(reference(...point)) > MAX_VALUE || !staysBounded(source, point)) {
          counts.large++;
          continue;
        }
        const second = compiled.d2(...point);
        for (const index of [0, 1]) {
          const expected = smoothCentralDifference(compiled.dfx, point, index, SMOOTHNESS);
          if (expected === undefined) {
            counts.skipped++;
            continue;
          }
          counts.compared++;
          expectClose(second[index], expected, { rtol: 1e-4, atol: 1e-5, label: `d2 f / dx d${"xy"[index]} ${where}` });
        }
      }
    });
    await fc.assert(property, { numRuns: Math.ceil(RUNS / 2), seed: SEED, interruptAfterTimeLimit: TIME_LIMIT_MS });
    console.log(`property (second order): ${modules} programs, ${counts.compared} components compared, ${counts.skipped} skipped near a kink, ${counts.large} points skipped as too large`);
    expect(counts.compared).toBeGreaterThan(2 * (counts.skipped + 2 * counts.large));
  });
});

