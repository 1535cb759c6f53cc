// `autograd.record(() => { ... })`: a block of code recorded for `backward()`. The engine
// compiles it as a function whose parameters are the outer variables the block uses and
// whose outputs are its return value and the outer variables it assigns; the front end's
// call site runs that function's vjp and hands the pullback to the runtime.
// Here both halves: the block as such a function (recordedBlock, for the driver), and the
// statements with a meaning of their own inside it (attachGrad, autograd.pause/trainMode/predictMode).
import type * as t from "@babel/types";
import { unwrap, walk } from "../ast.js";
import type { ModuleContext } from "../ir/context.js";
import { v, type Stmt, type ValueType } from "../ir/index.js";
import { CONSTANT_PROPERTIES } from "../rules/np.js";
import { constantCall, type Lowering } from "./lowerer.js";
import { isShape, paramShape, type RecordShape } from "./objects.js";
import { enclosingBindings, freeIdentifiers, isReference, localFunctionNamed, type BlockNode, type Declared } from "./scopes.js";

/** `autograd` calls that run a block of code in a mode: inlined in a record block. */
const MODE_SCOPES = new Set(["pause", "trainMode", "predictMode"]);

/**
 * Statements with a meaning of their own in a record block: `u.attachGrad()` (u becomes a
 * leaf) and `autograd.pause/trainMode/predictMode(() => ...)` (the code runs in place, in
 * that mode; what `pause` assigns is a constant afterwards). False for anything else.
 */
export function recordStatement(l: Lowering, call: t.CallExpression): boolean {
  const callee = unwrap(call.callee as t.Expression);
  if (callee.type !== "MemberExpression" || callee.computed || callee.property.type !== "Identifier") return false;
  const method = callee.property.name;
  const object = unwrap(callee.object);
  if (method === "attachGrad" && object.type === "Identifier" && l.lookup(object.name)) {
    const local = l.lookup(object.name)!;
    if (l.targets.length > 0) {
      l.report("ADJ016", call, "attachGrad() inside a loop or switch of a record block");
      return true;
    }
    const args = l.arguments(call.arguments);
    l.emit({ kind: "effect", expr: constantCall(call, `${object.name}.attachGrad`, ([r, ...a]) => `${r}.attachGrad(${a.join(", ")})`, [v(local), ...args]) });
    l.emit({ kind: "assign", target: local, expr: { kind: "leaf", arg: v(local), index: l.leaves++ } });
    l.ndarrays.add(local);
    return true;
  }
  if (method === "record" && isAutograd(l, object)) {
    l.report("ADJ016", call, "autograd.record inside a record block");
    return true;
  }
  if (!MODE_SCOPES.has(method) || !isAutograd(l, object)) return false;
  const [body, options] = call.arguments;
  if (!body || (body.type !== "ArrowFunctionExpression" && body.type !== "FunctionExpression") || body.params.length > 0 || body.async || call.arguments.length > 2) {
    l.report("ADJ023", call, `autograd.${method}(() => { ... }) takes the code it applies to, written inline`);
    return true;
  }
  const autograd = l.ctx.source.slice(callee.object.start!, callee.object.end!);
  const optionsCode = options ? l.ctx.source.slice(options.start!, options.end!) : undefined;
  // pause(train_mode=False) as MXNet has it: not recording, predicting unless told otherwise.
  const modes: [string, string][] =
    method === "pause"
      ? [["setRecording", "false"], ["setTraining", optionsCode ? `(${optionsCode}).trainMode ?? false` : "false"]]
      : [["setTraining", String(method === "trainMode")]];
  const previous = modes.map(([setter, value]) => {
    const flag = l.temp("boolean");
    l.emit({ kind: "assign", target: flag, expr: constantCall(call, `${autograd}.${setter}`, () => `${autograd}.${setter}(${value})`, []) });
    return [setter, flag] as const;
  });
  const stmts = l.collect(() => {
    const exits = body.body.type === "BlockStatement" ? l.scoped(() => l.statements((body.body as t.BlockStatement).body, 0)) : (l.effect(body.body), new Set<string>());
    if (exits.size > 0) l.report("ADJ016", body, `return inside autograd.${method}(...)`);
  });
  // Nothing inside pause is recorded: each value it assigns is a constant from the start.
  l.block.push(...(method === "pause" ? detached(l, stmts) : stmts));
  for (const [setter, flag] of previous.reverse()) {
    l.emit({ kind: "effect", expr: constantCall(call, `${autograd}.${setter}`, ([f]) => `${autograd}.${setter}(${f})`, [v(flag)]) });
  }
  return true;
}

