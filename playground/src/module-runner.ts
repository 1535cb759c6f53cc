// Runs the compiled module in the page. Its imports of adjoint's packages become the
// bundled runtime modules, handed in, and its body runs inside an async Function (so a
// page opened from disk can run it too, where a Blob module import may be refused) that
// returns every top-level binding, exported or not: the page calls f and df by name.
import { parse } from "@babel/parser";
import type * as t from "@babel/types";
import * as adjoint from "adjoint";
import * as np from "adjoint/np";
import * as runtime from "adjoint/runtime";

/** The packages generated code and the user's code may import, by specifier. */
export const PACKAGES: Readonly<Record<string, unknown>> = { adjoint, "adjoint/np": np, "adjoint/runtime": runtime };

const AsyncFunction = (async () => {}).constructor as new (...params: string[]) => (...args: unknown[]) => Promise<unknown>;

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Runs `code` (JavaScript, an ES module) and resolves to its top-level bindings by name. */
export async function runModule(code: string, console: Pick<Console, "log" | "warn" | "error">): Promise<Record<string, unknown>> {
  const program = parse(code, { sourceType: "module", allowAwaitOutsideFunction: true }).program;
  const edits: Edit[] = [];
  const names: string[] = [];
  for (const statement of program.body) {
    if (statement.type === "ImportDeclaration") {
      edits.push({ start: statement.start!, end: statement.end!, text: importAsConst(statement) });
    } else if (statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration") {
      if (statement.type === "ExportNamedDeclaration" && statement.source) throw new Error("the playground runs one module: re-exports from another are not supported");
      const declaration = statement.declaration;
      if (!declaration) edits.push({ start: statement.start!, end: statement.end!, text: "" });
      else if (declaration.type === "VariableDeclaration" || ((declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration") && declaration.id)) {
        edits.push({ start: statement.start!, end: declaration.start!, text: "" });
        names.push(...declaredNames(declaration));
      } else {
        edits.push({ start: statement.start!, end: declaration.start!, text: "const default$ = " });
        names.push("default$");
      }
    } else if (statement.type === "ExportAllDeclaration") {
      throw new Error("the playground runs one module: `export * from` is not supported");
    } else {
      names.push(...declaredNames(statement));
    }
  }
  let body = code;
  for (const edit of edits.sort((a, b) => b.start - a.start)) body = body.slice(0, edit.start) + edit.text + body.slice(edit.end);
  const run = new AsyncFunction("packages$", "console", `"use strict";\n${body}\nreturn { ${[...new Set(names)].join(", ")} };`);
  return (await run(PACKAGES, console)) as Record<string, unknown>;
}

/** `import { grad as g } from "adjoint"` as `const { grad: g } = packages$["adjoint"];`. */
function importAsConst(statement: t.ImportDeclaration): string {
  const specifier = statement.source.value;
  if (!(specifier in PACKAGES)) throw new Error(`the playground provides ${Object.keys(PACKAGES).join(", ")}; it cannot import "${specifier}"`);
  const from = `packages$[${JSON.stringify(specifier)}]`;
  const named: string[] = [];
  const lines: string[] = [];
  for (const s of statement.specifiers) {
    if (s.type === "ImportNamespaceSpecifier") lines.push(`const ${s.local.name} = ${from};`);
    else if (s.type === "ImportDefaultSpecifier") lines.push(`const ${s.local.name} = ${from}.default;`);
    else named.push(`${s.imported.type === "Identifier" ? s.imported.name : JSON.stringify(s.imported.value)}: ${s.local.name}`);
  }
  if (named.length > 0) lines.push(`const { ${named.join(", ")} } = ${from};`);
  return lines.join(" ");
}

/** The names a top-level statement binds. */
function declaredNames(statement: t.Statement): string[] {
  if ((statement.type === "FunctionDeclaration" || statement.type === "ClassDeclaration") && statement.id) return [statement.id.name];
  if (statement.type !== "VariableDeclaration") return [];
  return statement.declarations.flatMap((d) => patternNames(d.id));
}

function patternNames(node: t.LVal | t.PatternLike | null | undefined): string[] {
  if (!node) return [];
  switch (node.type) {
    case "Identifier":
      return [node.name];
    case "ArrayPattern":
      return node.elements.flatMap((e) => patternNames(e));
    case "ObjectPattern":
      return node.properties.flatMap((p) => patternNames(p.type === "RestElement" ? p : (p.value as t.PatternLike)));
    case "RestElement":
      return patternNames(node.argument);
    case "AssignmentPattern":
      return patternNames(node.left);
    default:
      return [];
  }
}
