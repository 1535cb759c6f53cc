// Tangent's test functions (tangent/tests/functions.py) and autograd-style NumPy ones, written
// as a JavaScript user writes them: untyped `.js` through the compiler as the Babel plugin sees
// it, each differentiated by its first parameter. Checked: grad against central differences at
// three points (the given one, and the point scaled by 0.9 and 1.1 where f is smooth there),
// and, for a number parameter, jvp's tangent against grad and hvp against differences of grad. `+` on NDArrays (string concatenation
// in JavaScript) is refused, located.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as np from "adjoint/np";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { expectClose, smoothCentralDifference } from "./helpers/finite-diff.js";

type Value = number | number[] | number[][] | { nd: number[] };
type Program = [name: string, source: string, point: Value[]];

const programs: Program[] = [
  ["id", `function f(a) { return a; }`, [1.5]],
  ["unary_sub", `function f(a) { return -a; }`, [1.5]],
  ["sum_list", `function f(a) { return [a, a].reduce((s, v) => s + v, 0); }`, [1.5]],
  ["dump", `function f(a) { const b = a; return b; }`, [1.5]],
  ["redefine", `function f(a) { let b = a * a; b = b * a; return b; }`, [1.5]],
  ["nested_assign", `function f(a) { const b = a; const c = b * a; return c; }`, [1.5]],
  ["assign_tuple", `function f(x) { const [a, b] = [x, x]; return a * b; }`, [1.5]],
  ["swap", `function f(x, y) { let a = x, b = y * 2; [a, b] = [b, a]; return a * a + b; }`, [1.5, 0.7]],
  ["if_pos", `function f(x) { if (x > 0) x = x * x; return x; }`, [1.5]],
  ["if_neg", `function f(x) { if (x > 0) x = x * x; return x; }`, [-1.5]],
  ["if_else", `function f(x) { let y; if (x > 0) { y = x * x; } else { y = -x; } return y; }`, [-0.5]],
  ["nested_if", `function f(x) { if (x > 0) { if (x < 10) { x = x * x; } else { x = x * x * x; } } return x; }`, [2.5]],
  ["multiple_if", `function f(x) { if (x > 0) x = x * x; if (x > 1) x = x * 2; if (x < 100) x = x + Math.sin(x); return x; }`, [1.2]],
  ["else_if", `function f(x) { if (x > 2) return x * x; else if (x > 1) return 3 * x; else if (x > 0) return Math.exp(x); return -x; }`, [0.5]],
  ["while_loop", `function f(x) { let i = 0; let y = x; while (i < 3) { y = y * x; i += 1; } return y; }`, [1.1]],
  ["while_until", `function f(x) { let y = x; while (y < 10) y = y * 2 + x; return y; }`, [1.3]],
  ["for_loop", `function f(x) { for (let i = 0; i < 3; i++) x = x * x; return x; }`, [1.1]],
  ["nested_for", `function f(x) { for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) x = x * 1.1 + Math.sin(x) * 0.01; return x; }`, [0.7]],
  ["for_of_list", `function f(x) { const a = [x, x * 2, x * 3]; let s = 0; for (const v of a) s += v * v; return s; }`, [0.7]],
  ["for_break", `function f(x) { for (let i = 0; i < 10; i++) { if (x > 5) break; x = x * x; } return x; }`, [1.5]],
  ["for_continue", `function f(x) { let s = 0; for (let i = 0; i < 6; i++) { if (i % 2 === 0) continue; s += x * i; } return s; }`, [1.5]],
  ["saxpy", `function f(a, b, c) { return a * b + c; }`, [1.5, 2, 3]],
  ["pow", `function f(a, b) { return a ** b; }`, [1.5, 2.5]],
  ["pow_int", `function f(a) { return Math.pow(a, 3) + a ** 2; }`, [1.5]],
  ["augassign", `function f(a) { let x = a * a; x *= x; x += a; x -= 0.5 * a; x /= 2; return x; }`, [1.5]],
  ["inline_def", `function f(x) { function g(a) { return a * a; } return g(x) + g(2 * x); }`, [1.5]],
  ["inline_arrow", `function f(x) { const sq = (a) => a * a; return sq(sq(x)); }`, [1.1]],
  ["closure_const", `function f(x) { const k = 3; const g = (a) => k * a * x; return g(x); }`, [1.1]],
  ["module_call", `function sq(a) { return a * a; }\nfunction f(x) { return sq(x) * sq(x + 1); }`, [0.6]],
  ["recursion_free_chain", `function h(a) { return Math.tanh(a); }\nfunction k(a) { return h(a) * a; }\nfunction f(x) { return k(k(x)); }`, [0.6]],
  ["math_fns", `function f(x) { return Math.sin(x) * Math.cos(x) + Math.tanh(x) + Math.exp(x) * Math.log(x) + Math.sqrt(x); }`, [0.6]],
  ["math_more", `function f(x) { return Math.atan(x) + Math.asin(x / 2) + Math.acos(x / 3) + Math.sinh(x) + Math.cosh(x) + Math.log1p(x) + Math.expm1(x) + Math.cbrt(x) + Math.hypot(x, 2); }`, [0.6]],
  ["abs_max_min", `function f(x, y) { return Math.abs(x - y) + Math.max(x, y) * Math.min(x, 2 * y); }`, [0.6, 0.4]],
  ["ternary", `function f(x) { return x > 0 ? Math.log(x) : x * x; }`, [0.6]],
  ["early_return", `function f(x) { if (x > 1) return x * 2; const y = x * x; if (y > 0.2) return y * 3; return y; }`, [0.6]],
  ["stack_ops", `function f(a) { const st = []; for (let i = 0; i < 3; i++) st.push(a * i); let s = 0; while (st.length > 0) s += st.pop() * a; return s; }`, [0.6]],
  ["useless_stack_ops", `function f(a) { const st = []; st.push(a); st.push(2); st.pop(); const b = st.pop(); return b * a; }`, [0.6]],
  ["array_sum", `function f(x) { let s = 0; for (let i = 0; i < x.length; i++) s += x[i] * x[i]; return s; }`, [[0.5, 1.5, -2]]],
  ["array_map_reduce", `function f(x) { return x.map((v) => Math.exp(v)).reduce((a, b) => a + b, 0); }`, [[0.5, 1.5, -2]]],
  ["logsumexp_arr", `function f(x) { const m = Math.max(...x); let s = 0; for (const v of x) s += Math.exp(v - m); return m + Math.log(s); }`, [[0.5, 1.5, -2]]],
  ["softmax_ce", `function f(x) { const m = Math.max(...x); const e = x.map((v) => Math.exp(v - m)); const z = e.reduce((a, b) => a + b, 0); return -Math.log(e[1] / z); }`, [[0.5, 1.5, -2]]],
  ["dot_two", `function f(x, y) { let s = 0; for (let i = 0; i < x.length; i++) s += x[i] * y[i]; return s; }`, [[0.5, 1.5, -2], [1, 2, 3]]],
  ["matvec", `function f(x, A) { let s = 0; for (let i = 0; i < A.length; i++) { let r = 0; for (let j = 0; j < x.length; j++) r += A[i][j] * x[j]; s += Math.tanh(r); } return s; }`, [[0.5, 1.5, -2], [[1, 2, 3], [0.1, -0.2, 0.3]]]],
  ["array_write", `function f(x) { const y = new Float64Array(x.length); for (let i = 0; i < x.length; i++) y[i] = x[i] * (i + 1); let s = 0; for (let i = 0; i < y.length; i++) s += y[i] * y[i]; return s; }`, [[0.5, 1.5, -2]]],
  ["inplace_update", `function f(x) { const y = x.slice(); for (let k = 0; k < 3; k++) for (let i = 1; i < y.length; i++) y[i] = y[i] + 0.5 * y[i - 1]; return y[y.length - 1]; }`, [[0.5, 1.5, -2]]],
  ["cumsum_arr", `function f(x) { const c = []; let s = 0; for (const v of x) { s += v; c.push(s); } return c.reduce((a, b) => a + b * b, 0); }`, [[0.5, 1.5, -2]]],
  ["object_params", `function f(x) { const p = { w: 2, b: x }; return p.w * x + p.b * p.b; }`, [0.6]],
  ["np_sum", `function f(x) { return np.sum(np.mul(x, x)); }`, [{ nd: [0.5, 1.5, -2] }]],
  ["np_logsumexp", `function f(x) { return np.log(np.sum(np.exp(x))); }`, [{ nd: [0.5, 1.5, -2] }]],
  ["np_mean_tanh", `function f(x) { return np.mean(np.tanh(x)); }`, [{ nd: [0.5, 1.5, -2] }]],
  ["np_dot", `function f(x) { return np.dot(x, np.array([1, 2, 3])); }`, [{ nd: [0.5, 1.5, -2] }]],
  ["np_rnn", `function f(x) { const W = np.array([[0.1, 0.2, -0.1], [0.3, -0.2, 0.1], [0.05, 0.1, 0.2]]); let h = np.zeros([3]); for (let i = 0; i < 3; i++) h = np.tanh(np.add(np.dot(h, W), np.mul(x, i + 1))); return np.sum(h); }`, [{ nd: [0.5, 1.5, -2] }]],
  ["np_where_max", `function f(x) { return np.sum(np.add(np.maximum(x, 0), np.where(np.greater(x, 0), x, np.mul(x, 0.1)))); }`, [{ nd: [0.5, 1.5, -2] }]],
  ["np_scalar_arith", `function f(x) { return np.sum(x) * np.sum(np.tanh(x)) - np.mean(x) / 2 + Math.exp(np.max(x)); }`, [{ nd: [0.5, 1.5, -2] }]],
  ["np_if_item", `function f(x) { const s = np.sum(x).item(); if (s > 0) return np.sum(np.square(x)); return np.sum(x); }`, [{ nd: [0.5, 1.5, -1] }]],
  // Control flow and data structures as users write them.
  ["do_while", `function f(x) { let i = 0; do { x = Math.sin(x) + x; i++; } while (i < 4); return x; }`, [0.3]],
  ["switch", `function f(x, k) { let y; switch (k) { case 0: y = x * x; break; case 1: y = Math.exp(x); break; default: y = -x; } return y; }`, [0.3, 1]],
  ["switch_fall", `function f(x, k) { let y = 0; switch (k) { case 0: y += x; case 1: y += x * x; break; default: y = 1; } return y; }`, [0.3, 0]],
  ["labeled_break", `function f(x) { let s = 0; outer: for (let i = 0; i < 4; i++) { for (let j = 0; j < 4; j++) { if (i * j > 3) break outer; s += x * i + j * x * x; } } return s; }`, [0.3]],
  ["logical_ops", `function f(x, y) { const a = (x > 0 && y) || 2; const b = y ?? x; return a * x + b * x; }`, [0.3, 0.7]],
  ["ternary_chain", `function f(x) { return x < -1 ? -x : x < 1 ? x * x : Math.log(x) + 1; }`, [0.3]],
  ["math_max_spread", `function f(x) { return Math.max(...x) + Math.min(...x) * 2; }`, [[0.3, 1.2, -0.5]]],
  ["reduce_index", `function f(x) { return x.reduce((s, v, i) => s + v * (i + 1), 0); }`, [[0.3, 1.2, -0.5]]],
  ["foreach_acc", `function f(x) { let s = 0; x.forEach((v, i) => { s += Math.sin(v) * i; }); return s; }`, [[0.3, 1.2, -0.5]]],
  ["typed_array", `function f(x) { const y = new Float64Array(3); y[0] = x * 2; y[1] = y[0] * x; y[2] = y[1] + y[0]; return y[2]; }`, [0.6]],
  ["wrt_second", `function f(a, b) { return a * Math.exp(b); }`, [0.6, 0.4]],
  ["newton_sqrt", `function f(a) { let x = a; for (let i = 0; i < 20; i++) x = 0.5 * (x + a / x); return x; }`, [2.0]],
  ["horner", `function f(x) { const c = [1, -2, 3, 0.5]; let y = 0; for (let i = c.length - 1; i >= 0; i--) y = y * x + c[i]; return y; }`, [0.7]],
  ["string_key_free", `function f(x) { const o = { scale: 2 }; return o.scale * x * x; }`, [0.7]],
  ["closure_counter", `function f(x) { let n = 0; const step = () => { n += 1; return x * n; }; return step() + step() * step(); }`, [0.7]],
  ["default_param", `function pw(a, k = 2) { return a ** k; }\nfunction f(x) { return pw(x) + pw(x, 3); }`, [0.7]],
  ["rest_free_multi_return", `function split(x) { return [x * 2, x * x]; }\nfunction f(x) { const [a, b] = split(x); return a * b; }`, [0.7]],
  ["record_return", `function stats(x) { return { m: x * 0.5, v: x * x }; }\nfunction f(x) { const s = stats(x); return s.m + s.v; }`, [0.7]],
  ["integer_ops", `function f(x) { const n = Math.floor(x * 10) % 3; return x * n + Math.round(x) * x; }`, [0.71]],
  ["nan_guard", `function f(x) { const y = x > 0 ? Math.sqrt(x) : 0; return Number.isFinite(y) ? y * 2 : 0; }`, [0.7]],
  ["sigmoid_logistic", `function f(w) { const xs = [0.5, -1, 2], ys = [1, 0, 1]; let l = 0; for (let i = 0; i < 3; i++) { const p = 1 / (1 + Math.exp(-w * xs[i])); l -= ys[i] * Math.log(p) + (1 - ys[i]) * Math.log(1 - p); } return l; }`, [0.7]],
  ["gradient_descent_unrolled", `function f(lr) { let w = 1; for (let i = 0; i < 10; i++) w -= lr * 2 * (w - 3); return (w - 3) ** 2; }`, [0.1]],
  ["while_break_cond", `function f(x) { let y = x, n = 0; while (true) { y = y * 1.5; n++; if (y > 5 || n > 20) break; } return y; }`, [0.7]],
  ["nested_fn_loop", `function f(x) { const sq = (v) => v * v; let s = 0; for (let i = 0; i < 3; i++) s += sq(x + i); return s; }`, [0.7]],
  ["array_push_loop", `function f(x) { const ys = []; for (let i = 0; i < 4; i++) ys.push(Math.sin(x * i)); return ys.reduce((a, b) => a + b * b, 0); }`, [0.7]],
  // Callees called with fewer arguments than parameters (defaults), in every mode.
  ["def_scalar_rev", `function pw(a, k = 2) { return a ** k; }\nfunction f(x) { return pw(x) * pw(x, 3); }`, [0.7]],
  ["def_two", `function lin(a, m = 2, c = 1) { return m * a + c; }\nfunction f(x) { return lin(x) * lin(x, 3) + lin(x, x, x); }`, [0.7]],
  ["def_from_param", `function q(a, b = a * a) { return a * b; }\nfunction f(x) { return q(x) + q(x, 2); }`, [0.7]],
  ["def_array_callee", `function norm2(v, p = 2) { let s = 0; for (let i = 0; i < v.length; i++) s += Math.abs(v[i]) ** p; return s; }\nfunction f(x) { return norm2([x, 2 * x, 3]) + norm2([x, 1], 3); }`, [0.7]],
  ["def_loop_callee", `function step(y, dt = 0.1) { return y + dt * Math.sin(y); }\nfunction f(x) { let y = x; for (let i = 0; i < 5; i++) y = step(y); return step(y, 0.2); }`, [0.7]],
  ["def_arr_param", `function dot(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }\nfunction f(x) { return dot(x, x) + Math.exp(dot(x, [1, 2, 3])); }`, [[0.3, -0.2, 0.1]]],
  ["def_arr_default", `function wsum(a, w = [1, 1, 1]) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * w[i]; return s; }\nfunction f(x) { return wsum(x) * wsum(x, [0.5, 2, -1]); }`, [[0.3, -0.2, 0.1]]],
  ["undefined_arg", `function q(a, k) { return k === undefined ? a * a : a * k; }\nfunction f(x) { return q(x) + q(x, 3); }`, [0.7]],
  ["arity_extra", `function q(a) { return a * a; }\nfunction f(x) { return q(x, 5) + q(x * 2); }`, [0.7]],
];

