// `grad(f, { out: true })` in generated code: the entry point inside a function that makes it,
//   function f$grad$out() { let dxKept; return function f$grad(x) { … dx = dxKept = refill(apart(dxKept, x) ? dxKept : undefined, x); … }; }
// so each site's function keeps its own adjoint arrays between calls, and an array adjoint
// made once per call takes the one its slot kept, zeroed, unless an argument is that array or a view of it.
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

/** The kept slots of one generated entry point and what their refills compare with. */
export class KeptArrays {
  readonly slots: string[] = [];
  constructor(
    private runtime: string,
    /** The array parameters: an argument that is a kept array is read, never zeroed. */
    private arrays: string[],
    private fresh: (base: string) => string,
  ) {}

  /** A zero array like `array` in a slot of its own. */
  zeros(array: string): string {
    const slot = this.fresh(`${array.replace(/^[^A-Za-z_$]+/, "")}Kept`);
    this.slots.push(slot);
    // Compared by memory: an argument may be a subarray of what the slot kept.
    const free = this.arrays.map((p) => `${this.runtime}.apart(${slot}, ${p})`).join(" && ");
    return `${slot} = ${this.runtime}.refill(${free ? `${free} ? ${slot} : undefined` : slot}, ${array})`;
  }

  /** The entry point behind the function that makes it with its own slots. */
  wrap(entry: Code, factory: string): Code {
    if (entry.kind !== "block") return entry;
    return {
      kind: "block",
      head: `function ${factory}()`,
      body: [...(this.slots.length > 0 ? [line(`let ${this.slots.join(", ")};`)] : []), { ...entry, head: `return ${entry.head}`, tail: ";", loc: undefined }],
      loc: entry.loc,
    };
  }
}