/** The statements with each user variable's assignment made through a constant: `t = ...; v = stop(t)`. */
export function detached(l: Lowering, stmts: Stmt[]): Stmt[] {
  return stmts.flatMap((s): Stmt[] => {
    if (s.kind === "if") return [{ ...s, then: detached(l, s.then), else: detached(l, s.else) }];
    if (s.kind === "loop") return [{ ...s, pre: detached(l, s.pre), body: detached(l, s.body) }];
    if (s.kind !== "assign" || l.locals.get(s.target)?.temp) return [s];
    const value = l.temp(l.locals.get(s.target)?.declared);
    if (l.ndarrays.has(s.target)) l.ndarrays.add(value);
    return [{ ...s, target: value }, { kind: "assign", target: s.target, expr: { kind: "stop", arg: v(value) }, loc: s.loc }];
  });
}

/** Whether `node` is adjoint's `autograd` (imported by name or read from a namespace import). */
export function isAutograd(l: Lowering, node: t.Expression): boolean {
  if (node.type === "Identifier") return l.ctx.autograd.has(node.name) && !l.lookup(node.name);
  return (
    node.type === "MemberExpression" &&
    !node.computed &&
    node.property.type === "Identifier" &&
    node.property.name === "autograd" &&
    node.object.type === "Identifier" &&
    l.ctx.namespaces.has(node.object.name) &&
    !l.lookup(node.object.name)
  );
}

export interface RecordedBlock {
  /** The block as a function of the outer variables it uses, in order of first use. */
  fn: t.FunctionExpression;
  /** The parameters the block assigns. */
  outputs: string[];
  /** Types known from the module for parameters declared without an annotation. */
  types: Map<string, ValueType>;
  /**
   * Parameters compiled as constants: `const` bindings that never hold an array the module
   * attaches or records (data, labels). The runtime checks that none turns out to need a gradient.
   */
  constants: Set<string>;
  /** Parameters standing for member paths of outer objects (`params$w` for `params.w`). */
  paths: Map<string, string>;
  /** Functions of the enclosing function the block calls; each has a parameter `name$vjp` after the others. */
  functions: Map<string, BlockNode | t.FunctionDeclaration>;
}

/** Whether `callee` is `autograd.<method>` (or `ns.autograd.<method>`), adjoint's autograd. */
export function autogradMethod(callee: t.Node, ctx: ModuleContext): string | undefined {
  if (callee.type !== "MemberExpression" || callee.computed || callee.property.type !== "Identifier") return undefined;
  const object = callee.object;
  const isAutograd =
    (object.type === "Identifier" && ctx.autograd.has(object.name)) ||
    (object.type === "MemberExpression" &&
      !object.computed &&
      object.property.type === "Identifier" &&
      object.property.name === "autograd" &&
      object.object.type === "Identifier" &&
      ctx.namespaces.has(object.object.name));
  return isAutograd ? callee.property.name : undefined;
}

