// Keeps the benches honest without timing anything. peers.bench.mjs: on small inputs, each
// program's generated gradient equals its hand-written adjoint (float64) and TF.js's and
// jax-js's gradients of the same program (float32 tolerance), and runs in float32 on float32
// inputs. np.bench.mjs: every row's adjoint/np and TF.js operations agree (float32 tolerance)
// on the row's input range, at small sizes. So every row of a bench compares one computation.
import * as jax from "@jax-js/jax";
import * as tf from "@tensorflow/tfjs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import * as np from "../runtime/np/index.js";

type Grad = (...args: np.NDArray[]) => np.NDArray | np.NDArray[];
interface Row {
  name: string;
  range: [number, number];
  shapes: number[][];
  np: (...args: np.NDArray[]) => np.NDArray | number;
  tf: (...args: tf.Tensor[]) => tf.Tensor;
}
interface Programs {
  MLP: { batch: number; widths: number[] };
  compilePrograms(t: typeof transform, file: string): Promise<Record<string, Grad>>;
  handWritten(n: typeof np): Record<string, Grad>;
  tfjsPrograms(t: typeof tf): Record<string, (...args: tf.Tensor[]) => tf.Tensor | tf.Tensor[]>;
  jaxPrograms(j: typeof jax): Record<string, (...args: jax.Array[]) => jax.Array | jax.Array[]>;
  mlpArguments(n: typeof np, seed?: number): np.NDArray[];
  tanhProductArguments(n: typeof np, size: number, seed?: number): np.NDArray[];
}

const root = resolve(__dirname, "..");
// A computed specifier: the bench is plain JavaScript, outside the type-checked sources.
const programs = (await import(pathToFileURL(join(root, "bench", "programs.mjs")).href)) as Programs;
const { npRows } = (await import(pathToFileURL(join(root, "bench", "np-rows.mjs")).href)) as {
  npRows(n: typeof np, t: typeof tf, sizes: Record<string, unknown>): Row[];
};

const list = (g: np.NDArray | np.NDArray[]) => (Array.isArray(g) ? g : [g]);
const values = (a: { data: ArrayLike<number> } | np.NDArray) => Array.from((a as np.NDArray).copy().data);

function expectClose(label: string, actual: number[], expected: ArrayLike<number>, rtol: number, atol: number): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const scale = Math.max(...Array.from(expected, Math.abs));
  const bad = actual.flatMap((v, j) => (Math.abs(v - expected[j]) <= atol * scale + rtol * Math.abs(expected[j]) ? [] : [`[${j}] ${v} vs ${expected[j]}`]));
  expect(bad.slice(0, 5), `${label}: elements out of tolerance`).toEqual([]);
}

const cases: { name: string; key: string; args: () => np.NDArray[] }[] = [
  { name: "grad(sum(tanh(x * w))), n = 1000", key: "tanhProduct", args: () => programs.tanhProductArguments(np, 1000) },
  {
    name: `MLP ${programs.MLP.batch}x${programs.MLP.widths.join("x")}, tanh, squared loss, wrt all weights`,
    key: "mlpLoss",
    args: () => programs.mlpArguments(np),
  },
];

describe("the bench's programs compute one gradient on every side", () => {
  let generated: Record<string, Grad>;
  const hand = programs.handWritten(np);
  beforeAll(async () => {
    await tf.setBackend("cpu");
    await jax.init("wasm");
    jax.defaultDevice("wasm");
    generated = await programs.compilePrograms(transform, join(root, ".tmp", "bench-programs", "programs.mjs"));
  });

  for (const c of cases) {
    it(c.name, () => {
      const args = c.args().map((a) => a.astype("float32").astype("float64")); // values both dtypes hold exactly
      const ours = list(generated[`${c.key}Grad`](...args));
      const theirs = list(hand[c.key](...args) as np.NDArray[]);
      expect(ours.map((g) => g.shape)).toEqual(args.slice(0, ours.length).map((a) => a.shape));
      ours.forEach((g, k) => expectClose(`generated vs hand-written, gradient ${k}`, values(g), values(theirs[k]), 1e-12, 1e-14));

      const ours32 = list(generated[`${c.key}Grad`](...args.map((a) => a.astype("float32"))));
      ours32.forEach((g, k) => {
        expect(g.dtype, `float32 gradient ${k}`).toBe("float32");
        expectClose(`float32 generated, gradient ${k}`, values(g), values(ours[k]), 1e-4, 1e-5);
      });

      const tfGrads = tf.tidy(() => {
        const out = programs.tfjsPrograms(tf)[c.key](...args.map((a) => tf.tensor(Float32Array.from(a.data), [...a.shape], "float32")));
        return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync().slice());
      });
      expect(tfGrads).toHaveLength(ours.length);
      ours.forEach((g, k) => expectClose(`TF.js, gradient ${k}`, values(g), tfGrads[k], 1e-4, 1e-5));

      const out = programs.jaxPrograms(jax)[c.key](...args.map((a) => jax.numpy.array(Float32Array.from(a.data)).reshape([...a.shape])));
      const jaxGrads = (Array.isArray(out) ? out : [out]).map((a) => a.dataSync());
      expect(jaxGrads).toHaveLength(ours.length);
      ours.forEach((g, k) => expectClose(`jax-js, gradient ${k}`, values(g), jaxGrads[k], 1e-4, 1e-5));
    });
  }
});

describe("every np.bench.mjs row computes one thing with adjoint/np and with TF.js", () => {
  const rows = npRows(np, tf, { sizes: [10, 100], biases: [[4, 8]], outers: [5], matrices: [[4, 8], [6, 6]] });
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });
  it(`all ${rows.length} rows at small sizes, in float64 and float32`, () => {
    np.random.seed(7);
    expect(rows.length).toBeGreaterThan(60);
    for (const row of rows) {
      const args = row.shapes.map((shape) => np.random.uniform(row.range[0], row.range[1], shape).astype("float32").astype("float64"));
      const expected = tf.tidy(() => row.tf(...args.map((a) => tf.tensor(Float32Array.from(a.data), [...a.shape], "float32"))).dataSync().slice());
      for (const dtype of ["float64", "float32"] as const) {
        const out = row.np(...args.map((a) => a.astype(dtype)));
        const got = typeof out === "number" ? [out] : values(out);
        expectClose(`${row.name}, ${dtype}`, got, expected, 1e-5, 1e-6);
      }
    }
  });
});
