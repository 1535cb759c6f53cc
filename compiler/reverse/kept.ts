// `grad(f, { out: true })` in generated code: the entry point inside a function that makes it,
//   function f$grad$out() { const kept = keptArrays(1, 1); return function f$grad(x) { kept.argument(0, x); … dx = kept.refill(0, x); … }; }
// so each site's function keeps its own adjoint arrays between calls (runtime/kept.ts), and an
// array adjoint made once per call takes the one its slot kept, zeroed, unless an argument is
// that array or a view of it.
// Only where nothing but the generated code runs during a call (no callee, no opaque code,
// no NDArray): nothing can call the function again while it uses its arrays.
import type { Analysis } from "../analyze/index.js";
import { line, type Code } from "../emit/index.js";
import { forEachStmt, type Expr, type IRFunction } from "../ir/index.js";

/** Whether f's gradient can keep its arrays in generated code (else the runtime's `reusing` wraps it). */
export function keepsInCode(fn: IRFunction, a: Analysis): boolean {
  if (fn.outputs || fn.leaves || fn.sourceParams) return false;
  if (!fn.params.every((p) => ["number", "boolean", "array"].includes(a.types.get(p) ?? "unknown"))) return false;
  let plain = true;
  const check = (e: Expr) => {
    if (e.kind === "call" || e.kind === "np" || e.kind === "leaf" || (e.kind === "opaque" && !e.constant)) plain = false;
  };
  forEachStmt(fn.body, (s) => {
    if (s.kind === "assign" || s.kind === "effect") check(s.expr);
    if (s.kind === "loop" && s.checkpoint) plain = false;
    // A parameter given another array: its argument is no longer a name to compare with.
    if (s.kind === "assign" && fn.params.includes(s.target) && a.types.get(s.target) === "array") plain = false;
  });
  return plain;
}

/** The kept slots of one generated entry point and the arguments they are compared with. */
export class KeptArrays {
  private slots = 0;
  private name: string;
  constructor(
    private runtime: string,
    /** The array parameters: an argument that shares memory with a kept array is read, never zeroed. */
    private arrays: string[],
    fresh: (base: string) => string,
  ) {
    this.name = fresh("kept");
  }

  /** A zero array like `array` in a slot of its own. */
  zeros(array: string): string {
    return `${this.name}.refill(${this.slots++}, ${array})`;
  }

  /** The entry point behind the function that makes it with its own slots. */
  wrap(entry: Code, factory: string): Code {
    if (entry.kind !== "block") return entry;
    // Compared by memory before anything runs: an argument may be a subarray of what a slot kept.
    const compared = this.slots > 0 ? this.arrays.map((p, i) => line(`${this.name}.argument(${i}, ${p});`)) : [];
    const made = this.slots > 0 ? [line(`const ${this.name} = ${this.runtime}.keptArrays(${this.slots}, ${this.arrays.length});`)] : [];
    return {
      kind: "block",
      head: `function ${factory}()`,
      body: [...made, { ...entry, head: `return ${entry.head}`, body: [...compared, ...entry.body], tail: ";", loc: undefined }],
      loc: entry.loc,
    };
  }
}
