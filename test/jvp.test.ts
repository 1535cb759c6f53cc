// Forward mode: jvp(f)(...x, ...u) = [f(x), J u], checked at several points against central
// differences along u, and against reverse mode: <v, J u> from the jvp equals <vjp(f)(x)(v), u>
// (relative tolerance 1e-7 between the modes, 1e-5 against differences at h = 1e-5). The
// tangents the caller passes and the inputs come back as the primal leaves them.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectClose } from "./helpers/finite-diff.js";
import { jvp } from "../runtime/index.js";

const dir = resolve(__dirname, "..", ".tmp", "jvp");
let count = 0;

async function load(source: string): Promise<Record<string, unknown>> {
  const name = `module${++count}`;
  const result = transform(`import { jvp, vjp, grad } from "adjoint";\n${source}`, { filename: `${name}.ts` });
  expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

type Numbers = Float64Array | number[];
type Arg = number | Numbers;
type Value = number | Numbers;

const clone = (a: Arg): Arg => (typeof a === "number" ? a : a.slice());
/** A tangent of an argument's kind, from a seeded generator. */
function tangentLike(a: Arg, next: () => number): Arg {
  if (typeof a === "number") return next();
  const t = a.slice();
  for (let i = 0; i < t.length; i++) t[i] = next();
  return t;
}
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}
const flat = (v: Value): number[] => (typeof v === "number" ? [v] : Array.from(v));
const dot = (a: Value, b: Value): number => flat(a).reduce((acc, x, i) => acc + x * flat(b)[i], 0);
/** x + s u, along the wrt arguments. */
function moved(point: Arg[], wrt: number[], u: Arg[], s: number): Arg[] {
  const args = point.map(clone);
  wrt.forEach((i, k) => {
    const a = args[i];
    if (typeof a === "number") args[i] = a + s * (u[k] as number);
    else for (let j = 0; j < a.length; j++) a[j] += s * (u[k] as Numbers)[j];
  });
  return args;
}

interface Case {
  /** Defines `f` (and what it calls); the test adds the markers. */
  source: string;
  wrt: number[];
  points: Arg[][];
}

async function check({ source, wrt, points }: Case): Promise<void> {
  const w = `[${wrt.join(", ")}]`;
  const m = await load(`${source}\nexport { f };\nexport const J = jvp(f, { wrt: ${w} });\nexport const V = vjp(f, { wrt: ${w} });\n`);
  const f = m.f as (...a: Arg[]) => Value;
  const J = m.J as (...a: Arg[]) => [Value, Value];
  const V = m.V as (...a: Arg[]) => [Value, (v: Value) => Arg[]];
  points.forEach((point, p) => {
    const next = generator(17 + p);
    const u = wrt.map((i) => tangentLike(point[i], next));
    const given = u.map(clone);
    const args = point.map(clone);
    const [value, tangent] = J(...args, ...u);
    const primalArgs = point.map(clone);
    const primal = f(...primalArgs);
    const where = `at point ${p}`;
    expect(flat(value), `value ${where}`).toEqual(flat(primal));
    expect(u.map(flat), `the tangents come back as given ${where}`).toEqual(given.map(flat));
    args.forEach((a, k) => expect(flat(a), `argument ${k} as the primal leaves it ${where}`).toEqual(flat(primalArgs[k])));
    // Central differences along u.
    const h = 1e-5;
    const plus = flat(f(...moved(point, wrt, u, h)));
    const minus = flat(f(...moved(point, wrt, u, -h)));
    const t = flat(tangent);
    expect(t.length, `a tangent of the value's shape ${where}`).toBe(plus.length);
    t.forEach((x, j) => expectClose(x, (plus[j] - minus[j]) / (2 * h), { rtol: 1e-5, atol: 1e-6, label: `tangent[${j}] vs differences ${where}` }));
    // Reverse mode: <v, J u> = <J^T v, u>.
    const v = tangentLike(typeof primal === "number" ? 0 : primal, next) as Value;
    const [, pullback] = V(...point.map(clone));
    const grads = pullback(typeof v === "number" ? v : v.slice());
    const reverse = wrt.reduce((acc, _, k) => acc + dot(grads[k] as Value, u[k] as Value), 0);
    expectClose(dot(v, tangent), reverse, { rtol: 1e-7, atol: 1e-9, label: `<v, J u> vs <vjp(v), u> ${where}` });
  });
}

