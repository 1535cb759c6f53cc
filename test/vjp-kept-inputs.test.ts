// A vjp's pullback reads the arrays it was given as the vjp left them: an array written
// between the vjp and its pullback would give the gradient at another point, so the pullback
// throws rather than return it.
import { describe, expect, it } from "vitest";
import { resolve } from "node:path";
import { loadModule } from "./helpers/ndarray-modules.js";

const dir = resolve(__dirname, "..", ".tmp", "vjp-kept-inputs");
const load = (source: string) => loadModule(dir, `import { vjp, jacrev } from "adjoint";\n`, source);

type Pullback = (dv: number | Float64Array) => Float64Array | Float64Array[];
type Vjp = (...a: unknown[]) => [unknown, Pullback];

describe("vjp's pullback and the arrays it reads", () => {
  it("throws where an array it reads was written after the vjp, and gives the gradient where none was", async () => {
    const m = await load(`function f(x: Float64Array, c: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i] * c;
  return s;
}
export const V = vjp(f, { wrt: [0, 1] });\n`);
    const V = m.V as Vjp;
    const x = Float64Array.from([1, 2, 3]);
    const [, back] = V(x, 2);
    expect(Array.from((back(1) as Float64Array[])[0])).toEqual([4, 8, 12]);
    x[1] = 10;
    expect(() => back(1)).toThrow(/argument 0 as it was when the vjp ran, and that array has been written since/);
    x[1] = 2;
    expect(Array.from((back(1) as Float64Array[])[0])).toEqual([4, 8, 12]);
  });

  it("leaves a pullback that reads no array unchecked, and jacrev (one pullback per row) as it was", async () => {
    const m = await load(`function linear(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += 3 * x[i];
  return s;
}
function square(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * x[i];
  return out;
}
export const V = vjp(linear);
export const J = jacrev(square);\n`);
    const x = Float64Array.from([1, 2]);
    const [, back] = (m.V as Vjp)(x);
    x[0] = 5;
    expect(Array.from(back(1) as Float64Array)).toEqual([3, 3]);
    const rows = (m.J as (x: Float64Array) => Float64Array[])(Float64Array.from([1, 2]));
    expect(rows.map((r) => Array.from(r))).toEqual([[2, 0], [0, 4]]);
  });

  it("checks NDArrays too: written through an out argument or .data after the vjp, the pullback throws", async () => {
    const m = await loadModule(dir, `import { vjp } from "adjoint";\nimport * as np from "adjoint/np";\n`, `function loss(w: np.NDArray, x: np.NDArray): number {
  return np.sum(np.tanh(np.mul(w, x))).item();
}
export const V = vjp(loss);\n`);
    const np = await import("../runtime/np/index.js");
    const [w, x] = [np.array([0.5, -1, 2]), np.array([1, 2, 3])];
    const [, back] = (m.V as (...a: unknown[]) => [number, (d: number) => InstanceType<typeof np.NDArray>])(w, x);
    const first = Array.from(back(1).data);
    np.add(w, 1, w);
    expect(() => back(1)).toThrow(/argument 0 as it was when the vjp ran/);
    np.sub(w, 1, w);
    expect(Array.from(back(1).data)).toEqual(first);
    x.data[2] = 7;
    expect(() => back(1)).toThrow(/argument 1 as it was when the vjp ran/);
  });
});
