import type { Operand } from "../ir/index.js";

// One rule per scalar primitive: how it is written in JavaScript, and its adjoint.
// `adjoint(g, args, z)` gives, for each argument, the code of its contribution `g * ∂z/∂arg`
// (g is the adjoint of the result z), or null where the derivative is zero. The
// contribution is linear in g, so forward mode can reuse it with g := the argument's tangent.

/** How a rule sees an IR operand: negative literals in parentheses. */
export function argForRule(op: Operand): Arg {
  if (op.kind === "var" || op.kind === "outer") return { code: op.name };
  return { code: op.code.startsWith("-") ? `(${op.code})` : op.code, value: op.value };
}

/** An operand as the rule sees it: its code, and its value when it is a literal. */
export interface Arg {
  code: string;
  value?: number | boolean;
}

export interface ScalarRule {
  /** The forward computation. */
  js: (args: string[]) => string;
  /** Argument count; undefined for variadic (Math.max, Math.hypot). */
  arity?: number;
  result: "number" | "boolean";
  /** Missing: the derivative is zero everywhere it exists (comparisons, Math.floor). */
  adjoint?: (g: string, args: Arg[], z: string) => (string | null)[];
}

const binary = (op: string) => (args: string[]) => `${args[0]} ${op} ${args[1]}`;
const math = (name: string) => (args: string[]) => `Math.${name}(${args.join(", ")})`;
/** A unary Math function whose adjoint is g times `derivative`. */
const unary = (name: string, derivative: (x: string, z: string) => string): ScalarRule => ({
  js: math(name),
  arity: 1,
  result: "number",
  adjoint: (g, [x], z) => [`${g} * ${derivative(x.code, z)}`],
});
const zeroDerivative = (js: ScalarRule["js"], arity?: number): ScalarRule => ({ js, arity, result: "number" });
const comparison = (op: string): ScalarRule => ({ js: binary(op), arity: 2, result: "boolean" });

/** `g * b * a ** (b - 1)`, folded when the exponent is a literal (x ** 2 -> 2 * x). */
function powerBase(g: string, a: Arg, b: Arg): string {
  if (typeof b.value === "number") {
    if (b.value === 0) return "0";
    if (b.value === 1) return g;
    if (b.value === 2) return `${g} * 2 * ${a.code}`;
    return `${g} * ${b.code} * ${a.code} ** ${b.value - 1 < 0 ? `(${b.value - 1})` : b.value - 1}`;
  }
  return `(${b.code} === 0 ? 0 : ${g} * ${b.code} * ${a.code} ** (${b.code} - 1))`;
}

/** `g * a ** b * log(a)`, zero at a = 0 where a ** b is flat in b for b > 0. */
const powerExponent = (g: string, a: Arg, z: string) => `(${a.code} === 0 ? 0 : ${g} * ${z} * Math.log(${a.code}))`;

/** Math.max / Math.min: the gradient goes to the first argument that attains the result. */
function selected(g: string, args: Arg[], z: string): string[] {
  return args.map((arg, i) => {
    const earlier = args.slice(0, i).map((a) => ` && ${a.code} !== ${z}`).join("");
    return `(${arg.code} === ${z}${earlier} ? ${g} : 0)`;
  });
}

