// What the engine hands a front end for one module: the edits to make, or the diagnostics.
import type { Diagnostic } from "../diagnostics.js";
import type { PrintedLine } from "../emit/index.js";

/** The module generated code imports its helpers from. */
export const RUNTIME_MODULE = "adjoint/runtime";

/** Generated code: its lines and, for each, the user's source line it came from. */
export interface Generated {
  code: string;
  lines: PrintedLine[];
}

export interface ModuleOutput {
  diagnostics: Diagnostic[];
  /** Marker calls to replace by an expression, by source range. */
  replacements: (Generated & { start: number; end: number })[];
  /** Function declarations to append to the module. */
  appended: Generated | null;
  /** The import the generated code needs, to put at the top. */
  runtimeImport: string | null;
  /**
   * Only when there are diagnostics: every marker call of the module (outermost ones), with
   * code to put in its place if a front end writes the module anyway (tspc without
   * noEmitOnError). The code throws when called, naming the diagnostics of that call, or
   * all of the module's if none is its own. `replacements` and `appended` are then to be ignored.
   */
  refused: (Generated & { start: number; end: number; diagnostics: Diagnostic[] })[];
}
