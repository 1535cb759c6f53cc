// The Wasm chain kernel (wasm/fused.ts, runtime/np/fused-program.ts) against the generated
// JavaScript loops it replaces (np/fused.ts' chainKernel off), float64 and float32, with
// broadcasting (a bias row, a column, a scalar array, a number), views, shapes that cross the
// kernel's blocks and lanes; its float64 gradients also against central differences.
// Tolerances: float64 1e-12 relative (the same operations in the same order; sums differ in
// order only), float32 2e-4 relative (the loops compute in doubles, the kernel in f32 lanes).
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import * as np from "../runtime/np/index.js";
import { wasmBackend, wasmOptions, wasmSupported } from "../runtime/np/backend/wasm.js";
import { chainKernel, kept, operands, simd } from "../runtime/np/fused.js";
import { expectClose } from "./helpers/finite-diff.js";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 30);
const SEED = Number(process.env.PROPERTY_SEED ?? 20_261_207);
const dir = resolve(__dirname, "..", ".tmp", "fusion-wasm");
let count = 0;
type Value = np.NDArray | number;
type Module = { f: (...args: Value[]) => np.NDArray; df: (...args: Value[]) => Value[]; code: string };

async function compile(source: string): Promise<Module> {
  const result = transform(source, { filename: "fusion-wasm.ts", sourceMaps: false });
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${++count}.mjs`);
  writeFileSync(file, result.code);
  return { ...((await import(pathToFileURL(file).href)) as Omit<Module, "code">), code: result.code };
}

const header = `import { grad } from "adjoint";\nimport * as np from "adjoint/np";\n`;
const values = (v: Value) => (typeof v === "number" ? [v] : Array.from(np.astype(np.ravel(v), "float64").data));

function expectAllClose(actual: Value, expected: Value, tol: { rtol: number; atol: number }, label: string) {
  if (typeof expected !== "number") expect(typeof actual === "number" ? [] : actual.shape, `${label}: shape`).toEqual(expected.shape);
  else expect(typeof actual, `${label}: a number`).toBe("number");
  const [a, e] = [values(actual), values(expected)];
  e.forEach((x, i) => expectClose(a[i], x, { ...tol, label: `${label}[${i}]` }));
}

// The kernel's calls, counted, so each test knows it ran.
let calls = 0;
const backend = wasmBackend();
const chain = backend.chain!;
const savedMinSize = wasmOptions.minSize;
beforeEach(() => {
  np.setBackend("wasm");
  calls = 0;
  (backend as { chain?: typeof chain }).chain = (run) => (calls++, chain(run));
});
afterEach(() => {
  (backend as { chain?: typeof chain }).chain = chain;
  wasmOptions.minSize = savedMinSize;
  chainKernel.on = true;
});

/** f and df on `args` by the kernel and by the loops. */
function bothPaths(m: Module, args: Value[]) {
  chainKernel.on = true;
  const before = calls;
  const kernel = { value: m.f(...args), grads: m.df(...args) };
  const ran = calls - before;
  chainKernel.on = false;
  const loops = { value: m.f(...args), grads: m.df(...args) };
  chainKernel.on = true;
  return { kernel, loops, ran };
}

const tolerance = (dtype: string) => (dtype === "float64" ? { rtol: 1e-12, atol: 1e-13 } : { rtol: 2e-4, atol: 2e-5 });

describe.runIf(wasmSupported())("the Wasm chain kernel", () => {
  const unary = ["neg", "abs", "square", "relu", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "log1p", "expm1"];
  const binary = ["add", "sub", "mul", "div", "maximum", "minimum"];
  for (const name of [...unary, ...binary]) {
    for (const dtype of ["float64", "float32"] as const) {
      it(`${name} (${dtype}): the kernel's value and gradient equal the loops'`, async () => {
        const call = binary.includes(name) ? `np.${name}(np.mul(x, 1.5), y)` : `np.${name}(np.mul(x, y))`;
        const m = await compile(`${header}export function f(x: np.NDArray, y: np.NDArray): np.NDArray { return np.sum(np.mul(${call}, y)); }\nexport const df = grad(f, { wrt: [0, 1] });\n`);
        np.random.seed(7);
        // Positive (log, sqrt), away from ties; 3001 elements: not a whole number of blocks or lanes.
        const cast = (a: np.NDArray) => np.astype(a, dtype);
        const x = cast(np.random.uniform(0.2, 1.3, [3001]));
        const y = cast(np.random.uniform(0.25, 1.4, [3001]));
        const { kernel, loops, ran } = bothPaths(m, [x, y]);
        expect(ran).toBe(2);
        expect(kernel.value.dtype).toBe(dtype);
        const tol = tolerance(dtype);
        expectAllClose(kernel.value, loops.value, { rtol: tol.rtol, atol: tol.atol * 3001 }, "value");
        for (const k of [0, 1]) expectAllClose(kernel.grads[k], loops.grads[k], tol, `d/d arg ${k}`);
      });
    }
  }

  it("keeps the transcendental steps' values as the loops do, for either vjp", () => {
    np.random.seed(3);
    const [x, w] = [np.random.uniform(-1, 1, [4096]), np.random.uniform(-1, 1, [4096])];
    const f = operands([x, w])!;
    const out = simd(f, [["mul", 0, 1], ["tanh", 2], ["sum", 3]], [x, w])!;
    const saved = kept(out)!;
    expect(saved.length).toBe(1);
    expectAllClose(new np.NDArray(saved[0], [4096]), np.tanh(np.mul(x, w)), { rtol: 0, atol: 0 }, "kept tanh");
    expectClose(out.item(), np.sum(np.tanh(np.mul(x, w))).item(), { rtol: 1e-12, atol: 1e-12, label: "sum" });
  });

  // The kernel's transcendental steps call the module's own elementwise kernels (wasm/fused.ts):
  // bit for bit np's values, in both dtypes, over a length ending inside a block and a vector.
  for (const dtype of ["float64", "float32"] as const) {
    it(`computes each transcendental step as np's own kernel does, bit for bit (${dtype})`, () => {
      np.random.seed(5);
      const n = 3001;
      const x = np.astype(np.random.uniform(0.1, 2, [n]), dtype);
      for (const op of ["exp", "log", "tanh", "sigmoid", "sin", "cos"] as const) {
        const w = np.astype(np.random.uniform(op === "log" ? 0.1 : -2, 2, [n]), dtype);
        calls = 0;
        const saved = kept(simd(operands([x, w])!, [["mul", 0, 1], [op, 2], ["sum", 3]], [x, w])!)!;
        expect(calls, op).toBe(1);
        const kernel = new np.NDArray(saved[0], [n]);
        expect(kernel.dtype, op).toBe(dtype);
        expectAllClose(kernel, np[op](np.mul(x, w)), { rtol: 0, atol: 0 }, op);
      }
    });
  }

  // log1p and expm1: vector functions in the kernel (wasm/math-derived.ts), Math.* in the loops;
  // near 0, where they differ from log(1 + x) and exp(x) - 1, and over a wide range.
  for (const [op, lo, hi] of [["log1p", -1e-9, 1e-9], ["log1p", -0.9, 30], ["expm1", -1e-9, 1e-9], ["expm1", -30, 30]] as const) {
    it(`${op} on [${lo}, ${hi}] (float64): the kernel's value and gradient equal the loops' and central differences`, async () => {
      const m = await compile(`${header}export function f(x: np.NDArray, w: np.NDArray): np.NDArray { return np.sum(np.mul(np.${op}(np.mul(x, w)), w)); }\nexport const df = grad(f, { wrt: [0, 1] });\n`);
      np.random.seed(11);
      const x = np.random.uniform(lo, hi, [5001]);
      const w = np.random.uniform(0.5, 1, [5001]);
      const { kernel, loops, ran } = bothPaths(m, [x, w]);
      expect(ran).toBe(2);
      expectAllClose(kernel.value, loops.value, { rtol: 1e-12, atol: 0 }, "value");
      for (const k of [0, 1]) expectAllClose(kernel.grads[k], loops.grads[k], { rtol: 1e-12, atol: 0 }, `d/d arg ${k}`);
      // Central differences of f on one element (f sums elementwise terms), at a few elements.
      for (const i of [0, 1234, 5000]) {
        const [xi, wi] = [x.data[i] as number, w.data[i] as number];
        const h = 1e-5 * Math.max(1e-3, Math.abs(xi));
        const at = (d: number) => m.f(np.array([xi + d]), np.array([wi])).item() as number;
        expectClose(kernel.grads[0].data[i] as number, (at(h) - at(-h)) / (2 * h), { rtol: 1e-6, atol: 1e-9, label: `${op}' at ${i}` });
      }
    });
  }

  it("does not run on the JS backend, nor below the backend's size", async () => {
    const m = await compile(`${header}export function f(x: np.NDArray, w: np.NDArray): np.NDArray { return np.sum(np.tanh(np.mul(x, w))); }\nexport const df = grad(f, { wrt: [0, 1] });\n`);
    const big = [np.random.uniform(-1, 1, [5000]), np.random.uniform(-1, 1, [5000])];
    np.setBackend("js");
    m.df(...big);
    np.setBackend("wasm");
    m.df(np.random.uniform(-1, 1, [100]), np.random.uniform(-1, 1, [100]));
    expect(calls).toBe(0);
    m.df(...big);
    expect(calls).toBe(2);
  });
});

