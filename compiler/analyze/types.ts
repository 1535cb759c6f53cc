// Value types of the IR's variables: declared ones, and what assignments and uses say of
// the rest (a number in arithmetic, an array when indexed), to a fixed point.
import type { Assign, Expr, IRFunction, Operand, Stmt, ValueType } from "../ir/index.js";
import { scalarRules } from "../rules/scalar.js";
import { methodArrays, ruleOf } from "./array-methods.js";
import { fixpoint } from "./dataflow.js";

/** "unknown": a kind known only at run time, which generated code handles through the runtime's `accumulate`. */
export type InferredType = ValueType | "unknown";

/** The kinds a use says a value has: indexed (an array), in arithmetic (a number), an NDArray parameter. */
export type Evidence = "number" | "array" | "ndarray";
const EVIDENCE = new Set<InferredType>(["number", "array", "ndarray"]);

/** What the module pass (./module-types.ts) knows of the module's functions, by key. */
export interface ModuleFacts {
  /** Each parameter's kind, as the function's declarations and uses say (unknown where nothing does). */
  params(key: string): readonly InferredType[] | undefined;
  /** The kinds the module's callers pass for each parameter. */
  passed(key: string): readonly ReadonlySet<Evidence>[] | undefined;
  /** The kind of what the function returns (undefined: not found yet). */
  returns(key: string): InferredType | undefined;
  /** Whether the pass covers the function (a function of the module, not one lowered later). */
  covers(key: string): boolean;
}

export interface Kinds {
  types: Map<string, InferredType>;
  /** Variables (parameters included) that uses give two kinds: indexed in one place, a number in another. */
  conflicts: Map<string, Set<Evidence>>;
}

export function inferTypes(fn: IRFunction, stmts: Stmt[], facts?: ModuleFacts): Map<string, InferredType> {
  return inferKinds(fn, stmts, facts).types;
}

/**
 * Each variable's kind, as a type checker would find it, never guessed: a declaration
 * (annotation, JSDoc, default value) fixes it; else its uses say it (indexed, `.length`,
 * `.slice()`: an array; an operand of arithmetic, an element stored: a number; an argument of
 * a module function whose parameter has a kind: that kind), and so do the module's callers
 * (facts.passed); else assignments carry kinds forward, and copies into a variable of known
 * kind carry it back. What nothing says stays unknown.
 */
