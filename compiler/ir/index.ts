import type { DiagnosticCode, Span } from "../diagnostics.js";

// The IR: three-address code with structured control flow. Lowering produces it from
// the source AST; analysis, the reverse pass and the emitter only ever see this.

/** Where a statement came from in the user's source (1-based line, 0-based column). */
export interface SourceLoc {
  line: number;
  column: number;
  /** The user's statement, one line, for the comment above its generated code. */
  text: string;
  /** Offsets of the statement in the module. */
  start?: number;
  end?: number;
}

export type Operand =
  | { kind: "var"; name: string }
  /** A literal or a constant such as `Math.PI`, as JavaScript source. */
  | { kind: "const"; code: string; value?: number | boolean }
  /** A binding from outside the function (module scope or an enclosing function): read-only. */
  | { kind: "outer"; name: string };

export type Callee =
  /** A function of this module whose adjoint the compiler generates. */
  | { kind: "local"; key: string }
  /** A function with an attached vjp at run time: imported, `customGrad`, or `differentiable` elsewhere. */
  | { kind: "attached"; binding: string };

export type Expr =
  | { kind: "copy"; arg: Operand }
  /** A primitive with a rule in rules.ts: `add`, `mul`, `Math.sin`, `lt`, … */
  | { kind: "prim"; op: string; args: Operand[] }
  | { kind: "call"; callee: Callee; args: Operand[]; /** The primal call, where the arguments are a record's fields packed back (lower/objects.ts). */ render?: (args: string[]) => string }
  /** `stopGradient(x)`: x's value, a constant for differentiation. */
  | { kind: "stop"; arg: Operand }
  /**
   * `u.attachGrad()` inside a record block: u's value, a new leaf from here on. The
   * adjoint reaching it is returned as leaf `index`'s gradient and goes no further.
   */
  | { kind: "leaf"; arg: Operand; index: number }
  /**
   * An `adjoint/np` operation or NDArray method. `rule` names its adjoint in the runtime's
   * table (null: a constant, e.g. np.zeros or a comparison); `args` are the rule's
   * parameters in order, `render` writes the call as the user did.
   */
  | {
      kind: "np";
      rule: string | null;
      args: Operand[];
      render: (args: string[]) => string;
      result: NpResult;
      /** The first `list` args are the elements of the rule's first parameter, a list of arrays (`np.concat([a, b])`). */
      list?: number;
      /** Of a derived `vjp:R` rule (rules/np.ts): the entry of R's adjoints the call reads (`[1]`: its second parameter's). */
      pick?: number[];
      /**
       * What the reverse sweep passes the rule in place of `args`, where it differs: the
       * stand-in (a `shape` value) of an array the rule reads only for its shape.
       */
      reverseArgs?: Operand[];
      /** A chain of elementwise operations fused into one loop (optimize/fuse.ts): rule "fused", `args` its operands. */
      fused?: FusedChain;
    }
  /** An NDArray's shape and dtype without its data, for a rule that reads no more (`shapeOf(h)`). */
  | { kind: "shape"; arg: Operand }
  /**
   * `a.subarray(begin, end)`: a view of a typed array's elements, the same memory. It is one
   * region with `arg`; its adjoint is the same view of `arg`'s adjoint.
   */
  | { kind: "view"; arg: Operand; args: Operand[] }
  /** `a[i]`: an element of a Float64Array, Float32Array or number[]. */
  | { kind: "load"; array: Operand; index: Operand }
  /**
   * A new array of the given kind (`same`: the kind of `arg`, as `arg.slice()`). When `arg`
   * is an array it is a copy (`Float64Array.from(a)`, `new Float64Array(a)`), else a length.
   */
  | {
      kind: "alloc";
      ctor: ArrayKind | "same";
      arg: Operand;
      /** `arg.slice(begin, end)`: a copy of that range only (ctor "same"), its bounds read as JavaScript reads them. */
      range?: Operand[];
      /** `Float64Array.from(arg)`, `Array.from(arg)`: a copy of an array (a number would make an empty one, never zeros of its length). */
      from?: true;
    }
  /**
   * Code adjoint cannot differentiate through (a method call, a property read, `new`):
   * fine where its result is not active, a diagnostic where it is.
   */
  | {
      kind: "opaque";
      describe: string;
      /** Reported if the result turns out to be active. */
      diagnostic: DiagnosticCode;
      render: (args: string[], runtime: string) => string;
      args: Operand[];
      at: Span;
      /** Not differentiable at all (an NDArray's shape): never active, never reported. */
      constant?: boolean;
      /**
       * A method that writes into its receiver (args[0]) or returns a view of it (`a.set(x)`,
       * `a.push(v)`, `a.subarray(1)`): memory changes no assignment shows, so it is refused
       * wherever the receiver or an argument carries a gradient.
       */
      writesReceiver?: boolean;
      /** What it makes, where known (`typeof x`: a string, "other", which carries no derivative). */
      result?: ValueType;
      /** A read of an array of arrays (lower/rows.ts): a row, or a row's element or length. */
      row?: boolean;
    };

