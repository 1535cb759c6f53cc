// The harness both TensorFlow.js agreement suites share: a program's compiled gradient
// (and, for some, the same gradient through attachGrad / record / backward) against
// tf.grads of its TF.js twin and against central differences of adjoint's own primal.
import * as tf from "@tensorflow/tfjs";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { transform } from "../../compiler/index.js";
import * as np from "../../runtime/np/index.js";

export type Arg = np.NDArray | number;
export type T = tf.Tensor;

export interface Case {
  name: string;
  /** Defines `export function f(...)` (and any helpers); `np` and `grad` are imported. */
  source: string;
  wrt: number[];
  args: () => Arg[];
  /** The TF.js twin, taking every argument as a tensor (numbers as scalars). */
  twin: (a: T[]) => T;
  /** Also differentiate f in the record/backward style (every wrt argument must be an array). */
  record?: boolean;
  /** Set when adjoint is known to disagree: the test is `it.fails` and this names the bug. */
  bug?: string;
}

const TF_TOLERANCE = { rtol: 2e-4, atol: 1e-5 };
const FD_TOLERANCE = { rtol: 1e-5, atol: 1e-7 };
const SAME_TOLERANCE = { rtol: 1e-12, atol: 1e-14 };
const FD_STEP = 1e-5;

// --- inputs -------------------------------------------------------------------------

/** mulberry32: deterministic uniforms in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform float32-representable values in [lo, hi) of the given shape. */
export function rand(shape: number[], seed: number, lo = -1, hi = 1): np.NDArray {
  const next = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: size }, () => Math.fround(lo + (hi - lo) * next()));
  return np.array(data).reshape(shape);
}

/** A fixed array, its values rounded to float32. */
export function fixed(values: number[] | number[][]): np.NDArray {
  const round = (v: number | number[]): number | number[] => (Array.isArray(v) ? v.map((u) => Math.fround(u)) : Math.fround(v));
  return np.array((values as (number | number[])[]).map(round) as number[][]);
}

/** A constant copy: tf.grads fails on a comparison (Less, ...) on the path, as it has no gradient. */
export function detach(t: T): T {
  return tf.tensor(t.dataSync(), t.shape, t.dtype);
}

type Compiled = {
  f: (...args: Arg[]) => np.NDArray;
  df: (...args: Arg[]) => Arg[];
  viaRecord?: (...args: Arg[]) => np.NDArray[];
};

/** `viaRecord(...)`: f differentiated with attachGrad / autograd.record / backward, returning each wrt array's .grad. */
function recordSource(c: Case, args: Arg[]): string {
  const params = args.map((a, i) => `a${i}: ${typeof a === "number" ? "number" : "np.NDArray"}`).join(", ");
  const attach = c.wrt.map((i) => `a${i}.attachGrad();`).join(" ");
  const call = args.map((_, i) => `a${i}`).join(", ");
  return `
export function viaRecord(${params}): np.NDArray[] {
  ${attach}
  let y!: np.NDArray;
  autograd.record(() => {
    y = f(${call});
  });
  y.backward();
  return [${c.wrt.map((i) => `a${i}.grad`).join(", ")}];
}
`;
}

async function compile(c: Case, index: number, suite: string): Promise<Compiled> {
  const source = `import { grad, autograd } from "adjoint";
import * as np from "adjoint/np";
${c.source}
export const df = grad(f, { wrt: [${c.wrt.join(", ")}] });
${c.record ? recordSource(c, c.args()) : ""}`;
  const result = transform(source, { filename: `${suite}-${index}.ts`, sourceMaps: false });
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  const dir = resolve(__dirname, "..", "..", ".tmp", suite);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${index}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as Compiled;
}

function toTensor(a: Arg): T {
  if (typeof a === "number") return tf.scalar(a, "float32");
  return tf.tensor(Float32Array.from(a.flatten().data as Float64Array), [...a.shape], "float32");
}

function elements(a: Arg): number[] {
  return typeof a === "number" ? [a] : Array.from(a.flatten().data);
}

