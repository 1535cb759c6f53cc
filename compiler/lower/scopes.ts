// Scopes of the source: the bindings visible at a node (and where each was declared), and the
// identifiers of a block that name variables declared outside it.
import type * as t from "@babel/types";
import { forEachChild, unwrap, walk } from "../ast.js";

/** A function written inline (an arrow or a function expression). */
export type BlockNode = t.ArrowFunctionExpression | t.FunctionExpression;

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

/**
 * Calls `visit` for each identifier under `root` that names a variable declared outside
 * it: names the code declares (in a block, a loop head, a nested function, a catch) shadow
 * outer ones where they are in scope.
 */
export function freeIdentifiers(root: t.Node, visit: (node: t.Identifier, parent: t.Node | null) => void): void {
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

export interface Declared {
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
export function enclosingBindings(node: t.Node, parents: Map<t.Node, t.Node>): Map<string, Declared> {
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
        // A pattern's names are bindings too (they shadow an outer function of the name).
        if (d.id.type !== "Identifier") patternLeaves(d.id).forEach((id) => add(id));
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
        for (const p of at.params) patternLeaves(p).forEach((id) => add(id));
        break;
    }
  }
  return found;
}

/** The identifiers `var` declares in a function body (its nested functions' excepted): they are the function's own. */
export function varDeclarations(body: t.Node): t.Identifier[] {
  const ids: t.Identifier[] = [];
  const visit = (node: t.Node): void => {
    if (node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression" || node.type === "ObjectMethod" || node.type === "ClassMethod") return;
    if (node.type === "VariableDeclaration" && node.kind === "var") {
      for (const d of node.declarations) ids.push(...patternLeaves(d.id));
    }
    forEachChild(node, visit);
  };
  forEachChild(body, visit);
  return ids;
}

/** The identifiers a pattern binds or writes, in order (not those its defaults or computed keys read). */
export function patternLeaves(pattern: t.Node): t.Identifier[] {
  switch (pattern.type) {
    case "Identifier":
      return [pattern];
    case "AssignmentPattern":
      return patternLeaves(pattern.left);
    case "RestElement":
      return patternLeaves(pattern.argument);
    case "ArrayPattern":
      return pattern.elements.flatMap((e) => (e ? patternLeaves(e) : []));
    case "ObjectPattern":
      return pattern.properties.flatMap((p) => patternLeaves(p.type === "RestElement" ? p : p.value));
    default:
      return [];
  }
}

function patternNames(node: t.Node): string[] {
  const names: string[] = [];
  walk(node, (n, parent) => {
    if (n.type === "Identifier" && isReference(n, parent)) names.push(n.name);
  });
  return names;
}

/** An identifier that names a variable (not a property, a key or a label). */
export function isReference(node: t.Identifier, parent: t.Node | null): boolean {
  if (!parent) return true;
  if ((parent.type === "MemberExpression" || parent.type === "OptionalMemberExpression") && parent.property === node && !parent.computed) return false;
  if ((parent.type === "ObjectProperty" || parent.type === "ObjectMethod") && parent.key === node && !parent.computed && !(parent.type === "ObjectProperty" && parent.shorthand)) return false;
  if (parent.type === "LabeledStatement" || parent.type === "BreakStatement" || parent.type === "ContinueStatement") return false;
  if ((parent.type === "FunctionDeclaration" || parent.type === "FunctionExpression" || parent.type === "ClassDeclaration") && parent.id === node) return false;
  return true;
}
