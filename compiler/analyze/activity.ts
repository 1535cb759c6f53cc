// Activity: which variables carry derivatives. Varied (depends on a `wrt` input) and useful
// (reaches the result), over array alias classes: variables that may hold the same array
// share one activity node, hence one adjoint.
import { diagnostic, type Diagnostic, type DiagnosticCode, type Span } from "../diagnostics.js";
import { exprArgs, npParam, v, type Assign, type Expr, type IRFunction, type Operand, type Stmt } from "../ir/index.js";
import { scalarRules } from "../rules/scalar.js";
import { npRule } from "../rules/np.js";
import { methodDiagnostics, methodFlows } from "./array-methods.js";
import { reach, UnionFind } from "./dataflow.js";
import type { InferredType } from "./types.js";

/** Whether an expression's derivative can flow from argument `i`. */
export function differentiableArg(expr: Expr, i: number): boolean {
  switch (expr.kind) {
    case "copy":
    case "call":
    case "alloc":
      return true;
    case "opaque":
      return !expr.constant;
    case "np":
      return expr.rule !== null && (npRule(expr.rule)?.wrt.includes(npParam(expr, i)) ?? expr.rule === "item");
    case "stop":
    case "leaf":
    case "shape":
      return false;
    case "load":
      return i === 0;
    case "prim":
      return scalarRules[expr.op]?.adjoint !== undefined;
  }
}

export interface Activity {
  classes: UnionFind;
  /** The activity node of a variable: its array class, or itself. */
  node: (name: string) => string;
  /** Varied and useful number variables: the ones with adjoints. */
  active: Set<string>;
  activeStmts: Set<Stmt>;
  resets: Set<Stmt>;
  outputSlices?: string[][];
  /** Variables a gradient flows through or towards (varied or useful): an effect on them matters. */
  involved: Set<string>;
  diagnostics: Diagnostic[];
}