/**
 * Elementwise operations fused into one loop, forward and reverse (optimize/fuse.ts). Refs index
 * the chain's values: its operands (the np expression's args, then `constants`), then each
 * step's result in order; the last step is the chain's result.
 */
export interface FusedChain {
  /** The module-level function computing it; its vjp is `${name}$vjp`. */
  name: string;
  steps: { op: string; refs: number[]; /** The variable the unfused code assigned. */ name: string }[];
  /** Literal operands, as JavaScript. */
  constants: string[];
  /** The chain as the user wrote it, one line. */
  text: string;
}

export type Stmt =
  | { kind: "assign"; target: string; expr: Expr; loc?: SourceLoc }
  /** An expression evaluated for its effect only (`console.log(x)`). */
  | { kind: "effect"; expr: Expr; loc?: SourceLoc }
  | { kind: "if"; cond: Operand; then: Stmt[]; else: Stmt[]; loc?: SourceLoc }
  /**
   * `while (true) { pre; if (!cond) break; body }`: every loop lowers to this. `checkpoint`:
   * its reverse sweep recomputes steps from snapshots instead of keeping every step's values.
   */
  | { kind: "loop"; pre: Stmt[]; cond: Operand; body: Stmt[]; loc?: SourceLoc; checkpoint?: Checkpoint }
  | { kind: "throw"; arg: Operand; loc?: SourceLoc }
  /** `a[i] = value`. */
  | { kind: "store"; array: string; index: Operand; value: Operand; loc?: SourceLoc }
  /** `a.fill(value)`. */
  | { kind: "fill"; array: string; value: Operand; loc?: SourceLoc }
  /**
   * An array method that writes into its array (`a.push(v)`, `a.splice(i, 1)`, `a.set(b, k)`, …),
   * with its rule in rules/array-methods.ts. `target` receives what it returns where that
   * carries a derivative (pop's element, splice's removed elements); `args` are as written.
   */
  | { kind: "method"; array: string; method: string; args: Operand[]; target?: string; at: Span; loc?: SourceLoc };

export type Assign = Extract<Stmt, { kind: "assign" }>;

export type Loop = Extract<Stmt, { kind: "loop" }>;

/** A loop's checkpointing: at most `snapshots` states kept (undefined: √n), asked for at `at`. */
export interface Checkpoint {
  snapshots?: number;
  at: Span;
}

export type ArrayKind = "Float64Array" | "Float32Array" | "Array";

/** An np expression's result: "unknown" where untyped code leaves a number or an NDArray to run time (a generated gradient read back). */
export type NpResult = "ndarray" | "number" | "unknown";

export type ValueType = "number" | "boolean" | "array" | "ndarray" | "other";

export interface LocalInfo {
  /** Declared type of a parameter or annotated variable, if any. */
  declared?: ValueType;
  /** A temporary the lowering introduced, not a user variable. */
  temp: boolean;
  /** Declared an array of something other than numbers (`number[][]`): for…of walks it by index. */
  list?: boolean;
  /** How the source names it where that is not its name: a record's field `p.w` for `p$w`. */
  source?: string;
}

