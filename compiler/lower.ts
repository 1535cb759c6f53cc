// Lowers a function's Babel AST to the IR: every right-hand side becomes `t = op(a, b)`,
// every loop becomes `loop { pre; if (!cond) break; body }`, and break/continue/return
// become flags that guard the code they skip, so the reverse pass sees only structured code.
import type * as t from "@babel/types";
import { forEachChild, unwrap } from "./ast.js";
import { diagnostic, type DiagnosticCode } from "./diagnostics.js";
import type { FunctionNode, ModuleContext } from "./ir/context.js";
import { bool, forEachStmt, num, v, type ArrayKind, type Expr, type IRFunction, type LocalInfo, type Operand, type SourceLoc, type Stmt, type ValueType } from "./ir/index.js";
import { argForRule, binaryOperators, mathConstants, scalarRules, updateNeedsTemporary } from "./rules/scalar.js";
import { CONSTANT_PROPERTIES, npMethodRule, npPathRule, npRule, SPREAD_METHODS, type NpRule } from "./rules/np.js";

/** A loop, switch or labelled block that break (and, for loops, continue) can target. */
interface JumpTarget {
  labels: string[];
  /** Flag set by `break`. */
  stop: string;
  /** Flag set by `continue`; null for a switch or a labelled block. */
  skip: string | null;
}

const UNDEFINED: Operand = { kind: "const", code: "undefined" };

/** adjoint/np functions that write into their first argument. */
const IN_PLACE_NP = new Set(["setItem", "addInto", "subInto", "mulInto", "accumulate"]);

/** `autograd` calls that run a block of code in a mode: inlined in a record block. */
const MODE_SCOPES = new Set(["pause", "trainMode", "predictMode"]);

/** A record block lowered as a function: its parameters are the outer variables it uses. */
export interface RecordBlock {
  /** The parameters that are outer variables the block assigns: its outputs after the return value. */
  outputs: string[];
  /** What the module says about a parameter's type where its declaration has no annotation. */
  types: ReadonlyMap<string, ValueType>;
  /** Parameters that are functions of the enclosing function: called through the vjp passed beside them. */
  functions: ReadonlySet<string>;
}

