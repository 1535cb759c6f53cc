// adjoint/tspc: the ts-patch transformer. Configured in tsconfig.json as
//   "plugins": [{ "transform": "adjoint/tspc" }]
// it runs before TypeScript's own transformers on every emitted file: it hands the file's
// text to the engine (the same engine as adjoint/babel), splices what the engine returns
// into the TypeScript AST, and reports the engine's diagnostics as TypeScript diagnostics.
// The type checker answers what the engine cannot read from the file alone: the types of
// values the source leaves unannotated, and whether an imported function is differentiable.
// Declarations (.d.ts) are emitted from the untouched source, so they are what tsc writes.
import { createRequire } from "node:module";
import { isAbsolute, relative } from "node:path";
import { parse } from "@babel/parser";
import type * as TS from "typescript";
import { compileModule, mayUseAdjoint, type ModuleOutput } from "../driver/index.js";
import { internalDiagnostic, toTsDiagnostic } from "./tspc/diagnostics.js";
import { checkerHooks } from "./tspc/checker.js";
import { synthesizeExpression, synthesizeStatements } from "./tspc/synthesize.js";

/** The options of the tsconfig entry (none yet besides ts-patch's own). */
export interface AdjointTspcConfig {
  transform?: string;
}

/** What ts-patch passes a program-type source transformer (see ts-patch's `TransformerExtras`). */
export interface AdjointTspcExtras {
  ts?: typeof TS;
  addDiagnostic?: (diagnostic: TS.Diagnostic) => number | void;
  diagnostics?: readonly TS.Diagnostic[];
}

/**
 * The ts-patch entry point: `(program, config, extras) => TransformerFactory`. It also works
 * without ts-patch: `program.emit(undefined, undefined, undefined, false, { before: [adjointTspc(program, {}, { ts, addDiagnostic })] })`.
 * ts-patch calls it at the start of every `program.emit`, before TypeScript's own
 * `noEmitOnError` check; that check then reads adjoint's diagnostics too (see holdBackOnError).
 */
export default function adjointTspc(program: TS.Program, _config: AdjointTspcConfig = {}, extras: AdjointTspcExtras = {}): TS.TransformerFactory<TS.SourceFile> {
  const ts = extras.ts ?? (createRequire(import.meta.url)("typescript") as typeof TS);
  const report = extras.addDiagnostic ?? (() => undefined);
  // ts-patch keeps one diagnostics list per program and adds all of it to every emit's
  // result; a watch build emits file by file, so drop what an earlier emit reported.
  forgetEarlierReports(extras.diagnostics);
  holdBackOnError(ts, program);
  return (context) => (file) => {
    if (file.isDeclarationFile || !mayUseAdjoint(file.text)) return file;
    const { diagnostics, output } = compiled(ts, program, file);
    for (const d of diagnostics) report(d);
    if (!output) return file;
    try {
      // A refused module, written anyway (noEmitOnError off): each marker call throws its diagnostics.
      return splice(ts, context, file, output.diagnostics.length > 0 ? { ...output, replacements: output.refused, appended: null } : output);
    } catch (error) {
      report(internalDiagnostic(ts, file, error instanceof Error ? error.message : String(error)));
      return file;
    }
  };
}

interface Compiled {
  /** adjoint's diagnostics on the file, as TypeScript diagnostics. */
  diagnostics: TS.Diagnostic[];
  /** What the engine returned; undefined where it did not run or failed. */
  output?: ModuleOutput;
}

/** Per program (a watch build makes a new one per change) and file: the engine runs once for both the check and the emit. */
const compiledFiles = new WeakMap<TS.Program, WeakMap<TS.SourceFile, Compiled>>();

function compiled(ts: typeof TS, program: TS.Program, file: TS.SourceFile): Compiled {
  let files = compiledFiles.get(program);
  if (!files) compiledFiles.set(program, (files = new WeakMap()));
  let result = files.get(file);
  if (!result) {
    try {
      result = compileFile(ts, program, file);
    } catch (error) {
      result = { diagnostics: [internalDiagnostic(ts, file, error instanceof Error ? error.message : String(error))] };
    }
    files.set(file, result);
  }
  return result;
}

