// What the reverse pass's files share (types only): the builder's state and helpers as the
// sweeps and the adjoint families see them, so none of them imports the builder.
import type { Analysis } from "../analyze/index.js";
import type { Code } from "../emit/index.js";
import type { Assign, IRFunction, Operand, Stmt } from "../ir/index.js";
import type { ReverseOptions } from "./index.js";
import type { CheckpointedLoop } from "./checkpoint.js";

export interface Reverser {
  readonly fn: IRFunction;
  readonly a: Analysis;
  readonly options: ReverseOptions;
  /** The value stack's name, if the function saves anything (a checkpointed loop's tape while its steps are generated). */
  stack: string | null;
  /** Checkpointed loops' forward code and names, for their reverse sweeps. */
  readonly checkpointed: Map<Stmt, CheckpointedLoop>;
  /** The map from arrays made inside the function to their adjoint arrays. */
  readonly arrayAdjoints: string | null;
  /** Array parameters whose adjoint this function makes (zeros), rather than adding into its caller's. */
  readonly freshAdjoints: Set<string>;
  /** Arrays whose adjoint is a variable made beside them (one array for the name, alone in its region). */
  readonly directArrays: Set<string>;
  /** A record block's attachGrad() leaves: their values, then their gradients. */
  readonly leafValues: string | null;
  readonly leafGradients: string | null;
  /** Temporaries the forward sweep writes where they are read, by their expressions' code. */
  readonly inlined: Map<string, string>;
  readonly tripCounters: Map<Stmt, string>;
  /** Last-taken branches (analyze/last-taken.ts): the variable holding that iteration's number, and the reverse loop's counter. */
  readonly takenAt: Map<Stmt, { at: string; iteration: string; k?: string }>;
  /** Locals the forward sweep adds (trip counters) and those the pullback adds. */
  readonly forwardLocals: string[];
  readonly extraLocals: string[];
  readonly readCounts: Map<string, number>;
  readonly assignCounts: Map<string, number>;
  fresh(base: string): string;
  adjoint(name: string): string;
  isArray(name: string): boolean;
  isNdarray(name: string): boolean;
  accumulates(name: string): boolean;
  zero(name: string): string;
  relookup(name: string, loc: Stmt["loc"]): Code[];
  /** Slotted loops' saves (slots.ts): each statement's slot as the forward sweep writes it and the reverse sweep reads it. */
  readonly slots: Map<Stmt, { write?: string; read?: string }>;
  /** Which of the stack's arrays holds `name`'s saves. */
  stackKind(name: string): "" | "Int" | "Bit" | "Ref";
  /** The push that saves `name`'s value (`stack.push(x)`), and the pop that gives it back. */
  pushed(name: string): string;
  popped(name: string): string;
  /** A new array of zeros of `array`'s length (`once`: made at most once a call, so an `out: true` entry may keep it). */
  zerosLike(array: string, once?: boolean): string;
  /** `Int` where integers have a stack of their own. */
  intKind(): "" | "Int";
}

/** One assignment's adjoint being written: its target's adjoint `d`, the code so far, and how an argument gets its share. */
export interface AdjointSite {
  s: Assign;
  d: string;
  out: Code[];
  contribute: (op: Operand, contribution: string | null) => void;
  isActive: (op: Operand) => op is { kind: "var"; name: string };
}
