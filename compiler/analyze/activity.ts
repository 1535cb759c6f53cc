// Activity: which variables carry derivatives. Varied (depends on a `wrt` input) and useful
// (reaches the result), over array alias classes: variables that may hold the same array
// share one activity node, hence one adjoint.
import { diagnostic, type Diagnostic, type DiagnosticCode, type Span } from "../diagnostics.js";
import { exprArgs, npParam, v, type Assign, type Callee, type Expr, type IRFunction, type Operand, type Stmt } from "../ir/index.js";
import { scalarRules } from "../rules/scalar.js";
import { npRule } from "../rules/np.js";
import { reach, type UnionFind } from "./dataflow.js";
import { arrayClasses, callOf, resultArgs, writtenByCall, type Summaries } from "./summaries.js";
import { methodDiagnostics, methodFlows } from "./array-methods.js";
import type { InferredType, ModuleFacts } from "./types.js";

/** What the analyses are told about the function's surroundings. */
export interface AnalysisOptions {
  /** What each callee does to the arrays it is given. */
  summaries: Summaries;
  /**
   * Groups of array parameters a caller passes the same array to (`axpy(x, 2, x)`): one
   * region here, so a write through one is a write to the other.
   */
  aliases?: number[][];
  /**
   * A vjp (not a grad entry point): the arrays it writes through its parameters are outputs,
   * whose adjoints the caller passes to the pullback.
   */
  writesAreOutputs?: boolean;
  /** What the module says of its functions' kinds (parameters, results, what callers pass). */
  facts?: ModuleFacts;
  /**
   * The arguments whose elements a module function's reverse sweep reads, for the variant a
   * call needs; undefined: not known (yet), so all of them.
   */
  calleeReads?: (callee: Callee, activeArgs: number[], aliases: number[][]) => number[] | undefined;
}

