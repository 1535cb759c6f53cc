// Array methods that write into their array (push, pop, shift, unshift, splice, reverse,
// set, fill over a range, copyWithin): every argument form JavaScript defines (negative,
// omitted, out of range), results used and dropped, in loops and branches. Each gradient
// is checked against central differences at several points, the inputs must come back as
// the primal leaves them, and untyped JavaScript through the Babel plugin must agree.
import { transformSync } from "@babel/core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, transform } from "../compiler/index.js";
import adjointBabel from "../compiler/frontends/babel.js";
import { verifyFixture } from "./helpers/fixture-checks.js";

const dir = resolve(__dirname, "..", ".tmp", "array-methods");
let count = 0;

/** Compiles a module as TypeScript with transform(), or with its types stripped as a .js file through the Babel plugin. */
async function load(source: string, untyped: boolean): Promise<Record<string, unknown>> {
  let code: string;
  if (untyped) {
    const plain = transformSync(source, { filename: "case.ts", babelrc: false, configFile: false, presets: ["@babel/preset-typescript"] })!.code!;
    expect(plain).not.toMatch(/: number|Float64Array\(\) =>|number\[\]/);
    code = transformSync(plain, { filename: "case.js", babelrc: false, configFile: false, plugins: [adjointBabel] })!.code!;
  } else {
    const result = transform(source, { filename: "case.ts" });
    expect(result.diagnostics.map((d) => formatDiagnostic(d, source))).toEqual([]);
    code = result.code;
  }
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `case${++count}.mjs`);
  writeFileSync(file, code);
  return import(pathToFileURL(file).href);
}

