// Control flow as structured IR: if, switch, loops (all as `loop { pre; if (!cond) break; body }`),
// and break/continue/return/labels as flags that guard the code they skip.
import type * as t from "@babel/types";
import { unwrap } from "../ast.js";
import { bool, num, v, type Operand, type Stmt } from "../ir/index.js";
import { UNDEFINED, type JumpTarget, type Lowering } from "./lowerer.js";
import { returnRecord } from "./closures.js";

/**
 * Lowers `list[start..]`. Code after a statement that may break, continue or return is
 * guarded by the flags it sets; an `if` whose branch always leaves takes the rest into
 * its other branch instead. Returns the flags that may be set and escape.
 */
export function statements(l: Lowering, list: t.Statement[], start: number): Set<string> {
  const exits = new Set<string>();
  for (let i = start; i < list.length; i++) {
    const stmt = list[i];
    const restStart = i + 1;
    if (stmt.type === "IfStatement" && restStart < list.length) {
      const thenLeaves = alwaysLeaves(stmt.consequent);
      const elseLeaves = stmt.alternate ? alwaysLeaves(stmt.alternate) : false;
      if (thenLeaves || elseLeaves) {
        const rest = (branch: t.Statement | null | undefined, leaves: boolean) => () => {
          const branchExits = branch ? l.scoped(() => statements(l, [branch], 0)) : new Set<string>();
          if (leaves) return branchExits;
          const guardedExits = guarded(l, branchExits, () => statements(l, list, restStart));
          return new Set([...branchExits, ...guardedExits]);
        };
        for (const flag of ifStatement(l, stmt, rest(stmt.consequent, thenLeaves), rest(stmt.alternate, elseLeaves))) exits.add(flag);
        return exits;
      }
    }
    const stmtExits = l.statement(stmt);
    for (const flag of stmtExits) exits.add(flag);
    if (stmtExits.size > 0 && restStart < list.length) {
      if (alwaysLeaves(stmt)) return exits; // the rest is unreachable
      for (const flag of guarded(l, stmtExits, () => statements(l, list, restStart))) exits.add(flag);
      return exits;
    }
  }
  return exits;
}

/** Runs `lower` only when none of `flags` is set. */
export function guarded(l: Lowering, flags: Set<string>, lower: () => Set<string>): Set<string> {
  if (flags.size === 0) return lower();
  let exits = new Set<string>();
  const body = l.collect(() => (exits = lower()));
  l.emit({ kind: "if", cond: anyOf(l, [...flags]), then: [], else: body });
  return exits;
}

/** An operand that is true when any of the flags is. */
export function anyOf(l: Lowering, flags: string[]): Operand {
  let acc: Operand = v(flags[0]);
  for (const flag of flags.slice(1)) {
    const next = l.temp("boolean");
    l.emit({ kind: "assign", target: next, expr: { kind: "prim", op: "or", args: [acc, v(flag)] } });
    acc = v(next);
  }
  return acc;
}

export function ifStatement(l: Lowering, node: t.IfStatement, lowerThen: () => Set<string>, lowerElse: () => Set<string>): Set<string> {
  l.loc = l.locOf(node);
  const cond = l.condition(node.test);
  const loc = l.locOf(node);
  let thenExits = new Set<string>();
  let elseExits = new Set<string>();
  const thenBlock = l.collect(() => (thenExits = lowerThen()));
  const elseBlock = l.collect(() => (elseExits = lowerElse()));
  l.emit({ kind: "if", cond, then: thenBlock, else: elseBlock, loc });
  return new Set([...thenExits, ...elseExits]);
}

export function labeled(l: Lowering, node: t.LabeledStatement): Set<string> {
  const labels: string[] = [node.label.name];
  let body: t.Statement = node.body;
  while (body.type === "LabeledStatement") {
    labels.push(body.label.name);
    body = body.body;
  }
  if (body.type === "WhileStatement" || body.type === "DoWhileStatement" || body.type === "ForStatement") return loop(l, body, labels);
  if (body.type === "ForOfStatement") return forOf(l, body, labels);
  if (body.type === "SwitchStatement") return switchStatement(l, body, labels);
  // A labelled block: `break label` leaves it.
  const target: JumpTarget = { labels, stop: l.flag("stop"), skip: null };
  l.emit({ kind: "assign", target: target.stop, expr: { kind: "copy", arg: bool(false) } });
  l.targets.push(target);
  const exits = l.scoped(() => statements(l, [body], 0));
  l.targets.pop();
  exits.delete(target.stop);
  return exits;
}

