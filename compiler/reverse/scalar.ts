// Adjoints of scalar code: primitives by their rule (rules/scalar.ts), attachGrad() leaves,
// and calls through the callee's pullback.
import { line } from "../emit/index.js";
import { forEachStmt, type Expr, type Operand, type Stmt } from "../ir/index.js";
import { calleeVjp } from "./forward-sweep.js";
import { scalarRules } from "../rules/scalar.js";
import { rcode, ruleArg } from "./code.js";
import type { AdjointSite, Reverser } from "./reverser.js";

/** An attachGrad() leaf. */
export function leafAdjoint(r: Reverser, site: AdjointSite, expr: Extract<Expr, { kind: "leaf" }>): void {
  const { s, d, out, contribute } = site;
  // The gradient stops at the leaf: it is the leaf's, and the value it was made from gets none.
  const dleaf = `${r.leafGradients}[${expr.index}]`;
  out.push(line(`${dleaf} = ${r.options.runtime}.accumulate(${dleaf}, ${d});`, s.loc));
  contribute(expr.arg, null);
}

/** A primitive: its rule gives each argument's contribution. */
export function primAdjoint(r: Reverser, site: AdjointSite, expr: Extract<Expr, { kind: "prim" }>): void {
  const { s, d, contribute } = site;
  const { target } = s;
  const contributions = scalarRules[expr.op].adjoint!(d, expr.args.map((arg) => ruleArg(r, arg)), target);
  // Untyped code may add NDArrays of one element as numbers (`np.sum(a) + np.sum(b)`): their adjoints go back as arrays of that shape.
  const asArray = (arg: Operand) => arg.kind === "var" && r.isNdarray(arg.name);
  expr.args.forEach((arg, i) => contribute(arg, contributions[i] !== null && asArray(arg) ? `${r.options.runtime}.head(${rcode(r, arg)}, ${contributions[i]})` : contributions[i]));
}

/**
 * A call: a module function's reverse half (or the pullback an attached callee's vjp returned)
 * gives the arguments' adjoints. A module function's takes the adjoints of its array arguments and adds into them
 * in place (turning an out-parameter's adjoint after the call into its adjoint before it);
 * the numbers' come back.
 */
export function callAdjoint(r: Reverser, site: Omit<AdjointSite, "s"> & { s: Stmt }, expr: Extract<Expr, { kind: "call" }>): void {
  const { s, d, out, isActive } = site;
  // A local callee's vjp returns adjoints of its active arguments only; an attached one, of all.
  const activeArgs = expr.args.flatMap((arg, i) => (isActive(arg) ? [i] : []));
  const { inPlace, noHead, reverse } = calleeVjp(r, expr);
  const returned = activeArgs.filter((i) => !inPlace.includes(i));
  // A module function's reverse half returns the adjoints of its active arguments that are not in place; an attached pullback, of all.
  const resultIndex = (argIndex: number) => (reverse ? returned.indexOf(argIndex) : argIndex);
  // Untyped JavaScript may give a customGrad function a row as an element (`rowDot(w, X[i])` by X): its adjoint must be a number.
  const element = (op: (typeof expr.args)[number]) => expr.callee.kind === "attached" && !r.options.plainStack && op.kind === "var" && r.a.types.get(op.name) === "number" && loadsElement(r, op.name);
  const contribute = (op: (typeof expr.args)[number], code: string) => site.contribute(op, element(op) ? `${r.options.runtime}.numberAdjoint(${code})` : code);
  // No adjoint reaches a result nobody uses: 0 for a number, none for anything else.
  const head = s.kind === "assign" && r.a.active.has(s.target) ? d : noHead;
  const given = inPlace.map((i) => r.adjoint((expr.args[i] as { name: string }).name));
  const call = reverse ? `${reverse}(${[r.stack, head, ...given].join(", ")})` : `${r.a.pullbacks.get(s)}(${[head, ...given].join(", ")})`;
  if (returned.length === 0) {
    out.push(line(`${call};`, s.loc));
  } else if (returned.length === 1) {
    contribute(expr.args[returned[0]], reverse ? call : `${call}[${resultIndex(returned[0])}]`);
  } else {
    const callee = expr.callee.kind === "local" ? expr.callee.key.replace(/Target\d*$/, "") : r.a.pullbacks.get(s)!.replace(/_pullback\d*$/, "");
    const adjoints = r.fresh(`${callee}_adjoints`);
    r.extraLocals.push(adjoints);
    out.push(line(`${adjoints} = ${call};`, s.loc));
    for (const argIndex of returned) contribute(expr.args[argIndex], `${adjoints}[${resultIndex(argIndex)}]`);
  }
}

function loadsElement(r: Reverser, name: string): boolean {
  let loaded = false;
  forEachStmt(r.fn.body, (s) => {
    if (s.kind === "assign" && s.target === name && s.expr.kind === "load") loaded = true;
  });
  return loaded;
}
