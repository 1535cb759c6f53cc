// adjoint/tsserver: the language service plugin an editor loads shows adjoint's diagnostics.
import { createRequire } from "node:module";
import { resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "..");
const require = createRequire(import.meta.url);

function languageService(files: Record<string, string>): ts.LanguageService {
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => ({ strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true, skipLibCheck: true }),
    getScriptFileNames: () => Object.keys(files),
    getScriptVersion: () => "1",
    getScriptSnapshot: (name) => (name in files ? ts.ScriptSnapshot.fromString(files[name]) : ts.sys.fileExists(name) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(name)!) : undefined),
    getCurrentDirectory: () => root,
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: (name) => name in files || ts.sys.fileExists(name),
    readFile: (name) => files[name] ?? ts.sys.readFile(name),
  };
  return ts.createLanguageService(host);
}

describe("adjoint/tsserver", () => {
  it("resolves for tsserver's require() and adds adjoint's diagnostics to the editor's", () => {
    // tsserver loads "adjoint/tsserver" with require(): the CommonJS entry in tsserver/ (built dist/ behind it).
    const init = require(resolve(root, "tsserver")) as (modules: { typescript: typeof ts }) => { create(info: unknown): ts.LanguageService };
    const file = resolve(root, ".tmp", "editor.ts");
    const service = languageService({
      [file]: [
        'import { grad } from "adjoint";',
        "function f(x: number): number {",
        "  try {",
        "    return x * x;",
        "  } catch {",
        "    return 0;",
        "  }",
        "}",
        "export const df = grad(f);",
        "",
      ].join("\n"),
    });
    const plugged = init({ typescript: ts }).create({ languageService: service } as unknown as ts.server.PluginCreateInfo);
    const diagnostics = plugged.getSemanticDiagnostics(file);
    const adjoint = diagnostics.filter((d) => d.source === "adjoint");
    expect(adjoint.map((d) => d.code)).toEqual([990001]);
    expect(ts.flattenDiagnosticMessageText(adjoint[0].messageText, "\n")).toMatch(/ADJ001: try\/catch\/finally is not differentiable\s+hint: /);
    const { line, character } = ts.getLineAndCharacterOfPosition(plugged.getProgram()!.getSourceFile(file)!, adjoint[0].start!);
    expect([line + 1, character + 1]).toEqual([3, 3]);
    // Everything else the service does is the service's own.
    expect(plugged.getQuickInfoAtPosition(file, 10)).toEqual(service.getQuickInfoAtPosition(file, 10));
  });

  it("shows an in-place write inside a record block where it is", () => {
    const init = require(resolve(root, "tsserver")) as (modules: { typescript: typeof ts }) => { create(info: unknown): ts.LanguageService };
    const file = resolve(root, ".tmp", "editor-record.ts");
    const service = languageService({
      [file]: [
        'import { autograd } from "adjoint";',
        'import * as np from "adjoint/np";',
        "const x = np.array([1, 2]);",
        "x.attachGrad();",
        "let y!: np.NDArray;",
        "autograd.record(() => {",
        "  y = np.mul(x, x);",
        "  y.fill(0);",
        "});",
        "",
      ].join("\n"),
    });
    const plugged = init({ typescript: ts }).create({ languageService: service } as unknown as ts.server.PluginCreateInfo);
    const adjoint = plugged.getSemanticDiagnostics(file).filter((d) => d.source === "adjoint");
    expect(adjoint.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n").split(":")[0])).toEqual(["ADJ025"]);
    const { line } = ts.getLineAndCharacterOfPosition(plugged.getProgram()!.getSourceFile(file)!, adjoint[0].start!);
    expect(line + 1).toBe(8);
  });

  it("adds nothing to a file adjoint accepts", () => {
    const init = require(resolve(root, "tsserver")) as (modules: { typescript: typeof ts }) => { create(info: unknown): ts.LanguageService };
    const file = resolve(root, ".tmp", "editor-ok.ts");
    const service = languageService({ [file]: 'import { grad } from "adjoint";\nexport const df = grad((x: number) => x * x);\n' });
    const plugged = init({ typescript: ts }).create({ languageService: service } as unknown as ts.server.PluginCreateInfo);
    expect(plugged.getSemanticDiagnostics(file).filter((d) => d.source === "adjoint")).toEqual([]);
  });
});