export function jump(l: Lowering, node: t.BreakStatement | t.ContinueStatement): Set<string> {
  const isBreak = node.type === "BreakStatement";
  const label = node.label?.name;
  for (let i = l.targets.length - 1; i >= 0; i--) {
    const target = l.targets[i];
    if (label ? !target.labels.includes(label) : !isBreak && target.skip === null) continue;
    const flag = isBreak ? target.stop : target.skip;
    if (flag === null) break;
    l.emit({ kind: "assign", target: flag, expr: { kind: "copy", arg: bool(true) } });
    return new Set([flag]);
  }
  l.report("ADJ015", node, `${isBreak ? "break" : "continue"} with no enclosing target`);
  return new Set();
}

/** while, do…while and for, as `loop { pre; if (!cond) break; body }`. */
export function loop(l: Lowering, node: t.WhileStatement | t.DoWhileStatement | t.ForStatement, labels: string[]): Set<string> {
  const loc = l.locOf(node);
  return l.scoped(() => {
    if (node.type === "ForStatement" && node.init) {
      if (node.init.type === "VariableDeclaration") l.variableDeclaration(node.init);
      else l.effect(node.init);
    }
    const target: JumpTarget = { labels, stop: l.flag("stop"), skip: l.flag("skip") };
    l.emit({ kind: "assign", target: target.stop, expr: { kind: "copy", arg: bool(false) }, loc });
    l.targets.push(target);

    // The body first, to learn which flags it sets; it is placed after the test below.
    let bodyExits = new Set<string>();
    const body = l.collect(() => {
      l.emit({ kind: "assign", target: target.skip!, expr: { kind: "copy", arg: bool(false) }, loc });
      bodyExits = l.scoped(() => statements(l, [node.body], 0));
    });
    l.targets.pop();
    const escaping = new Set([...bodyExits].filter((flag) => flag !== target.stop && flag !== target.skip));
    // Flags that end the loop, among those the body can set.
    const leaving = [...bodyExits].filter((flag) => flag !== target.skip);

    const testCode = (test: t.Expression | null | undefined, cond: string) => () => {
      l.loc = loc;
      if (test) l.expr(test, cond);
      else l.emit({ kind: "assign", target: cond, expr: { kind: "copy", arg: bool(true) } });
      return new Set<string>();
    };
    const cond = l.temp("boolean");
    l.loc = loc;
    let pre: Stmt[];
    let loopBody: Stmt[];
    if (node.type === "DoWhileStatement") {
      // do { body } while (test): the body and the test are all "pre"; the loop body is empty.
      pre = [...body];
      pre.push(...l.collect(() => guardedTest(l, leaving, cond, testCode(node.test, cond))));
      loopBody = [];
    } else {
      pre = l.collect(() => guardedTest(l, leaving, cond, testCode(node.test, cond)));
      loopBody = body;
      if (node.type === "ForStatement" && node.update) {
        const update = node.update;
        loopBody.push(
          ...l.collect(() =>
            guarded(l, new Set(leaving), () => {
              l.loc = loc;
              l.effect(update);
              return new Set();
            }),
          ),
        );
      }
    }
    l.emit({ kind: "loop", pre, cond: v(cond), body: loopBody, loc });
    return escaping;
  });
}

/**
 * `for (const x of xs) body` as `for (let i = 0; i < xs.length; i++) { const x = xs[i]; body }`;
 * `xs.entries()` gives `[i, xs[i]]`, `xs.keys()` the index, `xs.values()` the elements; the head
 * may be a pattern, or a variable or element assigned each time (`for (x of xs)`).
 */
