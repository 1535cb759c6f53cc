// adjoint/babel: the Babel plugin. It hands the module to the engine and splices in what
// the engine returns; every generated node carries the position of the user's statement
// it came from, so source maps point back to the user's code.
import type { NodePath, PluginObj, PluginPass } from "@babel/core";
import { parse, parseExpression } from "@babel/parser";
import type * as t from "@babel/types";
import { AdjointCompileError, type Diagnostic } from "../diagnostics.js";
import type { PrintedLine } from "../emit/index.js";
import { walk } from "../ast.js";
import { compileModule, mayUseAdjoint } from "../driver/index.js";
import { nodeBuiltin } from "../node-host.js";

export interface AdjointBabelOptions {
  /** Receive diagnostics instead of failing the build (used by `adjoint/compiler`'s transform). */
  onDiagnostics?: (diagnostics: Diagnostic[]) => void;
}

const PARSER_PLUGINS = ["typescript"] as const;

export default function adjointBabel(_api: unknown, options: AdjointBabelOptions = {}): PluginObj<PluginPass> {
  return {
    name: "adjoint",
    visitor: {
      Program(path, state) {
        const source = state.file.code;
        if (!mayUseAdjoint(source)) return;
        const filename = state.filename ?? "unknown.ts";
        const output = compileModule(state.file.ast, source, displayName(filename));
        if (output.diagnostics.length > 0) {
          if (options.onDiagnostics) {
            options.onDiagnostics(output.diagnostics);
            return;
          }
          // Babel prints its own errors' columns 0-based, `(3:13)`: so does this message.
          throw new AdjointCompileError(output.diagnostics, source, 0);
        }
        if (output.replacements.length === 0) return;
        const byStart = new Map(output.replacements.map((r) => [r.start, r]));
        path.traverse({
          CallExpression(call: NodePath<t.CallExpression>) {
            const replacement = byStart.get(call.node.start ?? -1);
            if (!replacement || replacement.end !== call.node.end) return;
            byStart.delete(replacement.start);
            const expression = parseExpression(replacement.code, { plugins: [...PARSER_PLUGINS] });
            relocate(expression, replacement.lines, filename, call.node.loc);
            call.replaceWith(expression);
          },
        });
        if (output.appended) {
          const appended = parse(output.appended.code, { sourceType: "module", plugins: [...PARSER_PLUGINS] }).program.body;
          for (const node of appended) relocate(node, output.appended.lines, filename, null);
          path.pushContainer("body", appended);
        }
        if (output.runtimeImport) {
          const [runtimeImport] = parse(output.runtimeImport, { sourceType: "module" }).program.body;
          relocate(runtimeImport, [], filename, null);
          path.unshiftContainer("body", runtimeImport);
        }
      },
    },
  };
}

/** The file as diagnostics name it: relative to the working directory when inside it (in Node; elsewhere as given). */
function displayName(filename: string): string {
  const path = nodeBuiltin("node:path");
  if (!path) return filename;
  const relativePath = path.relative(process.cwd(), filename);
  return relativePath.startsWith("..") || path.isAbsolute(relativePath) ? filename : relativePath;
}

/** Gives generated nodes the source position of the user's statement on their line. */
function relocate(root: t.Node, lines: PrintedLine[], _filename: string, fallback: t.SourceLocation | null | undefined): void {
  walk(root, (node) => {
    const generatedLine = node.loc?.start.line;
    const loc = generatedLine !== undefined ? lines[generatedLine - 1]?.loc : undefined;
    node.start = undefined as never;
    node.end = undefined as never;
    // A comment names the statement below it: keep it only as that statement's leading comment.
    node.trailingComments = undefined as never;
    if (loc) {
      const position = { line: loc.line, column: loc.column, index: 0 };
      // No filename of our own: Babel names the source itself, and a second name would make
      // a second source in the map (Rollup drops the mappings of all but the first).
      node.loc = { start: position, end: position, filename: undefined as never, identifierName: undefined };
    } else {
      node.loc = fallback ?? (null as never);
    }
  });
  walk(root, (node) => {
    for (const comment of node.leadingComments ?? []) {
      comment.start = undefined as never;
      comment.end = undefined as never;
      comment.loc = undefined as never;
    }
  });
}