export function lowerFunction(node: FunctionNode, key: string, ctx: ModuleContext, record?: RecordBlock): IRFunction {
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

class Lowerer {
  private scopes: Map<string, string>[] = [];
  private locals = new Map<string, LocalInfo>();
  private taken = new Set<string>();
  private block: Stmt[] = [];
  private targets: JumpTarget[] = [];
  private loc: SourceLoc = { line: 0, column: 0, text: "" };
  private result = "";
  private returned = "";
  readonly outerReads = new Set<string>();
  /** Locals known to hold NDArrays: their methods are adjoint/np operations. */
  private ndarrays = new Set<string>();
  /** Whether a `return` gives a value (a record block's first output is then that value). */
  private returnsValue = false;
  /** `attachGrad()` leaves made so far in a record block. */
  private leaves = 0;

  constructor(
    private ctx: ModuleContext,
    private avoid: Set<string>,
    private record?: RecordBlock,
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
    for (const param of node.params) {
      let id: t.Node = param;
      if (id.type === "AssignmentPattern") {
        defaults.push([(id.left as t.Identifier).name, id.right]);
        id = id.left;
      }
      if (id.type !== "Identifier") {
        this.report(id.type === "RestElement" ? "ADJ019" : "ADJ008", id);
        continue;
      }
      const declared = declaredType(id.typeAnnotation, this.ctx.typeAliases) ?? this.ctx.hooks?.typeAt?.(id.start!, id.end!) ?? this.record?.types.get(id.name);
      const type = declared ?? "number";
      params.push(this.declare(id.name, { declared, temp: false }));
      paramTypes.push(type);
      paramAnnotated.push(declared !== undefined);
    }
    this.result = this.fresh("result");
    this.locals.set(this.result, { temp: true });
    this.returned = this.fresh("returned");
    this.locals.set(this.returned, { temp: true, declared: "boolean" });
    for (const [name, init] of defaults) {
      const param = this.lookup(name)!;
      const missing = this.temp("boolean");
      this.emit({ kind: "assign", target: missing, expr: { kind: "prim", op: "seq", args: [v(param), UNDEFINED] } });
      this.emit({ kind: "if", cond: v(missing), then: this.collect(() => this.expr(init, param)), else: [] });
    }
    if (node.body.type === "BlockStatement") {
      this.statements(node.body.body, 0);
    } else {
      this.loc = this.locOf(node.body);
      this.expr(node.body, this.result);
    }
    const assigned = this.record?.outputs.map((name) => this.lookup(name)!);
    const outputs = assigned && (this.returnsValue ? [this.result, ...assigned] : assigned);
    this.scopes.pop();
    return {
      key,
      params,
      paramTypes,
      paramAnnotated,
      body: this.block,
      result: this.result,
      ...(outputs && { outputs, leaves: this.leaves }),
      locals: this.locals,
      reserved: this.ctx.reserved,
      loc: this.locOf(node),
    };
  }

  // ---- names ----

  /** A name for a new local: the user's own if free, else with a numeric suffix. */
  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name) || this.avoid.has(name) || (name !== base && this.ctx.reserved.has(name)); i++) {
      name = `${base}_${i}`;
    }
    this.taken.add(name);
    return name;
  }

  private tempCount = 0;
  /** A temporary: t1, t2, … skipping every name the module uses. */
  private temp(declared?: ValueType): string {
    let name: string;
    do name = `t${++this.tempCount}`;
    while (this.taken.has(name) || this.ctx.reserved.has(name));
    this.taken.add(name);
    this.locals.set(name, { temp: true, declared });
    return name;
  }

  private flag(base: string): string {
    const name = this.freshGenerated(base);
    this.locals.set(name, { temp: true, declared: "boolean" });
    return name;
  }

  private freshGenerated(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name) || this.ctx.reserved.has(name); i++) name = `${base}${i}`;
    this.taken.add(name);
    return name;
  }

  private declare(sourceName: string, info: LocalInfo): string {
    const name = this.fresh(sourceName);
    this.scopes[this.scopes.length - 1].set(sourceName, name);
    this.locals.set(name, info);
    if (info.declared === "ndarray") this.ndarrays.add(name);
    return name;
  }

  private lookup(sourceName: string): string | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const name = this.scopes[i].get(sourceName);
      if (name !== undefined) return name;
    }
    return undefined;
  }

  // ---- blocks ----

  private emit(stmt: Stmt): void {
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

  private collect(lower: () => void): Stmt[] {
    const saved = this.block;
    this.block = [];
    try {
      lower();
      return this.block;
    } finally {
      this.block = saved;
    }
  }

  private scoped<T>(lower: () => T): T {
    this.scopes.push(new Map());
    try {
      return lower();
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * Lowers `list[start..]`. Code after a statement that may break, continue or return is
   * guarded by the flags it sets; an `if` whose branch always leaves takes the rest into
   * its other branch instead. Returns the flags that may be set and escape.
   */
  private statements(list: t.Statement[], start: number): Set<string> {
    const exits = new Set<string>();
    for (let i = start; i < list.length; i++) {
      const stmt = list[i];
      const restStart = i + 1;
      if (stmt.type === "IfStatement" && restStart < list.length) {
        const thenLeaves = alwaysLeaves(stmt.consequent);
        const elseLeaves = stmt.alternate ? alwaysLeaves(stmt.alternate) : false;
        if (thenLeaves || elseLeaves) {
          const rest = (branch: t.Statement | null | undefined, leaves: boolean) => () => {
            const branchExits = branch ? this.scoped(() => this.statements([branch], 0)) : new Set<string>();
            if (leaves) return branchExits;
            const guarded = this.guarded(branchExits, () => this.statements(list, restStart));
            return new Set([...branchExits, ...guarded]);
          };
          for (const flag of this.ifStatement(stmt, rest(stmt.consequent, thenLeaves), rest(stmt.alternate, elseLeaves))) exits.add(flag);
          return exits;
        }
      }
      const stmtExits = this.statement(stmt);
      for (const flag of stmtExits) exits.add(flag);
      if (stmtExits.size > 0 && restStart < list.length) {
        if (alwaysLeaves(stmt)) return exits; // the rest is unreachable
        for (const flag of this.guarded(stmtExits, () => this.statements(list, restStart))) exits.add(flag);
        return exits;
      }
    }
    return exits;
  }

  /** Runs `lower` only when none of `flags` is set. */
  private guarded(flags: Set<string>, lower: () => Set<string>): Set<string> {
    if (flags.size === 0) return lower();
    let exits = new Set<string>();
    const body = this.collect(() => (exits = lower()));
    this.emit({ kind: "if", cond: this.anyOf([...flags]), then: [], else: body });
    return exits;
  }

  /** An operand that is true when any of the flags is. */
  private anyOf(flags: string[]): Operand {
    let acc: Operand = v(flags[0]);
    for (const flag of flags.slice(1)) {
      const next = this.temp("boolean");
      this.emit({ kind: "assign", target: next, expr: { kind: "prim", op: "or", args: [acc, v(flag)] } });
      acc = v(next);
    }
    return acc;
  }

  private ifStatement(node: t.IfStatement, lowerThen: () => Set<string>, lowerElse: () => Set<string>): Set<string> {
    this.loc = this.locOf(node);
    const cond = this.condition(node.test);
    const loc = this.locOf(node);
    let thenExits = new Set<string>();
    let elseExits = new Set<string>();
    const thenBlock = this.collect(() => (thenExits = lowerThen()));
    const elseBlock = this.collect(() => (elseExits = lowerElse()));
    this.emit({ kind: "if", cond, then: thenBlock, else: elseBlock, loc });
    return new Set([...thenExits, ...elseExits]);
  }

  private condition(node: t.Expression): Operand {
    return this.expr(node);
  }

  private statement(node: t.Statement): Set<string> {
    this.loc = this.locOf(node);
    const none = new Set<string>();
    switch (node.type) {
      case "ExpressionStatement":
        this.effect(node.expression);
        return none;
      case "VariableDeclaration":
        this.variableDeclaration(node);
        return none;
      case "BlockStatement":
        return this.scoped(() => this.statements(node.body, 0));
      case "EmptyStatement":
        return none;
      case "IfStatement": {
        const branch = (s: t.Statement | null | undefined) => () => (s ? this.scoped(() => this.statements([s], 0)) : new Set<string>());
        return this.ifStatement(node, branch(node.consequent), branch(node.alternate));
      }
      case "ReturnStatement": {
        if (node.argument) this.returnsValue = true;
        if (node.argument) this.expr(node.argument, this.result);
        else this.emit({ kind: "assign", target: this.result, expr: { kind: "copy", arg: UNDEFINED } });
        this.emit({ kind: "assign", target: this.returned, expr: { kind: "copy", arg: bool(true) } });
        return new Set([this.returned]);
      }
      case "BreakStatement":
      case "ContinueStatement":
        return this.jump(node);
      case "WhileStatement":
      case "DoWhileStatement":
      case "ForStatement":
        return this.loop(node, []);
      case "LabeledStatement":
        return this.labeled(node);
      case "SwitchStatement":
        return this.switchStatement(node, []);
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
        return this.forOf(node, []);
      case "FunctionDeclaration":
        this.report("ADJ007", node);
        return none;
      case "TSTypeAliasDeclaration":
      case "TSInterfaceDeclaration":
        return none;
      default:
        this.report("ADJ015", node, describeNode(node));
        return none;
    }
  }

  private variableDeclaration(node: t.VariableDeclaration): void {
    for (const declarator of node.declarations) {
      if (declarator.id.type !== "Identifier") {
        this.report("ADJ008", declarator.id);
        continue;
      }
      const declared = declaredType(declarator.id.typeAnnotation, this.ctx.typeAliases);
      if (declarator.init) {
        // The name enters scope after its initializer: `let x = x + 1` in a block reads the outer x.
        const name = this.fresh(declarator.id.name);
        this.locals.set(name, { declared, temp: false });
        if (declared === "ndarray") this.ndarrays.add(name);
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

  private labeled(node: t.LabeledStatement): Set<string> {
    const labels: string[] = [node.label.name];
    let body: t.Statement = node.body;
    while (body.type === "LabeledStatement") {
      labels.push(body.label.name);
      body = body.body;
    }
    if (body.type === "WhileStatement" || body.type === "DoWhileStatement" || body.type === "ForStatement") return this.loop(body, labels);
    if (body.type === "ForOfStatement") return this.forOf(body, labels);
    if (body.type === "SwitchStatement") return this.switchStatement(body, labels);
    // A labelled block: `break label` leaves it.
    const target: JumpTarget = { labels, stop: this.flag("stop"), skip: null };
    this.emit({ kind: "assign", target: target.stop, expr: { kind: "copy", arg: bool(false) } });
    this.targets.push(target);
    const exits = this.scoped(() => this.statements([body], 0));
    this.targets.pop();
    exits.delete(target.stop);
    return exits;
  }

  private jump(node: t.BreakStatement | t.ContinueStatement): Set<string> {
    const isBreak = node.type === "BreakStatement";
    const label = node.label?.name;
    for (let i = this.targets.length - 1; i >= 0; i--) {
      const target = this.targets[i];
      if (label ? !target.labels.includes(label) : !isBreak && target.skip === null) continue;
      const flag = isBreak ? target.stop : target.skip;
      if (flag === null) break;
      this.emit({ kind: "assign", target: flag, expr: { kind: "copy", arg: bool(true) } });
      return new Set([flag]);
    }
    this.report("ADJ015", node, `${isBreak ? "break" : "continue"} with no enclosing target`);
    return new Set();
  }

  /** while, do…while and for, as `loop { pre; if (!cond) break; body }`. */
  private loop(node: t.WhileStatement | t.DoWhileStatement | t.ForStatement, labels: string[]): Set<string> {
    const loc = this.locOf(node);
    return this.scoped(() => {
      if (node.type === "ForStatement" && node.init) {
        if (node.init.type === "VariableDeclaration") this.variableDeclaration(node.init);
        else this.effect(node.init);
      }
      const target: JumpTarget = { labels, stop: this.flag("stop"), skip: this.flag("skip") };
      this.emit({ kind: "assign", target: target.stop, expr: { kind: "copy", arg: bool(false) }, loc });
      this.targets.push(target);

      // The body first, to learn which flags it sets; it is placed after the test below.
      let bodyExits = new Set<string>();
      const body = this.collect(() => {
        this.emit({ kind: "assign", target: target.skip!, expr: { kind: "copy", arg: bool(false) }, loc });
        bodyExits = this.scoped(() => this.statements([node.body], 0));
      });
      this.targets.pop();
      const escaping = new Set([...bodyExits].filter((flag) => flag !== target.stop && flag !== target.skip));
      // Flags that end the loop, among those the body can set.
      const leaving = [...bodyExits].filter((flag) => flag !== target.skip);

      const testCode = (test: t.Expression | null | undefined, cond: string) => () => {
        this.loc = loc;
        if (test) this.expr(test, cond);
        else this.emit({ kind: "assign", target: cond, expr: { kind: "copy", arg: bool(true) } });
        return new Set<string>();
      };
      const cond = this.temp("boolean");
      this.loc = loc;
      let pre: Stmt[];
      let loopBody: Stmt[];
      if (node.type === "DoWhileStatement") {
        // do { body } while (test): the body and the test are all "pre"; the loop body is empty.
        pre = [...body];
        pre.push(...this.collect(() => this.guardedTest(leaving, cond, testCode(node.test, cond))));
        loopBody = [];
      } else {
        pre = this.collect(() => this.guardedTest(leaving, cond, testCode(node.test, cond)));
        loopBody = body;
        if (node.type === "ForStatement" && node.update) {
          const update = node.update;
          loopBody.push(
            ...this.collect(() =>
              this.guarded(new Set(leaving), () => {
                this.loc = loc;
                this.effect(update);
                return new Set();
              }),
            ),
          );
        }
      }
      this.emit({ kind: "loop", pre, cond: v(cond), body: loopBody, loc });
      return escaping;
    });
  }

  /** `for (const x of xs) body` as `for (let i = 0; i < xs.length; i++) { const x = xs[i]; body }`. */
  private forOf(node: t.ForOfStatement, labels: string[]): Set<string> {
    const left = node.left;
    const declarator = left.type === "VariableDeclaration" ? left.declarations[0] : null;
    if (node.await || !declarator || declarator.id.type !== "Identifier" || declarator.init) {
      this.report(node.await ? "ADJ002" : "ADJ008", left);
      return new Set();
    }
    const element = declarator.id.name;
    return this.scoped(() => {
      const array = this.temp("array");
      const iterable = this.expr(node.right, array);
      const index = this.freshGenerated("i");
      this.locals.set(index, { temp: true, declared: "number" });
      this.emit({ kind: "assign", target: index, expr: { kind: "copy", arg: num(0) } });
      void iterable;
      // Reuse the general loop lowering on a synthetic for statement over the index.
      const id = (name: string): t.Identifier => ({ type: "Identifier", name }) as t.Identifier;
      this.scopes[this.scopes.length - 1].set(`%array`, array);
      this.scopes[this.scopes.length - 1].set(`%index`, index);
      const body: t.BlockStatement = {
        type: "BlockStatement",
        directives: [],
        body: [
          {
            type: "VariableDeclaration",
            kind: "const",
            declarations: [{ type: "VariableDeclarator", id: { ...declarator.id }, init: { type: "MemberExpression", object: id("%array"), property: id("%index"), computed: true } as t.MemberExpression }],
            loc: node.loc,
            start: node.start,
            end: node.end,
          } as t.VariableDeclaration,
          node.body,
        ],
      } as t.BlockStatement;
      const loop: t.ForStatement = {
        type: "ForStatement",
        init: null,
        test: { type: "BinaryExpression", operator: "<", left: id("%index"), right: { type: "MemberExpression", object: id("%array"), property: id("length"), computed: false } } as t.BinaryExpression,
        update: { type: "UpdateExpression", operator: "++", prefix: false, argument: id("%index") } as t.UpdateExpression,
        body,
        loc: node.loc,
        start: node.start,
        end: node.end,
      } as t.ForStatement;
      void element;
      return this.loop(loop, labels);
    });
  }

  /** `cond = test`, or `cond = false` when one of `flags` is set. */
  private guardedTest(flags: string[], cond: string, lower: () => Set<string>): void {
    if (flags.length === 0) {
      lower();
      return;
    }
    const any = this.anyOf(flags);
    this.emit({
      kind: "if",
      cond: any,
      then: [{ kind: "assign", target: cond, expr: { kind: "copy", arg: bool(false) }, loc: this.loc }],
      else: this.collect(lower),
    });
  }

  /** switch as: pick the first matching case's index, then run each case from there on. */
  private switchStatement(node: t.SwitchStatement, labels: string[]): Set<string> {
    const loc = this.locOf(node);
    const discriminant = this.expr(node.discriminant);
    const start = this.temp("number");
    const defaultIndex = node.cases.findIndex((c) => c.test == null);
    const chooser = (i: number): Stmt[] =>
      this.collect(() => {
        for (; i < node.cases.length && node.cases[i].test == null; i++);
        if (i >= node.cases.length) {
          this.emit({ kind: "assign", target: start, expr: { kind: "copy", arg: num(defaultIndex >= 0 ? defaultIndex : node.cases.length) }, loc });
          return;
        }
        const test = this.expr(node.cases[i].test!);
        const matches = this.temp("boolean");
        this.emit({ kind: "assign", target: matches, expr: { kind: "prim", op: "seq", args: [discriminant, test] }, loc });
        this.emit({
          kind: "if",
          cond: v(matches),
          then: [{ kind: "assign", target: start, expr: { kind: "copy", arg: num(i) }, loc }],
          else: chooser(i + 1),
          loc,
        });
      });
    this.block.push(...chooser(0));

    const target: JumpTarget = { labels, stop: this.flag("stop"), skip: null };
    this.emit({ kind: "assign", target: target.stop, expr: { kind: "copy", arg: bool(false) }, loc });
    this.targets.push(target);
    const exits = new Set<string>();
    this.scoped(() => {
      node.cases.forEach((clause, i) => {
        if (clause.consequent.length === 0) return;
        this.loc = loc;
        const reached = this.temp("boolean");
        this.emit({ kind: "assign", target: reached, expr: { kind: "prim", op: "le", args: [v(start), num(i)] }, loc });
        const body = this.collect(() => {
          const leaving = [...exits];
          const caseExits = this.guarded(new Set(leaving), () => this.statements(clause.consequent, 0));
          for (const flag of caseExits) exits.add(flag);
        });
        this.emit({ kind: "if", cond: v(reached), then: body, else: [], loc });
      });
    });
    this.targets.pop();
    exits.delete(target.stop);
    return exits;
  }

  // ---- expressions ----

  /** An expression whose value is not used. */
  private effect(node: t.Expression): void {
    const inner = unwrap(node);
    if (this.record && inner.type === "CallExpression" && this.recordStatement(inner)) return;
    if (inner.type === "AssignmentExpression" || inner.type === "UpdateExpression") {
      this.expr(inner);
      return;
    }
    if (inner.type === "SequenceExpression") {
      for (const e of inner.expressions) this.effect(e);
      return;
    }
    const value = this.expr(inner);
    const last = this.block[this.block.length - 1];
    // A call whose result is dropped: keep it as an effect, not an assignment to a temp.
    if (value.kind === "var" && last?.kind === "assign" && last.target === value.name && this.locals.get(value.name)?.temp) {
      if (last.expr.kind === "opaque" || last.expr.kind === "call") {
        this.block.pop();
        this.locals.delete(value.name);
        this.emit({ kind: "effect", expr: last.expr, loc: last.loc });
      }
    }
  }

  /**
   * Statements with a meaning of their own in a record block: `u.attachGrad()` (u becomes a
   * leaf) and `autograd.pause/trainMode/predictMode(() => ...)` (the code runs in place, in
   * that mode; what `pause` assigns is a constant afterwards). False for anything else.
   */
  private recordStatement(call: t.CallExpression): boolean {
    const callee = unwrap(call.callee as t.Expression);
    if (callee.type !== "MemberExpression" || callee.computed || callee.property.type !== "Identifier") return false;
    const method = callee.property.name;
    const object = unwrap(callee.object);
    if (method === "attachGrad" && object.type === "Identifier" && this.lookup(object.name)) {
      const local = this.lookup(object.name)!;
      if (this.targets.length > 0) {
        this.report("ADJ016", call, "attachGrad() inside a loop or switch of a record block");
        return true;
      }
      const args = this.arguments(call.arguments);
      this.emit({ kind: "effect", expr: this.constantCall(call, `${object.name}.attachGrad`, ([r, ...a]) => `${r}.attachGrad(${a.join(", ")})`, [v(local), ...args]) });
      this.emit({ kind: "assign", target: local, expr: { kind: "leaf", arg: v(local), index: this.leaves++ } });
      this.ndarrays.add(local);
      return true;
    }
    if (method === "record" && this.isAutograd(object)) {
      this.report("ADJ016", call, "autograd.record inside a record block");
      return true;
    }
    if (!MODE_SCOPES.has(method) || !this.isAutograd(object)) return false;
    const [body, options] = call.arguments;
    if (!body || (body.type !== "ArrowFunctionExpression" && body.type !== "FunctionExpression") || body.params.length > 0 || body.async || call.arguments.length > 2) {
      this.report("ADJ023", call, `autograd.${method}(() => { ... }) takes the code it applies to, written inline`);
      return true;
    }
    const autograd = this.ctx.source.slice(callee.object.start!, callee.object.end!);
    const optionsCode = options ? this.ctx.source.slice(options.start!, options.end!) : undefined;
    // pause(train_mode=False) as MXNet has it: not recording, predicting unless told otherwise.
    const modes: [string, string][] =
      method === "pause"
        ? [["setRecording", "false"], ["setTraining", optionsCode ? `(${optionsCode}).trainMode ?? false` : "false"]]
        : [["setTraining", String(method === "trainMode")]];
    const previous = modes.map(([setter, value]) => {
      const flag = this.temp("boolean");
      this.emit({ kind: "assign", target: flag, expr: this.constantCall(call, `${autograd}.${setter}`, () => `${autograd}.${setter}(${value})`, []) });
      return [setter, flag] as const;
    });
    const stmts = this.collect(() => {
      const exits = body.body.type === "BlockStatement" ? this.scoped(() => this.statements((body.body as t.BlockStatement).body, 0)) : (this.effect(body.body), new Set<string>());
      if (exits.size > 0) this.report("ADJ016", body, `return inside autograd.${method}(...)`);
    });
    // Nothing inside pause is recorded: each value it assigns is a constant from the start.
    this.block.push(...(method === "pause" ? this.detached(stmts) : stmts));
    for (const [setter, flag] of previous.reverse()) {
      this.emit({ kind: "effect", expr: this.constantCall(call, `${autograd}.${setter}`, ([f]) => `${autograd}.${setter}(${f})`, [v(flag)]) });
    }
    return true;
  }

  /** The statements with each user variable's assignment made through a constant: `t = ...; v = stop(t)`. */
  private detached(stmts: Stmt[]): Stmt[] {
    return stmts.flatMap((s): Stmt[] => {
      if (s.kind === "if") return [{ ...s, then: this.detached(s.then), else: this.detached(s.else) }];
      if (s.kind === "loop") return [{ ...s, pre: this.detached(s.pre), body: this.detached(s.body) }];
      if (s.kind !== "assign" || this.locals.get(s.target)?.temp) return [s];
      const value = this.temp(this.locals.get(s.target)?.declared);
      if (this.ndarrays.has(s.target)) this.ndarrays.add(value);
      return [{ ...s, target: value }, { kind: "assign", target: s.target, expr: { kind: "stop", arg: v(value) }, loc: s.loc }];
    });
  }

  /** A call with no derivative: `autograd.setRecording(false)`, `u.attachGrad()`. */
  private constantCall(node: t.Node, describe: string, render: (args: string[]) => string, args: Operand[]): Expr {
    return { kind: "opaque", describe, diagnostic: "ADJ011", render, args, at: spanOf(node), constant: true };
  }

  /** Whether `node` is adjoint's `autograd` (imported by name or read from a namespace import). */
  private isAutograd(node: t.Expression): boolean {
    if (node.type === "Identifier") return this.ctx.autograd.has(node.name) && !this.lookup(node.name);
    return (
      node.type === "MemberExpression" &&
      !node.computed &&
      node.property.type === "Identifier" &&
      node.property.name === "autograd" &&
      node.object.type === "Identifier" &&
      this.ctx.namespaces.has(node.object.name) &&
      !this.lookup(node.object.name)
    );
  }

  /** `target = expr`, through a temporary when the rule would need the old value of target. */
  private assign(target: string, expr: Expr): void {
    if (expr.kind === "prim" && updateNeedsTemporary(target, expr.op, expr.args.map(argForRule))) {
      const tmp = this.temp();
      this.emit({ kind: "assign", target: tmp, expr });
      this.emit({ kind: "assign", target, expr: { kind: "copy", arg: v(tmp) } });
      return;
    }
    this.emit({ kind: "assign", target, expr });
  }

  /** Emits `expr` into `target` (or a fresh temporary) and returns the operand holding its value. */
  private expr(node: t.Expression, target?: string): Operand {
    const value = this.value(node, target);
    if (target === undefined) return value;
    if (!(value.kind === "var" && value.name === target)) this.assign(target, { kind: "copy", arg: value });
    if (value.kind === "var" && this.ndarrays.has(value.name)) this.ndarrays.add(target);
    return v(target);
  }

  /** Emits an Expr computing `node`, into `target` if given, and returns its operand. */
  private compute(expr: Expr, target: string | undefined, declared?: ValueType): Operand {
    const name = target ?? this.temp(declared);
    this.assign(name, expr);
    return v(name);
  }

  private value(node: t.Expression, target?: string): Operand {
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
        return this.identifier(node);
      case "ParenthesizedExpression":
      case "TSAsExpression":
      case "TSSatisfiesExpression":
      case "TSNonNullExpression":
      case "TSTypeAssertion":
        return this.value(node.expression, target);
      case "UnaryExpression":
        return this.unary(node, target);
      case "BinaryExpression": {
        const op = binaryOperators[node.operator];
        if (!op || node.left.type === "PrivateName") {
          this.report("ADJ016", node, `the ${node.operator} operator`);
          return UNDEFINED;
        }
        const left = this.expr(node.left);
        const right = this.expr(node.right);
        return this.compute({ kind: "prim", op, args: [left, right] }, target, scalarRules[op].result);
      }
      case "LogicalExpression":
        return this.logical(node, target);
      case "ConditionalExpression": {
        const cond = this.condition(node.test);
        const result = target ?? this.temp();
        this.emit({
          kind: "if",
          cond,
          then: this.collect(() => this.expr(node.consequent, result)),
          else: this.collect(() => this.expr(node.alternate, result)),
        });
        return v(result);
      }
      case "AssignmentExpression":
        return this.assignment(node);
      case "UpdateExpression": {
        if (node.argument.type === "MemberExpression") {
          const member = node.argument;
          const op = node.operator === "++" ? "add" : "sub";
          const updated = this.elementUpdate(member, op, () => num(1));
          if (node.prefix || updated.kind !== "var") return updated;
          return this.compute({ kind: "prim", op: op === "add" ? "sub" : "add", args: [updated, num(1)] }, target, "number");
        }
        if (node.argument.type !== "Identifier") {
          this.report("ADJ016", node.argument);
          return UNDEFINED;
        }
        const name = this.writable(node.argument);
        if (!name) return UNDEFINED;
        const old = node.prefix ? null : this.compute({ kind: "copy", arg: v(name) }, undefined, "number");
        this.assign(name, { kind: "prim", op: node.operator === "++" ? "add" : "sub", args: [v(name), num(1)] });
        return old ?? v(name);
      }
      case "SequenceExpression": {
        node.expressions.slice(0, -1).forEach((e) => this.effect(e));
        return this.value(node.expressions[node.expressions.length - 1], target);
      }
      case "CallExpression":
        return this.call(node, target);
      case "MemberExpression":
        return this.member(node, target);
      case "NewExpression": {
        if (node.callee.type === "Identifier") {
          const allocated = this.allocation(node.callee.name, node, target);
          if (allocated) return allocated;
        }
        const args = this.arguments(node.arguments);
        const callee = node.callee.type === "Identifier" ? this.identifier(node.callee) : null;
        if (!callee) {
          this.report("ADJ016", node.callee);
          return UNDEFINED;
        }
        return this.opaque(node, "ADJ021", `new ${node.callee.type === "Identifier" ? node.callee.name : "…"}`, [callee, ...args], ([c, ...a]) => `new ${c}(${a.join(", ")})`, target);
      }
      case "ArrayExpression": {
        const elements = node.elements.map((e) => {
          if (e === null || e.type === "SpreadElement") {
            this.report("ADJ019", e ?? node);
            return UNDEFINED;
          }
          return this.expr(e);
        });
        if (elements.some((e) => e.kind === "var" && this.ndarrays.has(e.name))) {
          // A list of NDArrays is no array of numbers: refused where gradient would flow through it.
          return this.opaque(node, "ADJ016", "a list of NDArrays (np.concat and np.stack take one, written in their call)", elements, (a) => `[${a.join(", ")}]`, target);
        }
        const array = this.compute({ kind: "alloc", ctor: "Array", arg: num(elements.length) }, target, "array");
        elements.forEach((value, i) => this.emit({ kind: "store", array: (array as { name: string }).name, index: num(i), value }));
        return array;
      }
      case "TemplateLiteral": {
        const parts = node.expressions.map((e) => this.expr(e as t.Expression));
        const quasis = node.quasis.map((q) => q.value.raw);
        return this.opaque(node, "ADJ012", "a template string", parts, (a) => "`" + quasis.map((q, i) => q + (i < a.length ? `\${${a[i]}}` : "")).join("") + "`", target);
      }
      case "ThisExpression":
        this.report("ADJ004", node);
        return UNDEFINED;
      case "ArrowFunctionExpression":
      case "FunctionExpression":
        this.report("ADJ007", node);
        return UNDEFINED;
      case "AwaitExpression":
        this.report("ADJ002", node);
        return UNDEFINED;
      case "YieldExpression":
        this.report("ADJ003", node);
        return UNDEFINED;
      case "ObjectExpression":
        this.report("ADJ016", node, "an object literal");
        return UNDEFINED;
      default:
        this.report("ADJ016", node, describeNode(node));
        return UNDEFINED;
    }
  }

  private identifier(node: t.Identifier): Operand {
    if (node.name === "undefined") return UNDEFINED;
    if (node.name === "arguments") {
      this.report("ADJ006", node);
      return UNDEFINED;
    }
    const local = this.lookup(node.name);
    if (local) return v(local);
    if (node.name === "Infinity" || node.name === "NaN") return { kind: "const", code: node.name };
    this.outerReads.add(node.name);
    return { kind: "outer", name: node.name };
  }

  /** The local an assignment writes; reports writes to anything else. */
  private writable(node: t.Identifier): string | undefined {
    const local = this.lookup(node.name);
    if (local) return local;
    this.report("ADJ009", node, `'${node.name}'`);
    return undefined;
  }

  private unary(node: t.UnaryExpression, target?: string): Operand {
    const { operator, argument } = node;
    if (operator === "-" && argument.type === "NumericLiteral") return { kind: "const", code: `-${argument.value}`, value: -argument.value };
    const ops: Record<string, string> = { "-": "neg", "+": "pos", "!": "not" };
    const op = ops[operator];
    if (op) {
      const arg = this.expr(argument);
      return this.compute({ kind: "prim", op, args: [arg] }, target, scalarRules[op].result);
    }
    if (operator === "typeof" || operator === "void") {
      const arg = this.expr(argument);
      return this.opaque(node, "ADJ012", operator, [arg], ([a]) => `${operator} ${a}`, target);
    }
    this.report("ADJ016", node, `the ${operator} operator`);
    return UNDEFINED;
  }

  /** `&&`, `||` and `??` are control flow: the right side runs only when needed. */
  private logical(node: t.LogicalExpression, target?: string): Operand {
    const result = target ?? this.temp();
    this.expr(node.left, result);
    let test: Operand = v(result);
    if (node.operator === "??") {
      const missing = this.temp("boolean");
      this.emit({ kind: "assign", target: missing, expr: { kind: "prim", op: "eq", args: [v(result), { kind: "const", code: "null" }] } });
      test = v(missing);
    } else {
      const copy = this.temp();
      this.emit({ kind: "assign", target: copy, expr: { kind: "copy", arg: v(result) } });
      test = v(copy);
    }
    const right = this.collect(() => this.expr(node.right, result));
    this.emit({ kind: "if", cond: test, then: node.operator === "||" ? [] : right, else: node.operator === "||" ? right : [] });
    return v(result);
  }

  private assignment(node: t.AssignmentExpression): Operand {
    if (node.left.type === "MemberExpression") {
      const op = node.operator === "=" ? null : binaryOperators[node.operator.slice(0, -1)];
      if (op === undefined) {
        this.report("ADJ016", node, `the ${node.operator} operator on an element`);
        return UNDEFINED;
      }
      return this.elementUpdate(node.left, op, () => this.expr(node.right));
    }
    if (node.left.type !== "Identifier") {
      this.report("ADJ008", node.left);
      return UNDEFINED;
    }
    const name = this.writable(node.left);
    if (!name) return UNDEFINED;
    if (node.operator === "=") return this.expr(node.right, name);
    if (node.operator === "&&=" || node.operator === "||=" || node.operator === "??=") {
      const logical = { type: "LogicalExpression", operator: node.operator.slice(0, 2), left: node.left, right: node.right, loc: node.loc, start: node.start, end: node.end } as t.LogicalExpression;
      return this.logical(logical, name);
    }
    const op = binaryOperators[node.operator.slice(0, -1)];
    if (!op) {
      this.report("ADJ016", node, `the ${node.operator} operator`);
      return UNDEFINED;
    }
    const right = this.expr(node.right);
    this.assign(name, { kind: "prim", op, args: [v(name), right] });
    return v(name);
  }

  private arguments(args: t.CallExpression["arguments"]): Operand[] {
    return args.map((arg) => {
      if (arg.type === "SpreadElement" || arg.type === "ArgumentPlaceholder") {
        this.report("ADJ019", arg);
        return UNDEFINED;
      }
      return this.expr(arg as t.Expression);
    });
  }

  private call(node: t.CallExpression, target?: string): Operand {
    const callee = unwrap(node.callee as t.Expression);
    const path = memberPath(callee);
    if (path && path.length > 1 && this.ctx.npNamespaces.has(path[0]) && !this.lookup(path[0])) {
      return this.npCall(path.slice(1), node, target);
    }
    if (callee.type === "Identifier" && this.ctx.npImports.has(callee.name) && !this.lookup(callee.name)) {
      return this.npCall([this.ctx.npImports.get(callee.name)!], node, target);
    }
    if (callee.type === "MemberExpression" && !callee.computed && callee.property.type === "Identifier") {
      const object = unwrap(callee.object);
      const property = callee.property.name;
      if (object.type === "Identifier" && object.name === "Math" && !this.lookup("Math")) {
        const rule = scalarRules[`Math.${property}`];
        if (!rule) {
          this.report("ADJ022", callee, `Math.${property}`);
          return UNDEFINED;
        }
        const args = this.arguments(node.arguments);
        return this.compute({ kind: "prim", op: `Math.${property}`, args }, target, rule.result);
      }
      if (object.type === "Identifier" && this.ctx.namespaces.has(object.name) && !this.lookup(object.name)) {
        return this.marker(property, node, target);
      }
      if (object.type === "Identifier" && property === "from" && ARRAY_KINDS.has(object.name)) {
        const allocated = this.allocation(object.name, node, target);
        if (allocated) return allocated;
      }
      if ((property === "fill" || property === "set") && object.type === "Identifier" && this.ndarrays.has(this.lookup(object.name) ?? "")) {
        // The reverse sweep reads arrays as the forward sweep left them: writing one in place would corrupt it.
        this.report("ADJ025", node, `${object.name}.${property}(…)`);
        return UNDEFINED;
      }
      if ((property === "slice" || property === "fill") && object.type === "Identifier" && this.lookup(object.name)) {
        const array = this.lookup(object.name)!;
        if (property === "slice" && node.arguments.length === 0) {
          return this.compute({ kind: "alloc", ctor: "same", arg: v(array) }, target, "array");
        }
        if (property === "fill" && node.arguments.length === 1) {
          const [value] = this.arguments(node.arguments);
          this.emit({ kind: "fill", array, value });
          return v(array);
        }
      }
      if (property === "fill" && node.arguments.length === 1 && object.type === "NewExpression") {
        // `new Array(n).fill(0)`
        const array = this.value(object, target);
        const [value] = this.arguments(node.arguments);
        if (array.kind === "var") this.emit({ kind: "fill", array: array.name, value });
        return array;
      }
      if (object.type === "Identifier" && object.name === "eval") {
        this.report("ADJ005", node);
        return UNDEFINED;
      }
      const receiver = this.expr(object as t.Expression);
      if (receiver.kind === "var" && this.ndarrays.has(receiver.name)) return this.npMethod(receiver.name, property, node, target);
      const args = this.arguments(node.arguments);
      return this.opaque(node, "ADJ011", `the method call .${property}()`, [receiver, ...args], ([r, ...a]) => `${r}.${property}(${a.join(", ")})`, target);
    }
    if (callee.type !== "Identifier") {
      this.report("ADJ016", callee, "a call through a computed function");
      return UNDEFINED;
    }
    const name = callee.name;
    if (this.record?.functions.has(name) && this.lookup(name)) {
      return this.compute({ kind: "call", callee: { kind: "attached", binding: this.lookup(name)! }, args: this.arguments(node.arguments) }, target);
    }
    if (this.lookup(name)) {
      this.report("ADJ007", callee, `'${name}' is a local value`);
      return UNDEFINED;
    }
    if (name === "eval") {
      this.report("ADJ005", node);
      return UNDEFINED;
    }
    const marker = this.ctx.markers.get(name);
    if (marker) return this.marker(marker, node, target);
    const args = this.arguments(node.arguments);
    if (this.ctx.functions.has(name)) {
      const result = this.compute({ kind: "call", callee: { kind: "local", key: name }, args }, target);
      // Its methods are adjoint/np operations when the callee returns an NDArray.
      if (result.kind === "var" && returnsNdarray(this.ctx.functions.get(name)!.node, this.ctx)) this.ndarrays.add(result.name);
      return result;
    }
    const importProblem = this.ctx.attached.has(name) ? this.ctx.hooks?.importProblem?.(name) : undefined;
    if (importProblem) return this.opaque(node, "ADJ010", importProblem, args, (a) => `${name}(${a.join(", ")})`, target);
    if (this.ctx.attached.has(name)) return this.compute({ kind: "call", callee: { kind: "attached", binding: name }, args }, target);
    this.outerReads.add(name);
    return this.opaque(node, "ADJ010", `'${name}'`, args, (a) => `${name}(${a.join(", ")})`, target);
  }

  private marker(name: string, node: t.CallExpression, target?: string): Operand {
    if (name === "stopGradient" && node.arguments.length === 1) {
      const [arg] = this.arguments(node.arguments);
      return this.compute({ kind: "stop", arg }, target);
    }
    this.report("ADJ016", node, `${name}(…) inside a differentiated function (higher-order derivatives are not supported yet)`);
    return UNDEFINED;
  }

  private member(node: t.MemberExpression, target?: string): Operand {
    const object = unwrap(node.object);
    if (!node.computed && node.property.type === "Identifier") {
      const property = node.property.name;
      if (object.type === "Identifier" && object.name === "Math" && !this.lookup("Math") && mathConstants.has(property)) {
        return { kind: "const", code: `Math.${property}`, value: Math[property as "PI"] };
      }
      const receiver = this.expr(object);
      if (receiver.kind === "var" && this.ndarrays.has(receiver.name)) {
        if (property === "T") return this.np(npRule("transpose")!, [receiver], ([x]) => `${x}.T`, target);
        if (CONSTANT_PROPERTIES.has(property)) return this.opaque(node, "ADJ012", `the property .${property}`, [receiver], ([r]) => `${r}.${property}`, target, true);
      }
      if (property === "length") return this.compute({ kind: "prim", op: "length", args: [receiver] }, target, "number");
      return this.opaque(node, "ADJ012", `the property .${property}`, [receiver], ([r]) => `${r}.${property}`, target);
    }
    const array = this.expr(object);
    const index = this.expr(node.property as t.Expression);
    return this.compute({ kind: "load", array, index }, target);
  }

  /** The local array an element write goes to; reports writes to anything else. */
  private arrayTarget(node: t.MemberExpression): { array: string; index: Operand } | undefined {
    const object = unwrap(node.object);
    if (!node.computed || object.type !== "Identifier") {
      this.report(node.computed ? "ADJ014" : "ADJ016", node, node.computed ? "the array is computed here" : "assignment to a property");
      return undefined;
    }
    const array = this.lookup(object.name);
    if (!array) {
      this.report("ADJ009", node, `'${object.name}' (an element of an array declared outside the function)`);
      return undefined;
    }
    return { array, index: this.expr(node.property as t.Expression) };
  }

  /** `a[i] op= value` (op "" for plain `=`): a load, the arithmetic, a store. */
  private elementUpdate(node: t.MemberExpression, op: string | null, value: () => Operand): Operand {
    const place = this.arrayTarget(node);
    if (!place) return UNDEFINED;
    let result = value();
    if (op) {
      const old = this.compute({ kind: "load", array: v(place.array), index: place.index }, undefined);
      result = this.compute({ kind: "prim", op, args: [old, result] }, undefined, "number");
    }
    this.emit({ kind: "store", array: place.array, index: place.index, value: result });
    return result;
  }

  /** `new Float64Array(n)`, `new Float64Array(a)`, `Array.from(a)`, `new Array(n)`: an array allocation. */
  private allocation(kind: string, node: t.NewExpression | t.CallExpression, target?: string): Operand | undefined {
    if (!ARRAY_KINDS.has(kind) || this.lookup(kind) || node.arguments.length !== 1) return undefined;
    const [arg] = this.arguments(node.arguments);
    return this.compute({ kind: "alloc", ctor: kind as ArrayKind, arg }, target, "array");
  }

  private opaque(node: t.Node, code: DiagnosticCode, describe: string, args: Operand[], render: (args: string[]) => string, target?: string, constant = false): Operand {
    return this.compute({ kind: "opaque", describe, diagnostic: code, render, args, at: spanOf(node), constant }, target);
  }

  // ---- adjoint/np ----

  /** An NDArray-valued expression: its result is known to be an NDArray from here on. */
  private np(rule: NpRule | null, args: Operand[], render: (args: string[]) => string, target?: string, result: "ndarray" | "number" = "ndarray"): Operand {
    const name = target ?? this.temp(result === "ndarray" ? "ndarray" : "number");
    // The rule is called with exactly its parameters: omitted optional ones as undefined.
    if (rule && args.length < rule.params.length) args = [...args, ...Array.from({ length: rule.params.length - args.length }, () => UNDEFINED)];
    const expr: Expr = { kind: "np", rule: rule?.name ?? null, args, render, result };
    // The rule reads its arguments in the reverse sweep: never overwrite one in place.
    if (args.some((a) => a.kind === "var" && a.name === name)) {
      const tmp = this.temp(result === "ndarray" ? "ndarray" : "number");
      this.emit({ kind: "assign", target: tmp, expr });
      this.emit({ kind: "assign", target: name, expr: { kind: "copy", arg: v(tmp) } });
      if (result === "ndarray") this.ndarrays.add(tmp);
    } else {
      this.emit({ kind: "assign", target: name, expr });
    }
    if (result === "ndarray") this.ndarrays.add(name);
    return v(name);
  }

  /** `np.dot(x, y)`, `np.linalg.norm(b)`, `sum(x)` (imported), by the rule of that path. */
  private npCall(path: string[], node: t.CallExpression, target?: string): Operand {
    const callee = this.ctx.source.slice(node.callee.start!, node.callee.end!);
    if (IN_PLACE_NP.has(path.join("."))) {
      this.report("ADJ025", node, `${callee}(…)`);
      return UNDEFINED;
    }
    const rule = npPathRule(path);
    if (rule?.params[0] === "arrays") return this.npListCall(rule, callee, node, target);
    const args = this.arguments(node.arguments);
    if (rule) {
      if (args.length > rule.params.length) {
        this.report("ADJ023", node, `${path.join(".")} takes ${rule.params.length} arguments`);
        return UNDEFINED;
      }
      const given = args.length;
      const padded = [...args, ...Array.from({ length: rule.params.length - given }, () => UNDEFINED)];
      return this.np(rule, padded, (a) => `${callee}(${a.slice(0, given).join(", ")})`, target);
    }
    if (NP_CONSTANTS.has(path[0]) || NP_CONSTANTS.has(path.join("."))) {
      return this.np(null, args, (a) => `${callee}(${a.join(", ")})`, target);
    }
    return this.opaque(node, "ADJ010", `'${callee}' (adjoint/np has no adjoint rule for it)`, args, (a) => `${callee}(${a.join(", ")})`, target);
  }

  /**
   * `np.concat([a, b], axis)`, `np.stack(...)`: the list is written in the call, so each array
   * in it gets its own adjoint. A list from elsewhere is refused where gradient would flow.
   */
  private npListCall(rule: NpRule, callee: string, node: t.CallExpression, target?: string): Operand {
    const [list, ...rest] = node.arguments;
    if (list?.type !== "ArrayExpression" || list.elements.some((e) => !e || e.type === "SpreadElement") || rest.length > rule.params.length - 1) {
      const args = this.arguments(node.arguments);
      return this.opaque(node, "ADJ016", `${callee} of a list not written in the call (write it there: ${callee}([a, b]))`, args, (a) => `${callee}(${a.join(", ")})`, target);
    }
    const elements = this.arguments(list.elements as t.Expression[]);
    const others = this.arguments(rest);
    const padded = [...elements, ...others, ...Array.from({ length: rule.params.length - 1 - others.length }, () => UNDEFINED)];
    const count = elements.length;
    const expr: Expr = {
      kind: "np",
      rule: rule.name,
      args: padded,
      list: count,
      render: (a) => `${callee}([${a.slice(0, count).join(", ")}]${others.length > 0 ? `, ${a.slice(count, count + others.length).join(", ")}` : ""})`,
      result: "ndarray",
    };
    const name = target ?? this.temp("ndarray");
    // `h = np.concat([h, x])` grows h: the rule reads the old h, so the new one goes through a temporary.
    const grows = padded.some((a) => a.kind === "var" && a.name === name);
    const into = grows ? this.temp("ndarray") : name;
    this.emit({ kind: "assign", target: into, expr });
    if (grows) this.emit({ kind: "assign", target: name, expr: { kind: "copy", arg: v(into) } });
    this.ndarrays.add(into);
    this.ndarrays.add(name);
    return v(name);
  }

  /** `x.sum()`, `x.reshape(2, 3)`, `x.detach()`, `x.item()` on a value known to be an NDArray. */
  private npMethod(receiver: string, method: string, node: t.CallExpression, target?: string): Operand {
    if (method === "detach" && node.arguments.length === 0) return this.compute({ kind: "stop", arg: v(receiver) }, target, "ndarray");
    const rule = method === "item" ? ITEM_RULE : npMethodRule(method);
    if (!rule) {
      const args = this.arguments(node.arguments);
      return this.opaque(node, "ADJ011", `the method .${method}() (no adjoint rule)`, [v(receiver), ...args], ([r, ...a]) => `${r}.${method}(${a.join(", ")})`, target);
    }
    // The rule takes a spread method's arguments (`x.get(0, ":")`) as one list; the call spreads it again.
    const packed = SPREAD_METHODS.has(method) && node.arguments.length > 0 && !(node.arguments.length === 1 && node.arguments[0].type === "ArrayExpression");
    const elements = packed ? this.arguments(node.arguments) : [];
    const args = packed ? [this.compute(this.constantCall(node, "a list", (e) => `[${e.join(", ")}]`, elements), undefined)] : this.arguments(node.arguments);
    const given = args.length;
    const padded = [v(receiver), ...args, ...Array.from({ length: Math.max(0, rule.params.length - 1 - args.length) }, () => UNDEFINED)];
    // Literals and the user's variables are written as the user wrote the call; temporaries through the list.
    const plain = elements.every((e) => e.kind === "const" || (e.kind === "var" && !this.locals.get(e.name)?.temp));
    const spread = plain ? elements.map((e) => (e.kind === "const" ? e.code : e.kind === "var" ? e.name : "")).join(", ") : undefined;
    const render = (a: string[]) => `${a[0]}.${method}(${packed ? (spread ?? `...${a[1]}`) : a.slice(1, 1 + given).join(", ")})`;
    return this.np(rule, padded, render, target, method === "item" ? "number" : "ndarray");
  }

  // ---- positions and diagnostics ----

  private report(code: DiagnosticCode, node: t.Node, detail?: string): void {
    this.ctx.diagnostics.push(diagnostic(code, this.ctx.filename, spanOf(node), detail));
  }


  private locOf(node: t.Node): SourceLoc {
    const start = node.start ?? 0;
    const lineEnd = this.ctx.source.indexOf("\n", start);
    const text = this.ctx.source.slice(start, Math.min(node.end ?? start, lineEnd < 0 ? Infinity : lineEnd)).trim();
    return { line: node.loc?.start.line ?? 0, column: node.loc?.start.column ?? 0, text, start, end: node.end ?? start };
  }
}

export function spanOf(node: t.Node) {
  return { start: node.start ?? 0, end: node.end ?? 0, line: node.loc?.start.line ?? 0, column: node.loc?.start.column ?? 0 };
}


function assignsWithin(stmts: Stmt[], name: string): boolean {
  let found = false;
  forEachStmt(stmts, (s) => {
    if (s.kind === "assign" && s.target === name) found = true;
  });
  return found;
}

/** Whether control never reaches the statement after this one. */
function alwaysLeaves(node: t.Statement): boolean {
  switch (node.type) {
    case "ReturnStatement":
    case "ThrowStatement":
    case "BreakStatement":
    case "ContinueStatement":
      return true;
    case "BlockStatement":
      return node.body.some(alwaysLeaves);
    case "IfStatement":
      return !!node.alternate && alwaysLeaves(node.consequent) && alwaysLeaves(node.alternate);
    default:
      return false;
  }
}

/** The engine's type of an annotation; the module's aliases (`type Scalar = number`) are read through. */
/**
 * Whether a module function returns an NDArray: its return type says so, or every value it
 * returns is an adjoint/np call or an NDArray method's result.
 */
function returnsNdarray(fn: FunctionNode, ctx: ModuleContext): boolean {
  let known = returnsNdarrayOf.get(fn);
  if (known === undefined) returnsNdarrayOf.set(fn, (known = readReturnsNdarray(fn, ctx)));
  return known;
}

/** What returnsNdarray found for each function, read once per function rather than per call. */
const returnsNdarrayOf = new WeakMap<FunctionNode, boolean>();

function readReturnsNdarray(fn: FunctionNode, ctx: ModuleContext): boolean {
  const declared = fn.returnType?.type === "TSTypeAnnotation" ? declaredType(fn.returnType, ctx.typeAliases) : undefined;
  if (declared) return declared === "ndarray";
  const returned: t.Expression[] = [];
  if (fn.body.type !== "BlockStatement") returned.push(fn.body);
  else {
    const visit = (node: t.Node) => {
      if (node.type === "ReturnStatement") {
        if (node.argument) returned.push(node.argument);
      } else if (!node.type.includes("Function")) {
        forEachChild(node, visit);
      }
    };
    visit(fn.body);
  }
  const isNpCall = (e: t.Expression): boolean => {
    if (e.type !== "CallExpression") return false;
    let root: t.Node = e.callee;
    while (root.type === "MemberExpression") root = root.object;
    return root.type === "Identifier" && (ctx.npNamespaces.has(root.name) || ctx.npImports.has(root.name));
  };
  return returned.length > 0 && returned.every((e) => isNpCall(unwrap(e)));
}

function declaredType(annotation: t.Identifier["typeAnnotation"], aliases: ReadonlyMap<string, t.TSType>): ValueType | undefined {
  if (!annotation || annotation.type !== "TSTypeAnnotation") return undefined;
  return typeOfTs(annotation.typeAnnotation, aliases, 0);
}

function typeOfTs(type: t.TSType, aliases: ReadonlyMap<string, t.TSType>, depth: number): ValueType | undefined {
  if (type.type === "TSTypeReference" && type.typeName.type === "Identifier" && !type.typeParameters && depth < 8) {
    const aliased = aliases.get(type.typeName.name);
    if (aliased) return typeOfTs(aliased, aliases, depth + 1);
  }
  if (type.type === "TSParenthesizedType") return typeOfTs(type.typeAnnotation, aliases, depth + 1);
  switch (type.type) {
    case "TSNumberKeyword":
      return "number";
    case "TSBooleanKeyword":
      return "boolean";
    case "TSArrayType":
      return type.elementType.type === "TSNumberKeyword" ? "array" : "other";
    case "TSTypeReference": {
      if (type.typeName.type === "TSQualifiedName" && type.typeName.right.name === "NDArray") return "ndarray";
      const name = type.typeName.type === "Identifier" ? type.typeName.name : "";
      if (name === "NDArray") return "ndarray";
      if (name === "Float64Array" || name === "Float32Array") return "array";
      const [element] = type.typeParameters?.params ?? [];
      return (name === "Array" || name === "ReadonlyArray") && element?.type === "TSNumberKeyword" ? "array" : "other";
    }
    case "TSTypeOperator":
      return type.operator === "readonly" && type.typeAnnotation.type === "TSArrayType" && type.typeAnnotation.elementType.type === "TSNumberKeyword" ? "array" : "other";
    default:
      return "other";
  }
}

const ARRAY_KINDS = new Set<string>(["Float64Array", "Float32Array", "Array"]);

/** adjoint/np functions whose results are constants to differentiation. */
const NP_CONSTANTS = new Set([
  "array", "asarray", "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "zerosLike", "onesLike", "fullLike", "emptyLike",
  "random", "equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual", "logicalAnd", "logicalOr", "logicalNot",
  "argmax", "argmin", "all", "any", "repr", "str",
]);

/** `x.item()`: the only element as a number; its rule lives with the runtime's (generated.ts). */
const ITEM_RULE: NpRule = { name: "item", params: ["x"], wrt: [0] };

/** `np.linalg.norm` as ["np", "linalg", "norm"]; null for anything but a dotted name. */
function memberPath(node: t.Expression): string[] | null {
  if (node.type === "Identifier") return [node.name];
  if (node.type !== "MemberExpression" || node.computed || node.property.type !== "Identifier") return null;
  const head = memberPath(node.object as t.Expression);
  return head ? [...head, node.property.name] : null;
}

function describeNode(node: t.Node): string {
  return node.type.replace(/(Statement|Expression|Declaration)$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}
