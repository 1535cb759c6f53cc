// Lowers a function's Babel AST to the IR: every right-hand side becomes `t = op(a, b)`,
// every loop becomes `loop { pre; if (!cond) break; body }`, and break/continue/return
// become flags that guard the code they skip, so the reverse pass sees only structured code.
// This file holds the lowerer's state, names, blocks and the two dispatchers (statements,
// expressions); each family of constructs has its file, written against the Lowering interface.
import type * as t from "@babel/types";
import { spanOf } from "../ast.js";
import { diagnostic, type Diagnostic, type DiagnosticCode, type Span } from "../diagnostics.js";
import type { FunctionNode, ModuleContext } from "../ir/context.js";
import { bool, exprArgs, forEachStmt, num, v, type Expr, type IRFunction, type LocalInfo, type NpResult, type Operand, type SourceLoc, type Stmt, type ValueType } from "../ir/index.js";
import { argForRule, updateNeedsTemporary } from "../rules/scalar.js";
import type { NpRule } from "../rules/np.js";
import * as arrays from "./arrays.js";
import * as calls from "./calls.js";
import * as controlFlow from "./control-flow.js";
import * as expressions from "./expressions.js";
import * as closures from "./closures.js";
import { UNDEFINED, type JumpTarget, type LocalFunction, type Lowering, type RecordBlock } from "./lowerer.js";
import * as ndarray from "./ndarray.js";
import * as secondOrder from "./second-order.js";
import { bindParameter, bindRecordParameter, declarePattern, parameterName } from "./patterns.js";
import { appliedVjp, declareAppliedVjp } from "./pullbacks.js";
import * as objects from "./objects.js";
import * as record from "./record.js";
import { varDeclarations } from "./scopes.js";
import { declaredType, declaresList, defaultType, docTypes } from "./types.js";
import { rowReads } from "./rows.js";
import { checkpointBlock, isCheckpointCall } from "./checkpoint.js";
import { inlinedCallees } from "./small-callees.js";

export type { RecordBlock } from "./lowerer.js";

export function lowerFunction(node: FunctionNode, key: string, ctx: ModuleContext, record?: RecordBlock): IRFunction {
  // Small callees inlined (small-callees.ts); where that meets a problem, the calls are kept.
  const inlined = ctx.inlineModuleCalls || ctx.inlineCallee || !inliningSmallCallees ? new Set<string>() : inlinedCallees(node, ctx);
  if (inlined.size > 0) {
    const problems: Diagnostic[] = [];
    const fn = lowerAvoiding(node, key, { ...ctx, diagnostics: problems, inlineCallee: (name) => inlined.has(name) }, record);
    if (problems.length === 0) return fn;
  }
  return lowerAvoiding(node, key, ctx, record);
}

/** Whether small callees are inlined (tests turn it off to exercise callees' split vjps). */
let inliningSmallCallees = true;
export function inlineSmallCallees(on: boolean): boolean {
  const was = inliningSmallCallees;
  inliningSmallCallees = on;
  return was;
}

function lowerAvoiding(node: FunctionNode, key: string, ctx: ModuleContext, record?: RecordBlock): IRFunction {
  // A local that takes the name of an outer binding the function also reads would
  // capture it once declarations are hoisted: lower again with that name avoided.
  let avoid = new Set<string>();
  for (;;) {
    const lowerer = new Lowerer(ctx, avoid, record);
    const fn = lowerer.lowerFunction(node, key);
    const clashes = [...lowerer.outerReads].filter((name) => fn.locals.has(name) && !avoid.has(name));
    if (clashes.length === 0) return fn;
    avoid = new Set([...avoid, ...clashes]);
  }
}

class Lowerer implements Lowering {
  scopes: Map<string, string>[] = [];
  locals = new Map<string, LocalInfo>();
  private taken = new Set<string>();
  block: Stmt[] = [];
  targets: JumpTarget[] = [];
  loc: SourceLoc = { line: 0, column: 0, text: "" };
  result = "";
  returned = "";
  readonly outerReads = new Set<string>();
  /** Locals known to hold NDArrays: their methods are adjoint/np operations. */
  ndarrays = new Set<string>();
  /** Whether a `return` gives a value (a record block's first output is then that value). */
  returnsValue = false;
  /** `attachGrad()` leaves made so far in a record block. */
  leaves = 0;
  records = new Map<string, objects.RecordValue>();
  private tempCount = 0;
  readonly localFunctions = new Map<string, LocalFunction>();
  readonly inlining: LocalFunction[] = [];