// Random chains over x (a contiguous array, a transposed or sliced view), w, b (a row over
// the batch), c (a column), s (a 0-d array), k (a number) and literals, ending in a sum, a
// mean or nothing; shape (61, 37): 2257 elements (above the backend's 2048), rows that straddle
// the kernel's blocks.
const [R, C] = [61, 37];
const leaf = fc.constantFrom("x", "w", "b", "c", "s", "k", "0.5");
const tree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.tuple(fc.constantFrom("neg", "square", "tanh", "sigmoid", "sin", "cos", "abs", "relu"), tie("node")).map(([op, a]) => `np.${op}(${a})`),
    fc.tuple(fc.constantFrom("add", "sub", "mul", "maximum", "minimum"), tie("node"), tie("node")).map(([op, a, b]) => `np.${op}(${a}, ${b})`),
    fc.tuple(tie("node"), tie("node")).map(([a, b]) => `np.div(${a}, np.add(1.5, np.square(${b})))`),
    fc.tuple(tie("node")).map(([a]) => `np.log(np.add(2, np.sin(${a})))`),
    fc.tuple(tie("node")).map(([a]) => `np.sqrt(np.add(1, np.square(${a})))`),
    fc.tuple(tie("node")).map(([a]) => `np.exp(np.tanh(${a}))`),
  ),
})).node;

