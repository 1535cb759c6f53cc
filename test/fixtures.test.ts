// Golden fixtures: every fixtures/<case>/input.ts is compiled through transform() and
// through a user's Babel configuration (adjoint/babel + preset-typescript). The output
// must equal output.js (or, for a module adjoint refuses, diagnostics.txt), and every
// gradient it exports in `checks` must match central finite differences.
// UPDATE_FIXTURES=1 rewrites the golden files: read their diff like code.
import { transformSync } from "@babel/core";
import babelGenerator from "@babel/generator";
import { parse } from "@babel/parser";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, transform } from "../compiler/index.js";
import adjointBabel from "../compiler/frontends/babel.js";
import { centralDifference, expectClose } from "./helpers/finite-diff.js";
import { NDArray } from "../runtime/np/index.js";

const root = resolve(__dirname, "..");
const fixturesDir = join(root, "fixtures");
const outDir = join(root, ".tmp", "fixtures");
const update = process.env.UPDATE_FIXTURES === "1";

/** Relative tolerance of gradients against central differences (h = 1e-5). */
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

interface Check {
  primal: (...args: never[]) => unknown;
  grad?: (...args: never[]) => unknown;
  valueAndGrad?: (...args: never[]) => unknown;
  vjp?: (...args: never[]) => unknown;
  wrt: number[];
  points: Arg[][];
  dvalue?: number | NumericArray;
}

const cases = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(fixturesDir, entry.name, "input.ts")))
  .map((entry) => entry.name)
  .sort();

function compile(name: string) {
  const filename = `fixtures/${name}/input.ts`;
  const source = readFileSync(join(root, filename), "utf8");
  return { source, filename, result: transform(source, { filename, sourceMaps: false }) };
}

// @babel/generator is CommonJS: its default export sits on .default under Node's ESM interop.
type Generate = (ast: ReturnType<typeof parse>, options: { comments: boolean }) => { code: string };
const generate = ((babelGenerator as unknown as { default?: Generate }).default ?? babelGenerator) as unknown as Generate;

/** One printer for both front ends' output, so formatting differences do not count. */
function normalize(code: string): string {
  return generate(parse(code, { sourceType: "module" }), { comments: false }).code;
}

function checkGolden(path: string, actual: string): void {
  if (update) {
    writeFileSync(path, actual);
    return;
  }
  // A missing golden is a failure: writing it here would record whatever the engine does now.
  expect(existsSync(path), `${path} is missing: run npm run fixtures:update and review it`).toBe(true);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

describe("fixtures", () => {
  it("has at least 40 numeric cases and every unsupported construct as an error case", () => {
    expect(cases.filter((c) => !c.startsWith("error-")).length).toBeGreaterThanOrEqual(40);
    expect(cases.filter((c) => c.startsWith("error-")).length).toBeGreaterThanOrEqual(10);
  });

  for (const name of cases) {
    describe(name, () => {
      const expectsError = name.startsWith("error-");
      const outputPath = join(fixturesDir, name, "output.js");
      const diagnosticsPath = join(fixturesDir, name, "diagnostics.txt");

      if (expectsError) {
        it("is refused with diagnostics (diagnostics.txt)", () => {
          const { source, result } = compile(name);
          expect(result.diagnostics.length).toBeGreaterThan(0);
          expect(result.code).toBe("");
          checkGolden(diagnosticsPath, result.diagnostics.map((d) => formatDiagnostic(d, source)).join("\n\n") + "\n");
          if (update) rmSync(outputPath, { force: true });
        });
        it("fails a Babel build with the same diagnostics", () => {
          const { source, filename, result } = compile(name);
          const build = () => transformSync(source, { filename, babelrc: false, configFile: false, presets: ["@babel/preset-typescript"], plugins: [adjointBabel] });
          expect(build).toThrow(result.diagnostics[0].code);
        });
        return;
      }

      it("compiles to output.js", () => {
        const { result, source } = compile(name);
        expect(result.diagnostics.map((d) => formatDiagnostic(d, source))).toEqual([]);
        checkGolden(outputPath, result.code + "\n");
        if (update) rmSync(diagnosticsPath, { force: true });
      });

      it("gives the same code through a Babel configuration", () => {
        const { source, filename, result } = compile(name);
        const viaBabel = transformSync(source, {
          filename,
          babelrc: false,
          configFile: false,
          presets: ["@babel/preset-typescript"],
          plugins: [adjointBabel],
        });
        expect(normalize(viaBabel!.code!)).toBe(normalize(result.code));
      });

      it("has gradients that match central finite differences", async () => {
        const { result } = compile(name);
        mkdirSync(outDir, { recursive: true });
        const modulePath = join(outDir, `${name}.mjs`);
        writeFileSync(modulePath, result.code);
        const module = (await import(pathToFileURL(modulePath).href)) as { checks?: Check[] };
        expect(module.checks, "a numeric fixture exports `checks`").toBeDefined();
        // A fixture that trains something exports its losses: they must go down.
        const losses = (module as { losses?: number[] }).losses;
        if (losses) expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 2);
        for (const check of module.checks!) {
          expect(check.points.length).toBeGreaterThanOrEqual(1);
          for (const point of check.points) verify(check, point);
        }
      });
    });
  }
});

type NumericArray = Float64Array | Float32Array | number[];
type Arg = number | NumericArray | NDArray;

const isArray = (value: unknown): value is NumericArray => value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value);
const cloneArg = (arg: Arg): Arg => (typeof arg === "number" ? arg : arg instanceof NDArray ? arg.copy() : arg.slice());
/** An NDArray's elements in row-major order, as a plain array. */
const elements = (x: NDArray): number[] => {
  const nested = x.toArray() as number | number[];
  return Array.isArray(nested) ? (nested.flat(Infinity as 1) as number[]) : [nested];
};
const cloneArgs = (args: Arg[]): Arg[] => args.map(cloneArg);