/** The scalar the gradient is of: the sum of f's result (grad seeds a non-scalar with ones). */
function value(compiled: Compiled, args: Arg[]): number {
  return np.sum(compiled.f(...args)).item();
}

/** args with element j of argument i moved by h (arrays are copied). */
function moved(args: Arg[], i: number, j: number, h: number): Arg[] {
  return args.map((a, k) => {
    if (k !== i) return a;
    if (typeof a === "number") return a + h;
    const copy = a.copy();
    (copy.data as Float64Array)[j] += h;
    return copy;
  });
}

function expectAllClose(label: string, actual: number[], expected: ArrayLike<number>, { rtol, atol }: { rtol: number; atol: number }): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  // atol scales with the largest component: float32 error is relative to the terms summed.
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  const bad: string[] = [];
  for (let j = 0; j < actual.length; j++) {
    const diff = Math.abs(actual[j] - expected[j]);
    if (!(diff <= atol * scale + rtol * Math.abs(expected[j]))) bad.push(`[${j}] adjoint ${actual[j]} vs ${expected[j]}`);
  }
  expect(bad, `${label}: elements out of tolerance`).toEqual([]);
}

/** One test per case, in a describe block of that title; compiled modules go to .tmp/<suite>. */
export function describeAgreement(title: string, suite: string, cases: Case[]): void {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });
  describe(title, () => {
  cases.forEach((c, index) => {
    const test = c.bug ? it.fails : it;
    test(c.bug ? `${c.name} [known bug: ${c.bug}]` : c.name, async () => {
      const compiled = await compile(c, index, suite);
      const args = c.args();
      const gradients = compiled.df(...args);
      expect(gradients).toHaveLength(c.wrt.length);

      // Shapes: a number for a number, an array of the argument's shape for an array.
      c.wrt.forEach((i, k) => {
        const arg = args[i];
        if (typeof arg === "number") expect(typeof gradients[k]).toBe("number");
        else expect((gradients[k] as np.NDArray).shape).toEqual(arg.shape);
      });

      // TensorFlow.js: the primal and tf.grads over the same (float32) inputs.
      const [tfValue, tfGradients] = tf.tidy(() => {
        const tensors = args.map(toTensor);
        const primal = (...wrt: T[]) => c.twin(tensors.map((t, i) => (c.wrt.includes(i) ? wrt[c.wrt.indexOf(i)] : t)));
        const y = primal(...c.wrt.map((i) => tensors[i]));
        const total = tf.sum(y).dataSync()[0];
        const gs = tf.grads(primal)(c.wrt.map((i) => tensors[i]));
        return [total, gs.map((g) => g.dataSync().slice())] as const;
      });
      expectAllClose("value vs TF.js", [value(compiled, args)], [tfValue], TF_TOLERANCE);
      c.wrt.forEach((i, k) => expectAllClose(`d/d arg ${i} vs TF.js`, elements(gradients[k]), tfGradients[k], TF_TOLERANCE));

      // Central differences of adjoint's own primal, in float64.
      c.wrt.forEach((i, k) => {
        const count = elements(args[i]).length;
        const fd = Array.from({ length: count }, (_, j) => {
          const plus = value(compiled, moved(args, i, j, FD_STEP));
          const minus = value(compiled, moved(args, i, j, -FD_STEP));
          return (plus - minus) / (2 * FD_STEP);
        });
        expectAllClose(`d/d arg ${i} vs central differences`, elements(gradients[k]), fd, FD_TOLERANCE);
      });

      // The notebook's style: attachGrad, record, backward gives grad's gradients.
      if (c.record) {
        const fresh = c.args().map((a) => (typeof a === "number" ? a : a.copy()));
        const viaRecord = compiled.viaRecord!(...fresh);
        expect(viaRecord).toHaveLength(c.wrt.length);
        c.wrt.forEach((i, k) => {
          expect(viaRecord[k].shape, `record: d/d arg ${i} shape`).toEqual((args[i] as np.NDArray).shape);
          expectAllClose(`record: d/d arg ${i} vs grad`, elements(viaRecord[k]), elements(gradients[k]), SAME_TOLERANCE);
        });
      }
    });
  });
});
}
