// Generated JavaScript text -> synthesized TypeScript nodes. The engine prints code; tspc
// parses it with the compiler's own parser and detaches the nodes from that scratch file,
// so the emit pipeline treats them as created by a factory: no text positions, no parse
// tree the checker would look up. Each node keeps a source-map range on the user's
// statement its line came from, and the `// statement (line n)` comments become synthetic
// comments, because comments of detached nodes are otherwise lost.
import type * as TS from "typescript";
import type { PrintedLine } from "../../emit/index.js";

/** Parses `code` (one expression) into a synthesized expression. */
export function synthesizeExpression(
  ts: typeof TS,
  code: string,
  lines: PrintedLine[],
  user: TS.SourceFile,
  fallback: TS.SourceMapRange,
  imports: ReadonlyMap<string, TS.Identifier>,
): TS.Expression {
  // `(code)`: an expression statement may not start with `function` or `{`.
  const scratch = ts.createSourceFile("adjoint-generated.ts", `(${code})`, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const statement = scratch.statements[0];
  if (scratch.statements.length !== 1 || !ts.isExpressionStatement(statement) || !ts.isParenthesizedExpression(statement.expression)) {
    throw new Error(`adjoint generated an expression TypeScript cannot parse: ${code.slice(0, 80)}`);
  }
  const expression = statement.expression.expression;
  detach(ts, expression, scratch, lines, user, fallback);
  linkImports(ts, expression, imports);
  return expression;
}

/** Parses `code` (declarations and statements) into synthesized statements. */
export function synthesizeStatements(
  ts: typeof TS,
  code: string,
  lines: PrintedLine[],
  user: TS.SourceFile,
  imports: ReadonlyMap<string, TS.Identifier>,
): TS.Statement[] {
  const scratch = ts.createSourceFile("adjoint-generated.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const syntaxErrors = (scratch as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics ?? [];
  if (syntaxErrors.length > 0) throw new Error(`adjoint generated code TypeScript cannot parse: ${code.slice(0, 80)}`);
  const statements = [...scratch.statements];
  for (const statement of statements) {
    detach(ts, statement, scratch, lines, user, undefined);
    linkImports(ts, statement, imports);
  }
  return statements;
}

/** Pre-order: read each node's position in the scratch file, then make it synthesized. */
function detach(
  ts: typeof TS,
  root: TS.Node,
  scratch: TS.SourceFile,
  lines: PrintedLine[],
  user: TS.SourceFile,
  fallback: TS.SourceMapRange | undefined,
): void {
  const visit = (node: TS.Node): void => {
    const start = node.getStart(scratch);
    const loc = lines[scratch.getLineAndCharacterOfPosition(start).line]?.loc;
    const at = loc ? positionOf(user, loc.line, loc.column) : undefined;
    const comments = ts.isStatement(node) || ts.isFunctionDeclaration(node) ? (ts.getLeadingCommentRanges(scratch.text, node.pos) ?? []) : [];
    // Synthesized first: emit data on a parse-tree node would need its (absent) source file.
    const mutable = node as { -readonly [K in keyof TS.Node]: TS.Node[K] };
    mutable.pos = -1;
    mutable.end = -1;
    mutable.flags |= ts.NodeFlags.Synthesized;
    if (at !== undefined) ts.setSourceMapRange(node, { pos: at, end: at });
    else if (fallback) ts.setSourceMapRange(node, fallback);
    for (const comment of comments) {
      if (comment.kind !== ts.SyntaxKind.SingleLineCommentTrivia) continue;
      ts.addSyntheticLeadingComment(node, comment.kind, scratch.text.slice(comment.pos + 2, comment.end), true);
    }
    ts.forEachChild(node, visit, (nodes) => {
      // A list keeps its scratch positions too: the emitter would read the user's comments at them.
      const list = nodes as unknown as { pos: number; end: number };
      list.pos = -1;
      list.end = -1;
      nodes.forEach(visit);
    });
  };
  visit(root);
}

/** The offset of a 1-based line and 0-based column in the user's file, if it exists. */
function positionOf(file: TS.SourceFile, line: number, column: number): number | undefined {
  const starts = file.getLineStarts();
  if (line < 1 || line > starts.length) return undefined;
  return Math.min(starts[line - 1] + column, file.text.length);
}

/**
 * Links each imported name the generated code reads to the user's import of it, so that a
 * CommonJS emit rewrites it (`curve` -> `model_js_1.curve`) as it rewrites the user's own
 * references. A name the generated code itself declares (a parameter that shadows an
 * import) stays as it is.
 */
function linkImports(ts: typeof TS, root: TS.Node, imports: ReadonlyMap<string, TS.Identifier>): void {
  if (imports.size === 0) return;
  const declared = new Set<string>();
  const references: TS.Identifier[] = [];
  const visit = (node: TS.Node, parent: TS.Node | undefined): void => {
    if (ts.isIdentifier(node) && parent) {
      const declares = ts.isParameter(parent) || ts.isVariableDeclaration(parent) || ts.isFunctionDeclaration(parent) || ts.isFunctionExpression(parent) || ts.isBindingElement(parent);
      if (declares && parent.name === node) declared.add(node.text);
      else if (!isNonReference(ts, node, parent)) references.push(node);
    }
    ts.forEachChild(node, (child) => visit(child, node));
  };
  visit(root, undefined);
  for (const reference of references) {
    const target = imports.get(reference.text);
    if (target && !declared.has(reference.text)) ts.setOriginalNode(reference, target);
  }
}

/** `o.name`, `{ name: v }`, labels: identifiers that name no binding. */
function isNonReference(ts: typeof TS, node: TS.Identifier, parent: TS.Node): boolean {
  if ((ts.isPropertyAccessExpression(parent) || ts.isPropertyAssignment(parent)) && parent.name === node) return true;
  return ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent);
}