export const scalarRules: Record<string, ScalarRule> = {
  add: { js: binary("+"), arity: 2, result: "number", adjoint: (g) => [g, g] },
  sub: { js: binary("-"), arity: 2, result: "number", adjoint: (g) => [g, `-${g}`] },
  mul: { js: binary("*"), arity: 2, result: "number", adjoint: (g, [a, b]) => [`${g} * ${b.code}`, `${g} * ${a.code}`] },
  div: { js: binary("/"), arity: 2, result: "number", adjoint: (g, [, b], z) => [`${g} / ${b.code}`, `-${g} * ${z} / ${b.code}`] },
  mod: { js: binary("%"), arity: 2, result: "number", adjoint: (g, [a, b]) => [g, `-${g} * Math.trunc(${a.code} / ${b.code})`] },
  pow: { js: binary("**"), arity: 2, result: "number", adjoint: (g, [a, b], z) => [powerBase(g, a, b), powerExponent(g, a, z)] },
  neg: { js: (args) => `-${args[0]}`, arity: 1, result: "number", adjoint: (g) => [`-${g}`] },
  pos: { js: (args) => `+${args[0]}`, arity: 1, result: "number", adjoint: (g) => [g] },

  lt: comparison("<"),
  le: comparison("<="),
  gt: comparison(">"),
  ge: comparison(">="),
  eq: comparison("=="),
  ne: comparison("!="),
  seq: comparison("==="),
  sne: comparison("!=="),
  not: { js: (args) => `!${args[0]}`, arity: 1, result: "boolean" },
  length: { js: (args) => `${args[0]}.length`, arity: 1, result: "number" },
  and: { js: binary("&&"), arity: 2, result: "boolean" },
  or: { js: binary("||"), arity: 2, result: "boolean" },

  "Math.sin": unary("sin", (x) => `Math.cos(${x})`),
  "Math.cos": unary("cos", (x) => `-Math.sin(${x})`),
  "Math.tan": unary("tan", (_x, z) => `(1 + ${z} * ${z})`),
  "Math.asin": unary("asin", (x) => `(1 / Math.sqrt(1 - ${x} * ${x}))`),
  "Math.acos": unary("acos", (x) => `(-1 / Math.sqrt(1 - ${x} * ${x}))`),
  "Math.atan": unary("atan", (x) => `(1 / (1 + ${x} * ${x}))`),
  "Math.sinh": unary("sinh", (x) => `Math.cosh(${x})`),
  "Math.cosh": unary("cosh", (x) => `Math.sinh(${x})`),
  "Math.tanh": unary("tanh", (_x, z) => `(1 - ${z} * ${z})`),
  "Math.asinh": unary("asinh", (x) => `(1 / Math.sqrt(${x} * ${x} + 1))`),
  "Math.acosh": unary("acosh", (x) => `(1 / Math.sqrt(${x} * ${x} - 1))`),
  "Math.atanh": unary("atanh", (x) => `(1 / (1 - ${x} * ${x}))`),
  "Math.exp": unary("exp", (_x, z) => z),
  "Math.expm1": unary("expm1", (_x, z) => `(${z} + 1)`),
  "Math.log": unary("log", (x) => `(1 / ${x})`),
  "Math.log1p": unary("log1p", (x) => `(1 / (1 + ${x}))`),
  "Math.log2": unary("log2", (x) => `(1 / (${x} * Math.LN2))`),
  "Math.log10": unary("log10", (x) => `(1 / (${x} * Math.LN10))`),
  "Math.sqrt": unary("sqrt", (_x, z) => `(0.5 / ${z})`),
  "Math.cbrt": unary("cbrt", (_x, z) => `(1 / (3 * ${z} * ${z}))`),
  "Math.abs": unary("abs", (x) => `Math.sign(${x})`),
  "Math.fround": unary("fround", () => "1"),
  // Number(x) of a number is x (of a string, data: no gradient reaches it).
  Number: { js: (args) => `Number(${args[0]})`, arity: 1, result: "number", adjoint: (g) => [g] },
  "Math.pow": { js: math("pow"), arity: 2, result: "number", adjoint: (g, [a, b], z) => [powerBase(g, a, b), powerExponent(g, a, z)] },
  "Math.atan2": {
    js: math("atan2"),
    arity: 2,
    result: "number",
    adjoint: (g, [y, x]) => [
      `${g} * ${x.code} / (${x.code} * ${x.code} + ${y.code} * ${y.code})`,
      `-${g} * ${y.code} / (${x.code} * ${x.code} + ${y.code} * ${y.code})`,
    ],
  },
  "Math.hypot": { js: math("hypot"), result: "number", adjoint: (g, args, z) => args.map((a) => `(${z} === 0 ? 0 : ${g} * ${a.code} / ${z})`) },
  // The value of its second argument, the derivative of its first: a fold computed for its
  // derivative (`Math.hypot(...xs)` one pair at a time) beside the exact value the primal computes.
  withValueOf: { js: (args) => args[1], arity: 2, result: "number", adjoint: (g) => [g, null] },
  // One step of `Math.hypot(...xs)` folded pairwise: zero where the running norm is, so
  // leading zero elements get their zero derivative rather than 0 / 0.
  hypotStep: { js: math("hypot"), arity: 2, result: "number", adjoint: (g, args, z) => args.map((a) => `(${z} === 0 ? 0 : ${g} * ${a.code} / ${z})`) },
  "Math.max": { js: math("max"), result: "number", adjoint: selected },
  "Math.min": { js: math("min"), result: "number", adjoint: selected },
  "Math.sign": zeroDerivative(math("sign"), 1),
  "Math.floor": zeroDerivative(math("floor"), 1),
  "Math.ceil": zeroDerivative(math("ceil"), 1),
  "Math.round": zeroDerivative(math("round"), 1),
  "Math.trunc": zeroDerivative(math("trunc"), 1),
  "Math.random": zeroDerivative(math("random"), 0),
  "Math.clz32": zeroDerivative(math("clz32"), 1),
  "Math.imul": zeroDerivative(math("imul"), 2),
  // Bitwise operators make 32-bit integers (`i >> 1`, `x | 0`): piecewise constant, as Math.trunc.
  bitor: zeroDerivative(binary("|"), 2),
  bitand: zeroDerivative(binary("&"), 2),
  bitxor: zeroDerivative(binary("^"), 2),
  shl: zeroDerivative(binary("<<"), 2),
  shr: zeroDerivative(binary(">>"), 2),
  ushr: zeroDerivative(binary(">>>"), 2),
  bitnot: zeroDerivative((args) => `~${args[0]}`, 1),
};

/** `Math` constants, read as literals. */
export const mathConstants = new Set(["PI", "E", "LN2", "LN10", "LOG2E", "LOG10E", "SQRT2", "SQRT1_2"]);

/** Operators of the source language and the primitive each lowers to. */
export const binaryOperators: Record<string, string> = {
  "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "**": "pow",
  "<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne", "===": "seq", "!==": "sne",
  "|": "bitor", "&": "bitand", "^": "bitxor", "<<": "shl", ">>": "shr", ">>>": "ushr",
};

/**
 * Whether `target = op(args)` with target among the args must go through a temporary:
 * when the rule's adjoint reads the target (old operand or new result), which the
 * update overwrites. `b = b * 2` and `s = s + t` need none.
 */
export function updateNeedsTemporary(target: string, op: string, args: Arg[]): boolean {
  const uses = args.filter((a) => a.code === target).length;
  if (uses === 0) return false;
  if (uses > 1) return true;
  const rule = scalarRules[op];
  if (!rule?.adjoint) return false;
  // Only arguments that are variables can be active; a literal's contribution is never written.
  const ids = rule
    .adjoint("G", args, target)
    .filter((_, i) => args[i].value === undefined && !/^[\d(]/.test(args[i].code))
    .flatMap((code) => code?.match(/[A-Za-z_$][\w$]*/g) ?? []);
  return ids.includes(target);
}