/** `mayNeedGradient(name)`: whether the outer variable may hold an array with a gradient (compiler/analyze/gradient-sources.ts). */
export function recordedBlock(block: BlockNode, call: t.CallExpression, parents: Map<t.Node, t.Node>, ctx: ModuleContext, ndarrayNames: Set<string>, mayNeedGradient: (name: string) => boolean): RecordedBlock {
  const visible = enclosingBindings(call, parents);
  const used: string[] = [];
  const outputs = new Set<string>();
  /** Member paths of outer objects the block reads (`params.w`), by the parameter standing for each. */
  const paths = new Map<string, string>();
  const isOuter = (name: string) => visible.has(name) && !ctx.functions.has(name);
  const parentOf = new Map<t.Node, t.Node>();
  walk(block.body, (node, parent) => {
    if (parent) parentOf.set(node, parent);
  });
  freeIdentifiers(block.body, (node, parent) => {
    if (!isOuter(node.name)) return;
    const array = isArrayVariable(visible.get(node.name)!, node.name, ctx, ndarrayNames);
    /** The input standing for `params.w` (`params$w`): its value when the block runs. */
    const pathInput = (properties: string[], at: t.Node, dotted: string): t.Identifier => {
      const name = `${node.name}$${properties.join("$")}`;
      paths.set(name, dotted);
      if (!used.includes(name)) used.push(name);
      return { type: "Identifier", name, start: at.start, end: at.end, loc: at.loc } as t.Identifier;
    };
    const path = array ? null : memberPath(node, parentOf);
    if (path) {
      replaceChild(parentOf.get(path.node)!, path.node, pathInput(path.properties, path.node, [node.name, ...path.properties].join(".")));
      return;
    }
    // `predict(params, x)`, params an object the module function takes as a record: each field
    // it reads is an input of its own, passed as a record literal of those inputs.
    const call = parentOf.get(node);
    const callee = !array && call?.type === "CallExpression" && call.callee.type === "Identifier" ? ctx.functions.get(call.callee.name)?.node : undefined;
    const shape = callee && paramShape(callee, (call as t.CallExpression).arguments.indexOf(node), ctx);
    if (shape) {
      const literal = (s: RecordShape, properties: string[], dotted: string): t.ObjectExpression => ({
        type: "ObjectExpression",
        properties: [...s.fields].map(([key, field]) => {
          const at = `${dotted}${s.optional.has(key) ? "?." : "."}${key}`;
          const value = isShape(field) ? literal(field, [...properties, key], at) : pathInput([...properties, key], node, at);
          return { type: "ObjectProperty", key: { type: "Identifier", name: key }, value, computed: false, shorthand: false };
        }),
        start: node.start,
        end: node.end,
        loc: node.loc,
      }) as t.ObjectExpression;
      replaceChild(call!, node, literal(shape, [], node.name));
      return;
    }
    if (!used.includes(node.name)) used.push(node.name);
    if (isWritten(node, parentOf)) outputs.add(node.name);
  });
  // Outputs the block sets before anything reads them are not inputs: their old values are never used.
  const fresh = assignedBeforeRead(block.body, new Set(used), ctx);
  const types = new Map<string, ValueType>();
  const declaredAs = (name: string) => {
    const dotted = paths.get(name);
    if (dotted !== undefined) {
      if (ndarrayNames.has(dotted)) types.set(name, "ndarray");
      return { type: "Identifier", name } as t.Identifier;
    }
    const declared = visible.get(name)!;
    const type = ndarrayNames.has(name) ? "ndarray" : initializerType(declared.init, ctx, ndarrayNames);
    if (type) types.set(name, type);
    // It stands where the variable was declared: its annotation, and its type for tspc's checker.
    return { type: "Identifier", name, typeAnnotation: declared.id.typeAnnotation, start: declared.id.start, end: declared.id.end, loc: declared.id.loc } as t.Identifier;
  };
  const params = used.filter((name) => !fresh.has(name)).map(declaredAs);
  const locals = used.filter((name) => fresh.has(name)).map(declaredAs);
  // Functions of the enclosing function the block calls: passed in with their vjps beside them.
  const functions = new Map<string, BlockNode | t.FunctionDeclaration>();
  for (const name of used) {
    const local = localFunctionNamed(name, call, parents);
    if (local) functions.set(name, local);
  }
  for (const name of functions.keys()) params.push({ type: "Identifier", name: `${name}$vjp` } as t.Identifier);
  const statements: t.Statement[] = block.body.type === "BlockStatement" ? block.body.body : [{ type: "ReturnStatement", argument: block.body, start: block.body.start, end: block.body.end, loc: block.body.loc } as t.ReturnStatement];
  const declarations = locals.map((id) => ({ type: "VariableDeclaration", kind: "let", declarations: [{ type: "VariableDeclarator", id, init: null }] }) as unknown as t.Statement);
  const body = { type: "BlockStatement", body: [...declarations, ...statements], directives: [] } as unknown as t.BlockStatement;
  const fn = { type: "FunctionExpression", id: null, params, body, async: false, generator: false, start: block.start, end: block.end, loc: block.loc } as t.FunctionExpression;
  const constants = new Set(params.map((p) => p.name).filter((name) => visible.get(name)?.constant && !mayNeedGradient(name) && !functions.has(name)));
  return { fn, outputs: used.filter((name) => outputs.has(name)), types, constants, functions, paths };
}

