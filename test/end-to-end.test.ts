// End to end: a real Babel build of a two-module project (examples/babel-project) run by
// Node, and source maps that send a run-time error in generated code to the user's line.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { centralDifference, expectClose } from "./helpers/finite-diff.js";

const root = resolve(__dirname, "..");
const project = join(root, "examples", "babel-project");

describe("examples/babel-project: built by Babel with adjoint/babel, run by Node", () => {
  beforeAll(() => {
    // The plugin is loaded by name ("adjoint/babel"), as a user's config does: build dist/ first.
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root });
    execFileSync(process.execPath, ["build.mjs"], { cwd: project });
  }, 120_000);

  it("fits the curve by gradient descent through a differentiable function of another module", () => {
    const output = execFileSync(process.execPath, ["dist/fit.js"], { cwd: project, encoding: "utf8" });
    const result = JSON.parse(output) as { amplitude: number; decay: number; initialLoss: number; finalLoss: number };
    expect(result.finalLoss).toBeLessThan(result.initialLoss / 1000);
    expect(result.amplitude).toBeCloseTo(2, 1);
    expect(result.decay).toBeCloseTo(0.5, 1);
  });

  it("has gradients that match finite differences", async () => {
    const module = (await import(pathToFileURL(join(project, "dist/fit.js")).href)) as {
      loss: (a: number, b: number) => number;
      lossGrad: (a: number, b: number) => [number, number];
    };
    for (const point of [[1, 1.5], [2.5, 0.2], [0.3, 0.9]]) {
      const gradient = module.lossGrad(point[0], point[1]);
      gradient.forEach((g, i) => expectClose(g, centralDifference(module.loss, point, i), { rtol: 1e-6, atol: 1e-8 }));
    }
  });
});

describe("source maps", () => {
  it("point a run-time error inside generated code back to the user's line", () => {
    const source = [
      'import { grad } from "adjoint";',
      "",
      "function f(x: number): number {",
      "  const y = x * 2;",
      '  if (y > 10) throw new RangeError("too big");',
      "  return y * y;",
      "}",
      "",
      "export const df = grad(f);",
      "",
    ].join("\n");
    const dir = join(root, ".tmp", "source-maps");
    mkdirSync(dir, { recursive: true });
    const result = transform(source, { filename: join(dir, "input.ts") });
    expect(result.diagnostics).toEqual([]);
    const inlineMap = Buffer.from(JSON.stringify(result.map)).toString("base64");
    writeFileSync(join(dir, "input.mjs"), `${result.code}\n//# sourceMappingURL=data:application/json;base64,${inlineMap}\n`);
    const run = spawnSync(process.execPath, ["--enable-source-maps", "-e", `import("./input.mjs").then((m) => m.df(6))`], { cwd: dir, encoding: "utf8" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("too big");
    expect(run.stderr).toMatch(/input\.ts:5:\d+/);
  });
});