const X = "Float64Array.from([0.3, -0.7, 1.1, 0.45])";
const x = () => Float64Array.from([0.3, -0.7, 1.1, 0.45]);
const y = () => Float64Array.from([1.5, 0.25, -2, 0.8]);

const cases: Record<string, Case> = {
  "a scalar loop": {
    source: `function f(x: number, n: number): number { let y = x; for (let i = 0; i < n; i++) y = Math.sin(y) * x; return y; }`,
    wrt: [0],
    points: [[0.7, 3], [-1.2, 5], [2, 0]],
  },
  "every scalar primitive": {
    source: `function f(a: number, b: number): number {
      const s = a * b - a / b + a % 1.5 + a ** 2 + b ** a + -a + Math.exp(a) * Math.log(b * b + 1) + Math.sqrt(b * b + 1);
      const t = Math.tanh(a) + Math.atan2(a, b) + Math.hypot(a, b) + Math.max(a, b, 0.1) - Math.min(a, b) + Math.abs(a - b) + Math.cbrt(b) + Math.pow(b * b, a);
      return s * Math.cos(t) + Math.floor(a) * b + Math.sinh(a) / Math.cosh(b) + Math.asinh(b) + Math.log1p(a * a) + Math.expm1(b);
    }`,
    wrt: [0, 1],
    points: [[0.7, 1.3], [-0.4, 2.1], [1.9, -0.6]],
  },
  "branches and early returns": {
    source: `function f(x: number, y: number): number {
      if (x > 1) return x * y;
      let s = 0;
      if (y < 0) s = Math.sin(x); else if (y < 1) s = x * x * y; else { s = y / x; if (s > 2) return s * s; }
      return x > 0 ? s + x : s - y * x;
    }`,
    wrt: [0, 1],
    points: [[1.5, 2], [0.5, -1], [0.3, 0.5], [0.4, 3], [0.9, 1.5], [-0.5, 0.5]],
  },
  "a while loop with break and continue": {
    source: `function f(x: number, y: number): number {
      let s = y, k = 0;
      while (true) {
        k++;
        if (k % 3 === 0) continue;
        s = s * 0.9 + Math.sin(x * k);
        if (s > 4 || k > 12) break;
      }
      do { s = s - 0.1 * x; } while (s > 3);
      return s * x;
    }`,
    wrt: [0, 1],
    points: [[0.5, 1], [1.2, 0.1], [-0.8, 2]],
  },
  "callees, a loop of calls and recursion": {
    source: `function step(s: number, x: number): number { let t = s; for (let i = 0; i < 3; i++) t = t * 0.5 + Math.sin(x * t); return t > 0 ? t * x : t - x; }
    function power(x: number, n: number): number { return n === 0 ? 1 : x * power(x, n - 1); }
    function f(x: number, y: number): number {
      let s = y;
      for (let i = 0; i < 4; i++) { if (i % 2 === 0) s = step(s, x); else s = s + step(x, s) * 0.3; }
      return s + power(x, 3) + power(y, 2) * step(1.5, 0.5);
    }`,
    wrt: [0, 1],
    points: [[0.5, 2], [0.8, 1.5], [-2, 0.25]],
  },
  "arrays in, an array out": {
    source: `function f(x: Float64Array, c: number): Float64Array {
      const out = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = Math.sin(x[i]) * c + (i > 0 ? out[i - 1] * x[i] : 0);
      return out;
    }`,
    wrt: [0, 1],
    points: [[x(), 0.7], [y(), -1.2]],
  },
  "a number[] built by push, read by pop, spliced and reversed": {
    source: `function f(x: number[], c: number): number[] {
      const stack: number[] = [];
      for (const v of x) stack.push(v * c, v * v);
      const top = stack.pop()!;
      stack.splice(1, 2, top * c, c);
      stack.unshift(stack.shift()! * 2);
      stack.reverse();
      stack.copyWithin(0, 2, 4);
      return stack;
    }`,
    wrt: [0, 1],
    points: [[[0.3, -0.7, 1.1], 0.7], [[1.5, 0.25, -2, 0.8], -1.2]],
  },
  "typed array set, fill and views": {
    source: `function f(x: Float64Array, c: number): number {
      const a = new Float64Array(x.length + 2);
      a.fill(c, 0, 2);
      a.set(x, 2);
      const v = a.subarray(1, 4);
      v[0] = v[1] * v[2];
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i] * a[i];
      const b = a.slice(2);
      b.fill(c * c);
      return s + b[0] * x[0];
    }`,
    wrt: [0, 1],
    points: [[x(), 0.7], [y(), -1.2]],
  },
  "out-parameters, written through two levels of callees": {
    source: `function scale(out: Float64Array, x: Float64Array, c: number): void { for (let i = 0; i < x.length; i++) out[i] = x[i] * c; }
    function addTo(y: Float64Array, x: Float64Array): void { for (let i = 0; i < y.length; i++) y[i] += Math.sin(x[i]); }
    function twice(y: Float64Array, x: Float64Array): number { addTo(y, x); addTo(y, y); return y[0]; }
    function f(x: Float64Array, c: number): number {
      const y = Float64Array.from(x);
      const out = new Float64Array(x.length);
      scale(out, y, c);
      y[0] = out[1] * out[2];
      scale(out, y, c);
      const first = twice(out, y);
      return first * out[1] + y[0] * x[3];
    }`,
    wrt: [0, 1],
    points: [[x(), 0.7], [y(), -1.2]],
  },
  "a function writing into its input": {
    source: `function smooth(a: Float64Array, k: number): void {
      if (k === 0) return;
      for (let i = 1; i < a.length; i++) a[i] = 0.5 * (a[i] + a[i - 1] * a[i - 1]);
      smooth(a, k - 1);
    }
    function f(x: Float64Array): number { smooth(x, 2); x[0] = x[1] * x[2]; return x[0] + x[3]; }`,
    wrt: [0],
    points: [[x()], [y()]],
  },
  "a callee returning the array it was given": {
    source: `function scaled(a: Float64Array, c: number): Float64Array { for (let i = 0; i < a.length; i++) a[i] *= c; return a; }
    function f(x: Float64Array, c: number): number { const y = x.slice(); const z = scaled(y, c); z[0] = z[1] * c; return y[0] + z[2] * x[3]; }`,
    wrt: [0, 1],
    points: [[x(), 0.7], [y(), -1.2]],
  },
  "records: local, field writes, passed to a callee": {
    source: `interface Model { w: Float64Array; b: number }
    function predict(m: Model, x: number): number { let s = m.b; for (let i = 0; i < m.w.length; i++) s += m.w[i] * x ** i; return s; }
    function f(w: Float64Array, x: number): number {
      const m = { w, b: 2 * x };
      m.b = m.b + m.w[0];
      const p = { q: { r: x * x } };
      return Math.tanh(predict(m, x)) + p.q.r * m.b;
    }`,
    wrt: [0, 1],
    points: [[x(), 0.7], [y(), -0.4]],
  },
  "destructuring": {
    source: `function f(x: Float64Array, y: number): number {
      const [a, b, ...rest] = x;
      let [p, q] = [a * y, b + y];
      [p, q] = [q, p * q];
      const { u, v = 2 } = { u: p - q, v: rest[0] };
      return u * v + rest[rest.length - 1] * q;
    }`,
    wrt: [0, 1],
    points: [[x(), 0.7], [y(), -1.2]],
  },
  "map, reduce, forEach, every and Array.from callbacks": {
    source: `function f(x: number[], c: number): number {
      const sq = x.map((v, i) => v * v * c + i);
      let s = sq.reduce((acc, v) => acc + Math.sin(v), 0);
      x.forEach((v) => { s += v * c; });
      const ok = x.every((v) => v < 10);
      const fused = x.map((v) => v * c).reduce((a, b) => a + b * b, 0);
      const made = Array.from({ length: 3 }, (_, i) => c * i);
      return (ok ? s : -s) + fused + made[2] * sq[0];
    }`,
    wrt: [0, 1],
    points: [[[0.3, -0.7, 1.1], 0.7], [[1.5, 0.25, -2, 0.8], -1.2]],
  },
  "local functions and closures": {
    source: `function f(x: number, y: number): number {
      let total = 0;
      const add = (t: number) => { total += t * x; return total; };
      function sq(t: number): number { return t * t; }
      for (let i = 0; i < 3; i++) add(sq(y + i));
      return total + add(x);
    }`,
    wrt: [0, 1],
    points: [[0.5, 2], [-1.1, 0.3]],
  },
  "a tangent for a later parameter, a slice and a spread": {
    source: `function f(n: number, x: Float64Array, c: number): number {
      const head = x.slice(0, 2);
      const both = [...head, c, ...x];
      return Math.max(...both) * n + both[2] * head[1];
    }`,
    wrt: [2, 1],
    points: [[2, x(), 0.7], [3, y(), -1.2]],
  },
};

