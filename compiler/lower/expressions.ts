// Expressions: literals, identifiers, operators (arithmetic, comparison, logical as control
// flow, assignment and update), template strings, and expressions evaluated for effect.
import type * as t from "@babel/types";
import { spanOf, unwrap } from "../ast.js";
import { num, v, type Operand } from "../ir/index.js";
import { sourceName, UNDEFINED, type Lowering } from "./lowerer.js";
import { assignPattern } from "./patterns.js";
import { binaryOperators, scalarRules } from "../rules/scalar.js";
import { assignRecord, escapes, fieldTarget, RECORD } from "./objects.js";
import { escapes as functionEscapes, readBefore } from "./closures.js";

/** An expression whose value is not used. */
export function effect(l: Lowering, node: t.Expression): void {
  const inner = unwrap(node);
  if (l.record && inner.type === "CallExpression" && l.recordStatement(inner)) return;
  if (inner.type === "AssignmentExpression" && (inner.left.type === "ArrayPattern" || inner.left.type === "ObjectPattern")) {
    assignPattern(l, inner, false);
    return;
  }
  if (inner.type === "AssignmentExpression" || inner.type === "UpdateExpression") {
    l.expr(inner);
    return;
  }
  if (inner.type === "SequenceExpression") {
    for (const e of inner.expressions) effect(l, e);
    return;
  }
  const value = l.expr(inner);
  const last = l.block[l.block.length - 1];
  // A call whose result is dropped: keep it as an effect, not an assignment to a temp.
  if (value.kind === "var" && last?.kind === "assign" && last.target === value.name && l.locals.get(value.name)?.temp) {
    if (last.expr.kind === "opaque" || last.expr.kind === "call") {
      l.block.pop();
      l.locals.delete(value.name);
      l.emit({ kind: "effect", expr: last.expr, loc: last.loc });
    }
  }
}

export function identifier(l: Lowering, node: t.Identifier): Operand {
  if (node.name === "undefined") return UNDEFINED;
  if (node.name === "arguments") {
    l.report("ADJ006", node);
    return UNDEFINED;
  }
  const local = l.lookup(node.name);
  if (local?.startsWith(RECORD)) return escapes(l, node);
  const fn = local === undefined ? undefined : l.localFunctions.get(local);
  if (fn) return functionEscapes(l, fn, node);
  if (local) return v(local);
  if (node.name === "Infinity" || node.name === "NaN") return { kind: "const", code: node.name };
  l.outerReads.add(node.name);
  return { kind: "outer", name: node.name };
}

/** The local an assignment writes; reports writes to anything else. */
export function writable(l: Lowering, node: t.Identifier): string | undefined {
  const local = l.lookup(node.name);
  if (local?.startsWith(RECORD)) {
    escapes(l, node, "a record assigned again (declare a new one)");
    return undefined;
  }
  const fn = local === undefined ? undefined : l.localFunctions.get(local);
  if (fn) {
    functionEscapes(l, fn, node, "reassigned");
    return undefined;
  }
  if (local) return local;
  l.report("ADJ009", node, `'${sourceName(l, node)}'`);
  return undefined;
}

export function unary(l: Lowering, node: t.UnaryExpression, target?: string): Operand {
  const { operator, argument } = node;
  if (operator === "-" && argument.type === "NumericLiteral") return { kind: "const", code: `-${argument.value}`, value: -argument.value };
  const ops: Record<string, string> = { "-": "neg", "+": "pos", "!": "not", "~": "bitnot" };
  const op = ops[operator];
  if (op) {
    const arg = l.expr(argument);
    return l.compute({ kind: "prim", op, args: [arg] }, target, scalarRules[op].result);
  }
  if (operator === "typeof" || operator === "void") {
    // A string or undefined, piecewise constant in its argument: no derivative flows through
    // it, and it is never saved on the number stack.
    const arg = l.expr(argument);
    return l.compute({ kind: "opaque", describe: operator, diagnostic: "ADJ012", render: ([a]) => `${operator} ${a}`, args: [arg], at: spanOf(node), result: "other" }, target);
  }
  l.report("ADJ016", node, `the ${operator} operator`);
  return UNDEFINED;
}