export function forOf(l: Lowering, node: t.ForOfStatement, labels: string[]): Set<string> {
  const left = node.left;
  const declarator = left.type === "VariableDeclaration" ? left.declarations[0] : null;
  if (node.await || (declarator && (declarator.init || left.type === "VariableDeclaration" && left.declarations.length !== 1))) {
    l.report(node.await ? "ADJ002" : "ADJ015", left, node.await ? undefined : "a for…of head declares one variable, with no initializer");
    return new Set();
  }
  const { iterable, iterate } = iteration(node.right);
  const head = (declarator ? declarator.id : left) as t.LVal;
  return l.scoped(() => {
    const array = l.temp("array");
    // Only an array is walked by index: a Map, a Set or an NDArray would silently give no elements.
    const walked = unwrap(iterable);
    const walkedInfo = walked.type === "Identifier" ? l.locals.get(l.lookup(walked.name) ?? "") : undefined;
    const declared = walkedInfo?.declared;
    if (declared && declared !== "array" && !walkedInfo?.list) l.report("ADJ015", iterable, "for…of over a value that is not an array of numbers");
    l.expr(iterable, array);
    const id = (name: string): t.Identifier => ({ type: "Identifier", name }) as t.Identifier;
    // A `const` index (`const [i, v]`, `const i` of keys()) is the loop's own counter, under the user's name.
    const indexPattern = iterate === "keys" ? head : iterate === "entries" && head.type === "ArrayPattern" ? head.elements[0] : null;
    const ownIndex = declarator && left.type === "VariableDeclaration" && left.kind === "const" && indexPattern?.type === "Identifier" ? indexPattern.name : null;
    const index = ownIndex ? l.freshLocal(ownIndex, { temp: false, declared: "number" }) : l.freshGenerated("i");
    if (ownIndex) l.scopes[l.scopes.length - 1].set(ownIndex, index);
    else l.locals.set(index, { temp: true, declared: "number" });
    l.emit({ kind: "assign", target: index, expr: { kind: "copy", arg: num(0) } });
    // Reuse the general loop lowering on a synthetic for statement over the index.
    l.scopes[l.scopes.length - 1].set(`%array`, array);
    l.scopes[l.scopes.length - 1].set(`%index`, index);
    const element = { type: "MemberExpression", object: id("%array"), property: id("%index"), computed: true } as t.MemberExpression;
    let value: t.Expression = element;
    let target = head as t.LVal | null;
    if (iterate === "keys") value = id("%index");
    if (iterate === "entries" && head.type === "ArrayPattern") {
      // `[i, v]` of `[index, element]`: an array literal the pattern takes apart, never made.
      value = { type: "ArrayExpression", elements: [id("%index"), element] } as t.ArrayExpression;
      if (ownIndex) target = { ...head, elements: [null, ...head.elements.slice(1)] };
    } else if (iterate === "entries") {
      value = { type: "ArrayExpression", elements: [id("%index"), element] } as t.ArrayExpression;
    }
    if (ownIndex && iterate === "keys") target = null;
    const at = { loc: node.loc, start: node.start, end: node.end };
    // `var` is declared at the top of the function: each element is assigned to it.
    const bind: t.Statement[] = !target
      ? []
      : declarator && (left as t.VariableDeclaration).kind !== "var"
        ? [{ type: "VariableDeclaration", kind: "const", declarations: [{ type: "VariableDeclarator", id: { ...target }, init: value }], ...at } as t.VariableDeclaration]
        : [{ type: "ExpressionStatement", expression: { type: "AssignmentExpression", operator: "=", left: target, right: value, ...at }, ...at } as t.ExpressionStatement];
    const body = { type: "BlockStatement", directives: [], body: [...bind, node.body] } as unknown as t.BlockStatement;
    const loopNode: t.ForStatement = {
      type: "ForStatement",
      init: null,
      test: { type: "BinaryExpression", operator: "<", left: id("%index"), right: { type: "MemberExpression", object: id("%array"), property: id("length"), computed: false } } as t.BinaryExpression,
      update: { type: "UpdateExpression", operator: "++", prefix: false, argument: id("%index") } as t.UpdateExpression,
      body,
      loc: node.loc,
      start: node.start,
      end: node.end,
    } as t.ForStatement;
    return loop(l, loopNode, labels);
  });
}

