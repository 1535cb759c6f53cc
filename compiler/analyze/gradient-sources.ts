// Which variables of a module may hold arrays that need gradients where a record block reads
// them, decided over bindings (declarations), not names. A block is compiled for these (its
// narrow variant) and for everything it reads; the runtime runs the full variant whenever an
// array outside the narrow one turns out to need a gradient, so this only ever costs speed.
//
// A binding (or a member path of one, `params.w`) may need a gradient when
// - it is attached: `attachGrad()` or `backward()` is called on it or its `.grad` read, or it
//   is an alias of one that is (attaching `w` after `const w = params.w` attaches params.w);
// - a record block assigns it (`y = ...` in the block, `const l = autograd.record(...)`);
// - it aliases such a binding: `const w = params.w`, `h = y`, `{ w }`, `const { w } = params`,
//   or is a parameter of a module function that some call in the module passes one to.
// Only identity flows count: outside a record block an np operation makes an array with no
// gradient. Callers outside the module (an exported function, a function passed as a value)
// are not seen; their arrays get the full variant when they need one.
import type * as t from "@babel/types";
import { forEachChild, unwrap } from "../ast.js";
import type { ModuleContext } from "../ir/context.js";
import { autogradMethod } from "../lower/record.js";

/** A binding's member path: `params.w` is (params, "w"), `w` itself (w, ""). */
interface Ref {
  binding: t.Identifier;
  path: string;
}

/** `to` holds what `from` holds: `const to = from`, or a parameter and an argument. */
interface Flow {
  to: Ref;
  from: Ref;
}

type Marks = Map<t.Identifier, Set<string>>;

/** Longer member paths than this are not followed (`a.next = a` would grow them forever). */
const MAX_DEPTH = 6;

export interface GradientSources {
  /** Whether the binding declared at `binding` (its member `path`, "" for itself) may need a gradient. */
  has(binding: t.Identifier, path?: string): boolean;
}

export function gradientSources(program: t.Program, ctx: ModuleContext): GradientSources {
  const attached: Ref[] = [];
  const recorded: Ref[] = [];
  const flows: Flow[] = [];
  const functions = new Map<t.Identifier, t.Function>();
  const calls: { callee: t.Identifier; args: Ref[][] }[] = [];
  const scopes: Map<string, t.Identifier>[] = [];
  let inRecord = 0;

  const lookup = (name: string) => {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const found = scopes[i].get(name);
      if (found) return found;
    }
    return undefined;
  };
  const refsOf = (node: t.Node): Ref[] => {
    const e = unwrap(node as t.Expression);
    if (e.type === "ConditionalExpression") return [...refsOf(e.consequent), ...refsOf(e.alternate)];
    if (e.type === "LogicalExpression") return [...refsOf(e.left), ...refsOf(e.right)];
    if (e.type === "SequenceExpression") return refsOf(e.expressions[e.expressions.length - 1]);
    if (e.type === "AssignmentExpression" && e.operator === "=") return refsOf(e.right);
    const path: string[] = [];
    let at: t.Expression = e;
    while (at.type === "MemberExpression" && !at.computed && at.property.type === "Identifier") {
      path.unshift(at.property.name);
      at = unwrap(at.object);
    }
    const binding = at.type === "Identifier" ? lookup(at.name) : undefined;
    return binding ? [{ binding, path: path.join(".") }] : [];
  };
  /** `to = value`: what value's aliases hold, a record block's result, an object's members. */
  const flowInto = (to: Ref, value: t.Node) => {
    const e = unwrap(value as t.Expression);
    if (e.type === "CallExpression" && autogradMethod(e.callee, ctx) === "record") recorded.push(to);
    else if (e.type === "ObjectExpression") {
      for (const p of e.properties) {
        const key = p.type === "ObjectProperty" && !p.computed ? (p.key.type === "Identifier" ? p.key.name : p.key.type === "StringLiteral" ? p.key.value : null) : null;
        if (key !== null) flowInto({ binding: to.binding, path: join(to.path, key) }, (p as t.ObjectProperty).value);
      }
    } else for (const from of refsOf(e)) flows.push({ to, from });
  };

  const visit = (node: t.Node): void => {
    const scope = declarationsOf(node);
    if (scope) scopes.push(scope);
    let record = false;
    switch (node.type) {
      case "VariableDeclarator":
        if (node.id.type === "Identifier" && node.init) flowInto({ binding: node.id, path: "" }, node.init);
        // `const { w, b: bias } = params`: each name holds its member.
        if (node.id.type === "ObjectPattern" && node.init) {
          for (const from of refsOf(node.init)) {
            for (const p of node.id.properties) {
              const value = p.type === "ObjectProperty" && p.value.type === "AssignmentPattern" ? p.value.left : p.type === "ObjectProperty" ? p.value : null;
              if (p.type === "ObjectProperty" && !p.computed && p.key.type === "Identifier" && value?.type === "Identifier") flows.push({ to: { binding: value, path: "" }, from: { binding: from.binding, path: join(from.path, p.key.name) } });
            }
          }
        }
        if (node.id.type === "Identifier" && node.init && isFunction(unwrap(node.init))) functions.set(node.id, unwrap(node.init) as t.Function);
        break;
      case "FunctionDeclaration":
        if (node.id) functions.set(node.id, node);
        break;
      case "AssignmentExpression": {
        const [target] = node.left.type === "Identifier" || node.left.type === "MemberExpression" ? refsOf(node.left) : [];
        if (target && node.operator === "=") flowInto(target, node.right);
        if (target && inRecord > 0) recorded.push(target);
        break;
      }
      case "UpdateExpression":
        if (inRecord > 0) recorded.push(...refsOf(node.argument));
        break;
      case "MemberExpression":
        if (!node.computed && node.property.type === "Identifier" && ["attachGrad", "backward", "grad"].includes(node.property.name)) attached.push(...refsOf(node.object));
        break;
      case "CallExpression": {
        record = autogradMethod(node.callee, ctx) === "record";
        const callee = unwrap(node.callee as t.Expression);
        const binding = callee.type === "Identifier" ? lookup(callee.name) : undefined;
        const spread = node.arguments.findIndex((a) => a.type === "SpreadElement");
        if (binding) calls.push({ callee: binding, args: node.arguments.slice(0, spread < 0 ? undefined : spread).map(refsOf) });
        break;
      }
    }
    if (record) inRecord++;
    forEachChild(node, visit);
    if (record) inRecord--;
    if (scope) scopes.pop();
  };
  visit(program);

  // A parameter holds what its module's call sites pass (functions are known only after the walk).
  for (const { callee, args } of calls) {
    const fn = functions.get(callee);
    if (!fn) continue;
    fn.params.forEach((p, i) => {
      const id = p.type === "AssignmentPattern" ? p.left : p;
      if (id.type === "Identifier" && args[i]) for (const from of args[i]) flows.push({ to: { binding: id, path: "" }, from });
    });
  }
  // Attaching an alias attaches what it was taken from; then everything that holds it is marked.
  const marks: Marks = new Map();
  for (const ref of attached) mark(marks, ref);
  close(marks, flows, "backward");
  for (const ref of recorded) mark(marks, ref);
  close(marks, flows, "forward");
  return { has: (binding, path = "") => marks.get(binding)?.has(path) ?? false };
}