/** `&&`, `||` and `??` are control flow: the right side runs only when needed. */
export function logical(l: Lowering, node: t.LogicalExpression, target?: string): Operand {
  const result = target ?? l.temp();
  if (node.operator === "??" && elementOfNamedArray(node.left)) elementInRange(l, node.left, result);
  else l.expr(node.left, result);
  let test: Operand = v(result);
  if (node.operator === "??") {
    const missing = l.temp("boolean");
    l.emit({ kind: "assign", target: missing, expr: { kind: "prim", op: "eq", args: [v(result), { kind: "const", code: "null" }] } });
    test = v(missing);
  } else {
    const copy = l.temp();
    l.emit({ kind: "assign", target: copy, expr: { kind: "copy", arg: v(result) } });
    test = v(copy);
  }
  const right = l.collect(() => l.expr(node.right, result));
  l.emit({ kind: "if", cond: test, then: node.operator === "||" ? [] : right, else: node.operator === "||" ? right : [] });
  return v(result);
}

/** `xs[k]` with a name and a plain index: `xs[k] ?? d` may read past the end on purpose. */
function elementOfNamedArray(node: t.Expression): node is t.MemberExpression {
  const inner = unwrap(node);
  return inner.type === "MemberExpression" && inner.computed && inner.object.type === "Identifier" && (inner.property.type === "Identifier" || inner.property.type === "NumericLiteral");
}

/**
 * `xs[k]` loaded only where k is an index of xs, else undefined, as JavaScript reads it: a
 * load past the end would give its adjoint to an element that is not there (a number[]'s
 * adjoint would grow, with NaN).
 */
function elementInRange(l: Lowering, node: t.MemberExpression, into: string): void {
  const inner = unwrap(node) as t.MemberExpression;
  const array = l.expr(inner.object as t.Identifier);
  const index = l.expr(inner.property as t.Expression);
  const length = l.compute({ kind: "prim", op: "length", args: [array] }, undefined, "number");
  const high = l.compute({ kind: "prim", op: "lt", args: [index, length] }, undefined, "boolean");
  const literal = inner.property.type === "NumericLiteral" && inner.property.value >= 0;
  const low = literal ? null : l.compute({ kind: "prim", op: "le", args: [num(0), index] }, undefined, "boolean");
  const inRange = low ? l.compute({ kind: "prim", op: "and", args: [low, high] }, undefined, "boolean") : high;
  const load = l.collect(() => l.expr(node, into));
  l.emit({ kind: "if", cond: inRange, then: load, else: [{ kind: "assign", target: into, expr: { kind: "copy", arg: UNDEFINED } }] });
}

export function assignment(l: Lowering, node: t.AssignmentExpression): Operand {
  const field = node.left.type === "MemberExpression" ? fieldTarget(l, node.left) : undefined;
  if (field) return field.name === "undefined" ? UNDEFINED : assignment(l, { ...node, left: field });
  if (node.left.type === "MemberExpression") {
    const op = node.operator === "=" ? null : binaryOperators[node.operator.slice(0, -1)];
    if (op === undefined) {
      l.report("ADJ016", node, `the ${node.operator} operator on an element`);
      return UNDEFINED;
    }
    return l.elementUpdate(node.left, op, () => l.expr(node.right), node.right);
  }
  if ((node.left.type === "ArrayPattern" || node.left.type === "ObjectPattern") && node.operator === "=") return assignPattern(l, node, true);
  if (node.left.type !== "Identifier") {
    l.report("ADJ008", node.left);
    return UNDEFINED;
  }
  if (l.lookup(node.left.name)?.startsWith(RECORD)) return assignRecord(l, node as t.AssignmentExpression & { left: t.Identifier });
  const name = writable(l, node.left);
  if (!name) return UNDEFINED;
  if (node.operator === "=") return l.expr(node.right, name);
  if (node.operator === "&&=" || node.operator === "||=" || node.operator === "??=") {
    const logicalNode = { type: "LogicalExpression", operator: node.operator.slice(0, 2), left: node.left, right: node.right, loc: node.loc, start: node.start, end: node.end } as t.LogicalExpression;
    return logical(l, logicalNode, name);
  }
  const op = binaryOperators[node.operator.slice(0, -1)];
  if (!op) {
    l.report("ADJ016", node, `the ${node.operator} operator`);
    return UNDEFINED;
  }
  // JavaScript reads the variable before the right side runs (which may write it: a local function's call).
  const old = readBefore(l, v(name), node.right);
  const right = l.expr(node.right);
  if (joinsText(l, node, op, [old, right])) return UNDEFINED;
  l.assign(name, { kind: "prim", op, args: [old, right] });
  return v(name);
}