function compileFile(ts: typeof TS, program: TS.Program, file: TS.SourceFile): Compiled {
  // A file TypeScript cannot parse gets TypeScript's own errors; adjoint adds none.
  if (file.isDeclarationFile || !mayUseAdjoint(file.text) || program.getSyntacticDiagnostics(file).length > 0) return { diagnostics: [] };
  const source = file.text;
  let ast;
  try {
    ast = parse(source, { sourceType: "module", plugins: file.fileName.endsWith("x") ? ["typescript", "jsx"] : ["typescript"] });
  } catch (error) {
    const at = (error as { pos?: number }).pos ?? 0;
    return { diagnostics: [internalDiagnostic(ts, file, `the Babel parser cannot read this file (${error instanceof Error ? error.message : String(error)})`, at)] };
  }
  const output = compileModule(ast, source, displayName(file.fileName), checkerHooks(ts, program, file));
  return { diagnostics: output.diagnostics.map((d) => toTsDiagnostic(ts, d, file)), output };
}

const holding = new WeakSet<TS.Program>();

/**
 * With `noEmitOnError`, adjoint's diagnostics become semantic diagnostics of the program, so
 * that the check TypeScript's emit makes first (`handleNoEmitOptions`: options, syntactic,
 * global and semantic diagnostics of the program, or of the one file a watch build emits)
 * finds them and writes nothing, as for its own errors. The diagnostics it finds are the
 * emit's result, which tsc prints.
 */
function holdBackOnError(ts: typeof TS, program: TS.Program): void {
  if (!program.getCompilerOptions().noEmitOnError || holding.has(program)) return;
  holding.add(program);
  const semantic = program.getSemanticDiagnostics;
  const mutable = program as { getSemanticDiagnostics: TS.Program["getSemanticDiagnostics"] };
  mutable.getSemanticDiagnostics = (sourceFile, cancellationToken) => {
    const own = semantic.call(program, sourceFile, cancellationToken);
    const ours = (sourceFile ? [sourceFile] : program.getSourceFiles()).flatMap((file) => compiled(ts, program, file).diagnostics);
    return ours.length > 0 ? [...own, ...ours] : own;
  };
}

/** Applies the engine's edits: marker calls replaced, vjps appended, the runtime imported. */
function splice(ts: typeof TS, context: TS.TransformationContext, file: TS.SourceFile, output: ModuleOutput): TS.SourceFile {
  if (output.replacements.length === 0 && !output.appended && !output.runtimeImport) return file;
  const byStart = new Map(output.replacements.map((r) => [r.start, r]));
  const starts = [...byStart.keys()];
  const imports = importedNames(ts, file);
  const visit = (node: TS.Node): TS.Node => {
    if (ts.isCallExpression(node)) {
      const replacement = byStart.get(node.getStart(file));
      if (replacement && replacement.end === node.end) {
        byStart.delete(replacement.start);
        return synthesizeExpression(ts, replacement.code, replacement.lines, file, { pos: node.getStart(file), end: node.end }, imports);
      }
    }
    // Cheap exit: no marker call inside this subtree.
    if (!starts.some((start) => start >= node.pos && start < node.end)) return node;
    return ts.visitEachChild(node, visit, context);
  };
  const body = ts.visitNodes(file.statements, visit, ts.isStatement);
  const statements = [...body];
  if (output.runtimeImport) statements.unshift(...synthesizeStatements(ts, output.runtimeImport, [], file, new Map()));
  if (output.appended) statements.push(...synthesizeStatements(ts, output.appended.code, output.appended.lines, file, imports));
  if (byStart.size > 0) throw new Error(`no call at offset ${[...byStart.keys()].join(", ")} to replace`);
  return ts.factory.updateSourceFile(file, statements);
}

/** The file's value imports: local name -> the identifier that declares it. */
function importedNames(ts: typeof TS, file: TS.SourceFile): Map<string, TS.Identifier> {
  const names = new Map<string, TS.Identifier>();
  for (const statement of file.statements) {
    const clause = ts.isImportDeclaration(statement) ? statement.importClause : undefined;
    if (!clause || clause.isTypeOnly) continue;
    if (clause.name) names.set(clause.name.text, clause.name);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.set(bindings.name.text, bindings.name);
    else if (bindings) for (const element of bindings.elements) if (!element.isTypeOnly) names.set(element.name.text, element.name);
  }
  return names;
}

function forgetEarlierReports(diagnostics: readonly TS.Diagnostic[] | undefined): void {
  if (!Array.isArray(diagnostics)) return;
  const list = diagnostics as TS.Diagnostic[];
  for (let i = list.length - 1; i >= 0; i--) if (list[i].source === "adjoint") list.splice(i, 1);
}

/** The file as the engine names it: relative to the working directory when inside it. */
function displayName(filename: string): string {
  const relativePath = relative(process.cwd(), filename);
  return relativePath.startsWith("..") || isAbsolute(relativePath) ? filename : relativePath;
}