describe("jvp against finite differences and against vjp", () => {
  for (const [name, c] of Object.entries(cases)) it(name, () => check(c));
});

describe("jvp's API", () => {
  it("takes one tangent for wrt 0 by default and returns [value, tangent]", async () => {
    const m = await load(`function f(x: number, y: number): number { return x * x * y; }\nexport const j = jvp(f);\nexport const jy = jvp(f, { wrt: 1 });\n`);
    expect((m.j as (...a: number[]) => number[])(3, 2, 1)).toEqual([18, 12]);
    expect((m.jy as (...a: number[]) => number[])(3, 2, 1)).toEqual([18, 9]);
  });

  it("gives a zero tangent for a result that does not depend on the tangent's parameter", async () => {
    const m = await load(`function f(x: number, a: Float64Array): Float64Array { return a.map((v) => v * 2); }\nexport const j = jvp(f);\n`);
    const [value, tangent] = (m.j as (...a: unknown[]) => [Float64Array, Float64Array])(1, Float64Array.from([1, 2]), 1);
    expect(Array.from(value)).toEqual([2, 4]);
    expect(Array.from(tangent)).toEqual([0, 0]);
  });

  it("throws when reached uncompiled", () => {
    expect(() => jvp((x: number) => x)).toThrow(/jvp\(.*\) ran uncompiled/);
  });
});

