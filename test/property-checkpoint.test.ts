// Property: checkpointing never changes a gradient. Random scalar programs f(x, y) (loops with
// branches, break, continue and early returns, helpers called in them; helpers/scalar-programs.ts)
// are compiled plain and with `checkpoint: { snapshots }` (1 to 4), and their gradients must be
// equal bit for bit at every point: a replayed step does the same arithmetic as the first run.
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { pointsArbitrary, programArbitrary } from "./helpers/scalar-programs.js";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);
const SEED = Number(process.env.PROPERTY_SEED ?? 20_240_611);

describe("random scalar programs, checkpointed", () => {
  it("have the same gradients as without checkpointing, bit for bit", async () => {
    const outDir = resolve(__dirname, "..", ".tmp", "property-checkpoint");
    mkdirSync(outDir, { recursive: true });
    let modules = 0;
    let checkpointed = 0;
    const property = fc.asyncProperty(programArbitrary, pointsArbitrary, fc.integer({ min: 1, max: 4 }), async (source, points, snapshots) => {
      const code = `import { grad } from "adjoint";\n${source}\nexport const df = grad(f, { wrt: [0, 1] });\nexport const dfChecked = grad(f, { wrt: [0, 1], checkpoint: { snapshots: ${snapshots} } });\n`;
      const result = transform(code, { filename: "prop.ts" });
      expect(result.diagnostics.map((d) => `${d.code} ${d.message}`), source).toEqual([]);
      if (result.code.includes(".Checkpoints(")) checkpointed++;
      const path = join(outDir, `${modules++}.mjs`);
      writeFileSync(path, result.code);
      const compiled = (await import(pathToFileURL(path).href)) as { df: (x: number, y: number) => number[]; dfChecked: (x: number, y: number) => number[] };
      for (const point of points) expect(compiled.dfChecked(...point), `at (${point.join(", ")}) in ${path}:\n${source}`).toEqual(compiled.df(...point));
    });
    await fc.assert(property, { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: 25_000 });
    // Many programs have a loop of f with reverse code, so many are really checkpointed.
    expect(checkpointed).toBeGreaterThan(modules / 3);
  });
});
