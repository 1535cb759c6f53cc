// The playground's engine half, in Node: every example of its menu compiled as the page
// compiles it and run as the page runs it, each derivative against finite differences.
// (test/playground.test.ts drives the built page in Chromium.)
import { describe, expect, it, vi } from "vitest";
import { compile } from "../playground/src/compile.js";
import { worstDisagreement } from "../playground/src/comparison.js";
import { EXAMPLES } from "../playground/src/examples.js";
import { runModule } from "../playground/src/module-runner.js";
import { runPlayground } from "../playground/src/run.js";
import { decodeState, encodeState } from "../playground/src/share.js";
import { derivativeSites } from "../playground/src/sites.js";

/** The examples that plot or print, and the one that shows a diagnostic. */
const runnable = EXAMPLES.filter((e) => e.id !== "unsupported");

describe("playground examples", () => {
  it.each(runnable.map((e) => [e.id, e] as const))("%s compiles and its derivatives agree with finite differences", async (_id, example) => {
    const compiled = compile(example.source);
    expect(compiled.problems).toEqual([]);
    const result = await runPlayground({ source: example.source, compiled: compiled.code, args: example.args, from: example.from, to: example.to, points: 41 });
    if (!result.evaluation) {
      expect(result.logs.length).toBeGreaterThan(0);
      return;
    }
    expect(result.evaluation.first).toBeDefined();
    for (const comparison of [result.evaluation.first, result.evaluation.second]) {
      if (comparison) expect(worstDisagreement(comparison)).toBeLessThan(1e-5);
    }
  });

  it("the unsupported example is refused with ADJ001 at the try statement", () => {
    const example = EXAMPLES.find((e) => e.id === "unsupported")!;
    const { code, problems } = compile(example.source);
    expect(code).toBe("");
    expect(problems.map((p) => p.code)).toEqual(["ADJ001"]);
    expect(example.source.slice(problems[0].from, problems[0].from + 3)).toBe("try");
    expect(problems[0].hint).toMatch(/move the try block/);
  });

  it("a syntax error is a problem at its position", () => {
    const source = "function f(x: number) {\n  return x +;\n}\n";
    const [problem] = compile(source).problems;
    expect(problem).toMatchObject({ code: "syntax", line: 2 });
    expect(source[problem.from]).toBe(";");
  });
});

describe("playground derivative sites", () => {
  it("finds grad, grad of grad, grad of a derivative, valueAndGrad and hessian, with wrt", () => {
    const source = [
      `import { grad as g, valueAndGrad, hessian } from "adjoint";`,
      `function f(x: number, y: number) { return x * y; }`,
      `const h = (w: Float64Array) => w[0];`,
      `export const df = g(f, { wrt: 1 });`,
      `const d2f = g(g(f));`,
      `const d2fAgain = g(df, { wrt: 1 });`,
      `const both = valueAndGrad(f);`,
      `const H = hessian(h);`,
      `const skipped = g(f, { wrt: [0, 1] });`,
    ].join("\n");
    expect(derivativeSites(source)).toEqual([
      { name: "df", of: "f", order: 1, wrt: 1, pair: false },
      { name: "d2f", of: "f", order: 2, wrt: 0, pair: false },
      { name: "d2fAgain", of: "f", order: 2, wrt: 1, pair: false },
      { name: "both", of: "f", order: 1, wrt: 0, pair: true },
      { name: "H", of: "h", order: 2, wrt: 0, pair: false },
    ]);
  });
});

describe("playground module runner", () => {
  it("resolves adjoint's packages, strips exports and returns every top-level declaration", async () => {
    const logs: string[] = [];
    const bindings = await runModule(
      [`import * as np from "adjoint/np";`, `import { stopGradient as sg } from "adjoint";`, `export function f(x) { return sg(x) + np.ones([1]).item(); }`, `const [a, { b }] = [1, { b: 2 }];`, `export default 7;`, `console.log("ran");`].join("\n"),
      { log: (line: string) => logs.push(line), warn: () => {}, error: () => {} },
    );
    expect(Object.keys(bindings).sort()).toEqual(["a", "b", "default$", "f"]);
    expect((bindings.f as (x: number) => number)(2)).toBe(3);
    expect(bindings.default$).toBe(7);
    expect(logs).toEqual(["ran"]);
  });

  it("refuses an import it cannot provide", async () => {
    await expect(runModule(`import fs from "node:fs";`, console)).rejects.toThrow(/cannot import "node:fs"/);
  });
});

describe("the engine where there is no Node", () => {
  it("formats a diagnostic without its code frame (there is no synchronous loader for it)", async () => {
    vi.resetModules();
    const fresh = await import("../compiler/diagnostics.js");
    const found = fresh.diagnostic("ADJ001", "a.ts", { start: 0, end: 3, line: 1, column: 0 });
    vi.stubGlobal("process", undefined);
    let text: string;
    try {
      text = fresh.formatDiagnostic(found, "try {} catch {}");
    } finally {
      vi.unstubAllGlobals();
    }
    expect(text).toBe(`a.ts:1:1 - error ADJ001: ${fresh.catalogue.ADJ001.message}\n  hint: ${fresh.catalogue.ADJ001.hint}`);
    // In Node, the same diagnostic keeps its frame.
    vi.resetModules();
    const inNode = await import("../compiler/diagnostics.js");
    expect(inNode.formatDiagnostic(found, "try {} catch {}")).toContain("> 1 | try {} catch {}");
  });
});

describe("playground links", () => {
  it("keep the source (any Unicode) and the inputs in the hash, and ignore a hash that does not decode", () => {
    const state = { source: "// f′(x) = ∂f/∂x, ü\nconst a = 1;\n", args: "x, [1, 2]", from: "-1.5", to: "2", points: "50" };
    const hash = encodeState(state);
    expect(hash).toMatch(/^#src=[\w-]+&/);
    expect(decodeState(hash)).toEqual(state);
    expect(decodeState("#src=%%%")).toBeUndefined();
    expect(decodeState("")).toBeUndefined();
  });
});