  constructor(
    readonly ctx: ModuleContext,
    private avoid: Set<string>,
    readonly record?: RecordBlock,
  ) {}

  lowerFunction(node: FunctionNode, key: string): IRFunction {
    this.loc = this.locOf(node);
    if (node.async) this.report("ADJ002", node);
    if (node.generator) this.report("ADJ003", node);
    this.scopes.push(new Map());
    const params: string[] = [];
    const paramTypes: ValueType[] = [];
    const paramAnnotated: boolean[] = [];
    const defaults: [string, t.Expression][] = [];
    const paramSpans: Span[] = [];
    /** Parameters written as patterns (`[a, b]: number[]`): plain parameters, taken apart after the defaults. */
    const patterns: [string, t.ArrayPattern | t.ObjectPattern, t.Node][] = [];
    const sourceParams: objects.SourceParam[] = [];
    /** Record parameters written as patterns (`{ w, b }`): the record's name and its pattern. */
    const recordPatterns: [t.Identifier, t.ObjectPattern][] = [];
    // Untyped JavaScript says a parameter's type in JSDoc (`@param {number[]} x`) or by its default (`x = 0`).
    const docs = docTypes(this.ctx.source, node.start ?? 0);
    /** A record parameter's field, one parameter of the generated code. */
    const addField = (param: t.Node) => (local: string, declared: ValueType | undefined) => {
      paramSpans.push(spanOf(param));
      paramTypes.push(declared ?? "number");
      paramAnnotated.push(declared !== undefined);
      return params.push(local) - 1;
    };
    for (const [index, param] of node.params.entries()) {
      const shape = this.record ? undefined : objects.paramShape(node, index, this.ctx);
      if (shape && param.type === "Identifier") {
        sourceParams.push(objects.recordParam(this, param.name, shape, addField(param)));
        continue;
      }
      if (shape && param.type === "ObjectPattern") {
        // Named as a generated local, never a name the module uses; its fields are taken apart after the defaults.
        const holder = { type: "Identifier", name: this.freshGenerated(parameterName(param, index)), start: param.start, end: param.end, loc: param.loc } as t.Identifier;
        sourceParams.push(objects.recordParam(this, holder.name, shape, addField(param)));
        recordPatterns.push([holder, param]);
        continue;
      }
      let id: t.Node = param;
      let byDefault: ValueType | undefined;
      let fallback: t.Expression | undefined;
      if (id.type === "AssignmentPattern") {
        fallback = id.right;
        byDefault = defaultType(id.right);
        id = id.left;
      }
      if (id.type !== "Identifier" && id.type !== "ArrayPattern" && id.type !== "ObjectPattern") {
        this.report(id.type === "RestElement" ? "ADJ019" : "ADJ008", id);
        continue;
      }
      const named = id.type === "Identifier" ? id.name : undefined;
      const declared =
        declaredType(id.typeAnnotation, this.ctx.typeAliases) ?? this.ctx.hooks?.typeAt?.(id.start!, id.end!) ?? (named ? docs?.params.get(named) : undefined) ?? byDefault ?? (named ? this.record?.types.get(named) : undefined);
      const type = declared ?? "number";
      const list = declaresList(id.typeAnnotation, this.ctx.typeAliases) || undefined;
      const local = named ? this.declare(named, { declared, temp: false, list }) : this.freshLocal(parameterName(id as t.ArrayPattern | t.ObjectPattern, index), { declared, temp: false, list });
      if (!named) patterns.push([local, id as t.ArrayPattern | t.ObjectPattern, param]);
      if (fallback) defaults.push([local, fallback]);
      if (declared === "ndarray") this.ndarrays.add(local);
      sourceParams.push({ kind: "value", index: params.length });
      params.push(local);
      paramSpans.push(spanOf(id));
      paramTypes.push(type);
      paramAnnotated.push(declared !== undefined);
    }
    this.result = this.fresh("result");
    this.locals.set(this.result, { temp: true });
    this.returned = this.fresh("returned");
    this.locals.set(this.returned, { temp: true, declared: "boolean" });
    for (const [param, init] of defaults) {
      const missing = this.temp("boolean");
      this.emit({ kind: "assign", target: missing, expr: { kind: "prim", op: "seq", args: [v(param), UNDEFINED] } });
      this.emit({ kind: "if", cond: v(missing), then: this.collect(() => this.expr(init, param)), else: [] });
    }
    for (const [param, pattern, at] of patterns) {
      this.loc = this.locOf(at);
      bindParameter(this, pattern, param);
    }
    for (const [holder, pattern] of recordPatterns) {
      this.loc = this.locOf(pattern);
      bindRecordParameter(this, pattern, holder);
    }
    if (node.body.type === "BlockStatement") {
      // `var` is the function's, wherever it is written (a loop head, a block): declared up front.
      for (const id of varDeclarations(node.body)) {
        if (!this.scopes[0].has(id.name)) this.declare(id.name, { declared: declaredType(id.typeAnnotation, this.ctx.typeAliases), temp: false });
      }
      closures.hoist(this, node.body.body);
      controlFlow.statements(this, node.body.body, 0);
    } else {
      this.loc = this.locOf(node.body);
      this.expr(node.body, this.result);
    }
    const assigned = this.record?.outputs.map((name) => this.lookup(name)!);
    const outputs = assigned && (this.returnsValue ? [this.result, ...assigned] : assigned);
    this.scopes.pop();
    return rowReads({
      key,
      params,
      paramTypes,
      paramAnnotated,
      paramSpans,
      returnType: (node.returnType?.type === "TSTypeAnnotation" ? declaredType(node.returnType, this.ctx.typeAliases) : undefined) ?? docs?.returns,
      body: this.block,
      result: this.result,
      ...(outputs && { outputs, leaves: this.leaves }),
      ...(sourceParams.some((p) => p.kind === "record") && { sourceParams }),
      locals: this.locals,
      reserved: this.ctx.reserved,
      loc: this.locOf(node),
    }, this.ctx);
  }