export function binary(l: Lowering, node: t.BinaryExpression, target?: string): Operand {
  const op = binaryOperators[node.operator];
  if (!op || node.left.type === "PrivateName") {
    l.report("ADJ016", node, `the ${node.operator} operator`);
    return UNDEFINED;
  }
  const left = readBefore(l, l.expr(node.left), node.right);
  const right = l.expr(node.right);
  if (joinsText(l, node, op, [left, right])) return UNDEFINED;
  return l.compute({ kind: "prim", op, args: [left, right] }, target, scalarRules[op].result);
}

/** `+` with an NDArray operand is string concatenation in JavaScript (its hint is "default"): refused. */
function joinsText(l: Lowering, node: t.Node, op: string, args: Operand[]): boolean {
  if (op !== "add" || !args.some((a) => a.kind === "var" && l.ndarrays.has(a.name))) return false;
  l.report("ADJ016", node, "+ on an NDArray (JavaScript joins the arrays' printed text: np.sum(a) + np.sum(b) is a string); use np.add(a, b), or .item() to add numbers");
  return true;
}

export function conditional(l: Lowering, node: t.ConditionalExpression, target?: string): Operand {
  const cond = l.condition(node.test);
  const result = target ?? l.temp();
  l.emit({
    kind: "if",
    cond,
    then: l.collect(() => l.expr(node.consequent, result)),
    else: l.collect(() => l.expr(node.alternate, result)),
  });
  return v(result);
}

export function update(l: Lowering, node: t.UpdateExpression, target?: string): Operand {
  const field = node.argument.type === "MemberExpression" ? fieldTarget(l, node.argument) : undefined;
  if (field) return field.name === "undefined" ? UNDEFINED : update(l, { ...node, argument: field }, target);
  if (node.argument.type === "MemberExpression") {
    const member = node.argument;
    const op = node.operator === "++" ? "add" : "sub";
    const updated = l.elementUpdate(member, op, () => num(1));
    if (node.prefix || updated.kind !== "var") return updated;
    return l.compute({ kind: "prim", op: op === "add" ? "sub" : "add", args: [updated, num(1)] }, target, "number");
  }
  if (node.argument.type !== "Identifier") {
    l.report("ADJ016", node.argument);
    return UNDEFINED;
  }
  const name = writable(l, node.argument);
  if (!name) return UNDEFINED;
  const old = node.prefix ? null : l.compute({ kind: "copy", arg: v(name) }, undefined, "number");
  l.assign(name, { kind: "prim", op: node.operator === "++" ? "add" : "sub", args: [v(name), num(1)] });
  return old ?? v(name);
}

export function template(l: Lowering, node: t.TemplateLiteral, target?: string): Operand {
  const parts = node.expressions.map((e) => l.expr(e as t.Expression));
  const quasis = node.quasis.map((q) => q.value.raw);
  // Its text depends on the parts (parseFloat would read it back): it carries their activity.
  return l.opaque(node, "ADJ012", "a template string", parts, (a) => "`" + quasis.map((q, i) => q + (i < a.length ? `\${${a[i]}}` : "")).join("") + "`", target);
}