/**
 * The longest member path `a.b.c` read from the identifier `a` (not a method called on it,
 * not written, not an array's shape or gradient), or null when there is none.
 */
function memberPath(root: t.Identifier, parentOf: Map<t.Node, t.Node>): { node: t.MemberExpression; properties: string[] } | null {
  const chain: t.MemberExpression[] = [];
  let at: t.Node = root;
  for (let up = parentOf.get(at); up?.type === "MemberExpression" && up.object === at && !up.computed && up.property.type === "Identifier"; up = parentOf.get(at)) {
    chain.push(up);
    at = up;
  }
  // A method called on the path (`losses.push(...)`) or a property of an array (`.shape`) stays as written.
  const top = chain[chain.length - 1];
  const parent = top && parentOf.get(top);
  if (top && parent?.type === "CallExpression" && parent.callee === top) chain.pop();
  while (chain.length > 0 && CONSTANT_PROPERTIES.has((chain[chain.length - 1].property as t.Identifier).name)) chain.pop();
  const last = chain[chain.length - 1];
  if (!last) return null;
  const written = parentOf.get(last);
  if ((written?.type === "AssignmentExpression" && written.left === last) || written?.type === "UpdateExpression") return null;
  return { node: last, properties: chain.map((m) => (m.property as t.Identifier).name) };
}

/** Puts `replacement` where `child` is in `parent`. */
function replaceChild(parent: t.Node, child: t.Node, replacement: t.Node): void {
  const record = parent as unknown as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === child) record[key] = replacement;
    else if (Array.isArray(value)) value.forEach((item, i) => item === child && (value[i] = replacement));
  }
}

/** Whether an outer variable holds an NDArray (its members are the array's, not inputs of their own). */
function isArrayVariable(declared: Declared, name: string, ctx: ModuleContext, ndarrayNames: Set<string>): boolean {
  if (ndarrayNames.has(name) || initializerType(declared.init, ctx, ndarrayNames) === "ndarray") return true;
  const annotation = declared.id.typeAnnotation;
  if (annotation?.type !== "TSTypeAnnotation" || annotation.typeAnnotation.type !== "TSTypeReference") return false;
  const typeName = annotation.typeAnnotation.typeName;
  return (typeName.type === "Identifier" ? typeName.name : typeName.right.name) === "NDArray";
}

/**
 * The variables among `names` that the block's own top-level statements assign (`y = ...`)
 * before any statement reads them: anything nested (a branch, a loop) may not run.
 */
