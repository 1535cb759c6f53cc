// Checks shared by every build of the curve-fit example (Babel, tspc, the bundlers): the
// built fit converges, and its gradient matches finite differences.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import { centralDifference, expectClose } from "./finite-diff.js";

export interface FitResult {
  amplitude: number;
  decay: number;
  initialLoss: number;
  finalLoss: number;
}

/** Runs `<project>/<script>` with Node and checks the fit it prints. */
export function expectCurveFit(project: string, script = "dist/fit.js"): FitResult {
  const output = execFileSync(process.execPath, [script], { cwd: project, encoding: "utf8" });
  const result = JSON.parse(output) as FitResult;
  expect(result.finalLoss).toBeLessThan(result.initialLoss / 1000);
  expect(result.amplitude).toBeCloseTo(2, 1);
  expect(result.decay).toBeCloseTo(0.5, 1);
  return result;
}

/** Imports the built module and checks `lossGrad` against central differences of `loss`. */
export async function expectFitGradients(modulePath: string): Promise<void> {
  const module = (await import(pathToFileURL(modulePath).href)) as {
    loss: (a: number, b: number) => number;
    lossGrad: (a: number, b: number) => [number, number];
  };
  for (const point of [[1, 1.5], [2.5, 0.2], [0.3, 0.9]]) {
    const gradient = module.lossGrad(point[0], point[1]);
    gradient.forEach((g, i) => expectClose(g, centralDifference(module.loss, point, i), { rtol: 1e-6, atol: 1e-8 }));
  }
}

export const fitModule = (project: string) => join(project, "dist", "fit.js");
