// `autograd.record(() => { ... })`: a block of code recorded for `backward()`. The engine
// compiles it as a function whose parameters are the outer variables the block uses and
// whose outputs are its return value and the outer variables it assigns; the front end's
// call site runs that function's vjp and hands the pullback to the runtime.
import type * as t from "@babel/types";
import { forEachChild, unwrap, walk } from "./ast.js";
import { CONSTANT_PROPERTIES } from "./rules/np.js";
import type { ModuleContext } from "./ir/context.js";
import type { ValueType } from "./ir/index.js";

export type BlockNode = t.ArrowFunctionExpression | t.FunctionExpression;

export interface RecordedBlock {
  /** The block as a function of the outer variables it uses, in order of first use. */
  fn: t.FunctionExpression;
  /** The parameters the block assigns. */
  outputs: string[];
  /** Types known from the module for parameters declared without an annotation. */
  types: Map<string, ValueType>;
  /**
   * Parameters compiled as constants: `const` bindings the module never calls attachGrad()
   * on (data, labels). The runtime checks that none of them turns out to need a gradient.
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

export function recordedBlock(block: BlockNode, call: t.CallExpression, parents: Map<t.Node, t.Node>, ctx: ModuleContext, ndarrayNames: Set<string>): RecordedBlock {
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
    const path = isArrayVariable(visible.get(node.name)!, node.name, ctx, ndarrayNames) ? null : memberPath(node, parentOf);
    if (path) {
      // `params.w`: its value when the block runs is an input of its own.
      const name = `${node.name}$${path.properties.join("$")}`;
      paths.set(name, [node.name, ...path.properties].join("."));
      const replacement = { type: "Identifier", name, start: path.node.start, end: path.node.end, loc: path.node.loc } as t.Identifier;
      replaceChild(parentOf.get(path.node)!, path.node, replacement);
      if (!used.includes(name)) used.push(name);
      return;
    }
    if (!used.includes(node.name)) used.push(node.name);
    if ((parent?.type === "AssignmentExpression" && parent.left === node) || parent?.type === "UpdateExpression") outputs.add(node.name);
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
  const constants = new Set(params.map((p) => p.name).filter((name) => visible.get(name)?.constant && !ndarrayNames.has(name) && !functions.has(name)));
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

/** `y` in `y = ...`: written, not read. */
function isPlainTarget(node: t.Identifier, parent: t.Node | null): boolean {
  return parent?.type === "AssignmentExpression" && parent.left === node && parent.operator === "=";
}

/**
 * The function a name refers to at `node` when it is declared in an enclosing function
 * (`const f = (x) => ...` or `function f(x) { ... }` inside main): grad(f) is then
 * generated in place, where what f captures is in scope. Undefined when the nearest
 * binding of the name is something else; null when it is at module level (or none).
 */
export function localFunctionNamed(name: string, node: t.Node, parents: Map<t.Node, t.Node>): BlockNode | t.FunctionDeclaration | undefined | null {
  const declared = enclosingBindings(node, parents).get(name);
  return !declared || declared.moduleLevel ? null : declared.fn;
}

/** The names record blocks of the module assign: their arrays carry recorded gradients. */
export function recordOutputNames(program: t.Program, ctx: ModuleContext): Set<string> {
  const names = new Set<string>();
  walk(program, (node) => {
    if (node.type !== "CallExpression" || autogradMethod(node.callee, ctx) !== "record") return;
    for (const arg of node.arguments) {
      walk(arg, (n) => {
        if (n.type === "AssignmentExpression" && n.left.type === "Identifier") names.add(n.left.name);
      });
    }
  });
  return names;
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

/**
 * Calls `visit` for each identifier under `root` that names a variable declared outside
 * it: names the code declares (in a block, a loop head, a nested function, a catch) shadow
 * outer ones where they are in scope.
 */
function freeIdentifiers(root: t.Node, visit: (node: t.Identifier, parent: t.Node | null) => void): void {
  const scopes: Set<string>[] = [];
  const bound = (name: string) => scopes.some((scope) => scope.has(name));
  const declaredIn = (stmts: t.Node[]) => {
    const names = new Set<string>();
    for (const stmt of stmts) {
      const decl = stmt.type === "ExportNamedDeclaration" ? stmt.declaration : stmt;
      if (decl?.type === "VariableDeclaration") for (const d of decl.declarations) for (const name of patternNames(d.id)) names.add(name);
      else if ((decl?.type === "FunctionDeclaration" || decl?.type === "ClassDeclaration") && decl.id) names.add(decl.id.name);
    }
    return names;
  };
  const visitNode = (node: t.Node, parent: t.Node | null): void => {
    let scope: Set<string> | null = null;
    switch (node.type) {
      case "BlockStatement":
      case "Program":
        scope = declaredIn(node.body);
        break;
      case "ForStatement":
        scope = node.init ? declaredIn([node.init]) : new Set();
        break;
      case "ForOfStatement":
      case "ForInStatement":
        scope = declaredIn([node.left]);
        break;
      case "CatchClause":
        scope = new Set(node.param ? patternNames(node.param) : []);
        break;
      case "FunctionExpression":
      case "ArrowFunctionExpression":
      case "FunctionDeclaration":
      case "ObjectMethod":
        scope = new Set(node.params.flatMap((p) => patternNames(p)));
        if (node.type === "FunctionExpression" && node.id) scope.add(node.id.name);
        break;
      case "Identifier":
        if (isReference(node, parent) && !bound(node.name)) visit(node, parent);
        return;
      case "VariableDeclarator":
        // The declared names are bound by the enclosing scope; only the initializer reads.
        if (node.init) visitNode(node.init, node);
        return;
    }
    if (scope) scopes.push(scope);
    forEachChild(node, (child) => visitNode(child, node));
    if (scope) scopes.pop();
  };
  visitNode(root, null);
}

interface Declared {
  id: t.Identifier;
  init?: t.Expression | null;
  /** Declared with `const`: always the same array. */
  constant?: boolean;
  /** The function it names: a function declaration, or a `const` bound to an arrow or function expression. */
  fn?: BlockNode | t.FunctionDeclaration;
  /** Declared at the top of the module. */
  moduleLevel?: boolean;
}

/** The variables in scope at `node` (innermost first wins), with where each was declared. */
function enclosingBindings(node: t.Node, parents: Map<t.Node, t.Node>): Map<string, Declared> {
  const found = new Map<string, Declared>();
  let moduleLevel = false;
  const add = (id: t.Identifier, declared: Omit<Declared, "id"> = {}) => {
    if (!found.has(id.name)) found.set(id.name, { id, ...declared, moduleLevel });
  };
  const declareIn = (stmt: t.Node | null | undefined) => {
    if (!stmt) return;
    if (stmt.type === "ExportNamedDeclaration") return declareIn(stmt.declaration);
    if (stmt.type === "VariableDeclaration") {
      for (const d of stmt.declarations) {
        if (d.id.type !== "Identifier") continue;
        const init = d.init && unwrap(d.init);
        const fn = stmt.kind === "const" && (init?.type === "ArrowFunctionExpression" || init?.type === "FunctionExpression") ? init : undefined;
        add(d.id, { init: d.init, constant: stmt.kind === "const", fn });
      }
    } else if (stmt.type === "FunctionDeclaration" && stmt.id) {
      add(stmt.id, { fn: stmt });
    } else if (stmt.type === "ClassDeclaration" && stmt.id) {
      add(stmt.id);
    }
  };
  for (let at: t.Node | undefined = parents.get(node); at; at = parents.get(at)) {
    moduleLevel = at.type === "Program";
    switch (at.type) {
      case "Program":
      case "BlockStatement":
      case "StaticBlock":
        at.body.forEach(declareIn);
        break;
      case "SwitchCase":
        at.consequent.forEach(declareIn);
        break;
      case "ForStatement":
        declareIn(at.init);
        break;
      case "ForOfStatement":
      case "ForInStatement":
        declareIn(at.left);
        break;
      case "CatchClause":
        if (at.param?.type === "Identifier") add(at.param);
        break;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
      case "ObjectMethod":
      case "ClassMethod":
        for (const p of at.params) {
          const id = p.type === "AssignmentPattern" ? p.left : p;
          if (id.type === "Identifier") add(id);
        }
        break;
    }
  }
  return found;
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

function patternNames(node: t.Node): string[] {
  const names: string[] = [];
  walk(node, (n, parent) => {
    if (n.type === "Identifier" && isReference(n, parent)) names.push(n.name);
  });
  return names;
}

/** An identifier that names a variable (not a property, a key or a label). */
function isReference(node: t.Identifier, parent: t.Node | null): boolean {
  if (!parent) return true;
  if ((parent.type === "MemberExpression" || parent.type === "OptionalMemberExpression") && parent.property === node && !parent.computed) return false;
  if ((parent.type === "ObjectProperty" || parent.type === "ObjectMethod") && parent.key === node && !parent.computed && !(parent.type === "ObjectProperty" && parent.shorthand)) return false;
  if (parent.type === "LabeledStatement" || parent.type === "BreakStatement" || parent.type === "ContinueStatement") return false;
  if ((parent.type === "FunctionDeclaration" || parent.type === "FunctionExpression" || parent.type === "ClassDeclaration") && parent.id === node) return false;
  return true;
}
