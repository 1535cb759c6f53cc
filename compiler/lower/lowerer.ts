// What the lowering's files share: the Lowering interface (the lowerer's state and the
// entry points one family of constructs calls in another), so that no family imports the
// class; and a few IR helpers of their own.
import type * as t from "@babel/types";
import { spanOf, unwrap } from "../ast.js";
import type { DiagnosticCode } from "../diagnostics.js";
import type { ModuleContext } from "../ir/context.js";
import type { Expr, LocalInfo, NpResult, Operand, SourceLoc, Stmt, ValueType } from "../ir/index.js";
import type { NpRule } from "../rules/np.js";
import type { RecordValue } from "./objects.js";

/** A loop, switch or labelled block that break (and, for loops, continue) can target. */
export interface JumpTarget {
  labels: string[];
  /** Flag set by `break`. */
  stop: string;
  /** Flag set by `continue`; null for a switch or a labelled block. */
  skip: string | null;
}

/** A record block lowered as a function: its parameters are the outer variables it uses. */
export interface RecordBlock {
  /** The parameters that are outer variables the block assigns: its outputs after the return value. */
  outputs: string[];
  /** What the module says about a parameter's type where its declaration has no annotation. */
  types: ReadonlyMap<string, ValueType>;
  /** Parameters that are functions of the enclosing function: called through the vjp passed beside them. */
  functions: ReadonlySet<string>;
}

export interface Lowering {
  readonly ctx: ModuleContext;
  readonly record?: RecordBlock;
  /** Source names to local names, innermost scope last. */
  readonly scopes: Map<string, string>[];
  readonly locals: Map<string, LocalInfo>;
  /** The statements being emitted (collect() swaps it). */
  block: Stmt[];
  readonly targets: JumpTarget[];
  /** The statement being lowered: where emitted statements say they come from. */
  loc: SourceLoc;
  /** The variable holding the return value, and the flag set by `return` (an inlined local function's while it is lowered). */
  result: string;
  returned: string;
  /** While a function returning a record is inlined with several returns: the record they all fill. */
  recordResult?: { base: string; record?: RecordValue };
  readonly outerReads: Set<string>;
  /** Locals known to hold NDArrays: their methods are adjoint/np operations. */
  readonly ndarrays: Set<string>;
  returnsValue: boolean;
  leaves: number;
  /** Object records by their scope name (objects.ts): each field a local. */
  readonly records: Map<string, RecordValue>;
  /** Local functions (closures.ts) by the name their scopes map them to. */
  readonly localFunctions: Map<string, LocalFunction>;
  /** The local functions being inlined, innermost last: a call to one of them is recursion. */
  readonly inlining: LocalFunction[];

  // the core (index.ts)
  temp(declared?: ValueType): string;
  flag(base: string): string;
  freshGenerated(base: string): string;
  /** A new local named after a source name (suffixed if taken), not yet in scope. */
  freshLocal(sourceName: string, info: LocalInfo): string;
  /** Declares a source name in the innermost scope as a new local. */
  declare(sourceName: string, info: LocalInfo): string;
  lookup(sourceName: string): string | undefined;
  /** A user-visible local named after `base` (a record field: `p$w`). */
  newLocal(base: string, declared?: ValueType, source?: string): string;
  /** Binds a source name in the innermost scope. */
  bind(sourceName: string, name: string): void;
  emit(stmt: Stmt): void;
  collect(lower: () => void): Stmt[];
  scoped<T>(lower: () => T): T;
  statement(node: t.Statement): Set<string>;
  variableDeclaration(node: t.VariableDeclaration): void;
  condition(node: t.Expression): Operand;
  expr(node: t.Expression, target?: string): Operand;
  value(node: t.Expression, target?: string): Operand;
  compute(expr: Expr, target: string | undefined, declared?: ValueType): Operand;
  assign(target: string, expr: Expr): void;
  arguments(args: t.CallExpression["arguments"]): Operand[];
  opaque(node: t.Node, code: DiagnosticCode, describe: string, args: Operand[], render: (args: string[]) => string, target?: string, constant?: boolean): Operand;
  report(code: DiagnosticCode, node: t.Node, detail?: string): void;
  locOf(node: t.Node): SourceLoc;

  // the families, where one calls into another
  statements(list: t.Statement[], start: number): Set<string>;
  effect(node: t.Expression): void;
  identifier(node: t.Identifier): Operand;
  elementUpdate(node: t.MemberExpression, op: string | null, value: () => Operand, valueNode?: t.Node): Operand;
  allocation(kind: string, node: t.NewExpression | t.CallExpression, target?: string): Operand | undefined;
  arrayMethod(object: t.Expression, property: string, node: t.CallExpression, target?: string): Operand | undefined;
  np(rule: NpRule | null, args: Operand[], render: (args: string[]) => string, target?: string, result?: NpResult, pick?: number[]): Operand;
  npCall(path: string[], node: t.CallExpression, target?: string): Operand;
  npMethod(receiver: string, method: string, node: t.CallExpression, target?: string): Operand;
  recordStatement(call: t.CallExpression): boolean;
  /** The record a call returns (a function of the module or a local one returning a record, inlined); undefined if it returns none, null if it failed. */
  recordCall(call: t.CallExpression): RecordValue | undefined | null;
}

/** A function declared inside the one being lowered: inlined at each call (closures.ts). */
export interface LocalFunction {
  node: t.FunctionDeclaration | t.ArrowFunctionExpression | t.FunctionExpression;
  /** How a message names it: `'square'`, or `the callback of .map()`. */
  describe: string;
  /** Its source name, or what it is called for (`map`), for the names of generated locals. */
  name: string;
  /** The name its scopes map it to. */
  key: string;
  /** The scopes where it is defined: what its body's names refer to. */
  scopes: Map<string, string>[];
  /** A vjp's pullback (pullbacks.ts): each call is its module function at the kept arguments. */
  pullback?: { name: string; args: Operand[] };
  /** The text its node's offsets point into, where that may not be the lowering's (a module function inlined). */
  source?: string;
}

export const UNDEFINED: Operand = { kind: "const", code: "undefined" };

/** The adjoint marker a call calls (`grad(f)`, `ad.grad(f)`), where no local shadows it. */
export function markerCalled(l: Lowering, call: t.CallExpression): string | undefined {
  const callee = unwrap(call.callee as t.Expression);
  if (callee.type === "Identifier") return l.lookup(callee.name) ? undefined : l.ctx.markers.get(callee.name);
  const namespaced = callee.type === "MemberExpression" && !callee.computed && callee.property.type === "Identifier" && callee.object.type === "Identifier";
  return namespaced && l.ctx.namespaces.has((callee.object as t.Identifier).name) && !l.lookup((callee.object as t.Identifier).name) ? (callee.property as t.Identifier).name : undefined;
}

/** How a message names an identifier: its source text (a record block's `model$w` reads `model.w` there). */
export function sourceName(l: Lowering, node: t.Identifier): string {
  return node.start != null && node.end != null ? l.ctx.source.slice(node.start, node.end) : node.name;
}

/** A call with no derivative: `autograd.setRecording(false)`, `u.attachGrad()`. */
export function constantCall(node: t.Node, describe: string, render: (args: string[]) => string, args: Operand[]): Expr {
  return { kind: "opaque", describe, diagnostic: "ADJ011", render, args, at: spanOf(node), constant: true };
}