/** What a for…of walks: an array itself, or the index and element its `entries()`, `keys()` or `values()` give. */
function iteration(right: t.Expression): { iterable: t.Expression; iterate: "values" | "entries" | "keys" } {
  const call = unwrap(right);
  if (call.type === "CallExpression" && call.arguments.length === 0 && call.callee.type === "MemberExpression" && !call.callee.computed && call.callee.property.type === "Identifier") {
    const method = call.callee.property.name;
    if (method === "entries" || method === "keys" || method === "values") return { iterable: call.callee.object as t.Expression, iterate: method };
  }
  return { iterable: right, iterate: "values" };
}

/** `cond = test`, or `cond = false` when one of `flags` is set. */
export function guardedTest(l: Lowering, flags: string[], cond: string, lower: () => Set<string>): void {
  if (flags.length === 0) {
    lower();
    return;
  }
  const any = anyOf(l, flags);
  l.emit({
    kind: "if",
    cond: any,
    then: [{ kind: "assign", target: cond, expr: { kind: "copy", arg: bool(false) }, loc: l.loc }],
    else: l.collect(lower),
  });
}

/** switch as: pick the first matching case's index, then run each case from there on. */
export function switchStatement(l: Lowering, node: t.SwitchStatement, labels: string[]): Set<string> {
  const loc = l.locOf(node);
  const discriminant = l.expr(node.discriminant);
  const start = l.temp("number");
  const defaultIndex = node.cases.findIndex((c) => c.test == null);
  const chooser = (i: number): Stmt[] =>
    l.collect(() => {
      for (; i < node.cases.length && node.cases[i].test == null; i++);
      if (i >= node.cases.length) {
        l.emit({ kind: "assign", target: start, expr: { kind: "copy", arg: num(defaultIndex >= 0 ? defaultIndex : node.cases.length) }, loc });
        return;
      }
      const test = l.expr(node.cases[i].test!);
      const matches = l.temp("boolean");
      l.emit({ kind: "assign", target: matches, expr: { kind: "prim", op: "seq", args: [discriminant, test] }, loc });
      l.emit({
        kind: "if",
        cond: v(matches),
        then: [{ kind: "assign", target: start, expr: { kind: "copy", arg: num(i) }, loc }],
        else: chooser(i + 1),
        loc,
      });
    });
  l.block.push(...chooser(0));

  const target: JumpTarget = { labels, stop: l.flag("stop"), skip: null };
  l.emit({ kind: "assign", target: target.stop, expr: { kind: "copy", arg: bool(false) }, loc });
  l.targets.push(target);
  const exits = new Set<string>();
  l.scoped(() => {
    node.cases.forEach((clause, i) => {
      if (clause.consequent.length === 0) return;
      l.loc = loc;
      const reached = l.temp("boolean");
      l.emit({ kind: "assign", target: reached, expr: { kind: "prim", op: "le", args: [v(start), num(i)] }, loc });
      const body = l.collect(() => {
        const leaving = [...exits];
        const caseExits = guarded(l, new Set(leaving), () => statements(l, clause.consequent, 0));
        for (const flag of caseExits) exits.add(flag);
      });
      l.emit({ kind: "if", cond: v(reached), then: body, else: [], loc });
    });
  });
  l.targets.pop();
  exits.delete(target.stop);
  return exits;
}

export function returnStatement(l: Lowering, node: t.ReturnStatement): Set<string> {
  if (node.argument) l.returnsValue = true;
  if (l.recordResult) returnRecord(l, node);
  else if (node.argument) l.expr(node.argument, l.result);
  else l.emit({ kind: "assign", target: l.result, expr: { kind: "copy", arg: UNDEFINED } });
  l.emit({ kind: "assign", target: l.returned, expr: { kind: "copy", arg: bool(true) } });
  return new Set([l.returned]);
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