/** A case: functions and their `checks` (the fixtures' convention), written after `import { grad, vjp } from "adjoint"`. */
const cases: Record<string, string> = {
  "push and pop a stack in a loop, results used and dropped": `
    function stacky(x: number, y: number): number {
      const stack: number[] = [];
      for (let i = 0; i < 4; i++) stack.push(x * i + y);
      stack.pop();
      let s = 0;
      while (stack.length > 1) {
        const v = stack.pop()!;
        s += v * v;
      }
      stack.push(s * x);
      return stack[0] * stack[1];
    }
    export const checks = [{ primal: stacky, grad: grad(stacky, { wrt: [0, 1] }), wrt: [0, 1], points: [[0.7, 0.3], [-1.2, 2], [0.1, -0.4]] }];`,
  "push several values, its length carries no derivative": `
    function several(x: number, y: number): number {
      const xs: number[] = [x];
      const n = xs.push(y * 2, x * y);
      xs.push();
      let s = 0;
      for (let i = 0; i < xs.length; i++) s += xs[i] * xs[i] * (i + 1);
      return s * n;
    }
    export const checks = [{ primal: several, grad: grad(several, { wrt: [0, 1] }), wrt: [0, 1], points: [[0.7, 0.3], [-1.5, 0.25]] }];`,
  "pop from a parameter: the gradient has the caller's length, the input ends shorter": `
    function tail(xs: number[], w: number): number {
      const last = xs.pop()!;
      xs.pop();
      let s = last * w;
      for (let i = 0; i < xs.length; i++) s += xs[i] * last;
      return s;
    }
    export const checks = [{ primal: tail, grad: grad(tail, { wrt: [0, 1] }), wrt: [0, 1], points: [[[1, 2, 3, 4], 0.5], [[0.5, -1, 2], -2]] }];`,
  "pop and shift from an empty array change nothing": `
    function empty(x: number): number {
      const e: number[] = [];
      e.pop();
      e.shift();
      e.push(x);
      e.pop();
      e.pop();
      e.unshift(x * x);
      return e[0] * x + e.length;
    }
    export const checks = [{ primal: empty, grad: grad(empty), wrt: [0], points: [[0.7], [-2]] }];`,
  "push and unshift in branches of a loop, shift and pop to drain": `
    function deque(x: number, y: number): number {
      const q: number[] = [y];
      for (let i = 0; i < 5; i++) {
        if (i % 2 === 0) q.push(x * i);
        else q.unshift(y * i, x);
      }
      let s = 0;
      while (q.length > 0) {
        const a = q.shift()!;
        s = s * 0.5 + a;
        if (q.length > 0) s += q.pop()! * a;
      }
      return s;
    }
    export const checks = [{ primal: deque, grad: grad(deque, { wrt: [0, 1] }), wrt: [0, 1], points: [[0.7, 0.3], [-1.1, 0.8], [0.2, -0.9]] }];`,
  "unshift into a parameter": `
    function front(xs: number[], x: number): number {
      xs.unshift(x * 3);
      const n = xs.unshift(x, xs[1]);
      let s = 0;
      for (let i = 0; i < xs.length; i++) s += xs[i] * xs[i] * (i + 1);
      return s + n;
    }
    export const checks = [{ primal: front, grad: grad(front, { wrt: [0, 1] }), wrt: [0, 1], points: [[[1, 2], 0.5], [[0.5, -1, 2], -2]] }];`,
  "splice with its result used, items inserted": `
    function cut(xs: number[], y: number): number {
      const removed = xs.splice(1, 2, y, y * y);
      let s = removed[0] * removed[1];
      for (let i = 0; i < xs.length; i++) s += xs[i] * (i + 1);
      return s * y;
    }
    export const checks = [{ primal: cut, grad: grad(cut, { wrt: [0, 1] }), wrt: [0, 1], points: [[[1, 2, 3, 4], 0.5], [[0.5, -1, 2, 3, 5], -2]] }];`,
  "splice's arguments as JavaScript reads them": `
    function forms(xs: number[], y: number): number {
      xs.splice(-2, 1);
      const tail = xs.splice(3);
      xs.splice();
      xs.splice(10, 1, y);
      xs.splice(1, undefined, y * 2);
      xs.splice(0, -3, y * y);
      xs.splice(-100, 1);
      const r = xs.splice(1.7, 1.2);
      let s = r[0] * y;
      for (let i = 0; i < xs.length; i++) s += xs[i] * xs[i] * (i + 2);
      for (let i = 0; i < tail.length; i++) s += tail[i] * y;
      return s;
    }
    export const checks = [{ primal: forms, grad: grad(forms, { wrt: [0, 1] }), wrt: [0, 1], points: [[[1, 2, 3, 4, 5, 6, 7], 0.5], [[0.5, -1, 2, 3, 5, 8], -2]] }];`,
  "splice in a loop, each removed array used": `
    function rotate(xs: number[], w: number): number {
      let s = 0;
      for (let k = 0; k < 6; k++) {
        const r = xs.splice(0, 1);
        xs.push(r[0] * w);
        s += r[0] * r[0];
      }
      return s + xs[0];
    }
    export const checks = [{ primal: rotate, grad: grad(rotate, { wrt: [0, 1] }), wrt: [0, 1], points: [[[1, 2, 3], 0.5], [[0.5, -1, 2, 3], -1.5]] }];`,
  "reverse on number[] and on a typed array, its result an alias": `
    function flip(xs: number[], ys: Float64Array): number {
      const r = xs.reverse();
      ys.reverse();
      let s = 0;
      for (let i = 0; i < r.length; i++) s += r[i] * (i + 1) * ys[i];
      ys.reverse();
      return s * ys[0];
    }
    export const checks = [{ primal: flip, grad: grad(flip, { wrt: [0, 1] }), wrt: [0, 1], points: [[[1, 2, 3], Float64Array.from([0.5, -1, 2])], [[0.5, 4, -1, 2], Float64Array.from([2, 1, 3, -0.5])]] }];`,
  "set from a typed array, a plain array and itself, offset omitted": `
    function place(x: Float64Array, w: number): number {
      const y = new Float64Array(5);
      y.set(x, 1);
      y.set([w, w * w]);
      const b = y;
      y.set(b);
      y.set([y[0], y[1] * w], 3);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * y[i] * (i + 1);
      return s;
    }
    export const checks = [{ primal: place, grad: grad(place, { wrt: [0, 1] }), wrt: [0, 1], points: [[Float64Array.from([0.5, -1]), 0.3], [Float64Array.from([2, 1, 3]), -0.7]] }];`,
  "set into a parameter in a loop": `
    function shiftIn(y: Float64Array, x: number[]): number {
      let s = 0;
      for (let k = 0; k < 3; k++) {
        y.set(x, k);
        s += y[k] * y[k + 1];
      }
      return s;
    }
    export const checks = [{ primal: shiftIn, grad: grad(shiftIn, { wrt: [0, 1] }), wrt: [0, 1], points: [[Float64Array.from([1, 2, 3, 4, 5]), [0.5, -1]], [Float64Array.from([0.3, 2, -1, 4]), [2, 1]]] }];`,
  "fill over ranges: negative, omitted and out-of-range ends": `
    function paint(x: Float64Array, v: number, xs: number[]): number {
      x.fill(v, 1, 3);
      x.fill(v * v, -1);
      x.fill(v * 2, -2, -1);
      x.fill(3, 10, 20);
      x.fill(v, 2, 1);
      xs.fill(v, 1);
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i] * x[i] * (i + 1);
      for (let i = 0; i < xs.length; i++) s += xs[i] * (i + 1);
      return s;
    }
    export const checks = [{ primal: paint, grad: grad(paint, { wrt: [0, 1, 2] }), wrt: [0, 1, 2], points: [[Float64Array.from([1, 2, 3, 4, 5, 6]), 0.5, [1, 2, 3]], [Float64Array.from([0.5, -1, 2, 3]), -2, [4]]] }];`,
  "copyWithin: overlapping, negative and omitted arguments": `
    function copies(x: Float64Array, xs: number[]): number {
      x.copyWithin(1, 0);
      x.copyWithin(0, 2, 4);
      x.copyWithin(-2, -4, -3);
      x.copyWithin(0, 10);
      xs.copyWithin(0, 1);
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i] * x[i] * (i + 1);
      for (let i = 0; i < xs.length; i++) s += xs[i] * x[i] * (i + 1);
      return s;
    }
    export const checks = [{ primal: copies, grad: grad(copies, { wrt: [0, 1] }), wrt: [0, 1], points: [[Float64Array.from([1, 2, 3, 4, 5, 6]), [1, 2, 3]], [Float64Array.from([0.5, -1, 2, 3, 0.25]), [4, -1]]] }];`,
  "copyWithin as a shift register in a loop, a vjp pullback": `
    function register(x: number, n: number): Float64Array {
      const y = new Float64Array(4);
      for (let k = 0; k < n; k++) {
        y.copyWithin(1, 0, -1);
        y[0] = Math.sin(y[1] + x * k);
      }
      return y;
    }
    export const checks = [{ primal: register, vjp: vjp(register), wrt: [0], points: [[0.7, 5], [-0.3, 3]], dvalue: Float64Array.from([1, -2, 0.5, 3]) }];`,
  "element writes into a number[] parameter, put back after the reverse sweep": `
    function square(xs: number[], w: number): number {
      for (let k = 0; k < 2; k++) for (let i = 0; i < xs.length; i++) xs[i] = xs[i] * xs[i] * w;
      return xs[0] + xs[1];
    }
    export const checks = [{ primal: square, grad: grad(square, { wrt: [0, 1] }), wrt: [0, 1], points: [[[1, 2], 0.5], [[0.5, -1, 2], 1.5]] }];`,
  "a grown number[] returned through a vjp": `
    function grow(x: number): number[] {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push(x * i, x * x);
      out.shift();
      return out;
    }
    export const checks = [{ primal: grow, vjp: vjp(grow), wrt: [0], points: [[0.7], [-1.3]], dvalue: [1, -2, 0.5, 3, 2] }];`,
  // A helper that pushes onto the caller's stack: an out-parameter whose length changes.
  calleePushes: `
    function add(s: number[], v: number): number { s.push(v * v); return v; }
    function pushed(x: number, y: number): number {
      const s: number[] = [];
      add(s, x);
      const w = add(s, y) * 2;
      return s[0] * x + s[1] * w;
    }
    export const checks = [{ primal: pushed, grad: grad(pushed, { wrt: [0, 1] }), wrt: [0, 1], points: [[0.7, 0.3], [-1.2, 2]] }];`,
};