const chains = fc.record({
  body: tree.filter((t) => /\bx\b/.test(t) && t.includes("np.")),
  end: fc.constantFrom("sum", "mean", "none"),
  dtype: fc.constantFrom<"float64" | "float32">("float64", "float32"),
  view: fc.constantFrom("contiguous", "transposed", "sliced"),
});

/** Central difference of sum(f) along element j of argument `which` (float64). */
function difference(m: Module, args: Value[], which: number, j: number, h = 1e-6): number {
  const moved = (by: number) => {
    const copy = args.slice();
    const arg = args[which];
    if (typeof arg === "number") copy[which] = arg + by;
    else {
      const data = Float64Array.from(values(arg));
      data[j] += by;
      copy[which] = new np.NDArray(data, arg.shape);
    }
    return values(np.sum(m.f(...copy)))[0];
  };
  return (moved(h) - moved(-h)) / (2 * h);
}

describe.runIf(wasmSupported())("random chains on the Wasm chain kernel", () => {
  it("equal the loops in value and gradient, and central differences in float64", async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(chains, fc.integer({ min: 1, max: 1000 }), async ({ body, end, dtype, view }, seed) => {
        const result = end === "none" ? body : `np.${end}(${body})`;
        const source = `${header}export function f(x: np.NDArray, w: np.NDArray, b: np.NDArray, c: np.NDArray, s: np.NDArray, k: number): np.NDArray { return ${result}; }\nexport const df = grad(f, { wrt: [0, 1, 2, 3, 4, 5] });\n`;
        const m = await compile(source);
        np.random.seed(seed);
        const cast = (a: np.NDArray) => np.astype(a, dtype);
        const u = (shape: number[]) => cast(np.random.uniform(-1, 1, shape));
        const x = view === "transposed" ? u([C, R]).T : view === "sliced" ? u([R + 2, C + 3]).get(np.slice(1, R + 1), np.slice(2, C + 2)) : u([R, C]);
        const args: Value[] = [x, u([R, C]), u([C]), u([R, 1]), u([]), np.random.uniform(-1, 1, []).item()];
        const where = `(${dtype}, x ${view}, seed ${seed}) in\n${source}`;
        const paths = bothPaths(m, args);
        if (paths.ran > 0) ran++;
        const tol = tolerance(dtype);
        expect(paths.kernel.value.dtype, `dtype ${where}`).toBe(paths.loops.value.dtype);
        expectAllClose(paths.kernel.value, paths.loops.value, { rtol: tol.rtol, atol: tol.atol * R * C }, `value ${where}`);
        for (let a = 0; a < args.length; a++) {
          // Adjoints summed over broadcast axes and number adjoints add many terms.
          const summed = a >= 2 ? { rtol: tol.rtol, atol: tol.atol * R * C } : tol;
          expectAllClose(paths.kernel.grads[a], paths.loops.grads[a], summed, `d/d arg ${a} kernel against loops ${where}`);
          if (dtype !== "float64") continue;
          const got = values(paths.kernel.grads[a]);
          for (const j of [0, Math.floor(got.length / 2), got.length - 1]) {
            expectClose(got[j], difference(m, args, a, j), { rtol: 1e-5, atol: 1e-5, label: `d/d arg ${a}[${j}] against differences ${where}` });
          }
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // Most random chains are fused (two operations or more), and so run the kernel.
    expect(ran).toBeGreaterThan(RUNS / 2);
  }, 240_000);
});
