// adjoint's diagnostics as TypeScript diagnostics: tsc prints them with file, line, column
// and code frame, counts them in its exit status, and reports them like its own.
import type * as TS from "typescript";
import { catalogue, type Diagnostic, type DiagnosticCode } from "../../diagnostics.js";

/** TypeScript codes are numbers: ADJ010 is TS990010. */
export const TS_CODE_BASE = 990_000;

export function toTsDiagnostic(ts: typeof TS, d: Diagnostic, file: TS.SourceFile): TS.Diagnostic {
  const code = TS_CODE_BASE + Number(d.code.slice(3));
  return {
    file,
    start: d.start,
    length: Math.max(0, d.end - d.start),
    category: ts.DiagnosticCategory.Error,
    code,
    source: "adjoint",
    messageText: {
      messageText: `${d.code}: ${d.message}`,
      category: ts.DiagnosticCategory.Error,
      code,
      next: [{ messageText: `hint: ${d.hint}`, category: ts.DiagnosticCategory.Message, code: 0, next: undefined }],
    },
  };
}

/** A failure of adjoint itself (or of a parser): a diagnostic on the file, never a stack trace. */
export function internalDiagnostic(ts: typeof TS, file: TS.SourceFile, detail: string, at = 0): TS.Diagnostic {
  const code: DiagnosticCode = "ADJ000";
  const { line, character } = file.getLineAndCharacterOfPosition(at);
  return toTsDiagnostic(
    ts,
    { code, message: `${catalogue[code].message}: ${detail}`, hint: catalogue[code].hint, filename: file.fileName, line: line + 1, column: character, start: at, end: at },
    file,
  );
}
