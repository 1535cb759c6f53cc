// MXNet's imperative API at run time: record blocks compiled, backward(), .grad,
// retainGraph, leaves inside blocks, chained blocks, modes, and every misuse's message.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { autograd } from "../runtime/index.js";
import * as np from "../runtime/np/index.js";
import { transform } from "../compiler/index.js";
import { centralDifference } from "./helpers/finite-diff.js";

const dir = resolve(__dirname, "..", ".tmp", "autograd");
let count = 0;

/** Compiles a module (with the imports every case needs) and loads it. */
async function compile<T>(body: string): Promise<T> {
  const source = `import { autograd } from "adjoint";\nimport * as np from "adjoint/np";\n${body}`;
  const result = transform(source, { filename: "autograd.ts" });
  expect(result.diagnostics.map((d) => d.message)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `module${++count}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as T;
}

const values = (x: np.NDArray) => [x.toArray()].flat(3) as number[];

describe("record and backward", () => {
  it("differentiates a scalar, overwriting .grad on each backward, or adding with attachGrad('add')", async () => {
    const m = await compile<{ run: (req: "write" | "add") => number[][] }>(`
      export function run(req: "write" | "add") {
        const x = np.array([1, 2, 3]);
        x.attachGrad(req);
        let y!: np.NDArray;
        autograd.record(() => { y = np.sum(np.mul(x, x)); });
        y.backward({ retainGraph: true });
        const first = x.grad.toArray();
        y.backward();
        return [first, x.grad.toArray()];
      }
    `);
    expect(m.run("write")).toEqual([[2, 4, 6], [2, 4, 6]]);
    expect(m.run("add")).toEqual([[2, 4, 6], [4, 8, 12]]);
  });

  it("seeds a non-scalar result with ones, or with the head gradient given", async () => {
    const m = await compile<{ run: (head?: np.NDArray) => number[] }>(`
      export function run(head?: np.NDArray) {
        const x = np.array([1, 2, 3]);
        x.attachGrad();
        let y!: np.NDArray;
        autograd.record(() => { y = np.mul(x, x); });
        if (head) y.backward(head); else y.backward();
        return x.grad.toArray() as number[];
      }
    `);
    expect(m.run()).toEqual([2, 4, 6]);
    expect(m.run(np.array([1, 0, -1]))).toEqual([2, 0, -6]);
    expect(() => m.run(np.array([1, 0]))).toThrow("the head gradient has shape (2) but the array has shape (3)");
  });

  it("never writes into the head gradient it is given, whoever made it", async () => {
    const m = await compile<{ run: (head: np.NDArray) => number[] }>(`
      export function run(head: np.NDArray) {
        const x = np.array([1, 2, 3]);
        x.attachGrad();
        let y!: np.NDArray;
        autograd.record(() => { y = np.sin(np.mul(x, 3)); });
        y.backward(head);
        return x.grad.toArray() as number[];
      }
    `);
    // A rule's result is an array adjoint's rules may treat as their own: the head must stay as given.
    const head = np.adjoints.mul.vjp(np.array([1, 2, 3]), np.array([2, 2, 2]), 2, undefined)[0] as np.NDArray;
    const before = head.toArray();
    const grads = m.run(head);
    expect(head.toArray()).toEqual(before);
    grads.forEach((g, i) => expect(g).toBeCloseTo(3 * Math.cos(3 * (i + 1)) * [2, 4, 6][i], 12));
  });

  it("returns the block's value, recorded", async () => {
    const m = await compile<{ run: () => [number, number[]] }>(`
      export function run(): [number, number[]] {
        const w = np.array([0.5, -1]);
        w.attachGrad();
        const loss = autograd.record(() => np.sum(np.square(np.sub(w, 1))));
        loss.backward();
        return [loss.item(), w.grad.toArray() as number[]];
      }
    `);
    expect(m.run()).toEqual([4.25, [-1, -4]]);
  });

  it("matches finite differences through a module function with a loop and a branch on array values", async () => {
    const m = await compile<{ f: (a: np.NDArray) => np.NDArray; viaRecord: (a: np.NDArray) => np.NDArray }>(`
      export function f(a: np.NDArray): np.NDArray {
        let b = np.tanh(a);
        for (let i = 0; i < 3; i++) {
          if (np.sum(b).item() > 0) b = np.mul(b, np.sin(a));
          else b = np.add(b, np.exp(np.mul(0.5, a)));
        }
        return np.sum(np.mul(b, b));
      }
      export function viaRecord(a: np.NDArray): np.NDArray {
        const p = a.copy();
        p.attachGrad();
        let out!: np.NDArray;
        autograd.record(() => { out = f(p); });
        out.backward();
        return p.grad;
      }
    `);
    for (const point of [[0.3, -0.2, 0.9], [-1.1, -0.4, 0.2]]) {
      const a = np.array(point);
      const expected = point.map((_, i) => centralDifference((...v: number[]) => m.f(np.array(v)).item(), point, i));
      values(m.viaRecord(a)).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 6));
    }
  });

  it("chains blocks: an output of one block read by a later one carries the gradient back through both", async () => {
    const m = await compile<{ run: () => number[] }>(`
      export function run() {
        const x = np.array([1, 2, 3]);
        x.attachGrad();
        let y!: np.NDArray, z!: np.NDArray;
        autograd.record(() => { y = np.mul(x, x); });
        autograd.record(() => { z = np.sum(np.add(np.mul(3, y), x)); });
        z.backward();
        return x.grad.toArray() as number[];
      }
    `);
    expect(m.run()).toEqual([7, 13, 19]); // 6x + 1
  });

  it("skips the gradients of data arrays, and still gives gradients to arrays attached where the compiler does not follow them", async () => {
    const body = `
      function step(p: np.NDArray, data: np.NDArray) {
        let y!: np.NDArray;
        autograd.record(() => { y = np.sum(np.mul(p, data)); });
        y.backward();
      }
      export function run() {
        const w = np.array([1, 2]);
        const arrays = [np.array([3, 4])];
        w.attachGrad();
        arrays[0].attachGrad();
        step(w, arrays[0]);  // both need gradients: the block's full form runs
        const before = [w.grad.toArray() as number[], arrays[0].grad.toArray() as number[]];
        step(w, np.array([5, 6])); // only w (the data array has none)
        return [...before, w.grad.toArray() as number[]];
      }
    `;
    // p receives an attached array at a call site, data none the compiler can see: two forms.
    const source = transform(`import { autograd } from "adjoint";\nimport * as np from "adjoint/np";\n${body}`, { filename: "autograd.ts" }).code;
    expect([...source.matchAll(/inputs: \[([\d, ]*)\]/g)].map((m) => m[1])).toEqual(["0", "0, 1"]);
    const m = await compile<{ run: () => number[][] }>(body);
    expect(m.run()).toEqual([[3, 4], [1, 2], [5, 6]]);
  });

  it("stops at an array given a gradient inside the block (seed cell 14)", async () => {
    const m = await compile<{ run: () => number[][] }>(`
      export function run() {
        const x = np.arange(4);
        x.attachGrad();
        const y = np.mul(np.ones(4), 2);
        y.attachGrad();
        let u!: np.NDArray, z!: np.NDArray;
        autograd.record(() => {
          u = np.mul(x, y);
          u.attachGrad();
          z = np.sub(np.mul(5, u), x);
        });
        z.backward();
        return [x.grad, u.grad, y.grad].map((g) => g.toArray() as number[]);
      }
    `);
    expect(m.run()).toEqual([[-1, -1, -1, -1], [5, 5, 5, 5], [0, 0, 0, 0]]);
  });
});

describe("autograd.backward and autograd.grad (MXNet's functions of several heads)", () => {
  it("backward of several heads adds their gradients; grad returns them and leaves .grad alone", async () => {
    const m = await compile<{ run: () => number[][] }>(`
      export function run() {
        const x = np.array([1, 2, 3]);
        const w = np.array([0.5, -1, 2]);
        x.attachGrad();
        w.attachGrad();
        let y!: np.NDArray, z!: np.NDArray;
        autograd.record(() => {
          y = np.sum(np.mul(x, w));
          z = np.mul(x, x);
        });
        autograd.backward([y, z], [2, undefined], { retainGraph: true });
        const stored = [x.grad.toArray() as number[], w.grad.toArray() as number[]];
        const [dx, dw] = autograd.grad(y, [x, w]);
        return [...stored, dx.toArray() as number[], dw.toArray() as number[], x.grad.toArray() as number[]];
      }
    `);
    const [xGrad, wGrad, dx, dw, xGradAfter] = m.run();
    expect(xGrad).toEqual([2 * 0.5 + 2, 2 * -1 + 4, 2 * 2 + 6]); // 2 w + 2 x
    expect(wGrad).toEqual([2, 4, 6]); // 2 x
    expect(dx).toEqual([0.5, -1, 2]);
    expect(dw).toEqual([1, 2, 3]);
    expect(xGradAfter).toEqual(xGrad);
  });

  it("grad refuses a variable with no gradient attached", async () => {
    const m = await compile<{ run: () => void }>(`
      export function run() {
        const x = np.array([1, 2]);
        x.attachGrad();
        const loss = autograd.record(() => np.sum(np.mul(x, x)));
        autograd.grad(loss, [x, np.array([3, 4])]);
      }
    `);
    expect(() => m.run()).toThrow("autograd.grad: variable 1 has no gradient attached; call attachGrad() on it before recording");
  });
});

describe("retainGraph", () => {
  it("refuses a second backward over released values, with MXNet's advice", async () => {
    const m = await compile<{ run: () => void }>(`
      export function run() {
        const x = np.ones(4);
        x.attachGrad();
        let y!: np.NDArray;
        autograd.record(() => { y = np.mul(3, x); });
        y.backward();
        y.backward();
      }
    `);
    expect(() => m.run()).toThrow(/released by an earlier backward\(\)\. To differentiate the same graph twice, pass \{ retainGraph: true \}/);
  });

  it("takes MXNet's positional form too: backward(null, true) retains", async () => {
    const m = await compile<{ run: () => number[] }>(`
      export function run() {
        const x = np.ones(2);
        x.attachGrad("add");
        let y!: np.NDArray;
        autograd.record(() => { y = np.sum(np.mul(3, x)); });
        y.backward(null, true);
        y.backward(undefined, { retainGraph: true });
        y.backward();
        return x.grad.toArray() as number[];
      }
    `);
    expect(m.run()).toEqual([9, 9]);
  });

  it("keeps outputs of a block that share nothing with the released one (seed cell 13), and refuses those that do", async () => {
    const m = await compile<{ independent: () => number[]; dependent: () => void }>(`
      export function independent() {
        const x = np.arange(4);
        x.attachGrad();
        let y!: np.NDArray, u!: np.NDArray, z!: np.NDArray;
        autograd.record(() => {
          y = np.mul(x, x);
          u = y.detach();
          z = np.mul(u, x);
        });
        z.backward();
        y.backward();
        return x.grad.toArray() as number[];
      }
      export function dependent() {
        const x = np.arange(4);
        x.attachGrad();
        let y!: np.NDArray, z!: np.NDArray;
        autograd.record(() => {
          y = np.mul(x, x);
          z = np.mul(y, 2);
        });
        z.backward();
        y.backward();
      }
    `);
    expect(m.independent()).toEqual([0, 2, 4, 6]);
    expect(() => m.dependent()).toThrow(/released by an earlier backward/);
  });

  it("releases along a chain of blocks", async () => {
    const m = await compile<{ run: () => void }>(`
      export function run() {
        const x = np.arange(3);
        x.attachGrad();
        let y!: np.NDArray, z!: np.NDArray, w!: np.NDArray;
        autograd.record(() => { y = np.sin(x); });
        autograd.record(() => { z = np.sum(y); });
        autograd.record(() => { w = np.sum(np.mul(y, y)); });
        z.backward();
        w.backward();
      }
    `);
    expect(() => m.run()).toThrow(/autograd.record at autograd.ts:8 /);
  });
});

describe("modes", () => {
  it("is training and recording inside record only; trainMode: false predicts; pause stops both", async () => {
    const m = await compile<{ run: () => boolean[][] }>(`
      export function run() {
        const seen: boolean[][] = [[autograd.isRecording(), autograd.isTraining()]];
        const x = np.array([1, 2]);
        x.attachGrad();
        let y!: np.NDArray;
        autograd.record(() => {
          seen.push([autograd.isRecording(), autograd.isTraining()]);
          autograd.pause(() => {
            seen.push([autograd.isRecording(), autograd.isTraining()]);
          });
          y = np.sum(x);
        });
        autograd.record({ trainMode: false }, () => {
          seen.push([autograd.isRecording(), autograd.isTraining()]);
          autograd.trainMode(() => {
            seen.push([autograd.isRecording(), autograd.isTraining()]);
          });
        });
        const options = { trainMode: true };
        autograd.record(() => {
          autograd.predictMode(() => {
            seen.push([autograd.isRecording(), autograd.isTraining()]);
          });
        }, options);
        seen.push([autograd.isRecording(), autograd.isTraining()]);
        return seen;
      }
    `);
    expect(m.run()).toEqual([
      [false, false],
      [true, true],
      [false, false],
      [true, false],
      [true, true],
      [true, false],
      [false, false],
    ]);
  });

  it("treats what pause computes as a constant", async () => {
    const m = await compile<{ run: () => number[] }>(`
      export function run() {
        const x = np.array([1, 2, 3]);
        x.attachGrad();
        let c!: np.NDArray, z!: np.NDArray;
        autograd.record(() => {
          const y = np.mul(x, x);
          autograd.pause(() => {
            c = np.mul(y, 2);
          });
          z = np.sum(np.mul(c, x));
        });
        z.backward();
        return x.grad.toArray() as number[];
      }
    `);
    expect(m.run()).toEqual([2, 8, 18]); // dz/dx = c = 2x^2, nothing through c
  });

  it("runs pause, trainMode and predictMode outside record as plain scopes", () => {
    expect(autograd.pause(() => [autograd.isRecording(), autograd.isTraining()])).toEqual([false, false]);
    expect(autograd.pause(() => autograd.isTraining(), { trainMode: true })).toBe(true);
    expect(autograd.trainMode(() => autograd.isTraining())).toBe(true);
    expect(autograd.predictMode(() => autograd.isTraining())).toBe(false);
    expect(autograd.isTraining()).toBe(false);
  });
});

describe("misuse", () => {
  it("backward on an array no record block computed", () => {
    expect(() => np.array([1, 2]).backward()).toThrow("backward: this array was not computed inside autograd.record(() => { ... })");
  });

  it("attachGrad on an integer array", () => {
    expect(() => np.array([1, 2], "int32").attachGrad()).toThrow('attachGrad: gradients need a floating-point array, this one is int32; convert it first with x.astype("float64")');
  });

  it("reading .grad that was never attached", () => {
    expect(() => np.array([1.5]).grad).toThrow("x.grad: no gradient is attached to this array; call x.attachGrad()");
  });

  it("a const compiled as a constant (attached where the compiler does not follow it) that has a gradient after all", async () => {
    const m = await compile<{ run: () => void }>(`
      const data = np.array([1, 2]);
      const held = [data]; // an array element: not an alias the compiler follows
      export function run() {
        held[0].attachGrad();
        let y!: np.NDArray;
        autograd.record(() => { y = np.sum(np.mul(data, 2)); });
      }
    `);
    expect(() => m.run()).toThrow("autograd.record at autograd.ts:9: 'data' was compiled as a constant (a const that, as far as the compiler follows it in this module, never gets a gradient), but its array has a gradient attached. Call attachGrad() on it (or on what it was taken from) in this module, or declare it with let");
  });

  it("an object used whole in a block, one of whose fields needs a gradient: refused at run time, not a zero gradient", async () => {
    const m = await compile<{ run: () => void }>(`
      export function run() {
        const params = { w: np.array([1, 2]), b: np.array([0.5]) };
        params.w.attachGrad();
        let y!: np.NDArray;
        autograd.record(() => {
          const q = params;
          y = np.sum(np.mul(q.w, 2));
        });
      }
    `);
    expect(() => m.run()).toThrow("the block uses an object whole (argument 0) whose field 'w' is an array that needs a gradient, which the compiler cannot follow there. Read the array as a field in the block (params.w)");
  });

  it("an object passed whole to a module function taking a record: each field it reads is an input", async () => {
    const m = await compile<{ run: () => number[] }>(`
      function affine(p: { w: np.NDArray; b: np.NDArray }, x: np.NDArray): np.NDArray {
        return np.add(np.mul(p.w, x), p.b);
      }
      export function run() {
        const params = { w: np.array([1, 2]), b: np.array([0.5, -1]) };
        params.w.attachGrad();
        params.b.attachGrad();
        const x = np.array([3, 4]);
        let y!: np.NDArray;
        autograd.record(() => {
          y = np.sum(np.square(affine(params, x)));
        });
        y.backward();
        return [...params.w.grad.toArray(), ...params.b.grad.toArray()];
      }
    `);
    // y = sum((w x + b)^2): dy/dw = 2 (w x + b) x, dy/db = 2 (w x + b)
    expect(m.run()).toEqual([2 * 3.5 * 3, 2 * 7 * 4, 2 * 3.5, 2 * 7]);
  });

  it("an array that needs a gradient where the compiler saw a number", async () => {
    const m = await compile<{ run: () => void }>(`
      export function run() {
        const array = np.array([1, 2]);
        array.attachGrad();
        const scale: number = array as unknown as number; // a wrong annotation
        let y!: np.NDArray;
        autograd.record(() => { y = np.sum(np.mul(array, scale)); });
      }
    `);
    expect(() => m.run()).toThrow(/autograd.record at autograd.ts:\d+: the block reads an array that needs a gradient \(argument 1\) where the compiler saw no NDArray/);
  });

  it("an autograd.record the build did not compile", () => {
    expect(() => autograd.record(() => 1)).toThrow(/autograd\.record\(.*\) ran uncompiled in .*: that file was not transformed by adjoint/);
  });
});