describe("array methods", () => {
  for (const [name, body] of Object.entries(cases)) {
    const source = `import { grad, vjp } from "adjoint";\n${body}\n`;
    it(`${name} (TypeScript)`, async () => verifyFixture(await load(source, false)));
    it(`${name} (untyped JavaScript through the Babel plugin)`, async () => verifyFixture(await load(source, true)));
  }
});

describe("array methods that stay refused", () => {
  const refused: Record<string, [string, string]> = {
    "sort with a comparator adjoint does not read": ["ADJ011", `function f(x: Float64Array): number { const y = Float64Array.from(x); y.sort((a, b) => a * b - 1); return y[0]; }`],
    "a spread argument": ["ADJ019", `function f(x: number[], y: number[]): number { x.push(...y); return x[0]; }`],
    "a value not known to be an array": ["ADJ011", `function f(x: number, o: string[]): number { o.push(x); return x; }`],
  };
  for (const [name, [code, body]] of Object.entries(refused)) {
    it(`refuses ${name} (${code}) at its call`, () => {
      const source = `import { grad } from "adjoint";\n${body}\nexport const df = grad(f);\n`;
      const result = transform(source, { filename: "case.ts" });
      expect(result.diagnostics.map((d) => d.code)).toContain(code);
      expect(result.code).toBe("");
    });
  }
  it("leaves a method on an array no gradient reaches as the user wrote it", () => {
    const source = `import { grad } from "adjoint";\nfunction f(x: number, o: string[]): number { o.push("a"); o.sort(); return x * x; }\nexport const df = grad(f);\n`;
    const result = transform(source, { filename: "case.ts" });
    expect(result.diagnostics).toEqual([]);
    expect(result.code).toContain(`o.push("a");`);
  });
});