export function activityOf(fn: IRFunction, wrt: Set<number>, stmts: Stmt[], assigns: Assign[], types: Map<string, InferredType>, filename: string): Activity {
  const isArray = (name: string) => types.get(name) === "array";
  // Array variables that may hold the same array (`b = a`) form one class: one adjoint.
  const classes = new UnionFind();
  for (const s of assigns) {
    if (s.expr.kind === "copy" && s.expr.arg.kind === "var" && isArray(s.target) && isArray(s.expr.arg.name)) classes.union(s.target, s.expr.arg.name);
  }
  /** The activity node of a variable: its array class, or itself. */
  const node = (name: string) => (isArray(name) ? `[]${classes.find(name)}` : name);
  const canCarry = (name: string) => {
    const type = types.get(name);
    return type === "number" || type === "unknown" || type === "array" || type === "ndarray";
  };

  // Dataflow edges from each differentiable source to what it flows into.
  const edges: [string, string][] = [];
  const flow = (from: Operand, to: string) => {
    if (from.kind === "var") edges.push([node(from.name), node(to)]);
  };
  for (const s of stmts) {
    if (s.kind === "assign") {
      if (s.expr.kind === "copy" && isArray(s.target)) continue; // an alias, not a flow
      exprArgs(s.expr).forEach((arg, i) => {
        if (differentiableArg(s.expr, i) && !(s.expr.kind === "alloc" && !(arg.kind === "var" && isArray(arg.name)))) flow(arg, s.target);
      });
    } else if (s.kind === "store" || s.kind === "fill") {
      flow(s.value, s.array);
    } else if (s.kind === "method") {
      for (const [from, to] of methodFlows(s)) flow(from, to);
    }
  }
  // A record block's attachGrad() leaves start gradients of their own, as parameters do.
  const leaves = assigns.filter((s) => s.expr.kind === "leaf").map((s) => s.target);
  const seeds = [...fn.params.filter((p, i) => wrt.has(i) && canCarry(p)), ...leaves].map(node);
  const carries = (n: string) => n.startsWith("[]") || canCarry(n);
  const varied = reach(seeds, edges, carries);
  const backwards = edges.map(([a, b]): [string, string] => [b, a]);
  // A record block's NDArray outputs can each start a backward(); numbers cannot.
  const outputs = fn.outputs?.map((o) => (types.get(o) === "ndarray" || types.get(o) === "unknown" ? o : null)) ?? [fn.result];
  const useful = reach(outputs.flatMap((o) => (o ? [node(o)] : [])), backwards, () => true);
  const activeNodes = new Set([...varied].filter((n) => useful.has(n) && carries(n)));
  const inputs = new Set(fn.params.filter((_, i) => wrt.has(i)));
  const outputSlices = fn.outputs?.map((_, i) => {
    const o = outputs[i];
    if (!o) return [];
    const reached = reach([node(o)], backwards, () => true);
    return [...activeNodes].filter((n) => reached.has(n) && !inputs.has(n)).sort();
  });
  const isActiveVar = (name: string) => activeNodes.has(node(name));
  const active = new Set([...types.keys()].filter(isActiveVar));
  const isActive = (op: Operand) => op.kind === "var" && active.has(op.name);

  const activeStmts = new Set<Stmt>();
  const resets = new Set<Stmt>();
  const diagnostics: Diagnostic[] = [];
  const report = (code: DiagnosticCode, at: Span, detail: string) => diagnostics.push(diagnostic(code, filename, at, detail));
  for (const s of stmts) {
    if (s.kind === "store" || s.kind === "fill" || s.kind === "method") {
      if (active.has(s.array)) activeStmts.add(s);
      continue;
    }
    if (s.kind !== "assign" || !active.has(s.target)) continue;
    if (s.expr.kind === "copy" && isArray(s.target)) continue;
    const activeArgs = exprArgs(s.expr).some((a, i) => isActive(a) && differentiableArg(s.expr, i));
    if (s.expr.kind === "alloc" || s.expr.kind === "leaf") {
      activeStmts.add(s); // its adjoint array is zeroed (and a copy's flows back); a leaf's is returned
      continue;
    }
    if (!activeArgs) {
      resets.add(s);
      continue;
    }
    if (s.expr.kind === "opaque") {
      report(s.expr.diagnostic, s.expr.at, s.expr.describe);
      continue;
    }
    activeStmts.add(s);
  }
  // A method writing into its array (or viewing it) changes memory no assignment shows: refused
  // wherever a gradient is involved, the array's or an argument's, rather than ignored.
  const involved = (op: Operand) => op.kind === "var" && (varied.has(node(op.name)) || useful.has(node(op.name)));
  for (const s of stmts) {
    if ((s.kind === "assign" || s.kind === "effect") && s.expr.kind === "opaque" && s.expr.writesReceiver && s.expr.args.some(involved)) {
      report(s.expr.diagnostic, s.expr.at, s.expr.describe);
    }
  }
  diagnostics.push(...methodDiagnostics(stmts, types, involved, filename));
  const involvedVars = new Set([...types.keys()].filter((name) => involved(v(name))));
  return { classes, node, active, activeStmts, resets, outputSlices, involved: involvedVars, diagnostics };
}

/**
 * Writes into array parameters (of any array their class may hold).
 * A callee may read its array parameters but not write them: its caller's reverse
 * sweep could not see the writes.
 */
export function paramWritesOf(fn: IRFunction, stmts: Stmt[], isArray: (name: string) => boolean, node: (name: string) => string): Span[] {
  const paramClasses = new Set(fn.params.filter(isArray).map(node));
  const paramWrites: Span[] = [];
  for (const s of stmts) {
    if ((s.kind === "store" || s.kind === "fill" || s.kind === "method") && paramClasses.has(node(s.array)) && s.loc) {
      paramWrites.push({ start: s.loc.start ?? 0, end: s.loc.end ?? 0, line: s.loc.line, column: s.loc.column });
    }
  }
  return paramWrites;
}
