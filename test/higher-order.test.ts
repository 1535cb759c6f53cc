// Derivatives differentiated again (grad(grad(f)), grad of code calling grad(f)): each
// second (and third) derivative checked against a central second difference of f, or a
// first difference of the compiled gradient, at several points, to 1e-5 relative. The
// functions whose second derivatives TF.js gets wrong (tanh, exp, softplus, sigmoid,
// logsumexp) are among them.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";

const dir = resolve(__dirname, "..", ".tmp", "higher-order");
let count = 0;

async function compile<T>(body: string): Promise<T> {
  const source = `import { grad, valueAndGrad, hessian, hvp, jacrev, jacfwd, jacobian, jvp } from "adjoint";\n${body}`;
  const result = transform(source, { filename: "nested.ts" });
  expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `module${++count}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as T;
}

const h = 1e-4;
const second = (f: (x: number) => number, x: number) => (f(x + h) - 2 * f(x) + f(x - h)) / (h * h);
const first = (f: (x: number) => number, x: number) => (f(x + 1e-6) - f(x - 1e-6)) / 2e-6;
const close = (got: number, want: number, tol = 1e-5) => expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want)));
const POINTS = [-1.7, -0.4, 0.3, 1.1, 2.5];

describe("grad(grad(f))", () => {
  it("is f'' for the functions whose second derivative TF.js gets wrong, and for loops, branches and callees", async () => {
    const m = await compile<{ cases: [string, (x: number) => number, (x: number) => number][] }>(`
      const tanh = (x: number) => Math.tanh(x);
      const exp = (x: number) => Math.exp(x);
      function softplus(x: number) { return Math.log(1 + Math.exp(x)); }
      function sigmoid(x: number) { return 1 / (1 + Math.exp(-x)); }
      function logsumexp(x: number) {
        const m = Math.max(x, 0.5, -x);
        return m + Math.log(Math.exp(x - m) + Math.exp(0.5 - m) + Math.exp(-x - m));
      }
      function horner(x: number) {
        let s = 0;
        for (let i = 1; i <= 5; i++) s = s * x + i;
        return s;
      }
      function branchy(x: number) {
        if (x > 0.5) return x * x * Math.sin(x);
        let y = x;
        while (y < 1) y = y + 0.75;
        return Math.cos(x) * y;
      }
      function helper(x: number) { return x * Math.cos(x); }
      function callsHelper(x: number) { return helper(x) * helper(2 * x) + Math.pow(x, 3); }
      export const cases = [
        ["tanh", tanh, grad(grad(tanh))],
        ["exp", exp, grad(grad(exp))],
        ["softplus", softplus, grad(grad(softplus))],
        ["sigmoid", sigmoid, grad(grad(sigmoid))],
        ["logsumexp", logsumexp, grad(grad(logsumexp))],
        ["horner", horner, grad(grad(horner))],
        ["branchy", branchy, grad(grad(branchy))],
        ["callsHelper", callsHelper, grad(grad(callsHelper))],
      ];
    `);
    for (const [name, f, d2] of m.cases) for (const x of POINTS) expect(() => close(d2(x), second(f, x), 1e-4), `${name} at ${x}`).not.toThrow();
  });

  it("is f'' through an out-parameter helper, a local record taken apart, and map/reduce callbacks", async () => {
    const m = await compile<{ cases: [string, (x: number) => number, (x: number) => number][] }>(`
      function fillScaled(out: Float64Array, x: number) {
        for (let i = 0; i < out.length; i++) out[i] = x * (i + 1);
      }
      function outParam(x: number) {
        const buf = new Float64Array(3);
        fillScaled(buf, x);
        let s = 0;
        for (let i = 0; i < 3; i++) s += Math.sin(buf[i]) * buf[i];
        return s;
      }
      function recordAndCallbacks(x: number) {
        const p = { a: x, b: x * x };
        const { a, b } = p;
        return [a, b, 3].map((v) => v * Math.exp(v * 0.1)).reduce((s, v) => s + v, 0);
      }
      export const cases = [
        ["outParam", grad(outParam), grad(grad(outParam))],
        ["recordAndCallbacks", grad(recordAndCallbacks), grad(grad(recordAndCallbacks))],
      ];
    `);
    for (const [name, df, d2] of m.cases) for (const x of POINTS) expect(() => close(d2(x), first(df, x)), `${name} at ${x}`).not.toThrow();
  });

  it("nests grad and jvp every way: reverse over reverse, reverse over forward, forward over reverse, forward over forward", async () => {
    const m = await compile<{ f: (x: number) => number; rr: (x: number) => number; rf: (x: number) => number; fr: (x: number, u: number) => number[]; ff: (x: number, u: number) => number[] }>(`
      export function f(x: number) {
        let y = x;
        for (let i = 0; i < 3; i++) y = Math.sin(y) * x;
        return y;
      }
      export const rr = grad(grad(f));
      export const rf = grad((x: number) => jvp(f)(x, 1)[1]);
      export const fr = jvp(grad(f));
      export const ff = jvp((x: number) => jvp(f)(x, 1)[1]);
    `);
    for (const x of POINTS) {
      const want = second(m.f, x);
      close(m.rr(x), want, 1e-4);
      close(m.rf(x), m.rr(x), 1e-12);
      close(m.fr(x, 1)[1], m.rr(x), 1e-12);
      close(m.ff(x, 1)[1], m.rr(x), 1e-12);
      close(m.fr(x, 1)[0], first(m.f, x));
    }
  });

  it("nests to third order, and takes wrt at each level (mixed partials)", async () => {
    const m = await compile<{ d3: (x: number) => number; dxy: (x: number, y: number) => number; f: (x: number, y: number) => number }>(`
      function g(x: number) { return Math.exp(x) * Math.sin(x); }
      export const d3 = grad(grad(grad(g)));
      export function f(x: number, y: number) { return Math.sin(x * y) + x * x * y; }
      export const dxy = grad(grad(f, { wrt: 0 }), { wrt: 1 });
    `);
    for (const x of POINTS) close(m.d3(x), 2 * Math.exp(x) * (Math.cos(x) - Math.sin(x)));
    for (const [x, y] of [[0.3, -1.2], [1.5, 0.4]]) {
      const mixed = (m.f(x + h, y + h) - m.f(x + h, y - h) - m.f(x - h, y + h) + m.f(x - h, y - h)) / (4 * h * h);
      close(m.dxy(x, y), mixed, 1e-4);
    }
  });

  it("differentiates code that calls grad(f): a Hessian-vector product of an array function", async () => {
    const m = await compile<{ hv: (x: Float64Array, v: Float64Array) => number; dhv: (x: Float64Array, v: Float64Array) => Float64Array; slope: (x: number) => number; dslope: (x: number) => number }>(`
      function f(x: Float64Array): number {
        let s = 0;
        for (let i = 0; i < x.length; i++) s += Math.exp(x[i]) * x[(i + 1) % x.length];
        return s;
      }
      export function hv(x: Float64Array, v: Float64Array): number {
        const g = grad(f)(x);
        let s = 0;
        for (let i = 0; i < g.length; i++) s += g[i] * v[i];
        return s;
      }
      export const dhv = grad(hv);
      function energy(x: number) { return x ** 4 / 4 - x * x; }
      // A derivative bound to a module const, called inside differentiated code, nests as grad(energy)(x) does.
      const force = grad(energy);
      export function slope(x: number) { return force(x) * x; }
      export const dslope = grad(slope);
    `);
    for (const [x, v] of [[[0.2, -0.5, 0.9], [1, 0.5, -2]], [[1.1, 0.3], [-0.5, 2]]]) {
      const xs = Float64Array.from(x), vs = Float64Array.from(v);
      const got = Array.from(m.dhv(xs, vs));
      got.forEach((value, i) => {
        const p = Float64Array.from(xs), q = Float64Array.from(xs);
        p[i] += 1e-6;
        q[i] -= 1e-6;
        close(value, (m.hv(p, vs) - m.hv(q, vs)) / 2e-6);
      });
    }
    for (const x of POINTS) close(m.dslope(x), first(m.slope, x));
  });

  it("differentiates code that calls grad(f) again: grad(grad(outer)) with grad(f) inside outer (third order of f)", async () => {
    // Differentiated again, outer's code inlines the inner derivative (it had called an undefined pullback, refused with a wrong message).
    const m = await compile<Record<string, (x: number) => number>>(`
      function f(x: number): number { return Math.sin(x) * x + Math.tanh(x); }
      export function outer(x: number): number { const g = grad(f)(x); return g * g + x * g; }
      export const d1 = grad(outer);
      export const d2 = grad(grad(outer));
    `);
    for (const x of POINTS) {
      close(m.d1(x), first(m.outer, x));
      close(m.d2(x), first(m.d1, x));
    }
  });

  it("differentiates code that applies vjp(f): const [y, back] = vjp(f)(x), then back(v)", async () => {
    const m = await compile<Record<string, (...a: any[]) => any>>(`
      import { vjp } from "adjoint";
      function f(x: number, y: number): number { return Math.sin(x * y) * x + Math.exp(y); }
      export function g(x: number, y: number): number {
        const [value, back] = vjp(f, { wrt: [0, 1] })(x, y);
        const [dx, dy] = back(value);
        return dx * dx + dy * x;
      }
      export const dg = grad(g, { wrt: [0, 1] });
      function e(x: Float64Array): number {
        let s = 0;
        for (let i = 0; i < x.length; i++) s += x[i] * x[i] * x[(i + 1) % x.length];
        return s;
      }
      // The arguments are kept as they were at the vjp: x is written before back runs.
      export function later(x: Float64Array, c: number): number {
        const [, back] = vjp(e)(x);
        x[0] = x[0] * c;
        const gradient = back(c);
        let s = 0;
        for (let i = 0; i < x.length; i++) s += gradient[i] * x[i];
        return s;
      }
      export const dlater = grad(later, { wrt: [0, 1] });
      export const twice = vjp(grad(f));
      // An array-valued function's pullback, its cotangent an array: back(y) is J^T y.
      function curve(x: Float64Array): Float64Array {
        const out = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) out[i] = x[i] * x[i] * Math.sin(x[i]);
        return out;
      }
      export function pulled(x: Float64Array): number {
        const [y, back] = vjp(curve)(x);
        const g = back(y);
        let s = 0;
        for (let i = 0; i < g.length; i++) s += g[i] * x[i];
        return s;
      }
      export const dpulled = grad(pulled);
    `);
    for (const [x, y] of [[0.3, 0.8], [-1.1, 0.4], [2, -0.6]]) {
      const [gx, gy] = m.dg(x, y);
      close(gx, first((t) => m.g(t, y), x));
      close(gy, first((t) => m.g(x, t), y));
      const [, pullback] = m.twice(x, y);
      close(pullback(1), second((t) => f(t, y), x), 1e-4);
    }
    function f(x: number, y: number) { return Math.sin(x * y) * x + Math.exp(y); }
    // later() as JAX reads it: the pullback is taken at x as it was, de/dx_i = 2 x_i x_{i+1} + x_{i-1}^2.
    const reference = (x: number[], c: number) => {
      const n = x.length;
      const gradient = x.map((xi, i) => c * (2 * xi * x[(i + 1) % n] + x[(i + n - 1) % n] ** 2));
      const after = [x[0] * c, ...x.slice(1)];
      return gradient.reduce((s, g, i) => s + g * after[i], 0);
    };
    const xs = [0.2, -0.5, 0.9];
    const [gx, gc] = m.dlater(Float64Array.from(xs), 1.5);
    gx.forEach((value: number, i: number) => {
      const at = (d: number) => reference(xs.map((x, j) => (j === i ? x + d : x)), 1.5);
      close(value, (at(1e-6) - at(-1e-6)) / 2e-6);
    });
    close(gc, (reference(xs, 1.5 + 1e-6) - reference(xs, 1.5 - 1e-6)) / 2e-6);
    // pulled(x) = sum_i y_i y'_i x_i with y = x^2 sin x, each term a function of x_i alone.
    const term = (v: number) => v * v * Math.sin(v) * (2 * v * Math.sin(v) + v * v * Math.cos(v)) * v;
    for (const at of [[0.3, -0.8, 1.2], [1.5, 0.1, -2]]) {
      const got = m.dpulled(Float64Array.from(at));
      at.forEach((v, i) => close(got[i], (term(v + 1e-6) - term(v - 1e-6)) / 2e-6));
    }
  });

  it("differentiates code reading a gradient that needs arrays saved whole (its vjp H·ḡ, reverse over forward), and refuses it differentiated again, located at the inner call", async () => {
    const body = `
      function f(x: Float64Array): number {
        const y = x.slice();
        y.fill(0.5, 1);
        return y[0] * y[1] * x[1] * x[0];
      }
      export function g(x: Float64Array): number { return grad(f)(x)[1]; }
      export const dg = grad(g);
    `;
    const m = await compile<{ g: (x: Float64Array) => number; dg: (x: Float64Array) => Float64Array }>(body);
    for (const at of [[0.3, -0.8, 1.2], [1.5, 0.1, -2]]) {
      const got = m.dg(Float64Array.from(at));
      at.forEach((_, i) => {
        const moved = (d: number) => m.g(Float64Array.from(at, (v, j) => (j === i ? v + d : v)));
        close(got[i], (moved(1e-6) - moved(-1e-6)) / 2e-6);
      });
    }
    const result = transform(`import { grad } from "adjoint";${body}export const d2 = grad(grad(g));\n`, { filename: "nested.ts" });
    expect(result.diagnostics.map((d) => `${d.code} ${d.line}: ${d.message}`)).toEqual([
      "ADJ016 7: this expression is not supported in differentiated code: grad of 'f' read inside code that is differentiated again: a gradient that needs arrays by identity, read inside differentiated code, is differentiated once (its vjp and jvp are Hessian-vector products, with no derivative of their own)",
    ]);
  });

  it("refuses a vjp inside differentiated code that is not taken apart as const [value, pullback]", () => {
    const source = `import { grad, vjp } from "adjoint";
      function f(x: number): number { return x * x; }
      export function a(x: number): number { return vjp(f)(x)[0]; }
      export function b(x: number): number { let [y, back] = vjp(f)(x); return back(y); }
      export function c(x: number): number { const [y, back] = vjp(f)(x); const k = back; return k(1) + y; }
      export const da = grad(a), db = grad(b), dc = grad(c);
    `;
    const result = transform(source, { filename: "nested.ts" });
    expect(result.diagnostics.map((d) => `${d.code} ${d.line}: ${d.message}`)).toEqual([
      "ADJ016 3: this expression is not supported in differentiated code: vjp(f)(x) inside differentiated code is taken apart where it is declared: const [value, pullback] = vjp(f)(x), then pullback(v)",
      "ADJ016 4: this expression is not supported in differentiated code: declare the pullback with const: it is called, never reassigned",
      expect.stringMatching(/^ADJ007 5: .*the pullback 'back' is used as a value/),
      expect.stringMatching(/^ADJ007 5: .*'k' is a variable/),
    ]);
  });

  it("takes inline functions at every level, as JAX users write grad(grad(lambda x: …)), and parameters named like the generated code's (v, u_x)", async () => {
    const m = await compile<Record<string, (...args: any[]) => any>>(`
      export const third = grad(grad(grad((x: number) => Math.tanh(x) * Math.exp(x))));
      export const curvature = hessian((p: Float64Array) => p[0] * p[0] * p[1] + Math.sin(p[1]));
      export const along = hvp(function (p: Float64Array) { return p[0] * p[0] * p[1] + Math.sin(p[1]); });
      export function norm(v: number[]): number { return Math.sqrt(v.reduce((s, x) => s + x * x, 0)); }
      export const normHessian = hessian(norm);
      export const normHvp = hvp(norm);
      export function pair(x: Float64Array, u_x: number): number { return x[0] * x[1] * u_x; }
      export const pairTangent = jvp(grad(pair));
    `);
    const f3 = (x: number) => {
      const [t, e] = [Math.tanh(x), Math.exp(x)];
      const s = 1 - t * t;
      return e * (-2 * s * s + 4 * t * t * s + 3 * (-2 * t * s) + 3 * s + t);
    };
    for (const x of POINTS) close(m.third(x), f3(x));
    const p = Float64Array.from([0.7, -0.4]);
    const H = [[2 * p[1], 2 * p[0]], [2 * p[0], -Math.sin(p[1])]];
    m.curvature(p).forEach((row: Float64Array, i: number) => row.forEach((hij, j) => close(hij, H[i][j])));
    Array.from(m.along(p, Float64Array.from([1, 2]))).forEach((hv, i) => close(hv as number, H[i][0] + 2 * H[i][1]));
    // The Hessian of |v| is (I - v vᵀ / |v|²) / |v|.
    const v = [3, 4];
    m.normHessian(v).forEach((row: number[], i: number) => row.forEach((hij, j) => close(hij, ((i === j ? 1 : 0) - (v[i] * v[j]) / 25) / 5)));
    close(m.normHvp(v, [1, 0])[1], -12 / 125);
    const [g, hu] = m.pairTangent(Float64Array.from([2, 3]), 0.5, Float64Array.from([1, -1]));
    expect(Array.from(g)).toEqual([1.5, 1]);
    expect(Array.from(hu)).toEqual([-0.5, 0.5]);
  });

  it("refuses, located, a nested derivative of an inline function written inside another function", () => {
    const result = transform(`import { grad } from "adjoint";\nexport function make(c: number) {\n  return grad(grad((x: number) => Math.sin(x) * c));\n}\n`, { filename: "nested.ts" });
    expect(result.diagnostics.map((d) => `${d.code} ${d.line}: ${d.message}`)).toEqual([expect.stringMatching(/^ADJ016 3: .*written inside another function .*declare it at the top level of the module/)]);
  });

  it("differentiates a gradient of a function that writes its input's elements (the saved elements are numbers on the plain stack)", async () => {
    const m = await compile<{ g: (x: Float64Array) => number; dg: (x: Float64Array) => Float64Array }>(`
      function f(x: Float64Array): number {
        x[0] = x[0] * x[1];
        return x[0] + x[1] * x[1];
      }
      export function g(x: Float64Array): number { return grad(f)(x)[0] * x[1]; }
      export const dg = grad(g);
    `);
    const x = Float64Array.from([0.4, 1.3]);
    expect(Array.from(m.dg(Float64Array.from(x)))).toEqual([0, 2 * 1.3]);
  });
});

describe("hessian, hvp and jacrev", () => {
  it("give a symmetric Hessian equal to second differences and to jacfwd(grad(f)), H v without the matrix, and Jacobians by rows", async () => {
    const m = await compile<{
      H: (w: Float64Array) => Float64Array[];
      Jg: (w: Float64Array) => Float64Array[];
      Hv: (w: Float64Array, v: Float64Array) => Float64Array;
      gyy: (x: number, y: number) => number;
      hvx: (x: number, y: number, v: number) => number;
      J: (x: Float64Array) => Float64Array[];
      Jl: (w: Float64Array) => Float64Array;
      fs: { loss: (w: Float64Array) => number; g: (x: number, y: number) => number; vec: (x: Float64Array) => Float64Array };
    }>(`
      function loss(w: Float64Array): number {
        let s = 0;
        for (let i = 0; i < w.length; i++) s += Math.exp(w[i]) * w[(i + 1) % w.length] + w[i] * w[i] * w[i];
        return s;
      }
      function g(x: number, y: number) { return Math.sin(x * y) * x; }
      function vec(x: Float64Array): Float64Array {
        const out = new Float64Array(2);
        out[0] = x[0] * x[1];
        out[1] = Math.sin(x[0]) + x[2] * x[2];
        return out;
      }
      export const H = hessian(loss);
      export const Jg = jacfwd(grad(loss));
      export const Hv = hvp(loss);
      export const gyy = hessian(g, { wrt: 1 });
      export const hvx = hvp(g);
      export const J = jacrev(vec);
      export const Jl = jacrev(loss);
      export const fs = { loss, g, vec };
    `);
    for (const point of [[0.2, -0.5, 0.9], [-1, 0.3, 0.7, 1.2]]) {
      const w = Float64Array.from(point);
      const H = m.H(w).map((row) => Array.from(row));
      // The Hessian is jacfwd of the gradient too.
      m.Jg(Float64Array.from(w)).forEach((row, i) => Array.from(row).forEach((value, j) => close(value, H[i][j], 1e-12)));
      const n = w.length;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const f = (a: number, b: number) => {
            const x = Float64Array.from(w);
            x[i] += a;
            x[j] += b;
            return m.fs.loss(x);
          };
          close(H[i][j], (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h * h), 1e-4);
          close(H[i][j], H[j][i], 1e-12);
        }
      }
      const v = Float64Array.from(point, (_, k) => (k % 2 ? -0.5 : 1.5));
      const Hv = Array.from(m.Hv(w, v));
      Hv.forEach((value, i) => close(value, H[i].reduce((acc, hij, j) => acc + hij * v[j], 0), 1e-10));
    }
    for (const [x, y] of [[0.7, -1.1], [1.4, 0.3]]) {
      close(m.gyy(x, y), (m.fs.g(x, y + h) - 2 * m.fs.g(x, y) + m.fs.g(x, y - h)) / (h * h), 1e-4);
      close(m.hvx(x, y, 2), (2 * (m.fs.g(x + h, y) - 2 * m.fs.g(x, y) + m.fs.g(x - h, y))) / (h * h), 1e-4);
    }
    const x = Float64Array.from([0.3, 0.4, 0.5]);
    const J = m.J(x).map((row) => Array.from(row));
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const p = Float64Array.from(x), q = Float64Array.from(x);
        p[j] += 1e-6;
        q[j] -= 1e-6;
        close(J[i][j], (m.fs.vec(p)[i] - m.fs.vec(q)[i]) / 2e-6);
      }
    }
    const w = Float64Array.from([0.2, -0.5, 0.9]);
    Array.from(m.Jl(w)).forEach((value, j) => {
      const p = Float64Array.from(w), q = Float64Array.from(w);
      p[j] += 1e-6;
      q[j] -= 1e-6;
      close(value, (m.fs.loss(p) - m.fs.loss(q)) / 2e-6);
    });
  });

  it("jacobian picks forward mode for few inputs and reverse for few outputs, and agrees with jacfwd and jacrev", async () => {
    const m = await compile<Record<string, (...args: unknown[]) => unknown>>(`
      function wide(t: number): Float64Array {
        const out = new Float64Array(4);
        for (let i = 0; i < 4; i++) out[i] = Math.sin(t * (i + 1));
        return out;
      }
      function tall(x: Float64Array): number {
        let s = 0;
        for (let i = 0; i < x.length; i++) s += Math.exp(x[i]) * (i + 1);
        return s;
      }
      function square(x: Float64Array): Float64Array {
        const out = new Float64Array(2);
        out[0] = x[0] * x[1];
        out[1] = Math.sin(x[0]) + x[2] * x[2];
        return out;
      }
      export const jw = jacobian(wide), fw = jacfwd(wide), rw = jacrev(wide);
      export const jt = jacobian(tall), ft = jacfwd(tall), rt = jacrev(tall);
      export const js = jacobian(square), fs = jacfwd(square), rs = jacrev(square);
    `);
    const flat = (x: unknown): number[] => (typeof x === "number" ? [x] : Array.from(x as ArrayLike<unknown>).flatMap(flat));
    for (const [name, args] of [["w", [0.7]], ["t", [Float64Array.from([0.1, -0.4, 0.8])]], ["s", [Float64Array.from([0.3, 0.4, 0.5])]]] as const) {
      const copy = () => args.map((a) => (typeof a === "number" ? a : Float64Array.from(a)));
      const [j, f, r] = [m[`j${name}`](...copy()), m[`f${name}`](...copy()), m[`r${name}`](...copy())].map(flat);
      expect(j.length, name).toBe(f.length);
      j.forEach((value, i) => {
        close(value, f[i], 1e-12);
        close(value, r[i], 1e-12);
      });
    }
  });
});

