// Walking Babel ASTs without @babel/types' tables (loading them costs a bundler's fresh
// process about 100 ms, more than compiling a module). A node's children are its properties
// that hold nodes, in the order the parser set them (source order); types, comments and
// positions are not code to walk.
import type * as t from "@babel/types";
import type { Span } from "./diagnostics.js";

const NOT_CODE = new Set([
  "loc", "start", "end", "range", "extra", "leadingComments", "trailingComments", "innerComments",
  "typeAnnotation", "returnType", "typeParameters", "typeArguments", "superTypeParameters", "implements", "predicate",
]);

const isNode = (value: unknown): value is t.Node => typeof value === "object" && value !== null && typeof (value as t.Node).type === "string";

/** Calls `visit` on each child node of `node` (types excepted), in source order. */
export function forEachChild(node: t.Node, visit: (child: t.Node) => void): void {
  for (const key in node) {
    if (NOT_CODE.has(key)) continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) visit(item);
    } else if (isNode(value)) {
      visit(value);
    }
  }
}

/** Visits every AST node below `root` (types excepted), parents before children. */
export function walk(root: t.Node, visit: (node: t.Node, parent: t.Node | null) => void, parent: t.Node | null = null): void {
  visit(root, parent);
  forEachChild(root, (child) => walk(child, visit, root));
}

/** The expression inside parentheses and TypeScript's assertions (`x as T`, `x!`, `<T>x`). */
export function unwrap(node: t.Expression): t.Expression {
  while (
    node.type === "ParenthesizedExpression" ||
    node.type === "TSAsExpression" ||
    node.type === "TSNonNullExpression" ||
    node.type === "TSSatisfiesExpression" ||
    node.type === "TSTypeAssertion"
  ) {
    node = node.expression;
  }
  return node;
}

/** Where a node is in the source, for diagnostics. */
export function spanOf(node: t.Node): Span {
  return { start: node.start ?? 0, end: node.end ?? 0, line: node.loc?.start.line ?? 0, column: node.loc?.start.column ?? 0 };
}