/** The primal as a number: an array result is contracted with the head gradient (ones by default). */
function scalarized(check: Check, dvalue: number | NumericArray): (...args: Arg[]) => number {
  return (...args) => {
    const value = (check.primal as (...a: Arg[]) => number | NumericArray | NDArray)(...cloneArgs(args));
    if (typeof value === "number") return value * (typeof dvalue === "number" ? dvalue : 1);
    const values = value instanceof NDArray ? elements(value) : Array.from(value);
    const heads = typeof dvalue === "number" ? null : dvalue instanceof NDArray ? elements(dvalue) : Array.from(dvalue);
    let total = 0;
    values.forEach((v, k) => (total += v * (heads ? heads[k] : dvalue as number)));
    return total;
  };
}

/** Central differences with respect to argument `index`: a number, or one per element of an array. */
function finiteDifference(f: (...args: Arg[]) => number, point: Arg[], index: number): number | number[] {
  const arg = point[index];
  if (typeof arg === "number") return centralDifference(f as (...args: number[]) => number, point as number[], index);
  if (arg instanceof NDArray) {
    return elements(arg).map((_, j) => {
      const shifted = (delta: number) => {
        const args = cloneArgs(point);
        const copy = args[index] as NDArray; // a contiguous copy: element j is data[j]
        copy.data[j] += delta;
        return f(...args);
      };
      return (shifted(1e-5) - shifted(-1e-5)) / 2e-5;
    });
  }
  const h = arg instanceof Float32Array ? 1e-3 : 1e-5;
  return Array.from(arg, (_, j) => {
    const shifted = (delta: number) => {
      const args = cloneArgs(point);
      (args[index] as NumericArray)[j] += delta;
      return f(...args);
    };
    return (shifted(h) - shifted(-h)) / (2 * h);
  });
}

function verify(check: Check, point: Arg[]): void {
  const dvalue = (check.dvalue as number | NumericArray | undefined) ?? 1;
  const f = scalarized(check, dvalue);
  const expected = check.wrt.map((i) => finiteDifference(f, point, i));
  const where = `at (${point.map((p) => (typeof p === "number" ? p : p instanceof NDArray ? p.toString() : `[${Array.from(p).join(", ")}]`)).join(", ")})`;
  const args = cloneArgs(point);
  const primalArgs = cloneArgs(point);
  const primalValue = (check.primal as (...a: Arg[]) => unknown)(...primalArgs);
  let actual: unknown;
  const checkValue = (value: unknown) => {
    if (typeof value === "number") expectClose(value, primalValue as number, { ...TOLERANCE, label: `value ${where}` });
    else if (value instanceof NDArray) expect(elements(value)).toEqual(elements(primalValue as NDArray));
    else expect(Array.from(value as NumericArray)).toEqual(Array.from(primalValue as NumericArray));
  };
  const call = check.grad ?? check.valueAndGrad ?? check.vjp;
  if (!call) throw new Error("a check needs grad, valueAndGrad or vjp");
  const result = (call as (...a: Arg[]) => unknown)(...args);
  if (check.grad) {
    actual = result;
  } else if (check.valueAndGrad) {
    const [value, gradient] = result as [unknown, unknown];
    checkValue(value);
    actual = gradient;
  } else {
    const [value, pullback] = result as [unknown, (d: unknown) => unknown];
    checkValue(value);
    actual = pullback(dvalue);
  }
  // Inputs come back as the primal leaves them.
  args.forEach((arg, k) => {
    if (arg instanceof NDArray) expect(elements(arg), `argument ${k} after the gradient ${where}`).toEqual(elements(primalArgs[k] as NDArray));
    if (isArray(arg)) expect(Array.from(arg), `argument ${k} after the gradient ${where}`).toEqual(Array.from(primalArgs[k] as NumericArray));
  });
  // `wrt: i` gives the gradient itself, `wrt: [i]` a list of one.
  const single = check.wrt.length === 1;
  const wrapped = single && Array.isArray(actual) && (typeof point[check.wrt[0]] === "number" || isArray((actual as unknown[])[0]) || (actual as unknown[])[0] instanceof NDArray);
  const list = single && !wrapped ? [actual] : (actual as unknown[]);
  expect(list.length, `one gradient per wrt ${where}`).toBe(check.wrt.length);
  list.forEach((g, k) => {
    const label = `d/d arg ${check.wrt[k]} ${where}`;
    const want = expected[k];
    if (typeof want === "number") {
      expectClose(g as number, want, { ...TOLERANCE, label });
      return;
    }
    const input = point[check.wrt[k]] as NumericArray | NDArray;
    expect(Object.getPrototypeOf(g), `${label}: a gradient of the input's kind`).toBe(Object.getPrototypeOf(input));
    if (input instanceof NDArray) {
      expect((g as NDArray).shape, `${label}: shape`).toEqual(input.shape);
      elements(g as NDArray).forEach((value, j) => expectClose(value, want[j], { ...TOLERANCE, label: `${label}[${j}]` }));
      return;
    }
    expect((g as NumericArray).length, `${label}: length`).toBe(input.length);
    const tolerance = input instanceof Float32Array ? { rtol: 2e-2, atol: 2e-2 } : TOLERANCE;
    want.forEach((w, j) => expectClose((g as NumericArray)[j], w, { ...tolerance, label: `${label}[${j}]` }));
  });
}