const dir = resolve(__dirname, "..", ".tmp", "tangent-functions");
const header = `import { grad, hessian, hvp, jvp } from "adjoint";\nimport * as np from "adjoint/np";\n`;

/** Untyped functions whose value only passes its parameter through: forward mode cannot tell
 * a number's tangent (0 where zero) from an NDArray's (undefined), so jvp refuses them (ADJ027). */
const jvpRefused = new Set(["id", "dump"]);

async function load(name: string, source: string): Promise<Record<string, (...a: unknown[]) => unknown>> {
  const jvpLine = jvpRefused.has(name) ? "" : "export const j = jvp(f);\nexport const hv = hvp(f);\n";
  const result = transform(`${header}${source}\nexport { f };\nexport const g = grad(f);\n${jvpLine}`, { filename: `${name}.js` });
  expect(result.diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`)).toEqual([]);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as Record<string, (...a: unknown[]) => unknown>;
}

const scaled = (v: Value, s: number): Value => (typeof v === "number" ? v * s : Array.isArray(v) ? (v as number[]).map((e) => (typeof e === "number" ? e * s : e)) : { nd: v.nd.map((e) => e * s) });
const flatOf = (v: Value): number[] => (typeof v === "number" ? [v] : Array.isArray(v) ? (v as number[]) : v.nd);
const withFirst = (point: Value[], first: number[]): unknown[] => {
  const [x0, ...rest] = structuredClone(point);
  const live = (v: Value): unknown => (typeof v === "object" && !Array.isArray(v) ? np.array(v.nd) : v);
  const x = typeof x0 === "number" ? first[0] : Array.isArray(x0) ? first : np.array(first);
  return [x, ...rest.map(live)];
};
const asNumber = (r: unknown): number => (typeof r === "number" ? r : (r as np.NDArray).item());
const gradientOf = (g: unknown): number[] => (typeof g === "number" ? [g] : g instanceof np.NDArray ? Array.from(g.data) : Array.from(g as ArrayLike<number>));

describe("Tangent's and autograd's test functions, in untyped JavaScript", () => {
  for (const [name, source, point] of programs) {
    it(name, async () => {
      const m = await load(name, source);
      const points = [point, [scaled(point[0], 0.9), ...point.slice(1)], [scaled(point[0], 1.1), ...point.slice(1)]];
      points.forEach((p, k) => {
        const x = flatOf(p[0]);
        const f = (...v: number[]) => asNumber(m.f(...withFirst(p, v)));
        const got = gradientOf(m.g(...withFirst(p, x)));
        expect(got.length, `${name}: a gradient of x's size`).toBe(x.length);
        x.forEach((_, i) => {
          const fd = smoothCentralDifference(f, x, i);
          // The given point is chosen smooth; a scaled one may sit on a branch's edge.
          if (k === 0) expect(fd, `${name}: f smooth at its given point`).toBeDefined();
          if (fd !== undefined) expectClose(got[i], fd, { rtol: 1e-5, atol: 1e-6, label: `${name} d/dx[${i}] at point ${k}` });
        });
        if (jvpRefused.has(name)) return;
        if (typeof p[0] === "object" && !Array.isArray(p[0])) {
          // An NDArray parameter: H v along a fixed direction against differences of the gradient.
          const v = x.map((_, i) => (i % 2 === 0 ? 1 : -0.5));
          const along = (t: number) => gradientOf(m.g(...withFirst(p, x.map((xi, i) => xi + t * v[i]))));
          const hv = gradientOf(m.hv(...withFirst(p, x), np.array(v)));
          const [plus, minus] = [along(1e-5), along(-1e-5)];
          hv.forEach((e, i) => expectClose(e, (plus[i] - minus[i]) / 2e-5, { rtol: 1e-4, atol: 1e-6, label: `${name}: (H v)[${i}] vs differences of grad at point ${k}` }));
          return;
        }
        if (typeof p[0] !== "number") return;
        const tangents = withFirst(p, [1]).map((a, i) => (i === 0 ? 1 : typeof a === "number" ? 0 : undefined));
        const [value, tangent] = m.j(...withFirst(p, x), ...tangents.slice(0, 1)) as [number, number];
        expect(value, `${name}: jvp's value`).toBe(asNumber(m.f(...withFirst(p, x))));
        expectClose(tangent, got[0], { rtol: 1e-9, atol: 1e-12, label: `${name}: jvp tangent vs grad at point ${k}` });
        // hvp by the first parameter against differences of the gradient.
        const slope = (v: number) => gradientOf(m.g(...withFirst(p, [v])))[0];
        const curvature = smoothCentralDifference(slope, x, 0);
        if (curvature !== undefined) expectClose(m.hv(...withFirst(p, x), 1) as number, curvature, { rtol: 1e-4, atol: 1e-6, label: `${name}: hvp vs differences of grad at point ${k}` });
      });
    });
  }

  it("refuses jvp, located, where the value only passes an untyped parameter through", () => {
    for (const [name, source] of programs.filter(([n]) => jvpRefused.has(n))) {
      const codes = transform(`${header}${source}\nexport const j = jvp(f);\n`, { filename: `${name}.js` }).diagnostics.map((d) => d.code);
      expect(codes.length, name).toBeGreaterThan(0);
      expect(new Set(codes), name).toEqual(new Set(["ADJ027"]));
    }
  });

  it("takes parameters left to their defaults: hessian computes with the default, jvp and hvp ask for every argument", async () => {
    const m = await load("defaults_entries", "function f(x, m = 0) { return m === 0 ? x * x * x : x * m; }\nexport const H = hessian(f);");
    const H = m.H as (...a: unknown[]) => number;
    expectClose(H(0.7), 6 * 0.7, { label: "hessian with m left to its default" });
    expectClose(H(0.7, 2), 0, { label: "hessian with m given" });
    // Positional tangents after a parameter left out would land in its place: refused at the call, not a wrong number.
    expect(() => m.j(0.7, 1)).toThrow(/f\$jvp takes 2 arguments, undefined for one left to its default, then a tangent: got 2/);
    expect(() => m.hv(0.7, 1)).toThrow(/takes 2 arguments.*then v: got 2/);
    expect(m.j(0.7, undefined, 1)).toEqual([0.7 ** 3, 3 * 0.7 ** 2]);
    expectClose(m.hv(0.7, undefined, 1) as number, 6 * 0.7, { label: "hvp with m passed as undefined" });
  });

  it("reads a TypeScript tuple of numbers as an array of numbers", async () => {
    const source = `${header}type Pt = [number, number];\nfunction d2(a: Pt, b: readonly [x: number, y: number]): number { return (a[0] - b[0]) ** 2 + 3 * (a[1] - b[1]) ** 2; }\nexport const g = grad(d2);\n`;
    const result = transform(source, { filename: "tuples.ts" });
    expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "tuples.mjs"), result.code);
    const m = (await import(pathToFileURL(join(dir, "tuples.mjs")).href)) as { g: (a: number[], b: number[]) => number[] };
    expect(Array.from(m.g([0.5, -1], [1, 2]))).toEqual([2 * (0.5 - 1), 6 * (-1 - 2)]);
  });

  it("refuses + on NDArrays, located: JavaScript joins their printed text", () => {
    const refused = (source: string) => transform(`${header}${source}\nexport const g = grad(f);\n`, { filename: "plus.js" }).diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`);
    expect(refused("function f(x) { return np.sum(x) + np.sum(np.tanh(x)); }")).toEqual(["ADJ016 3:23"]);
    expect(refused("function f(x) { let s = 0; s += np.sum(x); return s; }")).toEqual(["ADJ016 3:27"]);
    expect(refused("function f(x) { return np.sum(x).item() + np.sum(np.tanh(x)).item(); }")).toEqual([]);
    // A store at the array's length grows it, which the reverse sweep's lengths would not see.
    expect(refused("function f(x) { const y = [x]; for (let k = 0; k < 3; k++) y[y.length] = y[k] * x; return y[3]; }")).toEqual(["ADJ016 3:59"]);
  });
});