/** Whether an expression's derivative can flow from argument `i`. */
export function differentiableArg(expr: Expr, i: number): boolean {
  switch (expr.kind) {
    case "copy":
    case "call":
    case "alloc":
      return true;
    case "opaque":
      // A read of an array of arrays depends on the array read, as a load does, not on the index.
      return !expr.constant && (!expr.row || i === 0);
    case "np":
      if (expr.fused) return true;
      return expr.rule !== null && (npRule(expr.rule)?.wrt.includes(npParam(expr, i)) ?? expr.rule === "item");
    case "stop":
    case "leaf":
    case "shape":
    case "view":
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
  /** Array parameters the function writes into, itself or through a callee. */
  writtenParams: Set<string>;
  /** Calls whose result is one of the arrays they were given (`r = scale(out, 2)` returns `out`). */
  returnsArgument: Set<Stmt>;
  diagnostics: Diagnostic[];
}

export function activityOf(fn: IRFunction, wrt: Set<number>, stmts: Stmt[], assigns: Assign[], types: Map<string, InferredType>, filename: string, options: AnalysisOptions): Activity {
  const isArray = (name: string) => types.get(name) === "array";
  const { summaries } = options;
  // Array variables that may hold the same array (`b = a`, a callee returning its argument,
  // parameters the caller passes one array to) form one class: one region.
  const classes = arrayClasses(stmts, isArray, summaries);
  for (const group of options.aliases ?? []) for (const i of group.slice(1)) classes.union(fn.params[group[0]], fn.params[i]);
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
      if ((s.expr.kind === "copy" || s.expr.kind === "view") && isArray(s.target)) continue; // an alias, not a flow
      exprArgs(s.expr).forEach((arg, i) => {
        if (differentiableArg(s.expr, i) && !(s.expr.kind === "alloc" && !(arg.kind === "var" && isArray(arg.name)))) flow(arg, s.target);
      });
    } else if (s.kind === "store" || s.kind === "fill") {
      flow(s.value, s.array);
    } else if (s.kind === "method") {
      for (const [from, to] of methodFlows(s)) flow(from, to);
    }
    // What a callee writes through an argument depends on everything it was given.
    const call = callOf(s);
    for (const written of writtenByCall(s, summaries, isArray)) for (const arg of call!.args) flow(arg, written);
  }
  // A record block's attachGrad() leaves start gradients of their own, as parameters do.
  const leaves = assigns.filter((s) => s.expr.kind === "leaf").map((s) => s.target);
  const seeds = [...fn.params.filter((p, i) => wrt.has(i) && canCarry(p)), ...leaves].map(node);
  const carries = (n: string) => n.startsWith("[]") || canCarry(n);
  const varied = reach(seeds, edges, carries);
  const backwards = edges.map(([a, b]): [string, string] => [b, a]);
  // A record block's NDArray outputs can each start a backward(); numbers cannot.
  const outputs = fn.outputs?.map((o) => (types.get(o) === "ndarray" || types.get(o) === "unknown" ? o : null)) ?? [fn.result];
  // A vjp's array parameters it writes into are outputs too: the caller's adjoints of them come in.
  const written = options.writesAreOutputs ? fn.params.filter((p, i) => wrt.has(i) && isArray(p) && writesInto(p)) : [];
  const useful = reach([...outputs, ...written].flatMap((o) => (o ? [node(o)] : [])), backwards, () => true);
  const activeNodes = new Set([...varied].filter((n) => useful.has(n) && carries(n)));
  const inputs = new Set(fn.params.filter((_, i) => wrt.has(i)));
  const outputSlices = fn.outputs?.map((_, i) => {
    const o = outputs[i];
    if (!o) return [];
    const reached = reach([node(o)], backwards, () => true);
    return [...activeNodes].filter((n) => reached.has(n) && !inputs.has(n)).sort();
  });
  function writesInto(param: string): boolean {
    return stmts.some((s) => (s.kind === "store" || s.kind === "fill" || s.kind === "method" ? [s.array] : writtenByCall(s, summaries, isArray)).some((a) => node(a) === node(param)));
  }
  const isActiveVar = (name: string) => activeNodes.has(node(name));
  const active = new Set([...types.keys()].filter(isActiveVar));
  const isActive = (op: Operand) => op.kind === "var" && active.has(op.name);

  const activeStmts = new Set<Stmt>();
  const resets = new Set<Stmt>();
  const diagnostics: Diagnostic[] = [];
  const report = (code: DiagnosticCode, at: Span, detail?: string) => diagnostics.push(diagnostic(code, filename, at, detail));
  for (const s of stmts) {
    if (s.kind === "store" || s.kind === "fill" || s.kind === "method") {
      if (active.has(s.array)) activeStmts.add(s);
      continue;
    }
    // A call with an active argument is active where its result or an array it writes is.
    const call = callOf(s);
    if (call && (s.kind !== "assign" || !active.has(s.target)) && writtenByCall(s, summaries, isArray).some((a) => active.has(a))) {
      if (call.args.some(isActive)) activeStmts.add(s);
      continue;
    }
    if (s.kind !== "assign" || !active.has(s.target)) continue;
    if ((s.expr.kind === "copy" || s.expr.kind === "view") && isArray(s.target)) continue;
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
  // A value of a kind with no adjoint (an object a callee returns, say) computed from a varied
  // value and read on the way to the result: the gradient would stop there without a word.
  for (const s of assigns) {
    if (types.get(s.target) !== "other" || !useful.has(node(s.target)) || !s.loc) continue;
    if (!exprArgs(s.expr).some((a, i) => a.kind === "var" && varied.has(node(a.name)) && differentiableArg(s.expr, i))) continue;
    if (s.expr.kind === "opaque" && s.expr.row) {
      report(s.expr.diagnostic, s.expr.at, s.expr.describe); // a row of an array of arrays (lower/rows.ts)
      continue;
    }
    const what = s.expr.kind === "call" && s.expr.callee.kind === "local" ? `the result of '${s.expr.callee.key}', an object,` : "an object";
    report("ADJ012", { start: s.loc.start ?? 0, end: s.loc.end ?? 0, line: s.loc.line, column: s.loc.column }, `${what} computed from a differentiated value: adjoint cannot follow a gradient through it`);
  }
  // A callee that returns one of its arrays on some paths and a new one on others: the caller
  // cannot tell which array's adjoint the result's is.
  for (const s of activeStmts) {
    const call = callOf(s);
    if (call && s.kind === "assign" && isArray(s.target) && summaries(call.callee)?.result.kind === "mixed" && resultArgs(call, summaries).length > 0 && s.loc) {
      report("ADJ024", { start: s.loc.start ?? 0, end: s.loc.end ?? 0, line: s.loc.line, column: s.loc.column }, call.callee.kind === "local" && !/Target\d*$/.test(call.callee.key) ? `'${call.callee.key}'` : undefined);
    }
  }
  // A method writing into its array (or viewing it) changes memory no assignment shows: refused
  // wherever a gradient is involved, the array's or an argument's, rather than ignored.
  const involved = (op: Operand) => op.kind === "var" && (varied.has(node(op.name)) || useful.has(node(op.name)));
  for (const s of stmts) {
    if ((s.kind === "assign" || s.kind === "effect") && s.expr.kind === "opaque" && s.expr.writesReceiver && s.expr.args.some(involved)) {
      report(s.expr.diagnostic, s.expr.at, s.expr.describe);
    }
  }
  diagnostics.push(...methodDiagnostics(stmts, types, involved, filename, !fn.derivative));
  const involvedVars = new Set([...types.keys()].filter((name) => involved(v(name))));
  const writtenParams = new Set(fn.params.filter((p) => isArray(p) && writesInto(p)));
  const returnsArgument = new Set(assigns.filter((s) => s.expr.kind === "call" && isArray(s.target) && resultArgs(s.expr, summaries).length > 0));
  return { classes, node, active, activeStmts, resets, outputSlices, involved: involvedVars, writtenParams, returnsArgument, diagnostics };
}
