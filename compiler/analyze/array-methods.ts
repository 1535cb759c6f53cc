// What the analyses need to know of `method` statements (array methods that write into
// their array), read from each method's rule: activity flows, what the reverse reads, when
// the statement has reverse code and when its forward sweep saves something.
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import { forEachStmt, type IRFunction, type Operand, type Stmt } from "../ir/index.js";
import { arrayMethodRule, type ArrayMethodRule } from "../rules/array-methods.js";
import type { InferredType } from "./types.js";

export type MethodStmt = Extract<Stmt, { kind: "method" }>;

/** The rule of a method statement (lowering made it only for methods that have one). */
export function ruleOf(s: MethodStmt): ArrayMethodRule {
  return arrayMethodRule(s.method, s.args.length)!;
}

/** Activity: operands that flow into the array (pushed values, `set`'s source), and the array into the result. */
export function methodFlows(s: MethodStmt): [Operand, string][] {
  const rule = ruleOf(s);
  const flows: [Operand, string][] = [...rule.into(s.args.length), ...(rule.arrays ?? [])].map((i) => [s.args[i], s.array]);
  if (s.target) flows.push([{ kind: "var", name: s.array }, s.target]);
  return flows;
}

/** What the reverse of a method reads: the array (for its adjoint), indices and offsets, `set`'s source. */
export function methodReads(s: MethodStmt): Operand[] {
  const into = new Set(ruleOf(s).into(s.args.length));
  return [{ kind: "var", name: s.array }, ...s.args.filter((_, i) => !into.has(i))];
}

/** Array classes (activity nodes) that some method resizes: their lengths change where no assignment shows it. */


/**
 * Whether a method statement's forward sweep saves something, given that it has reverse
 * code: what it overwrites or removes (by its rule), or the value its target held before.
 */
export function methodSavesOf(fn: IRFunction, active: Set<string>, needed: Set<string>): (s: MethodStmt) => boolean {
  return (s) => ruleOf(s).save !== null || savesTarget(fn, s, active, needed);
}

/**
 * Whether a method in a loop saves the value its target held before the call: the reverse
 * sweep reads the element pop returned (`q.pop() * a`), or looks up the adjoint of the
 * removed elements splice returned, each call's own.
 */
export function savesTarget(fn: IRFunction, s: MethodStmt, active: Set<string>, needed: Set<string>): boolean {
  if (s.target === undefined || !inLoop(fn).has(s)) return false;
  return needed.has(s.target) || (ruleOf(s).result === "removed" && active.has(s.target));
}

const inLoopOf = new WeakMap<IRFunction, Set<Stmt>>();

/** The method statements of a function that are inside a loop. */
function inLoop(fn: IRFunction): Set<Stmt> {
  let found = inLoopOf.get(fn);
  if (!found) {
    const stmts = new Set<Stmt>();
    forEachStmt(fn.body, (s, loop) => {
      if (loop && s.kind === "method") stmts.add(s);
    });
    inLoopOf.set(fn, (found = stmts));
  }
  return found;
}

/** The arrays a method statement works on: its receiver, and set's source. */
export function methodArrays(s: MethodStmt): string[] {
  return [s.array, ...(ruleOf(s).arrays ?? []).flatMap((i) => { const arg = s.args[i]; return arg.kind === "var" ? [arg.name] : []; })];
}

/**
 * Methods on something not known to be an array (or a source that is not), and elements that
 * are not numbers (an NDArray pushed or stored into an array adjoint takes for numbers), refused
 * where a gradient is involved.
 */
export function methodDiagnostics(stmts: Stmt[], types: Map<string, InferredType>, involved: (op: Operand) => boolean, filename: string, elementsChecked = true): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Uses say an element is a number; an NDArray assigned to it says otherwise.
  const ndarrays = new Set([...types].flatMap(([name, kind]) => (kind === "ndarray" ? [name] : [])));
  for (let size = -1; size !== ndarrays.size; ) {
    size = ndarrays.size;
    for (const s of stmts) if (s.kind === "assign" && ((s.expr.kind === "np" && s.expr.result === "ndarray") || (s.expr.kind === "copy" && s.expr.arg.kind === "var" && ndarrays.has(s.expr.arg.name)))) ndarrays.add(s.target);
  }
  // Code adjoint generated pushes NDArrays on its plain value stack, moved as they are; the user code in it was checked at first order.
  // (An array stored into an array is a row of an array of arrays: lower/rows.ts says what of it is refused.)
  const notNumber = (op: Operand) => elementsChecked && op.kind === "var" && (ndarrays.has(op.name) || !["number", "boolean", "array"].includes(types.get(op.name) ?? "unknown"));
  const why = (op: Operand) =>
    op.kind === "var" && ndarrays.has(op.name)
      ? "an NDArray, where adjoint differentiates arrays of numbers (an array of NDArrays is not in the subset: stack them into one NDArray)"
      : "where adjoint differentiates arrays of numbers (annotate the value)";
  for (const s of stmts) {
    if (s.kind === "store" || s.kind === "fill") {
      if (notNumber(s.value) && s.loc && [s.value, { kind: "var" as const, name: s.array }].some(involved)) {
        out.push(diagnostic("ADJ011", filename, { start: s.loc.start ?? 0, end: s.loc.end ?? 0, line: s.loc.line, column: s.loc.column }, `a value not known to be a number stored into an array: ${why(s.value)}`));
      }
      continue;
    }
    if (s.kind !== "method") continue;
    const element = ruleOf(s).into(s.args.length).map((i) => s.args[i]).find(notNumber);
    if (element && [{ kind: "var" as const, name: s.array }, element].some(involved)) {
      out.push(diagnostic("ADJ011", filename, s.at, `the method call .${s.method}() puts a value not known to be a number into an array: ${why(element)}`));
      continue;
    }
    const unknown = methodArrays(s).some((name) => types.get(name) !== "array");
    if (unknown && [{ kind: "var" as const, name: s.array }, ...s.args].some(involved)) {
      out.push(diagnostic("ADJ011", filename, s.at, `the method call .${s.method}() on a value adjoint does not know to be an array of numbers (annotate it as number[] or Float64Array)`));
    }
  }
  return out;
}
