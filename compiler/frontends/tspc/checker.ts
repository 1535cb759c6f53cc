// What only TypeScript knows, as the engine's FrontEndHooks: the type of a binding the
// source leaves unannotated (a contextually typed parameter, a const initialised by a call),
// and whether an imported function is differentiable where the program defines it.
import { relative } from "node:path";
import type * as TS from "typescript";
import type { FrontEndHooks } from "../../ir/context.js";
import type { ValueType } from "../../ir/index.js";

const MARKS = new Set(["differentiable", "customGrad"]);

export function checkerHooks(ts: typeof TS, program: TS.Program, file: TS.SourceFile): FrontEndHooks {
  const checker = program.getTypeChecker();
  return {
    typeAt(start) {
      const node = nameAt(ts, file, start);
      return node ? valueType(ts, checker, checker.getTypeAtLocation(node)) : undefined;
    },
    importProblem(localName) {
      const specifier = importSpecifier(ts, file, localName);
      return specifier ? importProblem(ts, program, checker, file, specifier, localName) : undefined;
    },
  };
}

/** The innermost identifier that starts at `start`. */
function nameAt(ts: typeof TS, file: TS.SourceFile, start: number): TS.Identifier | undefined {
  let found: TS.Identifier | undefined;
  const visit = (node: TS.Node): void => {
    if (start < node.pos || start >= node.end) return;
    if (ts.isIdentifier(node) && node.getStart(file) === start) found = node;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(file, visit);
  return found;
}

/** The engine's view of a TypeScript type; undefined where the checker knows nothing (any). */
function valueType(ts: typeof TS, checker: TS.TypeChecker, type: TS.Type): ValueType | undefined {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return undefined;
  const parts = type.isUnion() ? type.types : [type];
  if (parts.every((p) => p.flags & ts.TypeFlags.NumberLike)) return "number";
  if (parts.every((p) => p.flags & ts.TypeFlags.BooleanLike)) return "boolean";
  if (checker.isArrayType(type)) {
    const [element] = checker.getTypeArguments(type as TS.TypeReference);
    return element && element.flags & ts.TypeFlags.NumberLike ? "array" : "other";
  }
  const name = type.getSymbol()?.getName();
  if (name === "Float64Array" || name === "Float32Array") return "array";
  if (name === "NDArray") return "ndarray";
  return "other";
}

function importSpecifier(ts: typeof TS, file: TS.SourceFile, localName: string): TS.Identifier | undefined {
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !statement.importClause) continue;
    const clause = statement.importClause;
    if (clause.name?.text === localName) return clause.name;
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) if (element.name.text === localName) return element.name;
    }
  }
  return undefined;
}

/**
 * Undefined if the import is differentiable or adjoint cannot tell (declared only in a .d.ts
 * or a library: the run-time check names it then); otherwise what is wrong and the fix.
 */
function importProblem(ts: typeof TS, program: TS.Program, checker: TS.TypeChecker, file: TS.SourceFile, name: TS.Identifier, localName: string): string | undefined {
  let symbol = checker.getSymbolAtLocation(name);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
  if (!symbol || !declaration) return undefined;
  const home = declaration.getSourceFile();
  if (home.isDeclarationFile || program.isSourceFileFromExternalLibrary(home)) return undefined;
  if (ts.isVariableDeclaration(declaration) && declaration.initializer && isMarked(ts, checker, declaration.initializer)) return undefined;
  const exported = symbol.getName();
  const where = relative(file.fileName.replace(/[^/\\]*$/, ""), home.fileName) || home.fileName;
  return (
    `'${localName}' is imported from ${where.startsWith(".") ? where : `./${where}`}, where it is not marked differentiable; ` +
    `define it there as \`export const ${exported} = differentiable((…) => …)\` (or give it a rule with customGrad)`
  );
}

/** `differentiable(...)` or `customGrad(...)`, through the binding imported from "adjoint". */
function isMarked(ts: typeof TS, checker: TS.TypeChecker, initializer: TS.Expression): boolean {
  let expression = initializer;
  while (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression) || ts.isSatisfiesExpression(expression)) expression = expression.expression;
  if (!ts.isCallExpression(expression)) return false;
  const callee = expression.expression;
  const declaration = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(callee) ? callee.expression : callee)?.declarations?.[0];
  if (!declaration) return false;
  if (ts.isImportSpecifier(declaration)) {
    const imported = (declaration.propertyName ?? declaration.name).text;
    return MARKS.has(imported) && fromAdjoint(ts, declaration.parent.parent.parent);
  }
  if (ts.isNamespaceImport(declaration) && ts.isPropertyAccessExpression(callee)) {
    return MARKS.has(callee.name.text) && fromAdjoint(ts, declaration.parent.parent);
  }
  return false;
}

function fromAdjoint(ts: typeof TS, declaration: TS.ImportDeclaration | TS.JSDocImportTag): boolean {
  return ts.isImportDeclaration(declaration) && ts.isStringLiteral(declaration.moduleSpecifier) && declaration.moduleSpecifier.text === "adjoint";
}
