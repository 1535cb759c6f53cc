// Property: for random NDArray programs f(x, w) -- compositions of adjoint/np operations and
// NDArray methods, loops that rebind arrays, branches on array values -- the gradient
// adjoint generates matches central finite differences with respect to every element.
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import * as np from "../runtime/np/index.js";
import { expectClose } from "./helpers/finite-diff.js";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
const SEED = Number(process.env.PROPERTY_SEED ?? 20_261_128);
const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

const statement = fc.oneof(
  fc.constant("h = np.tanh(np.mul(h, w));"),
  fc.constant("h = np.add(h, np.mul(0.5, x));"),
  fc.constant("s = np.add(s, np.sum(np.mul(h, h)));"),
  fc.constant("if (np.sum(h).item() > 0) h = np.mul(h, 0.5); else h = np.sub(h, x);"),
  fc.constant("for (let i = 0; i < 2; i++) h = np.sin(np.add(h, w));"),
  fc.constant("s = np.add(s, np.dot(h, w));"),
  fc.constant("h = h.reshape(3, 1).T.reshape(3);"),
  fc.constant("h = np.div(h, np.add(1, np.mul(w, w)));"),
  fc.constant("s = np.sub(s, np.mean(np.exp(np.sin(h))));"),
  fc.constant("h = np.add(np.outer(h, w).sum(0), x);"),
  fc.constant("s = np.mul(s, 0.5);"),
  fc.constant("h = scale(h, w);"),
);

const program = fc.array(statement, { minLength: 1, maxLength: 6 }).map(
  (body) => `import { grad } from "adjoint";
import * as np from "adjoint/np";

function scale(v: np.NDArray, by: np.NDArray): np.NDArray {
  return np.mul(v, np.tanh(by));
}

export function f(x: np.NDArray, w: np.NDArray): np.NDArray {
  let h = np.mul(x, 1);
  let s = np.sum(np.mul(x, 0));
${body.map((line) => `  ${line}`).join("\n")}
  return np.add(np.sum(h), s);
}

export const df = grad(f, { wrt: [0, 1] });
`,
);

const vector = fc.array(fc.integer({ min: -900, max: 900 }), { minLength: 3, maxLength: 3 }).map((v) => v.map((k) => k / 1000));
const dir = resolve(__dirname, "..", ".tmp", "property-ndarray");
let count = 0;

type Fn = (x: np.NDArray, w: np.NDArray) => np.NDArray;
type Compiled = { f: Fn; df: (x: np.NDArray, w: np.NDArray) => [np.NDArray, np.NDArray] };

async function compile(source: string): Promise<Compiled> {
  const result = transform(source, { filename: "prop.ts", sourceMaps: false });
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${++count}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as Compiled;
}

describe("random NDArray programs", () => {
  it("have gradients that match central finite differences", async () => {
    await fc.assert(
      fc.asyncProperty(program, vector, vector, async (source, xs, ws) => {
        const { f, df } = await compile(source);
        const value = (a: number[], b: number[]) => f(np.array(a), np.array(b)).item();
        const along = (which: 0 | 1, j: number, h: number) => {
          const plus = [xs.slice(), ws.slice()];
          const minus = [xs.slice(), ws.slice()];
          plus[which][j] += h;
          minus[which][j] -= h;
          return (value(plus[0], plus[1]) - value(minus[0], minus[1])) / (2 * h);
        };
        // Skip points on a branch boundary: differences at h and 100h disagree there.
        for (const which of [0, 1] as const) {
          for (let j = 0; j < 3; j++) {
            const fine = along(which, j, 1e-6);
            if (Math.abs(fine - along(which, j, 1e-4)) > 1e-3 * (1 + Math.abs(fine))) return;
          }
        }
        const [dx, dw] = df(np.array(xs), np.array(ws));
        const where = `at x = [${xs}], w = [${ws}] in\n${source}`;
        expect(dx.shape, `d/dx has x's shape ${where}`).toEqual([3]);
        for (const [which, gradient] of [[0, dx], [1, dw]] as const) {
          const values = gradient.toArray() as number[];
          for (let j = 0; j < 3; j++) expectClose(values[j], along(which, j, 1e-6), { ...TOLERANCE, label: `d f / d ${which === 0 ? "x" : "w"}[${j}] ${where}` });
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 60_000);
});