describe("jacfwd: a jvp per input element", () => {
  it("number -> number, number -> array, array -> number (= grad), array -> array, and wrt lists", async () => {
    const m = await load(`import { jacfwd } from "adjoint";
      function s(x: number): number { return Math.sin(x) * x; }
      function curve(t: number): Float64Array { return Float64Array.from([t * t, Math.cos(t), 2]); }
      function norm(x: number[], c: number): number { let q = 0; for (const v of x) q += v * v * c; return q; }
      function step(x: Float64Array, c: number): Float64Array { const y = new Float64Array(2); y[0] = x[0] * x[1] * c; y[1] = Math.exp(x[2]) + c; x[0] = 0; return y; }
      export const a = jacfwd(s);
      export const b = jacfwd(curve);
      export const g = grad(norm);
      export const c = jacfwd(norm);
      export const d = jacfwd(step);
      export const e = jacfwd(step, { wrt: [1, 0] });
      export const inline = jacfwd((x: number, k: number) => x ** 3 * k);`);
    const call = (name: string, ...args: unknown[]) => (m[name] as (...a: unknown[]) => unknown)(...args);
    expectClose(call("a", 0.7) as number, Math.cos(0.7) * 0.7 + Math.sin(0.7));
    expect(Array.from(call("b", 0.5) as Float64Array).map((v) => +v.toFixed(12))).toEqual([1, +(-Math.sin(0.5)).toFixed(12), 0]);
    expect(call("c", [0.5, -1, 2], 3)).toEqual(call("g", [0.5, -1, 2], 3));
    const x = Float64Array.from([0.5, -1, 0.25]);
    const rows = call("d", x, 2) as Float64Array[];
    expect(rows.map((r) => Array.from(r))).toEqual([[-2, 1, 0], [0, 0, Math.exp(0.25)]]);
    expect(Array.from(x), "the caller's input is not written").toEqual([0.5, -1, 0.25]);
    const [dc, dx] = call("e", x, 2) as [Float64Array, Float64Array[]];
    expect(Array.from(dc)).toEqual([-0.5, 1]);
    expect(dx.map((r) => Array.from(r))).toEqual(rows.map((r) => Array.from(r)));
    expectClose(call("inline", 2, 5) as number, 60);
  });
});

