// Analyses run on the IR before any code is generated (as Clad does): value types,
// activity (varied: depends on a `wrt` input; useful: reaches the result), which values
// the reverse sweep reads, and which assignments must save the value they overwrite.
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { exprArgs, forEachStmt, type Expr, type IRFunction, type Operand, type Stmt, type ValueType } from "./ir.js";
import { argForRule, scalarRules } from "./rules.js";

/** "unknown" values (call results, property reads) are treated as numbers for activity. */
export type InferredType = ValueType | "unknown";

export interface Analysis {
  types: Map<string, InferredType>;
  /** Varied and useful number variables: the ones with adjoints. */
  active: Set<string>;
  /** Assignments that need reverse code (their target and some argument are active). */
  activeStmts: Set<Stmt>;
  /** Assignments of a constant to an active variable: the reverse sweep resets its adjoint. */
  resets: Set<Stmt>;
  /** Variables whose values the reverse sweep reads. */
  needed: Set<string>;
  /** Assignments that push the value they overwrite (restored in the reverse sweep). */
  saves: Set<Stmt>;
  /** Statements that have reverse code at all (adjoint or restore, or such statements inside). */
  reversed: Set<Stmt>;
  /** Loops nested in other loops: their trip counts go on the stack. */
  nestedLoops: Set<Stmt>;
  /** Assignments that certainly run before any other assignment to their target. */
  firstAssignments: Set<Stmt>;
  /** For each active call, the variable holding the callee's pullback. */
  pullbacks: Map<Stmt, string>;
  /** Active calls in loops: each iteration's pullback is saved before the next overwrites it. */
  savedPullbacks: Set<Stmt>;
  diagnostics: Diagnostic[];
}

/** Whether an expression's derivative can flow from argument `i`. */
export function differentiableArg(expr: Expr, _i: number): boolean {
  switch (expr.kind) {
    case "copy":
    case "call":
    case "opaque":
      return true;
    case "stop":
      return false;
    case "prim":
      return scalarRules[expr.op]?.adjoint !== undefined;
  }
}

export function analyze(fn: IRFunction, wrt: Set<number>, filename: string): Analysis {
  const assigns: Extract<Stmt, { kind: "assign" }>[] = [];
  forEachStmt(fn.body, (stmt) => {
    if (stmt.kind === "assign") assigns.push(stmt);
  });

  const types = inferTypes(fn, assigns);
  const canCarry = (name: string) => {
    const type = types.get(name);
    return type === "number" || type === "unknown";
  };
  const isVar = (op: Operand, set: Set<string>) => op.kind === "var" && set.has(op.name);

  const varied = new Set(fn.params.filter((p, i) => wrt.has(i) && canCarry(p)));
  fixpoint(() => {
    let changed = false;
    for (const s of assigns) {
      if (varied.has(s.target) || !canCarry(s.target)) continue;
      if (exprArgs(s.expr).some((a, i) => isVar(a, varied) && differentiableArg(s.expr, i))) {
        varied.add(s.target);
        changed = true;
      }
    }
    return changed;
  });

  const useful = new Set([fn.result]);
  fixpoint(() => {
    let changed = false;
    for (const s of assigns) {
      if (!useful.has(s.target)) continue;
      exprArgs(s.expr).forEach((a, i) => {
        if (a.kind === "var" && !useful.has(a.name) && differentiableArg(s.expr, i)) {
          useful.add(a.name);
          changed = true;
        }
      });
    }
    return changed;
  });

  const active = new Set([...varied].filter((name) => useful.has(name) && canCarry(name)));
  const activeStmts = new Set<Stmt>();
  const resets = new Set<Stmt>();
  const diagnostics: Diagnostic[] = [];
  for (const s of assigns) {
    if (!active.has(s.target)) continue;
    const activeArgs = exprArgs(s.expr).some((a, i) => isVar(a, active) && differentiableArg(s.expr, i));
    if (!activeArgs) {
      resets.add(s);
      continue;
    }
    if (s.expr.kind === "opaque") {
      diagnostics.push(diagnostic(s.expr.diagnostic, filename, s.expr.at, s.expr.describe));
      continue;
    }
    activeStmts.add(s);
  }

  const pullbacks = new Map<Stmt, string>();
  const taken = new Set([...fn.locals.keys(), ...fn.params]);
  for (const s of activeStmts) {
    if (s.kind === "assign" && s.expr.kind === "call") {
      let name = `${s.target}_pullback`;
      for (let i = 1; taken.has(name) || fn.reserved.has(name); i++) name = `${s.target}_pullback${i}`;
      taken.add(name);
      pullbacks.set(s, name);
      types.set(name, "other");
    }
  }

  const needed = new Set<string>();
  for (const s of activeStmts) for (const name of readByAdjoint(s, active, pullbacks)) needed.add(name);

  const nestedLoops = new Set<Stmt>();
  const inLoopAssigns = new Set<Stmt>();
  forEachStmt(fn.body, (stmt, inLoop) => {
    if (stmt.kind === "loop" && inLoop) nestedLoops.add(stmt);
    if (stmt.kind === "assign" && inLoop) inLoopAssigns.add(stmt);
  });
  const firstAssignments = definitelyFirstAssignments(fn);
  const savedPullbacks = new Set([...pullbacks.keys()].filter((stmt) => inLoopAssigns.has(stmt)));



  // Saving a value makes the statement reversed, which makes enclosing branch conditions
  // needed, which may need saving in turn: iterate to a fixpoint.
  const saves = new Set<Stmt>();
  const reversed = new Set<Stmt>();
  fixpoint(() => {
    let changed = false;
    for (const s of assigns) {
      if (needed.has(s.target) && !firstAssignments.has(s) && !saves.has(s)) {
        saves.add(s);
        changed = true;
      }
    }
    const mark = (stmts: Stmt[]): boolean => {
      let any = false;
      for (const s of stmts) {
        let has = false;
        if (s.kind === "assign") has = activeStmts.has(s) || saves.has(s) || (resets.has(s) && !firstAssignments.has(s));
        else if (s.kind === "if") {
          const a = mark(s.then);
          const b = mark(s.else);
          has = a || b;
          if (has && s.cond.kind === "var" && !needed.has(s.cond.name)) {
            needed.add(s.cond.name);
            changed = true;
          }
        } else if (s.kind === "loop") {
          const a = mark(s.pre);
          const b = mark(s.body);
          has = a || b;
        }
        if (has && !reversed.has(s)) {
          reversed.add(s);
          changed = true;
        }
        any ||= has;
      }
      return any;
    };
    mark(fn.body);
    return changed;
  });

  return { types, active, activeStmts, resets, needed, saves, reversed, nestedLoops, firstAssignments, pullbacks, savedPullbacks, diagnostics };
}

