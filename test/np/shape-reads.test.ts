// What the reverse sweep holds between the sweeps of a long loop: the forward sweep pushes
// what the reverse sweep reads before overwriting it. add's rule reads only the shape of
// h * w, so each step pushes h (mul's rule reads it) and the product's stand-in, not the product.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { transform } from "../../compiler/index.js";
import { ValueStack } from "../../runtime/stack.js";
import * as np from "../../runtime/np/index.js";

const STEPS = 1000;
const source = `
import { vjp } from "adjoint";
import * as np from "adjoint/np";
function steps(h: np.NDArray, w: np.NDArray, b: np.NDArray): np.NDArray {
  for (let i = 0; i < ${STEPS}; i++) h = np.add(np.mul(h, w), b);
  return np.sum(h);
}
export const stepsVjp = vjp(steps, { wrt: [0, 1, 2] });
`;

async function load(): Promise<{ stepsVjp: (...args: np.NDArray[]) => [np.NDArray, (d: number) => np.NDArray[]] }> {
  const dir = resolve(__dirname, "..", "..", ".tmp", "shape-reads");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "steps.mjs");
  writeFileSync(path, transform(source, { filename: "steps.ts" }).code);
  return import(pathToFileURL(path).href);
}

afterEach(() => vi.restoreAllMocks());

describe("shape-only reads", () => {
  it("a loop of h = h * w + b keeps one array per step, not two", async () => {
    const { stepsVjp } = await load();
    const pushed: unknown[] = [];
    const pushRef = ValueStack.prototype.pushRef;
    vi.spyOn(ValueStack.prototype, "pushRef").mockImplementation(function (this: ValueStack, value: unknown) {
      pushed.push(value);
      pushRef.call(this, value);
    });
    const h = np.full([4, 3], 0.5);
    const w = np.full([4, 3], 0.999);
    const b = np.full([3], 0.001); // broadcast over the rows: its adjoint is summed back to (3,)
    const [, pullback] = stepsVjp(h, w, b);
    // Between the sweeps: each step's h, and the last h, which a rerun of the pullback
    // starts from (before stand-ins: each step's h * w too, 2 * STEPS + 1)...
    expect(pushed.filter((x) => x instanceof np.NDArray)).toHaveLength(STEPS + 1);
    // ...and the product's stand-in, but for the first step's (nothing to overwrite) and the last's.
    const standIns = pushed.filter((x) => x !== undefined && !(x instanceof np.NDArray));
    expect(standIns.length).toBeLessThanOrEqual(STEPS);
    expect(standIns.every((x) => "shape" in (x as object) && !("data" in (x as object)))).toBe(true);
    const [, , db] = pullback(1);
    expect(db.shape).toEqual([3]);
  });
});
