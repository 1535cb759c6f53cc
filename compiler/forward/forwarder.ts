// What the forward pass's files share (types only): the builder's state and helpers as the
// sweep sees them, so the sweep does not import the builder.
import type { Analysis } from "../analyze/index.js";
import type { Callee, IRFunction, Operand } from "../ir/index.js";
import type { Printer } from "../reverse/code.js";

export interface ForwardOptions {
  /** Name of the function being generated. */
  name: string;
  /** The parameters with tangents, in the order their tangents follow the primals. */
  order: number[];
  /** The runtime namespace generated code imports. */
  runtime: string;
  /**
   * A user's entry point (`jvp(f)`): the tangent arrays it is given are copied where the function
   * writes through the array, so the caller's tangents are left as given. A callee's are the
   * caller's own tangent arrays, written in place as its arrays are.
   */
  entry: boolean;
  /** The jvp of a module function a call makes active, given which of its arguments have tangents. */
  /** A first statement of the function (an entry's check of its arguments). */
  prologue?: string;
  calleeJvp: (callee: Extract<Callee, { kind: "local" }>, activeArgs: number[]) => string;
  /** How many parameters a local callee declares: a call that omits some (defaults) passes them undefined before the tangents. */
  calleeArity?: (callee: Extract<Callee, { kind: "local" }>) => number | undefined;
  /** To be differentiated again: zero tangent arrays made plainly, not by the runtime. */
  plain?: boolean;
  /** A module callee's parameters only NDArray operations read: an untyped value given to one is read so too. */
  calleeNpLike?: (key: string, index: number) => boolean;
  /** Return the tangent alone, not `[value, tangent]` (a directional derivative, differentiated again for H v). */
  tangentOnly?: boolean;
}

export interface Forwarder extends Printer {
  readonly fn: IRFunction;
  readonly a: Analysis;
  readonly options: ForwardOptions;
  /** Locals the sweep adds (a temporary where an update reads its own new value). */
  readonly extraLocals: string[];
  /** How many statements read, and assign, each variable. */
  readonly readCounts: Map<string, number>;
  readonly assignCounts: Map<string, number>;
  fresh(base: string): string;
  /** The tangent variable of an active variable (`x_dot`). */
  tangent(name: string): string;
  isActive(op: Operand | string): boolean;
  /** An operand's tangent: its tangent variable, or the zero of its kind. */
  tangentOf(op: Operand): string;
  /** An NDArray, or a value of run-time kind only NDArray rules read (its zero tangent is `undefined`). */
  isNdarray(name: string): boolean;
  /** The zero tangent of a variable's kind, made after the variable holds its value (`0`, zeros of an array's length). */
  zero(name: string): string;
}
