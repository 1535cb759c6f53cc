// What the compiler knows of adjoint/np: which operations have an adjoint rule (in the
// runtime's one table, `adjoints`), their parameters, and which NDArray methods map to
// them. The derivative itself is never written here.
import { adjoints, methodRules, vjpOps, withoutOps, type VjpOps } from "../../runtime/np/index.js";
import { ops } from "../../runtime/np/vjp-ops.js";
import { fusible, fusibleKernels, fusibleReductions, type Fusible } from "../../runtime/np/fusible.js";
import type { FusedChain } from "../ir/index.js";

export interface NpRule {
  name: string;
  params: readonly string[];
  wrt: readonly number[];
  /** What the rule reads besides the output's adjoint: parameter positions and "out" (all, if unsaid). */
  reads?: readonly (number | "out")[];
  /** Parameters it reads only for their shape and dtype: it may be given `shapeOf(x)` instead. */
  shapeOnly?: readonly number[];
}

export function npRule(name: string): NpRule | undefined {
  const rule = (adjoints as Record<string, Omit<NpRule, "name">>)[name];
  if (rule) return { name, params: rule.params, wrt: rule.wrt, reads: rule.reads, shapeOnly: rule.shapeOnly };
  return derivedRule(name);
}

/**
 * The calls a generated NDArray gradient makes, as rules of their own for forward mode over
 * it (lower/second-order.ts): `vjp:R`, rule R's vjp (dout, R's parameters, R's output, need),
 * differentiable in dout, R's differentiable parameters and the output, its tangent the
 * runtime's `vjpTangents[R]`; `helper:H`, a helper of the reverse sweep, its tangent
 * `helperTangents[H]`. Neither has a vjp: reverse mode refuses them (reverse/index.ts).
 */
function derivedRule(name: string): NpRule | undefined {
  const [kind, of] = name.split(":");
  if (of === undefined) return undefined;
  if (kind === "vjp") {
    const rule = (adjoints as Record<string, Omit<NpRule, "name">>)[of];
    if (!rule) return undefined;
    const n = rule.params.length;
    return { name, params: ["dout", ...rule.params, "out", "need"], wrt: [0, ...rule.wrt.map((i) => i + 1), n + 1] };
  }
  if (kind === "helper" && of in HELPERS) return { name, params: HELPERS[of].params, wrt: HELPERS[of].wrt };
  return undefined;
}

/** Rule R's vjp written as np operations (runtime/np/vjp-ops.ts), its forms in order, for a gradient differentiated a third time; none where it has none. */
export const vjpAsOps = (name: string): readonly VjpOps[] => (Object.hasOwn(vjpOps, name) ? ([] as VjpOps[]).concat(vjpOps[name]) : []);

/** Why rule R's vjp has no operations form (runtime/np/vjp-ops.ts), where that is known. */
export const whyNoOps = (name: string): string | undefined => (Object.hasOwn(withoutOps, name) ? withoutOps[name] : undefined);

/** Whether `secondOrder.ops.R` is an operation with no rule: a mask, a constant of differentiation. */
export const constantOp = (name: string): boolean => Object.hasOwn(ops, name) && npRule(name) === undefined;

/** The helper of the reverse sweep each operation of adjoint-ops.ts stands for, written as operations. */
export const HELPER_OPS: Readonly<Record<string, string>> = { accumulate: "addAdjoints", orZerosLike: "orZeros", sumToNumber: "matchShape" };

/** The reverse sweep's NDArray helpers (runtime/generated.ts) that carry a tangent. */
const HELPERS: Record<string, { params: string[]; wrt: number[] }> = {
  accumulate: { params: ["acc", "x"], wrt: [0, 1] },
  orZerosLike: { params: ["gradient", "x"], wrt: [0] },
  sumToNumber: { params: ["x"], wrt: [0] },
  head: { params: ["value", "dvalue"], wrt: [1] },
};

/** The derived rule `vjp:R` or `helper:H` of a generated gradient's call, split. */
export function derivedOf(rule: string): { kind: "vjp" | "helper"; of: string } | undefined {
  const [kind, of] = rule.split(":");
  return (kind === "vjp" || kind === "helper") && of !== undefined ? { kind, of } : undefined;
}

/** The per-element code of an elementwise operation the compiler may fuse (runtime/np/fusible.ts). */
export const fusibleOp = (name: string): Fusible | undefined => (Object.hasOwn(fusible, name) ? fusible[name] : undefined);

/** Whether a fused chain runs step `name` as the runtime's operation on one array (a transcendental with a vector kernel). */
export const fusibleKernel = (name: string): boolean => fusibleKernels.has(name);

/** Whether a fused chain may end in reduction `name` (of the whole array). */
export const fusibleReduction = (name: string): boolean => fusibleReductions.has(name);

/** The rule of a fused chain (optimize/fuse.ts): differentiable in every operand (see `fusedReads`). */
export const FUSED_RULE = "fused";

/** What a fused chain's vjp reads: every operand; its output where a step keeps its values with it. */
export const fusedReads = (chain: FusedChain, i: number | "out"): boolean => i !== "out" || chain.steps.some((s) => fusibleKernel(s.op));

/** Whether a rule reads its parameter `i` ("out": its output) in the reverse sweep, if only its shape. */
export function ruleReads(name: string, i: number | "out"): boolean {
  const rule = (adjoints as Record<string, Omit<NpRule, "name">>)[name];
  return rule?.reads === undefined || rule.reads.includes(i) || (typeof i === "number" && ruleReadsShapeOnly(name, i));
}

/** Whether a rule reads its parameter `i` only for its shape and dtype. */
export function ruleReadsShapeOnly(name: string, i: number): boolean {
  return (adjoints as Record<string, Omit<NpRule, "name">>)[name]?.shapeOnly?.includes(i) ?? false;
}

/** adjoint/np functions exported under a second name (NumPy's): the rule of the first. */
const ALIASES: Record<string, string> = { concatenate: "concat", power: "pow" };

/** The rule of an `np.` path (`dot`, `linalg.norm`), or undefined for constants and unknowns. */
export function npPathRule(path: string[]): NpRule | undefined {
  if (path.length === 1) return npRule(ALIASES[path[0]] ?? path[0]);
  if (path.length === 2 && path[0] === "linalg") return npRule(path[1]);
  return undefined;
}

/** The rule an NDArray method is differentiated by (`x.sum()` is `sum`). */
export function npMethodRule(method: string): NpRule | undefined {
  const name = (methodRules as Record<string, string>)[method];
  return name ? npRule(name) : undefined;
}

/** Methods whose arguments the rule takes as one list: `x.reshape(2, 3)` is `reshape(x, [2, 3])`. */
export const SPREAD_METHODS = new Set(["reshape", "transpose", "get"]);

/** Properties of an NDArray that are not differentiable values (a gradient buffer is a constant too). */
export const CONSTANT_PROPERTIES = new Set(["shape", "size", "ndim", "dtype", "strides", "offset", "isContiguous", "length", "grad", "gradRequest"]);