export function inferKinds(fn: IRFunction, stmts: Stmt[], facts?: ModuleFacts): Kinds {
  const types = new Map<string, InferredType>();
  /** Variables whose kind assignments do not change: declared, or said by their uses. */
  const fixed = new Set<string>();
  fn.params.forEach((p, i) => {
    if (!fn.paramAnnotated[i]) return;
    types.set(p, fn.paramTypes[i]);
    fixed.add(p);
  });
  for (const [name, info] of fn.locals) {
    if (!info.declared) continue;
    types.set(name, info.declared);
    fixed.add(name);
  }
  const evidence = new Map<string, Set<Evidence>>();
  /** What uses say of declared variables: a declaration the code contradicts is no kind to go by. */
  const declaredUses = new Map<string, Set<Evidence>>();
  const say = (op: Operand | string, kind: InferredType | undefined) => {
    const name = typeof op === "string" ? op : op.kind === "var" ? op.name : undefined;
    if (name === undefined || kind === undefined || !EVIDENCE.has(kind)) return;
    const into = fixed.has(name) ? declaredUses : evidence;
    if (!into.has(name)) into.set(name, new Set());
    into.get(name)!.add(kind as Evidence);
  };
  for (const s of stmts) {
    if (s.kind === "store" || s.kind === "fill") {
      say(s.array, "array");
      say(s.value, "number"); // an element of an array of numbers
    }
    // So is the receiver of an array method that writes into it, and set's source.
    if (s.kind === "method") for (const name of methodArrays(s)) say(name, "array");
    // What push, unshift and splice insert becomes an element of an array of numbers, as a stored
    // value does; a derivative's plain value stack holds values of every kind as they are.
    if (s.kind === "method" && !fn.derivative) for (const i of ruleOf(s).into(s.args.length)) say(s.args[i], "number");
    if (s.kind !== "assign" && s.kind !== "effect") continue;
    const expr = s.expr;
    if (expr.kind === "load") say(expr.array, "array");
    else if ((expr.kind === "alloc" && (expr.ctor === "same" || expr.from)) || expr.kind === "view") say(expr.arg, "array");
    else if (expr.kind === "prim" && expr.op === "length") say(expr.args[0], "array");
    else if (expr.kind === "prim" && scalarRules[expr.op]?.result === "number") for (const arg of expr.args) say(arg, "number");
    else if (expr.kind === "call" && expr.callee.kind === "local") {
      const params = facts?.params(expr.callee.key);
      expr.args.forEach((arg, i) => say(arg, params?.[i]));
    }
  }
  const conflicts = new Map<string, Set<Evidence>>();
  for (const [name, kinds] of declaredUses) {
    // `@param {number} x` with x indexed (Babel strips a TypeScript `x: number` unchecked): x[i]'s adjoint would go nowhere.
    const declared = types.get(name);
    if (declared === "array" ? kinds.has("number") : declared !== "boolean" && kinds.has("array")) conflicts.set(name, kinds);
  }
  // What callers pass decides a parameter the body says nothing of. Callers passing different
  // kinds leave it of run-time kind: a body that only passes it on handles either.
  facts?.passed(fn.key)?.forEach((kinds, i) => {
    const param = fn.params[i];
    if (param === undefined || fixed.has(param) || evidence.has(param) || !kinds) return;
    types.set(param, kinds.size === 1 ? [...kinds][0] : "unknown");
    fixed.add(param);
  });
  for (const [name, kinds] of evidence) {
    // Numbers and NDArrays mix (the runtime's adjoints take either); an indexed array with anything else does not.
    if (kinds.has("array") && kinds.size > 1) conflicts.set(name, kinds);
    types.set(name, kinds.has("array") ? "array" : kinds.size === 1 ? [...kinds][0] : "unknown");
    fixed.add(name);
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
      case "view":
        return "array";
      case "shape":
        return "other";
      case "np":
        return expr.result;
      case "call":
        // A result the module pass has yet to find says nothing yet (so recursion finds its
        // kind); one it cannot know (an attached vjp, a function it does not cover) is of run-time kind.
        if (expr.callee.kind === "local" && facts?.covers(expr.callee.key)) return facts.returns(expr.callee.key);
        return "unknown";
      case "opaque":
        return expr.result ?? "unknown";
    }
  };
  // A variable given a number on one path and a value of run-time kind (a call result nothing
  // types) on another is of run-time kind: taking it for a number would be a guess.
  const join = (a: InferredType | undefined, b: InferredType | undefined): InferredType | undefined => {
    if (a === undefined) return b;
    if (b === undefined || a === b) return a;
    return "unknown";
  };
  const assigns = stmts.filter((s): s is Assign => s.kind === "assign");
  const set = (name: string, type: InferredType | undefined) => {
    if (type === undefined || type === types.get(name)) return false;
    types.set(name, type);
    return true;
  };
  fixpoint(() => {
    let changed = false;
    for (const s of assigns) {
      // A copy into a variable of known kind (`for (const v of x)` copies x into an array) says the source's kind.
      const source = s.expr.kind === "copy" && s.expr.arg.kind === "var" ? s.expr.arg.name : undefined;
      const known = types.get(s.target);
      if (source !== undefined && fixed.has(s.target) && !fixed.has(source) && known && EVIDENCE.has(known) && (types.get(source) ?? "unknown") === "unknown") changed = set(source, known) || changed;
      if (fixed.has(s.target)) continue;
      if (known === "array" && s.expr.kind !== "alloc" && s.expr.kind !== "copy") continue;
      changed = set(s.target, join(known, exprType(s.expr))) || changed;
    }
    return changed;
  });
  for (const name of [...fn.params, ...fn.locals.keys()]) if (!types.has(name)) types.set(name, "unknown");
  return { types, conflicts };
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
