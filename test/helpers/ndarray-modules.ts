// Compiling NDArray test programs and comparing what they return, for the mode tests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as np from "adjoint/np";
import { expect } from "vitest";
import { transform } from "../../compiler/index.js";

export type Arg = number | np.NDArray;

let count = 0;
/** The code `loadModule` compiled last. */
export let lastCompiled = "";

/** `source` after `header`, compiled with no diagnostic, written under `dir` and imported. */
export async function loadModule(dir: string, header: string, source: string): Promise<Record<string, unknown>> {
  const name = `module${++count}`;
  const result = transform(header + source, { filename: `${name}.ts` });
  expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, result.code);
  lastCompiled = result.code;
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** A number's or an NDArray's elements in row-major order, as float64. */
export const flat = (v: unknown): number[] => (typeof v === "number" ? [v] : Array.from(np.astype(np.ravel(v as np.NDArray), "float64").data));

export const dot = (a: unknown, b: unknown): number => {
  const [x, y] = [flat(a), flat(b)];
  expect(x.length).toBe(y.length);
  return x.reduce((s, v, i) => s + v * y[i], 0);
};

/** A random direction of a's kind and shape. */
export const like = (a: Arg): Arg => (typeof a === "number" ? np.random.normal(0, 1, []).item() : np.random.normal(0, 1, [...a.shape]));