function assignedBeforeRead(body: t.BlockStatement | t.Expression, names: Set<string>, ctx: ModuleContext): Set<string> {
  const assigned = new Set<string>();
  const read = new Set<string>();
  const noteReads = (node: t.Node) =>
    walk(node, (n, parent) => {
      if (n.type === "Identifier" && names.has(n.name) && !assigned.has(n.name) && isReference(n, parent) && !isPlainTarget(n, parent)) read.add(n.name);
    });
  const visit = (stmts: t.Statement[]) => {
    for (const stmt of stmts) {
      const expr = stmt.type === "ExpressionStatement" ? stmt.expression : null;
      if (expr?.type === "AssignmentExpression" && expr.operator === "=" && expr.left.type === "Identifier" && names.has(expr.left.name)) {
        noteReads(expr.right);
        if (!read.has(expr.left.name)) assigned.add(expr.left.name);
      } else if (expr?.type === "CallExpression" && isModeScope(expr, ctx)) {
        // autograd.pause(() => { ... }) runs its code right there, once.
        const inner = expr.arguments[0] as BlockNode;
        if (inner.body.type === "BlockStatement") visit(inner.body.body);
        else noteReads(inner.body);
      } else {
        noteReads(stmt);
      }
    }
  };
  if (body.type === "BlockStatement") visit(body.body);
  return assigned;
}

/** `autograd.pause(() => ...)`, `trainMode`, `predictMode` with the code written inline. */
function isModeScope(call: t.CallExpression, ctx: ModuleContext): boolean {
  const method = autogradMethod(call.callee, ctx);
  const [body] = call.arguments;
  return (method === "pause" || method === "trainMode" || method === "predictMode") && (body?.type === "ArrowFunctionExpression" || body?.type === "FunctionExpression");
}

/** `y` in `y = …`, `y++`, `[y, z] = …`, `({ w: y } = …)`, `for (y of ys)`: a variable the code writes. */
function isWritten(node: t.Node, parentOf: Map<t.Node, t.Node>): boolean {
  let at = node;
  for (let up = parentOf.get(at); up; at = up, up = parentOf.get(at)) {
    if (up.type === "UpdateExpression") return true;
    if (up.type === "AssignmentExpression" || up.type === "ForOfStatement" || up.type === "ForInStatement") return up.left === at;
    const inPattern = up.type === "ArrayPattern" || up.type === "ObjectPattern" || up.type === "RestElement" || (up.type === "AssignmentPattern" && up.left === at) || (up.type === "ObjectProperty" && up.value === at && parentOf.get(up)?.type === "ObjectPattern");
    if (!inPattern) return false;
  }
  return false;
}

/** `y` in `y = ...`: written, not read. */
function isPlainTarget(node: t.Identifier, parent: t.Node | null): boolean {
  return parent?.type === "AssignmentExpression" && parent.left === node && parent.operator === "=";
}

/**
 * Names the module uses as NDArrays whatever their declarations say: those it calls
 * `attachGrad()` or `backward()` on or reads `.grad` of.
 */
export function ndarrayNamesOf(program: t.Program): Set<string> {
  const names = new Set<string>();
  const dotted = (node: t.Node): string | null =>
    node.type === "Identifier" ? node.name : node.type === "MemberExpression" && !node.computed && node.property.type === "Identifier" ? ((o) => (o === null ? null : `${o}.${(node.property as t.Identifier).name}`))(dotted(node.object)) : null;
  walk(program, (node) => {
    if (node.type !== "MemberExpression" || node.computed || node.property.type !== "Identifier") return;
    const object = dotted(node.object);
    if (object !== null && ["attachGrad", "backward", "grad"].includes(node.property.name)) names.add(object);
  });
  return names;
}

/** The type a declaration's initializer gives: `np.arange(4)` an NDArray, `0.1` a number. */
function initializerType(init: t.Expression | null | undefined, ctx: ModuleContext, ndarrayNames: Set<string>): ValueType | undefined {
  if (!init) return undefined;
  if (init.type === "NumericLiteral") return "number";
  if (init.type !== "CallExpression") return undefined;
  let root: t.Node = init.callee;
  while (root.type === "MemberExpression" || root.type === "CallExpression") root = root.type === "MemberExpression" ? root.object : root.callee;
  if (root.type !== "Identifier") return undefined;
  return ctx.npNamespaces.has(root.name) || ctx.npImports.has(root.name) || ndarrayNames.has(root.name) ? "ndarray" : undefined;
}