/** A source parameter as generated code sees it: one flat parameter, or a record's fields, depth first. */
export type SourceParam = { kind: "value"; index: number } | { kind: "record"; fields: [string, SourceParam][]; optional: Set<string>; /** The parameter may be left out (`opts?.k`): read with `?.`. */ nullable?: boolean };

export interface IRFunction {
  /** Key in the module's function table (the source name, or a name made for an inline function). */
  key: string;
  params: string[];
  paramTypes: ValueType[];
  /** Whether each parameter's type was written (else number is assumed until its use says otherwise). */
  paramAnnotated: boolean[];
  /** Where each parameter is written, for a diagnostic about it. */
  paramSpans?: Span[];
  /** The result's type where the source says it (a return type, JSDoc's `@returns`). */
  returnType?: ValueType;
  /** Lowered from code adjoint generated (a derivative differentiated again): its plain value stack holds NDArrays as they are. */
  derivative?: boolean;
  body: Stmt[];
  /** The variable holding the return value. */
  result: string;
  /**
   * A record block's outputs, if this is one: the return value, then the outer variables
   * it assigns. Its vjp returns all their values and its pullback takes a head for each.
   */
  outputs?: string[];
  /** How many `attachGrad()` leaves a record block makes. */
  leaves?: number;
  /** Where the source has object-record parameters: each source parameter as flat parameters (lower/objects.ts). */
  sourceParams?: SourceParam[];
  locals: Map<string, LocalInfo>;
  /** Every identifier name in the module, so fresh names never collide. */
  reserved: Set<string>;
  loc: SourceLoc;
}

export const v = (name: string): Operand => ({ kind: "var", name });

/** The rule parameter an np expression's argument `i` belongs to (list elements all belong to the first). */
export function npParam(expr: { list?: number }, i: number): number {
  return expr.list === undefined ? i : i < expr.list ? 0 : i - expr.list + 1;
}
export const num = (value: number): Operand => ({ kind: "const", code: String(value), value });
export const bool = (value: boolean): Operand => ({ kind: "const", code: String(value), value });

/** Visits every statement, nested ones included, in source order. */
export function forEachStmt(stmts: Stmt[], visit: (stmt: Stmt, inLoop: boolean) => void, inLoop = false): void {
  for (const stmt of stmts) {
    visit(stmt, inLoop);
    if (stmt.kind === "if") {
      forEachStmt(stmt.then, visit, inLoop);
      forEachStmt(stmt.else, visit, inLoop);
    } else if (stmt.kind === "loop") {
      forEachStmt(stmt.pre, visit, true);
      forEachStmt(stmt.body, visit, true);
    }
  }
}

export function exprArgs(expr: Expr): Operand[] {
  switch (expr.kind) {
    case "copy":
    case "stop":
    case "leaf":
    case "shape":
      return [expr.arg];
    case "prim":
    case "call":
    case "opaque":
    case "np":
      return expr.args;
    case "load":
      return [expr.array, expr.index];
    case "alloc":
      return [expr.arg, ...(expr.range ?? [])];
    case "view":
      return [expr.arg, ...expr.args];
  }
}

/** The variables a statement reads (not those of nested statements). */
export function readsOf(stmt: Stmt): string[] {
  const operands =
    stmt.kind === "assign" || stmt.kind === "effect"
      ? exprArgs(stmt.expr)
      : stmt.kind === "if" || stmt.kind === "loop"
        ? [stmt.cond]
        : stmt.kind === "store"
          ? [v(stmt.array), stmt.index, stmt.value]
          : stmt.kind === "fill"
            ? [v(stmt.array), stmt.value]
            : stmt.kind === "method"
              ? [v(stmt.array), ...stmt.args]
              : [stmt.arg];
  return operands.flatMap((op) => (op.kind === "var" ? [op.name] : []));
}
