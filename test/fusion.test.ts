// Fused elementwise chains (compiler/optimize/fuse.ts): each operation's per-element code
// (runtime/np/fusible.ts) against the operation and its rule, and random chains with
// broadcasting, float32 and float64, views and number operands, fused against the same
// program compiled unfused (ADJOINT_FUSION=off) and against central differences.
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import * as np from "../runtime/np/index.js";
import { fusible } from "../runtime/np/fusible.js";
import { expectClose } from "./helpers/finite-diff.js";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
const SEED = Number(process.env.PROPERTY_SEED ?? 20_261_207);
const dir = resolve(__dirname, "..", ".tmp", "fusion");
let count = 0;

type Grad = (...args: (np.NDArray | number)[]) => (np.NDArray | number)[];
type Module = { f: (...args: (np.NDArray | number)[]) => np.NDArray; df: Grad };

/** `source` compiled with fusion on or off, imported; with the generated code, to look at. */
async function compile(source: string, fusion: boolean): Promise<Module & { code: string }> {
  const saved = process.env.ADJOINT_FUSION;
  if (fusion) delete process.env.ADJOINT_FUSION;
  else process.env.ADJOINT_FUSION = "off";
  try {
    const result = transform(source, { filename: "fusion.ts", sourceMaps: false });
    expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${++count}.mjs`);
    writeFileSync(file, result.code);
    return { ...((await import(pathToFileURL(file).href)) as Module), code: result.code };
  } finally {
    if (saved === undefined) delete process.env.ADJOINT_FUSION;
    else process.env.ADJOINT_FUSION = saved;
  }
}

const header = `import { grad } from "adjoint";\nimport * as np from "adjoint/np";\n`;
const values = (v: np.NDArray | number) => (typeof v === "number" ? [v] : Array.from(np.astype(np.ravel(v), "float64").data));

function expectAllClose(actual: np.NDArray | number, expected: np.NDArray | number, tol: { rtol: number; atol: number }, label: string) {
  if (typeof expected !== "number") expect(typeof actual === "number" ? [] : actual.shape, `${label}: shape`).toEqual(expected.shape);
  const [a, e] = [values(actual), values(expected)];
  e.forEach((x, i) => expectClose(a[i], x, { ...tol, label: `${label}[${i}]` }));
}

/** Central differences of f's value along each element of argument `which`. */
function differences(f: Module["f"], args: (np.NDArray | number)[], which: number, h = 1e-6): number[] {
  const arg = args[which];
  const n = typeof arg === "number" ? 1 : arg.size;
  return Array.from({ length: n }, (_, j) => {
    const moved = (by: number) => {
      const copy = args.slice();
      if (typeof arg === "number") copy[which] = arg + by;
      else {
        const data = Float64Array.from(values(arg));
        data[j] += by;
        copy[which] = np.array(Array.from(data)).reshape(...arg.shape);
      }
      return values(np.sum(f(...copy)))[0];
    };
    return (moved(h) - moved(-h)) / (2 * h);
  });
}

describe("each fusible operation's element code", () => {
  const binary = new Set(Object.entries(fusible).filter(([, op]) => op.adjoints.length === 2).map(([name]) => name));
  for (const name of Object.keys(fusible)) {
    it(`${name}: fused value and gradient equal the operation's and its rule's`, async () => {
      const call = binary.has(name) ? `np.${name}(np.mul(x, 1.5), y)` : `np.${name}(np.mul(x, y))`;
      const source = `${header}export function f(x: np.NDArray, y: np.NDArray): np.NDArray { return np.sum(np.mul(${call}, y)); }\nexport const df = grad(f, { wrt: [0, 1] });\n`;
      const [fused, plain] = await Promise.all([compile(source, true), compile(source, false)]);
      expect(fused.code).toContain(`$vjp(dout`);
      expect(plain.code).not.toContain("fusion");
      // Away from kinks (abs, relu, maximum at 0 or at ties), inside every domain (log, sqrt).
      const x = np.array([[0.31, 0.77, 1.2], [0.45, 0.93, 0.6]]);
      const y = np.array([[0.52, 1.1, 0.25], [0.87, 0.4, 1.35]]);
      expectAllClose(fused.f(x, y), plain.f(x, y), { rtol: 1e-14, atol: 1e-15 }, "value");
      const [got, want] = [fused.df(x, y), plain.df(x, y)];
      for (const k of [0, 1]) {
        expectAllClose(got[k], want[k], { rtol: 1e-13, atol: 1e-14 }, `d/d arg ${k}`);
        expectAllClose(got[k], np.array(differences(fused.f, [x, y], k)).reshape(2, 3), { rtol: 1e-5, atol: 1e-7 }, `d/d arg ${k} against differences`);
      }
    });
  }
});

// Random chains: an expression over x (2 x 3, or a transposed or sliced view), w (2 x 3),
// b (3, broadcast over the rows), k (a number) and literals, ending in a sum, a mean or nothing.
type Node = string;
const leaf = fc.constantFrom<Node>("x", "w", "b", "k", "0.5");
const tree: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.tuple(fc.constantFrom("neg", "square", "tanh", "sigmoid", "sin", "cos"), tie("node")).map(([op, a]) => `np.${op}(${a})`),
    fc.tuple(fc.constantFrom("add", "sub", "mul"), tie("node"), tie("node")).map(([op, a, b]) => `np.${op}(${a}, ${b})`),
    // Domains kept: a positive divisor, a positive logarithm.
    fc.tuple(tie("node"), tie("node")).map(([a, b]) => `np.div(${a}, np.add(1.5, np.square(${b})))`),
    fc.tuple(tie("node")).map(([a]) => `np.log(np.add(2, np.sin(${a})))`),
    fc.tuple(tie("node")).map(([a]) => `np.exp(np.tanh(${a}))`),
  ),
})).node;

const chain = fc.record({
  body: tree.filter((t) => /\bx\b/.test(t) && t.includes("np.")),
  end: fc.constantFrom("sum", "mean", "none"),
  dtype: fc.constantFrom<"float64" | "float32">("float64", "float32"),
  view: fc.constantFrom("contiguous", "transposed", "sliced"),
});

describe("random elementwise chains", () => {
  it("have fused gradients equal to the unfused ones and to central differences", async () => {
    let fusedRuns = 0;
    await fc.assert(
      fc.asyncProperty(chain, fc.integer({ min: 1, max: 1000 }), async ({ body, end, dtype, view }, seed) => {
        const result = end === "none" ? body : `np.${end}(${body})`;
        const source = `${header}export function f(x: np.NDArray, w: np.NDArray, b: np.NDArray, k: number): np.NDArray { return ${result}; }\nexport const df = grad(f, { wrt: [0, 1, 2, 3] });\n`;
        const [fused, plain] = await Promise.all([compile(source, true), compile(source, false)]);
        if (fused.code.includes("fusion.operands")) fusedRuns++;
        np.random.seed(seed);
        const cast = (a: np.NDArray) => (dtype === "float32" ? np.astype(a, "float32") : a);
        const base = cast(np.random.uniform(-1, 1, [3, 4]));
        const x = view === "transposed" ? cast(np.random.uniform(-1, 1, [3, 2])).T : view === "sliced" ? base.get(np.slice(1, 3), np.slice(0, 3)) : cast(np.random.uniform(-1, 1, [2, 3]));
        const args = [x, cast(np.random.uniform(-1, 1, [2, 3])), cast(np.random.uniform(-1, 1, [3])), np.random.uniform(-1, 1, []).item()];
        const where = `(${dtype}, x ${view}, seed ${seed}) in\n${source}`;
        const tol = dtype === "float64" ? { rtol: 1e-12, atol: 1e-13 } : { rtol: 2e-4, atol: 2e-5 };
        const value = fused.f(...args);
        expect(value.dtype, `dtype ${where}`).toBe(plain.f(...args).dtype);
        expectAllClose(value, plain.f(...args), tol, `value ${where}`);
        const [got, want] = [fused.df(...args), plain.df(...args)];
        for (let k = 0; k < 4; k++) {
          expectAllClose(got[k], want[k], tol, `d/d arg ${k} fused against unfused ${where}`);
          if (dtype === "float64") {
            const expected = differences(fused.f, args, k);
            values(got[k]).forEach((g, j) => expectClose(g, expected[j], { rtol: 1e-5, atol: 1e-6, label: `d/d arg ${k}[${j}] against differences ${where}` }));
          }
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // Most random chains have two operations or more: they are fused.
    expect(fusedRuns).toBeGreaterThan(RUNS / 2);
  }, 120_000);

  it("run their operations unfused where an operand is an integer array", async () => {
    const source = `${header}export function f(x: np.NDArray, w: np.NDArray): np.NDArray { return np.sum(np.tanh(np.mul(x, w))); }\nexport const df = grad(f, { wrt: [0, 1] });\n`;
    const [fused, plain] = await Promise.all([compile(source, true), compile(source, false)]);
    expect(fused.code).toContain("f$sumTanhMul$vjp(dout");
    const x = np.astype(np.array([[1, -2, 3], [40000, 50000, -1]]), "int32");
    const w = np.array([[0.5, 0.25, -0.75], [1e-5, 2e-5, 0.1]]);
    expectAllClose(fused.f(x, w), plain.f(x, w), { rtol: 0, atol: 0 }, "value");
    const [got, want] = [fused.df(x, w), plain.df(x, w)];
    for (const k of [0, 1]) expectAllClose(got[k], want[k], { rtol: 0, atol: 0 }, `d/d arg ${k}`);
  });
});
