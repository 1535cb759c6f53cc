// Value types of the IR's variables: declared ones, and what assignments and uses say of
// the rest (a number in arithmetic, an array when indexed), to a fixed point.
import type { Assign, Expr, IRFunction, Operand, Stmt, ValueType } from "../ir/index.js";
import { scalarRules } from "../rules/scalar.js";
import { methodArrays } from "./array-methods.js";
import { fixpoint } from "./dataflow.js";

/** "unknown" values (call results, property reads) are treated as numbers for activity. */
export type InferredType = ValueType | "unknown";

export function inferTypes(fn: IRFunction, stmts: Stmt[]): Map<string, InferredType> {
  const types = new Map<string, InferredType>();
  // An unannotated parameter is whatever its use says (a number in arithmetic, an array
  // when indexed); until then unknown.
  fn.params.forEach((p, i) => types.set(p, fn.paramAnnotated[i] ? fn.paramTypes[i] : "unknown"));
  for (const [name, info] of fn.locals) if (info.declared) types.set(name, info.declared);
  // Whatever is indexed or written element by element is an array, unannotated parameters included.
  const unannotated = new Set(fn.params.filter((_, i) => !fn.paramAnnotated[i]));
  for (const s of stmts) {
    const base = s.kind === "store" || s.kind === "fill" ? s.array : s.kind === "assign" && s.expr.kind === "load" && s.expr.array.kind === "var" ? s.expr.array.name : null;
    if (base && (!types.has(base) || unannotated.has(base))) types.set(base, "array");
    // So is the receiver of an array method that writes into it, and set's source.
    if (s.kind === "method") for (const name of methodArrays(s)) if (!types.has(name) || unannotated.has(name)) types.set(name, "array");
  }
  const typeOf = (op: Operand): InferredType | undefined => {
    if (op.kind === "var") return types.get(op.name);
    if (op.kind === "outer") return "unknown";
    if (typeof op.value === "number") return "number";
    if (typeof op.value === "boolean") return "boolean";
    return op.code === "undefined" || op.code === "null" || /^-?[\d.]/.test(op.code) || op.code.startsWith("Math.") || op.code === "Infinity" || op.code === "NaN" ? undefined : "other";
  };
  const exprType = (expr: Expr): InferredType | undefined => {
    switch (expr.kind) {
      case "copy":
      case "stop":
      case "leaf":
        return typeOf(expr.arg);
      case "prim":
        return scalarRules[expr.op].result;
      case "load":
        return "number";
      case "alloc":
        return "array";
      case "shape":
        return "other";
      case "np":
        return expr.result;
      case "call":
        return "unknown";
      case "opaque":
        return expr.result ?? "unknown";
    }
  };
  // Something known beats unknown: a variable set from arithmetic and from a call result is
  // a number (one that is sometimes an array is not supported).
  const join = (a: InferredType | undefined, b: InferredType | undefined): InferredType | undefined => {
    if (a === undefined || a === "unknown") return b ?? a;
    if (b === undefined || b === "unknown" || a === b) return a;
    return "unknown";
  };
  const assigns = stmts.filter((s): s is Assign => s.kind === "assign");
  fixpoint(() => {
    let changed = false;
    for (const s of assigns) {
      if (fn.locals.get(s.target)?.declared || (fn.params.includes(s.target) && !unannotated.has(s.target))) continue;
      if (types.get(s.target) === "array" && s.expr.kind !== "alloc" && s.expr.kind !== "copy") continue;
      const next = join(types.get(s.target), exprType(s.expr));
      if (next !== undefined && next !== types.get(s.target)) {
        types.set(s.target, next);
        changed = true;
      }
    }
    return changed;
  });
  for (const name of fn.locals.keys()) if (!types.has(name)) types.set(name, "unknown");
  // A value used in number arithmetic is a number; an unknown one that is only passed on
  // (to a call, an np operation) may be an array, and its adjoint is accumulated generically.
  for (const s of assigns) {
    if (s.expr.kind !== "prim") continue;
    for (const arg of s.expr.args) if (arg.kind === "var" && types.get(arg.name) === "unknown") types.set(arg.name, "number");
  }
  return types;
}

const KINDS = new Set<InferredType>(["number", "array", "ndarray"]);

/**
 * Assignments giving a variable a kind other than the one it has elsewhere (an array on one
 * path, a number on another): the generated code has one kind per variable, so these are
 * refused rather than guessed (the generated code called array methods on a number).
 */
export function kindConflicts(fn: IRFunction, stmts: Stmt[], types: Map<string, InferredType>): Assign[] {
  const kindOf = (expr: Expr): InferredType | undefined => {
    if (expr.kind === "copy" && expr.arg.kind === "var") return types.get(expr.arg.name);
    if (expr.kind === "copy" && expr.arg.kind === "const" && typeof expr.arg.value === "number") return "number";
    if (expr.kind === "prim") return scalarRules[expr.op]?.result;
    if (expr.kind === "load") return "number";
    if (expr.kind === "alloc") return "array";
    if (expr.kind === "np") return expr.result;
    return undefined;
  };
  // The first kind each variable is given (its declared or inferred one where it has one), then any other.
  const first = new Map<string, InferredType>();
  for (const [name, type] of types) if (KINDS.has(type) && (fn.locals.get(name)?.declared || fn.params.includes(name))) first.set(name, type);
  return stmts.filter((s): s is Assign => {
    if (s.kind !== "assign") return false;
    const given = kindOf(s.expr);
    if (given === undefined || !KINDS.has(given)) return false;
    const held = first.get(s.target) ?? types.get(s.target);
    if (held === undefined || !KINDS.has(held)) {
      first.set(s.target, given);
      return false;
    }
    // Numbers and NDArrays mix (`total = 0` then `total = np.add(total, l)`): the runtime's
    // adjoints take either. An indexed array with anything else does not.
    return held !== given && (held === "array" || given === "array");
  });
}