function isFunction(node: t.Node): node is t.ArrowFunctionExpression | t.FunctionExpression {
  return node.type === "ArrowFunctionExpression" || node.type === "FunctionExpression";
}

function join(path: string, rest: string): string {
  return path && rest ? `${path}.${rest}` : path || rest;
}

function mark(marks: Marks, { binding, path }: Ref): boolean {
  if (path.split(".").length > MAX_DEPTH) return false;
  const paths = marks.get(binding) ?? new Set<string>();
  marks.set(binding, paths);
  if (paths.has(path)) return false;
  paths.add(path);
  return true;
}

/** Marks along the flows (from → to, or back) until nothing changes. */
function close(marks: Marks, flows: Flow[], direction: "forward" | "backward"): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const flow of flows) {
      const [from, to] = direction === "forward" ? [flow.from, flow.to] : [flow.to, flow.from];
      for (const path of [...(marks.get(from.binding) ?? [])]) {
        const rest = path === from.path ? "" : from.path === "" ? path : path.startsWith(`${from.path}.`) ? path.slice(from.path.length + 1) : null;
        if (rest !== null && mark(marks, { binding: to.binding, path: join(to.path, rest) })) changed = true;
      }
    }
  }
}

/** The names a node declares for the code inside it (blocks, loop heads, functions, catch), or null. */
function declarationsOf(node: t.Node): Map<string, t.Identifier> | null {
  const names = new Map<string, t.Identifier>();
  const declare = (stmt: t.Node | null | undefined) => {
    if (!stmt) return;
    if (stmt.type === "ExportNamedDeclaration" || stmt.type === "ExportDefaultDeclaration") return declare(stmt.declaration);
    if (stmt.type === "VariableDeclaration") for (const d of stmt.declarations) patternIds(d.id, names);
    else if ((stmt.type === "FunctionDeclaration" || stmt.type === "ClassDeclaration") && stmt.id) names.set(stmt.id.name, stmt.id);
  };
  switch (node.type) {
    case "Program":
    case "BlockStatement":
    case "StaticBlock":
      node.body.forEach(declare);
      return names;
    case "SwitchStatement":
      for (const c of node.cases) c.consequent.forEach(declare);
      return names;
    case "ForStatement":
      declare(node.init);
      return names;
    case "ForOfStatement":
    case "ForInStatement":
      declare(node.left);
      return names;
    case "CatchClause":
      if (node.param) patternIds(node.param, names);
      return names;
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "ArrowFunctionExpression":
    case "ObjectMethod":
    case "ClassMethod":
    case "ClassPrivateMethod":
      for (const p of node.params) patternIds(p, names);
      if (node.type === "FunctionExpression" && node.id) names.set(node.id.name, node.id);
      return names;
  }
  return null;
}

function patternIds(node: t.Node, into: Map<string, t.Identifier>): void {
  if (node.type === "Identifier") into.set(node.name, node);
  else if (node.type === "AssignmentPattern") patternIds(node.left, into);
  else if (node.type === "RestElement") patternIds(node.argument, into);
  else if (node.type === "ArrayPattern") node.elements.forEach((e) => e && patternIds(e, into));
  else if (node.type === "ObjectPattern") node.properties.forEach((p) => patternIds(p.type === "RestElement" ? p : p.value, into));
  else if (node.type === "TSParameterProperty") patternIds(node.parameter, into);
}
