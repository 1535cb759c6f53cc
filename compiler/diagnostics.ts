// Every compile-time diagnostic adjoint reports, in one catalogue: a stable code, the
// message (what is wrong) and the hint (what to do instead). docs/diagnostics.md lists them.
import { nodeBuiltin } from "./node-host.js";

// Loaded on the first diagnostic printed: a build with none never pays for it. Outside Node
// (a browser) there is no synchronous loader, and the message goes without its code frame.
let codeFrames: typeof import("@babel/code-frame") | null | undefined;
function codeFrameColumns(...args: Parameters<typeof import("@babel/code-frame").codeFrameColumns>): string | null {
  if (codeFrames === undefined) {
    const nodeModule = nodeBuiltin("node:module");
    codeFrames = nodeModule ? (nodeModule.createRequire(import.meta.url)("@babel/code-frame") as typeof import("@babel/code-frame")) : null;
  }
  return codeFrames ? codeFrames.codeFrameColumns(...args) : null;
}

export const catalogue = {
  ADJ000: { name: "internal-error", message: "adjoint failed to compile this (a bug in adjoint)", hint: "please report it with this code; meanwhile, rewrite the construct named here or move it out of the differentiated function" },
  ADJ001: { name: "try-statement", message: "try/catch/finally is not differentiable", hint: "move the try block outside the differentiated function, or validate inputs before calling it" },
  ADJ002: { name: "async-function", message: "async functions are not differentiable", hint: "differentiate a synchronous function and await around it" },
  ADJ003: { name: "generator-function", message: "generator functions are not differentiable", hint: "collect the values into an array first, or use a loop" },
  ADJ004: { name: "this", message: "`this` is not supported in differentiated code", hint: "pass the value as a parameter" },
  ADJ005: { name: "eval", message: "eval is not differentiable", hint: "write the code out" },
  ADJ006: { name: "arguments", message: "`arguments` is not supported in differentiated code", hint: "declare named parameters" },
  ADJ007: { name: "nested-function", message: "a function defined inside a differentiated function must be called where it is defined (or be an array method's callback), and not recursively", hint: "call it by its name where it is defined; a recursive one, or one returned, stored or passed elsewhere, moves to module level with what it captures as parameters" },
  ADJ008: { name: "destructuring", message: "destructuring is not supported in differentiated code", hint: "read each value into its own variable" },
  ADJ009: { name: "captured-write", message: "a differentiated function may not assign a variable declared outside it", hint: "return the value instead, or declare the variable inside the function" },
  ADJ010: { name: "unknown-call", message: "cannot differentiate through a call to a function adjoint cannot see", hint: "define it in this module, mark it differentiable(...) where it is defined, give it a rule with customGrad, or wrap the argument in stopGradient(...) if no gradient should flow" },
  ADJ011: { name: "method-call", message: "cannot differentiate through a method call", hint: "use a function of this module or Math.*, or stopGradient(...) the value" },
  ADJ012: { name: "opaque-value", message: "cannot differentiate through this expression", hint: "compute the value with number arithmetic, Math.* or functions of this module, or wrap it in stopGradient(...)" },
  ADJ013: { name: "for-in", message: "for…in is not differentiable", hint: "loop over indices with for (let i = 0; i < n; i++)" },
  ADJ014: { name: "element-write", message: "an element write needs an array held in a variable of the function", hint: "assign the array to a local first (const a = makeArray(); a[j] = …)" },
  ADJ015: { name: "unsupported-statement", message: "this statement is not supported in differentiated code", hint: "rewrite it with if/else, loops, and let/const" },
  ADJ016: { name: "unsupported-expression", message: "this expression is not supported in differentiated code", hint: "rewrite it with number arithmetic, Math.*, comparisons and calls to functions of this module" },
  ADJ017: { name: "bad-wrt", message: "`wrt` does not name a parameter of the function", hint: "pass a parameter position (0-based) or a list of them, as number literals" },
  ADJ018: { name: "not-a-function", message: "the argument of this marker is not a function adjoint can read", hint: "pass a function declared in this module, a const arrow of this module, or an inline function; for functions from elsewhere use differentiable(...) there or customGrad" },
  ADJ019: { name: "spread-argument", message: "spread arguments are not supported in differentiated code", hint: "pass the arguments one by one" },
  ADJ020: { name: "wrt-not-number", message: "a `wrt` parameter must be a number", hint: "differentiate with respect to number parameters; annotate the parameter as number" },
  ADJ021: { name: "new-expression", message: "cannot differentiate through `new`", hint: "construct the object outside the differentiated function" },
  ADJ022: { name: "unknown-math", message: "this Math member is not known to adjoint", hint: "use one of the Math functions listed in the README" },
  ADJ023: { name: "bad-marker-call", message: "this marker call is malformed", hint: "see the README for each marker's arguments" },
  ADJ024: { name: "callee-result-ambiguous", message: "a function called from differentiated code returns one of the arrays it was given on some paths and a new array on others", hint: "return a new array on every path (a copy, a.slice(), where it returns its argument), or the argument on every path" },
  ADJ025: { name: "in-place-array-write", message: "an NDArray is written in place in differentiated code", hint: "make a new array instead (np.where, np.concatenate, x.add(...)); MXNet refuses in-place writes to recorded arrays too" },
  ADJ026: { name: "kind-by-path", message: "this value is an array on one path and a number (or NDArray) on another", hint: "give each kind its own variable, or make every branch return the same kind (a one-element array, or a number)" },
  ADJ027: { name: "unknown-kind", message: "cannot tell whether this value is a number or an array of numbers", hint: "annotate it: JSDoc (`/** @param {number[]} x */`, `{number}`, `{Float64Array}`, `{NDArray}`) or a TypeScript type" },
  ADJ028: { name: "record-escape", message: "an object record is used where adjoint cannot follow its fields", hint: "read its fields (p.w, p.b) where they are needed, bind it to a name, or pass it whole to a function of this module; a record is not stored in an array, passed to other code, compared, or given a new record while another name holds it" },
  ADJ029: { name: "forward-mode", message: "jvp cannot differentiate this yet", hint: "use grad, valueAndGrad or vjp (reverse mode) for this function, or stopGradient(...) the value if no derivative should flow through it" },
  ADJ030: { name: "checkpoint", message: "this loop cannot be checkpointed", hint: "checkpointing replays the loop's steps, so a step may only change the loop's own variables and arrays: move I/O, Math.random() and calls adjoint cannot see out of the loop, or drop checkpoint for it" },
} as const;