/** The variables an active statement's adjoint reads: operands its rule uses, pullbacks. */
function readByAdjoint(s: Stmt, active: Set<string>, pullbacks: Map<Stmt, string>): string[] {
  if (s.kind !== "assign") return [];
  const { expr } = s;
  if (expr.kind === "call") return [pullbacks.get(s)!];
  if (expr.kind !== "prim") return [];
  const rule = scalarRules[expr.op];
  const operandNames = expr.args.map((a) => (a.kind === "var" ? a.name : null));
  const contributions = rule.adjoint!("G", expr.args.map(argForRule), s.target);
  const reads = new Set<string>();
  contributions.forEach((code, i) => {
    const arg = expr.args[i];
    if (code === null || arg.kind !== "var" || !active.has(arg.name)) return;
    for (const id of code.match(/[A-Za-z_$][\w$]*/g) ?? []) {
      if (id === s.target || operandNames.includes(id)) reads.add(id);
    }
  });
  return [...reads];
}

function inferTypes(fn: IRFunction, assigns: Extract<Stmt, { kind: "assign" }>[]): Map<string, InferredType> {
  const types = new Map<string, InferredType>();
  fn.params.forEach((p, i) => types.set(p, fn.paramTypes[i]));
  for (const [name, info] of fn.locals) if (info.declared) types.set(name, info.declared);
  const typeOf = (op: Operand): InferredType | undefined => {
    if (op.kind === "var") return types.get(op.name);
    if (op.kind === "outer") return "unknown";
    if (typeof op.value === "number") return "number";
    if (typeof op.value === "boolean") return "boolean";
    return op.code === "undefined" || op.code === "null" || /^-?[\d.]/.test(op.code) || op.code.startsWith("Math.") || op.code === "Infinity" || op.code === "NaN" ? undefined : "other";
  };
  const exprType = (expr: Expr): InferredType | undefined => {
    switch (expr.kind) {
      case "copy":
      case "stop":
        return typeOf(expr.arg);
      case "prim":
        return scalarRules[expr.op].result;
      case "call":
      case "opaque":
        return "unknown";
    }
  };
  const join = (a: InferredType | undefined, b: InferredType | undefined): InferredType | undefined => {
    if (a === undefined) return b;
    if (b === undefined || a === b) return a;
    return "unknown";
  };
  fixpoint(() => {
    let changed = false;
    for (const s of assigns) {
      if (fn.locals.get(s.target)?.declared || fn.params.includes(s.target)) continue;
      const next = join(types.get(s.target), exprType(s.expr));
      if (next !== undefined && next !== types.get(s.target)) {
        types.set(s.target, next);
        changed = true;
      }
    }
    return changed;
  });
  for (const name of fn.locals.keys()) if (!types.has(name)) types.set(name, "unknown");
  return types;
}

/**
 * Assignments that certainly run before anything else assigns their target, outside
 * any loop: the value they overwrite is undefined and need not be saved.
 */
function definitelyFirstAssignments(fn: IRFunction): Set<Stmt> {
  const first = new Set<Stmt>();
  const walk = (stmts: Stmt[], maybeAssigned: Set<string>): Set<string> => {
    let assigned = maybeAssigned;
    for (const s of stmts) {
      if (s.kind === "assign") {
        if (!assigned.has(s.target)) first.add(s);
        assigned = new Set(assigned).add(s.target);
      } else if (s.kind === "if") {
        const a = walk(s.then, assigned);
        const b = walk(s.else, assigned);
        assigned = new Set([...a, ...b]);
      } else if (s.kind === "loop") {
        forEachStmt([s], (inner) => {
          if (inner.kind === "assign") assigned = new Set(assigned).add(inner.target);
        });
      }
    }
    return assigned;
  };
  walk(fn.body, new Set(fn.params));
  return first;
}

function fixpoint(step: () => boolean): void {
  for (let i = 0; i < 10_000 && step(); i++);
}
