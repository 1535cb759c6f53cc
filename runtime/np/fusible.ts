// The elementwise operations the compiler may fuse into one loop (compiler/optimize/fuse.ts),
// each as JavaScript for one element: its value from its operands' values, and each
// operand's adjoint from the output's adjoint `g`, the operands and the output `out`. Every
// entry computes what the operation's kernel and its rule in ./elementwise.ts compute, per
// element (test/fusion.test.ts checks each against them); the arguments are names or literals.

/** One operation, per element. */
export interface Fusible {
  value: (...x: string[]) => string;
  /** Operand i's adjoint, given the output's adjoint `g` and the output `out`. */
  adjoints: readonly ((g: string, x: readonly string[], out: string) => string)[];
}

const unary = (value: (a: string) => string, adjoint: (g: string, a: string, out: string) => string): Fusible => ({
  value,
  adjoints: [(g, [a], out) => adjoint(g, a, out)],
});

export const fusible: Readonly<Record<string, Fusible>> = Object.freeze({
  neg: unary((a) => `-${a}`, (g) => `-${g}`),
  abs: unary((a) => `Math.abs(${a})`, (g, a) => `(${a} > 0 ? ${g} : ${a} < 0 ? -${g} : 0)`),
  square: unary((a) => `${a} * ${a}`, (g, a) => `2 * ${g} * ${a}`),
  relu: unary((a) => `(${a} > 0 ? ${a} : ${a} !== ${a} ? ${a} : 0)`, (g, a) => `(${a} > 0 ? ${g} : 0)`),
  exp: unary((a) => `Math.exp(${a})`, (g, _a, out) => `${g} * ${out}`),
  log: unary((a) => `Math.log(${a})`, (g, a) => `${g} / ${a}`),
  log1p: unary((a) => `Math.log1p(${a})`, (g, a) => `${g} / (1 + ${a})`),
  expm1: unary((a) => `Math.expm1(${a})`, (g, _a, out) => `${g} * (${out} + 1)`),
  sqrt: unary((a) => `Math.sqrt(${a})`, (g, _a, out) => `${g} / (2 * ${out})`),
  sin: unary((a) => `Math.sin(${a})`, (g, a) => `${g} * Math.cos(${a})`),
  cos: unary((a) => `Math.cos(${a})`, (g, a) => `-${g} * Math.sin(${a})`),
  tanh: unary((a) => `Math.tanh(${a})`, (g, _a, out) => `${g} * (1 - ${out} * ${out})`),
  sigmoid: unary(
    (a) => `(${a} >= 0 ? 1 / (1 + Math.exp(-${a})) : Math.exp(${a}) / (1 + Math.exp(${a})))`,
    (g, _a, out) => `${g} * ${out} * (1 - ${out})`,
  ),
  add: { value: (a, b) => `${a} + ${b}`, adjoints: [(g) => g, (g) => g] },
  sub: { value: (a, b) => `${a} - ${b}`, adjoints: [(g) => g, (g) => `-${g}`] },
  mul: { value: (a, b) => `${a} * ${b}`, adjoints: [(g, [, b]) => `${g} * ${b}`, (g, [a]) => `${g} * ${a}`] },
  div: { value: (a, b) => `${a} / ${b}`, adjoints: [(g, [, b]) => `${g} / ${b}`, (g, [, b], out) => `(-${g} * ${out}) / ${b}`] },
  maximum: {
    value: (a, b) => `(${a} > ${b} || ${a} !== ${a} ? ${a} : ${b})`,
    adjoints: [(g, [a, b]) => `(${a} >= ${b} || ${a} !== ${a} ? ${g} : 0)`, (g, [a, b]) => `(${a} >= ${b} || ${a} !== ${a} ? 0 : ${g})`],
  },
  minimum: {
    value: (a, b) => `(${a} < ${b} || ${a} !== ${a} ? ${a} : ${b})`,
    adjoints: [(g, [a, b]) => `(${a} <= ${b} || ${a} !== ${a} ? ${g} : 0)`, (g, [a, b]) => `(${a} <= ${b} || ${a} !== ${a} ? 0 : ${g})`],
  },
});

/**
 * Steps a fused chain runs as the operation itself on one array, in place (its vector kernel,
 * where the backend has one): transcendentals, dearer per element in a JavaScript loop than the
 * pass over memory. Their arrays are kept for the vjp, which then calls none of them.
 */
export const fusibleKernels: ReadonlySet<string> = new Set(["exp", "log", "tanh", "sigmoid", "sin", "cos"]);

/** Reductions of a whole array a fused chain may end in (no axis): its loop adds instead of storing. */
export const fusibleReductions: ReadonlySet<string> = new Set(["sum", "mean"]);
