// Property: random programs with local functions and callbacks -- arrows and declarations
// calling each other, nested, writing the enclosing function's variables and arrays, and
// map/reduce/forEach/every/some/Array.from/Float64Array.from with inline callbacks, one of
// them writing the array it iterates, early returns, a call that writes what its caller's
// expression already read -- compile (as TypeScript, and as untyped JavaScript)
// to gradients that match central finite differences, with the input left as the primal
// leaves it. CLOSURE_PROGRAMS=500 runs more; CLOSURE_SEED replays.
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { verifyFixture } from "./helpers/fixture-checks.js";

const RUNS = Number(process.env.CLOSURE_PROGRAMS ?? 30);
const SEED = Number(process.env.CLOSURE_SEED ?? 20_261_207);
const N = 5;
const dir = resolve(__dirname, "..", ".tmp", "property-closures");
let count = 0;

/** A smooth scalar expression of `u` (and the parameter `c`). */
const scalar = fc.constantFrom(
  (u: string) => `Math.sin(${u}) * c`,
  (u: string) => `0.5 * ${u} * ${u}`,
  (u: string) => `Math.tanh(${u} + c)`,
  (u: string) => `${u} * c`,
  (u: string) => `Math.exp(0.2 * ${u})`,
);
const index = fc.integer({ min: 0, max: N - 1 });

/** One statement: `t(annotation)` is the annotation in TypeScript, nothing in JavaScript. */
type Piece = (k: number, t: (a: string) => string) => string;

const pieces: fc.Arbitrary<Piece>[] = [
  // A local arrow reading a captured local.
  fc.tuple(scalar, index).map(([e, j]): Piece => (k, t) => `const g${k} = (u${t(": number")}) => ${e("u")} + s * 0.1;\n  s += g${k}(x[${j}]);`),
  // A declaration writing a captured variable, called twice.
  fc.tuple(scalar, index).map(([e, j]): Piece => (k, t) => `function h${k}(u${t(": number")})${t(": void")} {\n    s += ${e("u")};\n  }\n  h${k}(x[${j}]);\n  h${k}(s * 0.1);`),
  // Nested local functions, the inner one capturing the outer's parameter.
  fc.tuple(scalar, index).map(([e, j]): Piece => (k, t) => `const outer${k} = (u${t(": number")}) => {\n    const inner = (r${t(": number")}) => ${e("r")} * u;\n    return inner(u) + inner(c);\n  };\n  s += outer${k}(x[${j}]);`),
  // map then reduce, with and without an initial value.
  fc.tuple(scalar, fc.boolean()).map(([e, init]): Piece => () => `s += x.map((v, i) => ${e("v")} * (i + 1)).reduce((a, b) => a + b${init ? ", 0" : ""});`),
  // forEach writing a captured number and a captured array.
  fc.tuple(scalar, scalar).map(([e, e2]): Piece => () => `x.forEach((v, i) => {\n    s += ${e("v")};\n    w[i] = w[i] * 0.5 + ${e2("v")};\n  });`),
  // every/some in a condition.
  fc.tuple(scalar, index, fc.constantFrom(-1.5, 0.5, 1.5), fc.boolean()).map(([e, j, bound, every]): Piece => () =>
    `if (x.${every ? "every" : "some"}((v) => v > ${bound})) s += ${e(`x[${j}]`)};\n  else s -= x[${j}] * c;`),
  // Array.from a length, and Float64Array.from an array.
  fc.tuple(scalar, index).map(([e, j]): Piece => (k) => `const m${k} = Array.from({ length: ${N} }, (_, i) => x[i] * ${e("c")});\n  s += m${k}[${j}];`),
  fc.tuple(scalar, index).map(([e, j]): Piece => (k) => `const q${k} = Float64Array.from(w, (v) => ${e("v")});\n  s += q${k}[${j}];`),
  // A declaration writing a captured array.
  fc.tuple(scalar, index).map(([e, j]): Piece => (k, t) => `function put${k}(i${t(": number")}, v${t(": number")})${t(": void")} {\n    w[i] = w[i] * 0.5 + v;\n  }\n  put${k}(${j}, ${e(`x[${j}]`)});`),
  // An early return inside a branch.
  fc.tuple(scalar, index).map(([e, j]): Piece => (k, t) => `const pick${k} = (u${t(": number")}) => {\n    if (u > 0.3) return ${e("u")};\n    return u * c;\n  };\n  s += pick${k}(x[${j}]);`),
  // JavaScript reads s before the call on its right writes it.
  fc.tuple(scalar, index).map(([e, j]): Piece => (k, t) => `function bump${k}(u${t(": number")})${t(": number")} {\n    s += ${e("u")};\n    return s;\n  }\n  s = s * 0.5 + bump${k}(x[${j}]);`),
  // A callback writing the array it iterates (map reads each element when it reaches it).
  fc.tuple(scalar, index).map(([e, j]): Piece => (k) => `const z${k} = w.map((v, i) => {\n    if (i + 1 < w.length) w[i + 1] += 0.1 * v;\n    return ${e("v")};\n  });\n  s += z${k}[${j}];`),
];

const program = fc.record({
  pieces: fc.array(fc.oneof(...pieces), { minLength: 1, maxLength: 4 }),
  kind: fc.constantFrom("Float64Array", "number[]"),
  last: index,
  points: fc.array(fc.tuple(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: N, maxLength: N }), fc.double({ min: -1.5, max: 1.5, noNaN: true })), { minLength: 2, maxLength: 2 }),
});

type ProgramSpec = typeof program extends fc.Arbitrary<infer T> ? T : never;

function render(spec: ProgramSpec, typed: boolean): string {
  const t = (a: string) => (typed ? a : "");
  const array = spec.kind === "Float64Array" ? "Float64Array" : "number[]";
  const body = spec.pieces.map((piece, k) => `  ${piece(k, t)}`).join("\n");
  const make = (xs: number[]) => (spec.kind === "Float64Array" ? `Float64Array.from(${JSON.stringify(xs)})` : JSON.stringify(xs));
  const points = spec.points.map(([xs, c]) => `[${make(xs)}, ${c}]`).join(", ");
  return `import { grad } from "adjoint";
export function f(x${t(`: ${array}`)}, c${t(": number")})${t(": number")} {
  let s = 0;
  const w = x.slice();
${body}
  return s + w[${spec.last}] * c;
}
export const checks = [{ primal: f, grad: grad(f, { wrt: [0, 1] }), wrt: [0, 1], points: [${points}] }];
`;
}

async function load(source: string, filename: string): Promise<Record<string, unknown>> {
  const result = transform(source, { filename });
  expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`), source).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `program${++count}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

describe("random programs with local functions and callbacks", () => {
  it("compile to gradients that match central differences, typed and untyped", async () => {
    await fc.assert(
      fc.asyncProperty(program, async (spec) => {
        for (const typed of [true, false]) {
          const source = render(spec, typed);
          try {
            verifyFixture(await load(source, typed ? "program.ts" : "program.js"));
          } catch (error) {
            throw new Error(`${(error as Error).message}\n--- program ---\n${source}`);
          }
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 60_000);
});