describe("jvp of a function with record parameters", () => {
  it("takes a tangent record of the same keys, nested records too, and agrees with grad and differences", async () => {
    const m = await load(`interface Params { w: number; b: Float64Array; layer: { scale: number; label: string } }
      function loss(p: Params, x: number): number {
        let s = 0;
        for (let i = 0; i < p.b.length; i++) s += Math.tanh(p.w * x + p.b[i] * i) * p.layer.scale;
        return s * x;
      }
      export const J = jvp(loss);
      export const JX = jvp(loss, { wrt: [0, 1] });
      export const G = grad(loss, { wrt: [0, 1] });`);
    type P = { w: number; b: Float64Array; layer: { scale: number; label: string } };
    const p: P = { w: 0.7, b: Float64Array.from([0.2, -0.4, 0.9]), layer: { scale: 1.5, label: "dense" } };
    const u = { w: 0.3, b: Float64Array.from([1, -0.5, 0.25]), layer: { scale: -0.8 } };
    const f = (q: P, x: number) => {
      let s = 0;
      for (let i = 0; i < q.b.length; i++) s += Math.tanh(q.w * x + q.b[i] * i) * q.layer.scale;
      return s * x;
    };
    const along = (e: number): P => ({ w: p.w + e * u.w, b: p.b.map((v, i) => v + e * u.b[i]), layer: { scale: p.layer.scale + e * u.layer.scale, label: "dense" } });
    const [value, tangent] = (m.J as (...a: unknown[]) => [number, number])(p, 0.4, u);
    expect(value).toBe(f(p, 0.4));
    expectClose(tangent, (f(along(1e-5), 0.4) - f(along(-1e-5), 0.4)) / 2e-5, { rtol: 1e-6, label: "tangent vs differences" });
    const [gp, gx] = (m.G as (...a: unknown[]) => [P, number])(p, 0.4);
    const reverse = gp.w * u.w + gp.b.reduce((acc, g, i) => acc + g * u.b[i], 0) + gp.layer.scale * u.layer.scale;
    expectClose(tangent, reverse, { rtol: 1e-10, label: "<grad, u>" });
    const [, both] = (m.JX as (...a: unknown[]) => [number, number])(p, 0.4, u, 0.5);
    expectClose(both, reverse + gx * 0.5, { rtol: 1e-10, label: "with a tangent of x too" });
  });
});

describe("jacfwd with respect to a record", () => {
  it("is a record of each field's Jacobian, and by a number the record passes through", async () => {
    const m = await load(`import { jacfwd } from "adjoint";
      function f(p: { a: number; w: Float64Array }, x: number): Float64Array {
        const y = new Float64Array(p.w.length);
        for (let i = 0; i < y.length; i++) y[i] = Math.tanh(p.a * x + p.w[i] * p.w[(i + 1) % y.length]);
        return y;
      }
      export const F = f;
      export const J = jacfwd(f);
      export const K = jacfwd(f, { wrt: 1 });`);
    const f = m.F as (p: { a: number; w: Float64Array }, x: number) => Float64Array;
    const p = () => ({ a: 0.7, w: Float64Array.from([0.5, -1, 0.25]) });
    const J = (m.J as (...a: unknown[]) => { a: Float64Array; w: Float64Array[] })(p(), 0.4);
    const h = 1e-6;
    const byA = (s: number) => f({ ...p(), a: 0.7 + s * h }, 0.4);
    for (let i = 0; i < 3; i++) expectClose(J.a[i], (byA(1)[i] - byA(-1)[i]) / (2 * h), { rtol: 1e-6, label: `d y${i} / d a` });
    for (let j = 0; j < 3; j++) {
      const byW = (s: number) => { const q = p(); q.w[j] += s * h; return f(q, 0.4); };
      for (let i = 0; i < 3; i++) expectClose(J.w[i][j], (byW(1)[i] - byW(-1)[i]) / (2 * h), { rtol: 1e-6, label: `d y${i} / d w${j}` });
    }
    const K = (m.K as (...a: unknown[]) => Float64Array)(p(), 0.4);
    for (let i = 0; i < 3; i++) expectClose(K[i], (f(p(), 0.4 + h)[i] - f(p(), 0.4 - h)[i]) / (2 * h), { rtol: 1e-6, label: `d y${i} / d x` });
  });
});

describe("what jvp refuses, where it is written", () => {
  const refused = (source: string) => transform(`import { jvp, jacfwd, customGrad } from "adjoint";\nimport * as np from "adjoint/np";\n${source}`, { filename: "refused.ts" }).diagnostics.map((d) => `${d.code} ${d.line}: ${d.message}`);
  it("a callee that carries only a vjp", () => {
    const out = refused(`const h = customGrad((x: number) => x * x, ([x], _v, d) => [2 * x * d]);\nfunction f(x: number): number { return h(x) + 1; }\nexport const j = jvp(f);\nexport const k = jvp(h);`);
    expect(out).toEqual([expect.stringMatching(/^ADJ029 4: .*'h' carries a vjp/), expect.stringMatching(/^ADJ029 6: .*'h' carries a vjp/)]);
  });
});
