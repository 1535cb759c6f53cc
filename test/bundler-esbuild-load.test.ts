// The esbuild plugin reads modules itself (a load hook, compiler/frontends/unplugin.ts): an
// esbuild context's rebuild() compiles the edited source, reports a diagnostic introduced by
// an edit and recovers after the fix; a module that does not use adjoint is esbuild's to load.
// The bundle imports "adjoint/runtime", which Vitest's alias resolves to the sources.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { context, type BuildContext } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { adjoint } from "../compiler/frontends/unplugin.js";

const dir = resolve(__dirname, "..", ".tmp", "bundler-esbuild-load");
const entry = join(dir, "main.ts");
const plain = join(dir, "plain.ts");
const PLAIN = "export function scale(x: number): number {\n  return x * 1.5;\n}\n";
const source = (body: string) =>
  `import { grad } from "adjoint";\nimport { scale } from "./plain.js";\nexport function f(x: number): number {\n  ${body}\n}\nexport const df = grad(f);\nexport { scale };\n`;

let built = 0;
let ctx: BuildContext | undefined;

/** Rebuilds, then imports the new bundle: f, its gradient and the plain module's function. */
async function rebuild(): Promise<{ f(x: number): number; df(x: number): number; scale(x: number): number }> {
  const outfile = join(dir, "out", `main-${built++}.mjs`);
  ctx ??= await context({ entryPoints: [entry], bundle: true, format: "esm", platform: "node", write: false, logLevel: "silent", external: ["adjoint", "adjoint/*"], plugins: [adjoint.esbuild()] });
  const result = await ctx.rebuild();
  mkdirSync(join(dir, "out"), { recursive: true });
  writeFileSync(outfile, result.outputFiles![0].text);
  return import(pathToFileURL(outfile).href);
}

/** The gradient against central differences of f (h = 1e-6, relative 1e-6) at a few points. */
function expectGradient(m: { f(x: number): number; df(x: number): number }, points: number[]): void {
  for (const x of points) {
    const h = 1e-6;
    const numeric = (m.f(x + h) - m.f(x - h)) / (2 * h);
    expect(Math.abs(m.df(x) - numeric)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(numeric)));
  }
}

afterAll(async () => {
  await ctx?.dispose();
});

describe("the esbuild plugin's load hook", () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(plain, PLAIN);

  it("compiles the source as edited between rebuilds of one context", async () => {
    writeFileSync(entry, source("return 3 * x * x + Math.sin(x);"));
    const first = await rebuild();
    expect(first.df(2)).toBeCloseTo(12 + Math.cos(2), 12);
    expectGradient(first, [-1.3, 0.4, 2]);
    writeFileSync(entry, source("return 5 * x * x * x;"));
    const second = await rebuild();
    expect(second.df(2)).toBeCloseTo(60, 12);
    expectGradient(second, [-1.3, 0.4, 2]);
    // The module without adjoint, left to esbuild's own load, is bundled beside it.
    expect(second.scale(2)).toBe(3);
  });

  it("fails a rebuild on an edit adjoint refuses, with the diagnostic located, and recovers after the fix", async () => {
    writeFileSync(entry, source("try {\n    return x * x;\n  } catch {\n    return 0;\n  }"));
    const failure = await rebuild().then(
      () => undefined,
      (error: { errors?: { text: string; location: { file: string; line: number; column: number } | null }[] }) => error,
    );
    expect(failure?.errors).toHaveLength(1);
    const [error] = failure!.errors!;
    expect(error.text).toContain("ADJ001");
    expect(error.location).toMatchObject({ line: 4, column: 2 });
    expect(error.location!.file).toMatch(/main\.ts$/);
    writeFileSync(entry, source("return Math.exp(-x * x);"));
    const fixed = await rebuild();
    expectGradient(fixed, [-0.7, 0.1, 1.1]);
  });
});