  /** A name for a new local: the user's own if free, else with a numeric suffix. */
  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name) || this.avoid.has(name) || (name !== base && this.ctx.reserved.has(name)); i++) {
      name = `${base}_${i}`;
    }
    this.taken.add(name);
    return name;
  }

  /** A temporary: t1, t2, … skipping every name the module uses. */
  temp(declared?: ValueType): string {
    let name: string;
    do name = `t${++this.tempCount}`;
    while (this.taken.has(name) || this.ctx.reserved.has(name));
    this.taken.add(name);
    this.locals.set(name, { temp: true, declared });
    return name;
  }

  flag(base: string): string {
    const name = this.freshGenerated(base);
    this.locals.set(name, { temp: true, declared: "boolean" });
    return name;
  }

  freshGenerated(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name) || this.ctx.reserved.has(name); i++) name = `${base}${i}`;
    this.taken.add(name);
    return name;
  }

  freshLocal(sourceName: string, info: LocalInfo): string {
    const name = this.fresh(sourceName);
    this.locals.set(name, info);
    return name;
  }

  newLocal(base: string, declared?: ValueType, source?: string): string {
    const name = this.freshLocal(base, { declared, temp: false, ...(source && { source }) });
    if (declared === "ndarray") this.ndarrays.add(name);
    return name;
  }

  bind(sourceName: string, name: string): void {
    this.scopes[this.scopes.length - 1].set(sourceName, name);
  }

  declare(sourceName: string, info: LocalInfo): string {
    const name = this.fresh(sourceName);
    this.scopes[this.scopes.length - 1].set(sourceName, name);
    this.locals.set(name, info);
    if (info.declared === "ndarray") this.ndarrays.add(name);
    return name;
  }

  lookup(sourceName: string): string | undefined {
    if (sourceName.startsWith(objects.FIELD)) return sourceName.slice(objects.FIELD.length);
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const name = this.scopes[i].get(sourceName);
      if (name !== undefined) return name;
    }
    return undefined;
  }

  emit(stmt: Stmt): void {
    stmt.loc ??= this.loc;
    // The reverse sweep re-tests an if's condition: it must still hold the value it had,
    // so a condition the branches reassign (a flag, a user variable) is read into a copy.
    if (stmt.kind === "if" && stmt.cond.kind === "var" && assignsWithin([...stmt.then, ...stmt.else], stmt.cond.name)) {
      const copy = this.temp(this.locals.get(stmt.cond.name)?.declared);
      this.block.push({ kind: "assign", target: copy, expr: { kind: "copy", arg: stmt.cond }, loc: stmt.loc });
      stmt = { ...stmt, cond: v(copy) };
    }
    this.block.push(stmt);
  }

  collect(lower: () => void): Stmt[] {
    const saved = this.block;
    this.block = [];
    try {
      lower();
      return this.block;
    } finally {
      this.block = saved;
    }
  }

  scoped<T>(lower: () => T): T {
    this.scopes.push(new Map());
    try {
      return lower();
    } finally {
      this.scopes.pop();
    }
  }

  condition(node: t.Expression): Operand {
    return this.expr(node);
  }

  statement(node: t.Statement): Set<string> {
    this.loc = this.locOf(node);
    const none = new Set<string>();
    switch (node.type) {
      case "ExpressionStatement":
        if (isCheckpointCall(this, node.expression)) return checkpointBlock(this, node.expression);
        expressions.effect(this, node.expression);
        return none;
      case "VariableDeclaration":
        this.variableDeclaration(node);
        return none;
      case "BlockStatement":
        return this.scoped(() => {
          closures.hoist(this, node.body);
          return controlFlow.statements(this, node.body, 0);
        });
      case "EmptyStatement":
        return none;
      case "IfStatement": {
        const branch = (s: t.Statement | null | undefined) => () => (s ? this.scoped(() => controlFlow.statements(this, [s], 0)) : new Set<string>());
        return controlFlow.ifStatement(this, node, branch(node.consequent), branch(node.alternate));
      }
      case "ReturnStatement":
        return controlFlow.returnStatement(this, node);
      case "BreakStatement":
      case "ContinueStatement":
        return controlFlow.jump(this, node);
      case "WhileStatement":
      case "DoWhileStatement":
      case "ForStatement":
        return controlFlow.loop(this, node, []);
      case "LabeledStatement":
        return controlFlow.labeled(this, node);
      case "SwitchStatement":
        return controlFlow.switchStatement(this, node, []);
      case "ThrowStatement":
        this.emit({ kind: "throw", arg: this.expr(node.argument) });
        return none;
      case "TryStatement":
        this.report("ADJ001", node);
        return none;
      case "ForInStatement":
        this.report("ADJ013", node);
        return none;
      case "ForOfStatement":
        return controlFlow.forOf(this, node, []);
      case "FunctionDeclaration":
        closures.hoist(this, [node]);
        return none;
      case "TSTypeAliasDeclaration":
      case "TSInterfaceDeclaration":
        return none;
      default:
        this.report("ADJ015", node, describeNode(node));
        return none;
    }
  }

  variableDeclaration(node: t.VariableDeclaration): void {
    if (node.kind === "var") {
      // Declared at the top of the function: here it is an assignment.
      for (const declarator of node.declarations) {
        if (declarator.init) expressions.effect(this, { type: "AssignmentExpression", operator: "=", left: declarator.id, right: declarator.init, loc: declarator.loc, start: declarator.start, end: declarator.end } as t.AssignmentExpression);
      }
      return;
    }
    for (const declarator of node.declarations) {
      const applied = declarator.id.type === "ArrayPattern" ? appliedVjp(this, declarator.init) : null;
      if (applied && declareAppliedVjp(this, node.kind, declarator.id as t.ArrayPattern, applied)) continue;
      if (declarator.id.type === "ArrayPattern" || declarator.id.type === "ObjectPattern") {
        declarePattern(this, declarator.id, declarator.init);
        continue;
      }
      if (declarator.id.type !== "Identifier") {
        this.report("ADJ008", declarator.id);
        continue;
      }
      const declared = declaredType(declarator.id.typeAnnotation, this.ctx.typeAliases);
      if (declarator.init && objects.declareRecord(this, declarator.id, declarator.init)) continue;
      if (declarator.init && closures.defineConst(this, node.kind, declarator.id, declarator.init)) continue;
      if (declarator.init) {
        // The name enters scope after its initializer: `let x = x + 1` in a block reads the outer x.
        const name = this.fresh(declarator.id.name);
        this.locals.set(name, { declared, temp: false, list: declaresList(declarator.id.typeAnnotation, this.ctx.typeAliases) || undefined });
        if (declared === "ndarray") this.ndarrays.add(name);
        // A generated gradient read back declares only adjoints with a value: a number's starts at 0.
        if (this.ctx.vjpsAsOps && node.kind === "let" && declarator.init.type === "NumericLiteral") secondOrder.startsAsNumber(this, name);
        const value = this.expr(declarator.init, name);
        if (value.kind === "var" && this.ndarrays.has(value.name)) this.ndarrays.add(name);
        // The checker (tspc) may know an NDArray the initializer does not show: an imported function's result.
        else if (!declared && this.ctx.hooks?.typeAt?.(declarator.id.start!, declarator.id.end!) === "ndarray") this.ndarrays.add(name);
        this.scopes[this.scopes.length - 1].set(declarator.id.name, name);
      } else {
        this.declare(declarator.id.name, { declared, temp: false });
      }
    }
  }

  /** `target = expr`, through a temporary when the rule would need the old value of target. */
  assign(target: string, expr: Expr): void {
    // `v = scale(v, 2)`, `v = v.slice()`: where v is an array, the new array and the one it was
    // made from are two arrays with two adjoints, which one variable cannot hold (the
    // reverse sweep dropped the call's adjoint: a zero gradient); a temporary holds the new one.
    const remakes = (expr.kind === "call" || expr.kind === "alloc") && exprArgs(expr).some((a) => a.kind === "var" && a.name === target);
    if (remakes || (expr.kind === "prim" && updateNeedsTemporary(target, expr.op, expr.args.map(argForRule)))) {
      const tmp = this.temp();
      this.emit({ kind: "assign", target: tmp, expr });
      this.emit({ kind: "assign", target, expr: { kind: "copy", arg: v(tmp) } });
      return;
    }
    this.emit({ kind: "assign", target, expr });
  }

  /** Emits `expr` into `target` (or a fresh temporary) and returns the operand holding its value. */
  expr(node: t.Expression, target?: string): Operand {
    const value = this.value(node, target);
    if (target === undefined) return value;
    if (!(value.kind === "var" && value.name === target)) this.assign(target, { kind: "copy", arg: value });
    if (value.kind === "var" && this.ndarrays.has(value.name)) this.ndarrays.add(target);
    return v(target);
  }

  /** Emits an Expr computing `node`, into `target` if given, and returns its operand. */
  compute(expr: Expr, target: string | undefined, declared?: ValueType): Operand {
    const name = target ?? this.temp(declared);
    this.assign(name, expr);
    return v(name);
  }

  value(node: t.Expression, target?: string): Operand {
    switch (node.type) {
      case "NumericLiteral":
        return num(node.value);
      case "BooleanLiteral":
        return bool(node.value);
      case "StringLiteral":
        return { kind: "const", code: JSON.stringify(node.value) };
      case "NullLiteral":
        return { kind: "const", code: "null" };
      case "Identifier":
        return expressions.identifier(this, node);
      case "ParenthesizedExpression":
      case "TSAsExpression":
      case "TSSatisfiesExpression":
      case "TSNonNullExpression":
      case "TSTypeAssertion":
        return this.value(node.expression, target);
      case "UnaryExpression":
        return expressions.unary(this, node, target);
      case "BinaryExpression":
        return expressions.binary(this, node, target);
      case "LogicalExpression":
        return expressions.logical(this, node, target);
      case "ConditionalExpression":
        return expressions.conditional(this, node, target);
      case "AssignmentExpression":
        return expressions.assignment(this, node);
      case "UpdateExpression":
        return expressions.update(this, node, target);
      case "SequenceExpression": {
        node.expressions.slice(0, -1).forEach((e) => expressions.effect(this, e));
        return this.value(node.expressions[node.expressions.length - 1], target);
      }
      case "CallExpression":
        return calls.call(this, node, target);
      case "MemberExpression":
      case "OptionalMemberExpression": {
        const field = objects.resolve(this, node);
        if (field !== node) return this.value(field, target);
        if (objects.recordOf(this, node)) return objects.escapes(this, node);
        if (node.type === "OptionalMemberExpression") break;
        return (this.ctx.runtime !== undefined && secondOrder.vjpPick(this, node, target)) || arrays.member(this, node, target);
      }
      case "NewExpression":
        return calls.newExpression(this, node, target);
      case "ArrayExpression":
        return arrays.arrayLiteral(this, node, target);
      case "TemplateLiteral":
        return expressions.template(this, node, target);
      case "ThisExpression":
        this.report("ADJ004", node);
        return UNDEFINED;
      case "ArrowFunctionExpression":
      case "FunctionExpression":
        this.report("ADJ007", node, "it is used as a value here, not called where it is defined");
        return UNDEFINED;
      case "AwaitExpression":
        this.report("ADJ002", node);
        return UNDEFINED;
      case "YieldExpression":
        this.report("ADJ003", node);
        return UNDEFINED;
      case "ObjectExpression":
        this.report("ADJ016", node, "an object literal here (a record is declared with const or let, or passed to a function of this module)");
        return UNDEFINED;
    }
    this.report("ADJ016", node, describeNode(node));
    return UNDEFINED;
  }

  arguments(args: t.CallExpression["arguments"]): Operand[] {
    return args.map((arg, i) => {
      if (arg.type === "SpreadElement" || arg.type === "ArgumentPlaceholder") {
        this.report("ADJ019", arg);
        return UNDEFINED;
      }
      // An argument is read before the ones after it run (a local function's call may write it).
      const value = this.expr(arg as t.Expression);
      return args.slice(i + 1).reduce((operand, later) => closures.readBefore(this, operand, later), value);
    });
  }

  opaque(node: t.Node, code: DiagnosticCode, describe: string, args: Operand[], render: (args: string[]) => string, target?: string, constant = false): Operand {
    return this.compute({ kind: "opaque", describe, diagnostic: code, render, args, at: spanOf(node), constant }, target);
  }

  report(code: DiagnosticCode, node: t.Node, detail?: string): void {
    this.ctx.diagnostics.push(diagnostic(code, this.ctx.filename, spanOf(node), detail));
  }

  locOf(node: t.Node): SourceLoc {
    const start = node.start ?? 0;
    const lineEnd = this.ctx.source.indexOf("\n", start);
    const text = this.ctx.source.slice(start, Math.min(node.end ?? start, lineEnd < 0 ? Infinity : lineEnd)).trim();
    return { line: node.loc?.start.line ?? 0, column: node.loc?.start.column ?? 0, text, start, end: node.end ?? start };
  }

  // ---- the families' entry points, for one another (see Lowering) ----

  statements(list: t.Statement[], start: number): Set<string> {
    return controlFlow.statements(this, list, start);
  }
  effect(node: t.Expression): void {
    expressions.effect(this, node);
  }
  identifier(node: t.Identifier): Operand {
    return expressions.identifier(this, node);
  }
  elementUpdate(node: t.MemberExpression, op: string | null, value: () => Operand, valueNode?: t.Node): Operand {
    return arrays.elementUpdate(this, node, op, value, valueNode);
  }
  allocation(kind: string, node: t.NewExpression | t.CallExpression, target?: string): Operand | undefined {
    return arrays.allocation(this, kind, node, target);
  }
  arrayMethod(object: t.Expression, property: string, node: t.CallExpression, target?: string): Operand | undefined {
    return arrays.arrayMethod(this, object, property, node, target);
  }
  np(rule: NpRule | null, args: Operand[], render: (args: string[]) => string, target?: string, result: NpResult = "ndarray", pick?: number[]): Operand {
    return ndarray.np(this, rule, args, render, target, result, pick);
  }
  npCall(path: string[], node: t.CallExpression, target?: string): Operand {
    return ndarray.npCall(this, path, node, target);
  }
  npMethod(receiver: string, method: string, node: t.CallExpression, target?: string): Operand {
    return ndarray.npMethod(this, receiver, method, node, target);
  }
  recordStatement(call: t.CallExpression): boolean {
    return record.recordStatement(this, call);
  }
  recordCall(call: t.CallExpression): objects.RecordValue | undefined | null {
    return closures.recordCall(this, call);
  }
}

function assignsWithin(stmts: Stmt[], name: string): boolean {
  let found = false;
  forEachStmt(stmts, (s) => {
    if (s.kind === "assign" && s.target === name) found = true;
  });
  return found;
}

function describeNode(node: t.Node): string {
  return node.type.replace(/(Statement|Expression|Declaration)$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}