export type DiagnosticCode = keyof typeof catalogue;

export interface Diagnostic {
  code: DiagnosticCode;
  /** The catalogue message, with what was found appended. */
  message: string;
  hint: string;
  filename: string;
  /** 1-based line, 0-based column (Babel's convention). */
  line: number;
  column: number;
  /** The offending source range, as offsets into the module. */
  start: number;
  end: number;
}

export interface Span {
  start: number;
  end: number;
  line: number;
  column: number;
}

/** A diagnostic from the catalogue at a source span; `detail` names what was found. */
export function diagnostic(code: DiagnosticCode, filename: string, at: Span, detail?: string): Diagnostic {
  const entry = catalogue[code];
  return {
    code,
    message: detail ? `${entry.message}: ${detail}` : entry.message,
    hint: entry.hint,
    filename,
    line: at.line,
    column: at.column,
    start: at.start,
    end: at.end,
  };
}

export interface FormatOptions {
  color?: boolean;
  /**
   * What the printed column counts from, to match the host printing beside it (docs/diagnostics.md):
   * 1 (the default) as tsc and editors; 0 as Babel, Rollup, Vite, esbuild and webpack print theirs.
   */
  columnBase?: 0 | 1;
}

/** `file:line:col - error ADJ010: message`, the code frame, and the hint. */
export function formatDiagnostic(d: Diagnostic, source: string, options: boolean | FormatOptions = {}): string {
  const { color = false, columnBase = 1 } = typeof options === "boolean" ? { color: options } : options;
  const frame = codeFrameColumns(
    source,
    { start: { line: d.line, column: d.column + 1 } },
    { highlightCode: color, linesAbove: 1, linesBelow: 1 },
  );
  return `${d.filename}:${d.line}:${d.column + columnBase} - error ${d.code}: ${d.message}\n${frame === null ? "" : `${frame}\n`}  hint: ${d.hint}`;
}

/** Thrown by the Babel front end (and the bundlers on top of it) when a module has diagnostics. */
export class AdjointCompileError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    source: string,
    /** The host's: the Babel plugin and the bundlers print 0-based columns (formatDiagnostic). */
    columnBase: 0 | 1 = 1,
  ) {
    super(
      `adjoint found ${diagnostics.length} problem${diagnostics.length === 1 ? "" : "s"}:\n\n` +
        diagnostics.map((d) => formatDiagnostic(d, source, { columnBase })).join("\n\n"),
    );
    this.name = "AdjointCompileError";
  }
}
