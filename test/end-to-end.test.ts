// End to end: a real Babel build of a two-module project (examples/babel-project) run by
// Node, and source maps that send a run-time error in generated code to the user's line.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectCurveFit, expectFitGradients, fitModule } from "./helpers/curve-fit.js";
import { THROWING_MODULE } from "./helpers/throwing-module.js";

const root = resolve(__dirname, "..");
const project = join(root, "examples", "babel-project");

describe("examples/babel-project: built by Babel with adjoint/babel, run by Node", () => {
  beforeAll(() => {
    // The plugin is loaded by name ("adjoint/babel"), as a user's config does: build dist/ first.
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root });
    execFileSync(process.execPath, ["build.mjs"], { cwd: project });
  }, 120_000);

  it("fits the curve by gradient descent through a differentiable function of another module", () => {
    expectCurveFit(project);
  });

  it("has gradients that match finite differences", async () => {
    await expectFitGradients(fitModule(project));
  });

  it("prints the seed notebook's outputs (NDArray gradients), as notebook.expected.txt", () => {
    const transcript = execFileSync(process.execPath, ["dist/notebook.js"], { cwd: project, encoding: "utf8" });
    expect(transcript).toBe(readFileSync(join(project, "notebook.expected.txt"), "utf8"));
    expect(transcript).toContain("In [8]:\narray([ 0.,  4.,  8., 12.])");
  });
});

describe("source maps", () => {
  it("point a run-time error inside generated code back to the user's line", () => {
    const source = THROWING_MODULE;
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
