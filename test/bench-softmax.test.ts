// Keeps bench/softmax.bench.mjs honest without timing anything: at small sizes, every row's
// five sides (adjoint's op or compiled gradient, the composition before it, TF.js, jax-js's jit)
// compute one thing: float64 sides agree to 1e-12, float32 ones (TF.js, jax-js, adjoint in
// float32) to 1e-5 of the largest element.
import * as jax from "@jax-js/jax";
import * as tf from "@tensorflow/tfjs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import * as np from "../runtime/np/index.js";

type Side = (...args: never[]) => unknown;
interface Row {
  name: string;
  shapes: number[][];
  labels?: boolean;
  adjoint: Side;
  before: Side;
  tf: Side;
  jax: Side;
}
interface Rows {
  compileSoftmaxPrograms(t: typeof transform, file: string): Promise<Record<string, Side>>;
  labelsFor(n: typeof np, rows: number, cols: number): np.NDArray;
  softmaxRows(n: typeof np, t: typeof tf, j: typeof jax, programs: Record<string, Side>, sizes: Record<string, unknown>): Row[];
}

const root = resolve(__dirname, "..");
// A computed specifier: the bench is plain JavaScript, outside the type-checked sources.
const bench = (await import(pathToFileURL(join(root, "bench", "softmax-rows.mjs")).href)) as Rows;
const values = (a: unknown) => Array.from((a as np.NDArray).copy().data);

function expectClose(label: string, actual: number[], expected: ArrayLike<number>, tol: number): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const scale = Math.max(1e-300, ...Array.from(expected, Math.abs));
  const bad = actual.flatMap((v, j) => (Math.abs(v - expected[j]) <= tol * scale ? [] : [`[${j}] ${v} vs ${expected[j]}`]));
  expect(bad.slice(0, 5), `${label}: elements out of tolerance`).toEqual([]);
}

describe("every softmax.bench.mjs row computes one thing on every side", () => {
  let rows: Row[];
  beforeAll(async () => {
    await tf.setBackend("cpu");
    await jax.init("wasm");
    jax.defaultDevice("wasm");
    const programs = await bench.compileSoftmaxPrograms(transform, join(root, ".tmp", "bench-softmax", "programs.mjs"));
    rows = bench.softmaxRows(np, tf, jax, programs, { rowCounts: [3, 8], cols: 37 });
  });

  it("forward and gradient rows at small sizes", () => {
    expect(rows.length).toBe(10);
    np.random.seed(3);
    for (const row of rows) {
      const x = np.random.uniform(-5, 5, row.shapes[0]).astype("float32").astype("float64"); // values float32 holds exactly
      const args = row.labels ? [x, bench.labelsFor(np, row.shapes[0][0], row.shapes[0][1])] : [x];
      const ours = values(row.adjoint(...(args as never[])));
      expectClose(`${row.name}: before`, values(row.before(...(args as never[]))), ours, 1e-12);
      expectClose(`${row.name}: adjoint float32`, values(row.adjoint(...(args.map((a) => a.astype("float32")) as never[]))), ours, 1e-5);
      const fromTf = tf.tidy(() => (row.tf(...(args.map((a) => tf.tensor(Float32Array.from(a.data), [...a.shape], "float32")) as never[])) as tf.Tensor).dataSync().slice());
      expectClose(`${row.name}: TF.js`, Array.from(fromTf), ours, 1e-5);
      const out = row.jax(...(args.map((a) => jax.numpy.array(Float32Array.from(a.data)).reshape([...a.shape])) as never[])) as jax.Array;
      expectClose(`${row.name}: jax-js`, Array.from(out.dataSync()), ours, 1e-5);
    }
  });
});
