// Analyses run on the IR before any code is generated (as Clad does): value types,
// activity (varied: depends on a `wrt` input; useful: reaches the result), which values
// the reverse sweep reads, and which assignments must save the value they overwrite.
import { diagnostic, type Diagnostic, type DiagnosticCode, type Span } from "./diagnostics.js";
import { exprArgs, forEachStmt, npParam, readsOf, type Expr, type IRFunction, type Operand, type Stmt, type ValueType } from "./ir/index.js";
import { argForRule, scalarRules } from "./rules/scalar.js";
import { npRule, ruleReads } from "./rules/np.js";

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
  /** Loaded temporaries the reverse sweep reads again as `a[i]`. */
  rematerialized: Map<string, Rematerialized>;
  /** The reverse sweep puts overwritten array elements back: its pullback runs once. */
  restoresElements: boolean;
  /** Array parameters whose elements the reverse sweep puts back: copied back to their final values after it. */
  restoredParams: string[];
  /**
   * Temporaries read exactly once, by a later statement of their own block: their adjoint
   * gets exactly one contribution, just before their own reverse, so it is assigned
   * (`dt1 = ...`) rather than accumulated and reset.
   */
  directAdjoints: Set<string>;
  /** `i += c` steps of integer counters the reverse sweep needs: undone by `i -= c`. */
  inverted: Set<Stmt>;
  /** Writes into array parameters: not allowed in a function called from differentiated code. */
  paramWrites: Span[];
  /**
   * For each output of a record block, the active variables (parameters aside) its
   * backward() goes through: two outputs share saved values when these meet.
   */
  outputSlices?: string[][];
  diagnostics: Diagnostic[];
}

/** Whether an expression's derivative can flow from argument `i`. */
export function differentiableArg(expr: Expr, i: number): boolean {
  switch (expr.kind) {
    case "copy":
    case "call":
    case "alloc":
      return true;
    case "opaque":
      return !expr.constant;
    case "np":
      return expr.rule !== null && (npRule(expr.rule)?.wrt.includes(npParam(expr, i)) ?? expr.rule === "item");
    case "stop":
    case "leaf":
      return false;
    case "load":
      return i === 0;
    case "prim":
      return scalarRules[expr.op]?.adjoint !== undefined;
  }
}

type Assign = Extract<Stmt, { kind: "assign" }>;

/**
 * A temporary the reverse sweep computes again from its operands instead of saving it:
 * a loaded element (`a[i]`) or cheap arithmetic on integers and flags (`i - 1`, `b > 0`).
 */
export interface Rematerialized {
  assign: Assign;
}

/** Primitives cheap enough to compute again rather than save. */
const CHEAP = new Set(["add", "sub", "mul", "mod", "neg", "pos", "lt", "le", "gt", "ge", "eq", "ne", "seq", "sne", "not", "and", "or", "length"]);
/** Of those, the ones a gradient flows through: recomputed even when active. */
const ARITHMETIC = new Set(["add", "sub", "mul", "neg", "pos"]);

export function analyze(fn: IRFunction, wrt: Set<number>, filename: string): Analysis {
  const assigns: Assign[] = [];
  const stmts: Stmt[] = [];
  forEachStmt(fn.body, (stmt) => {
    stmts.push(stmt);
    if (stmt.kind === "assign") assigns.push(stmt);
  });
  const types = inferTypes(fn, stmts);
  const isArray = (name: string) => types.get(name) === "array";

  // Array variables that may hold the same array (`b = a`) form one class: one adjoint.
  const classes = new UnionFind();
  for (const s of assigns) {
    if (s.expr.kind === "copy" && s.expr.arg.kind === "var" && isArray(s.target) && isArray(s.expr.arg.name)) classes.union(s.target, s.expr.arg.name);
  }
  /** The activity node of a variable: its array class, or itself. */
  const node = (name: string) => (isArray(name) ? `[]${classes.find(name)}` : name);
  const canCarry = (name: string) => {
    const type = types.get(name);
    return type === "number" || type === "unknown" || type === "array" || type === "ndarray";
  };

  // Dataflow edges from each differentiable source to what it flows into.
  const edges: [string, string][] = [];
  const flow = (from: Operand, to: string) => {
    if (from.kind === "var") edges.push([node(from.name), node(to)]);
  };
  for (const s of stmts) {
    if (s.kind === "assign") {
      if (s.expr.kind === "copy" && isArray(s.target)) continue; // an alias, not a flow
      exprArgs(s.expr).forEach((arg, i) => {
        if (differentiableArg(s.expr, i) && !(s.expr.kind === "alloc" && !(arg.kind === "var" && isArray(arg.name)))) flow(arg, s.target);
      });
    } else if (s.kind === "store" || s.kind === "fill") {
      flow(s.value, s.array);
    }
  }
  // A record block's attachGrad() leaves start gradients of their own, as parameters do.
  const leaves = assigns.filter((s) => s.expr.kind === "leaf").map((s) => s.target);
  const seeds = [...fn.params.filter((p, i) => wrt.has(i) && canCarry(p)), ...leaves].map(node);
  const carries = (n: string) => n.startsWith("[]") || canCarry(n);
  const varied = reach(seeds, edges, carries);
  const backwards = edges.map(([a, b]): [string, string] => [b, a]);
  // A record block's NDArray outputs can each start a backward(); numbers cannot.
  const outputs = fn.outputs?.map((o) => (types.get(o) === "ndarray" || types.get(o) === "unknown" ? o : null)) ?? [fn.result];
  const useful = reach(outputs.flatMap((o) => (o ? [node(o)] : [])), backwards, () => true);
  const activeNodes = new Set([...varied].filter((n) => useful.has(n) && carries(n)));
  const inputs = new Set(fn.params.filter((_, i) => wrt.has(i)));
  const outputSlices = fn.outputs?.map((_, i) => {
    const o = outputs[i];
    if (!o) return [];
    const reached = reach([node(o)], backwards, () => true);
    return [...activeNodes].filter((n) => reached.has(n) && !inputs.has(n)).sort();
  });
  const isActiveVar = (name: string) => activeNodes.has(node(name));
  const active = new Set([...types.keys()].filter(isActiveVar));
  const isActive = (op: Operand) => op.kind === "var" && active.has(op.name);

  const activeStmts = new Set<Stmt>();
  const resets = new Set<Stmt>();
  const diagnostics: Diagnostic[] = [];
  const report = (code: DiagnosticCode, at: Span, detail: string) => diagnostics.push(diagnostic(code, filename, at, detail));
  for (const s of stmts) {
    if (s.kind === "store" || s.kind === "fill") {
      if (active.has(s.array)) activeStmts.add(s);
      continue;
    }
    if (s.kind !== "assign" || !active.has(s.target)) continue;
    if (s.expr.kind === "copy" && isArray(s.target)) continue;
    const activeArgs = exprArgs(s.expr).some((a, i) => isActive(a) && differentiableArg(s.expr, i));
    if (s.expr.kind === "alloc" || s.expr.kind === "leaf") {
      activeStmts.add(s); // its adjoint array is zeroed (and a copy's flows back); a leaf's is returned
      continue;
    }
    if (!activeArgs) {
      resets.add(s);
      continue;
    }
    if (s.expr.kind === "opaque") {
      report(s.expr.diagnostic, s.expr.at, s.expr.describe);
      continue;
    }
    activeStmts.add(s);
  }

  // A callee may read its array parameters but not write them: its caller's reverse
  // sweep could not see the writes.
  const paramClasses = new Set(fn.params.filter(isArray).map(node));
  const paramWrites: Span[] = [];
  for (const s of stmts) {
    if ((s.kind === "store" || s.kind === "fill") && paramClasses.has(node(s.array)) && s.loc) {
      paramWrites.push({ start: s.loc.start ?? 0, end: s.loc.end ?? 0, line: s.loc.line, column: s.loc.column });
    }
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

  const rematerialized = rematerializable(fn, stmts, classes, isArray, active);
  const needed = new Set<string>();
  /** Array classes whose elements the reverse sweep reads: their overwritten elements are saved. */
  const elementsNeeded = new Set<string>();
  const need = (op: Operand | string) => {
    const name = typeof op === "string" ? op : op.kind === "var" ? op.name : null;
    if (name === null) return;
    const remat = rematerialized.get(name);
    if (!remat) {
      needed.add(name);
      return;
    }
    const { expr } = remat.assign;
    if (expr.kind === "load" && expr.array.kind === "var") elementsNeeded.add(node(expr.array.name));
    for (const arg of exprArgs(expr)) need(arg);
  };
  for (const s of activeStmts) for (const name of readByAdjoint(s, active, pullbacks, isArray, (name) => types.get(name) === "ndarray")) need(name);
  // A callee's pullback reads the arrays it was given as they were at the call: writes the
  // caller makes after it are undone before the reverse sweep reaches the call.
  for (const s of activeStmts) {
    if (s.kind !== "assign" || s.expr.kind !== "call") continue;
    for (const arg of s.expr.args) if (arg.kind === "var" && isArray(arg.name)) elementsNeeded.add(node(arg.name));
  }

  const nestedLoops = new Set<Stmt>();
  const inLoopAssigns = new Set<Stmt>();
  forEachStmt(fn.body, (stmt, inLoop) => {
    if (stmt.kind === "loop" && inLoop) nestedLoops.add(stmt);
    if (stmt.kind === "assign" && inLoop) inLoopAssigns.add(stmt);
  });
  const firstAssignments = definitelyFirstAssignments(fn);
  const savedPullbacks = new Set([...pullbacks.keys()].filter((stmt) => inLoopAssigns.has(stmt)));

  // An integer counter stepped by a constant (`i++`) is restored by stepping back, not saved.
  const counters = integerCounters(stmts, fn.params);
  const inverted = new Set<Stmt>(
    assigns.filter((s) => counters.has(s.target) && s.expr.kind === "prim" && s.expr.args[0].kind === "var" && s.expr.args[0].name === s.target),
  );

  // Saving a value makes the statement reversed, which makes enclosing branch conditions
  // needed, which may need saving in turn: iterate to a fixpoint.
  const saves = new Set<Stmt>();
  const reversed = new Set<Stmt>();
  const conditionsNeeded = new Set<string>();
  fixpoint(() => {
    let changed = false;
    for (const s of stmts) {
      const saving =
        s.kind === "assign"
          ? needed.has(s.target) && !firstAssignments.has(s) && !inverted.has(s)
          : (s.kind === "store" || s.kind === "fill") && elementsNeeded.has(node(s.array));
      if (saving && !saves.has(s)) {
        saves.add(s);
        changed = true;
      }
    }
    const mark = (list: Stmt[]): boolean => {
      let any = false;
      for (const s of list) {
        let has = false;
        if (s.kind === "assign") has = activeStmts.has(s) || saves.has(s) || (resets.has(s) && !firstAssignments.has(s)) || (inverted.has(s) && needed.has(s.target));
        else if (s.kind === "store" || s.kind === "fill") has = activeStmts.has(s) || saves.has(s);
        else if (s.kind === "if") {
          const a = mark(s.then);
          const b = mark(s.else);
          has = a || b;
          if (has && s.cond.kind === "var" && !conditionsNeeded.has(s.cond.name)) {
            conditionsNeeded.add(s.cond.name);
            need(s.cond);
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

  const restoresElements = [...saves].some((s) => s.kind === "store" || s.kind === "fill");
  const restoredParams = fn.params.filter((p) => isArray(p) && [...saves].some((s) => (s.kind === "store" || s.kind === "fill") && node(s.array) === node(p)));
  return {
    types,
    active,
    activeStmts,
    resets,
    needed,
    saves,
    reversed,
    nestedLoops,
    firstAssignments,
    pullbacks,
    savedPullbacks,
    rematerialized,
    restoresElements,
    restoredParams,
    paramWrites,
    outputSlices,
    inverted: new Set([...inverted].filter((s) => s.kind === "assign" && needed.has(s.target))),
    directAdjoints: singleUseTemporaries(fn, stmts),
    diagnostics,
  };
}

/** The variables an active statement's adjoint reads: operands its rule uses, indices, arrays, pullbacks. */
function readByAdjoint(s: Stmt, active: Set<string>, pullbacks: Map<Stmt, string>, isArray: (name: string) => boolean, isNdarray: (name: string) => boolean): (Operand | string)[] {
  if (s.kind === "store") return [s.array, s.index];
  if (s.kind === "fill") return [s.array];
  if (s.kind !== "assign") return [];
  const { expr } = s;
  const arrays = (ops: Operand[]) => ops.filter((op) => op.kind === "var" && isArray(op.name));
  if (expr.kind === "call") return [pullbacks.get(s)!, ...arrays(expr.args), ...(isArray(s.target) ? [s.target] : [])];
  if (expr.kind === "load") return [expr.array, expr.index];
  // An adjoint/np rule is given the arguments and the result it reads (all, unless it says).
  if (expr.kind === "np") {
    const kept = (op: Operand | string, i: number | "out") => expr.rule === null || ruleReads(expr.rule, i) || !isNdarray(typeof op === "string" ? op : op.kind === "var" ? op.name : "");
    return [...expr.args.filter((arg, i) => kept(arg, npParam(expr, i))), ...(kept(s.target, "out") ? [s.target] : [])];
  }
  if (expr.kind === "alloc") return [s.target, ...arrays([expr.arg])];
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

/**
 * Temporaries (a load `t = a[i]`, or cheap arithmetic `t = i - 1`) whose every reader
 * follows in the same block with nothing in between that changes what they were computed
 * from: the reverse sweep computes them again where it needs them instead of saving them.
 */
function rematerializable(fn: IRFunction, stmts: Stmt[], classes: UnionFind, isArray: (name: string) => boolean, active: Set<string>): Map<string, Rematerialized> {
  const found = new Map<string, Rematerialized>();
  const assignCount = new Map<string, number>();
  for (const s of stmts) if (s.kind === "assign") assignCount.set(s.target, (assignCount.get(s.target) ?? 0) + 1);
  const readers = new Map<string, number>();
  for (const s of stmts) for (const name of readsOf(s)) readers.set(name, (readers.get(name) ?? 0) + 1);
  // Outside loops a temporary is never overwritten, so keeping it costs nothing.
  const candidate = (s: Stmt, inLoop: boolean): s is Assign => {
    if (!inLoop || s.kind !== "assign" || !fn.locals.get(s.target)?.temp || assignCount.get(s.target) !== 1) return false;
    if (s.expr.kind === "load") return s.expr.array.kind === "var";
    return s.expr.kind === "prim" && CHEAP.has(s.expr.op) && (!active.has(s.target) || ARITHMETIC.has(s.expr.op));
  };
  const visitBlock = (block: Stmt[], inLoop: boolean) => {
    block.forEach((s, at) => {
      if (s.kind === "if") {
        visitBlock(s.then, inLoop);
        visitBlock(s.else, inLoop);
      } else if (s.kind === "loop") {
        visitBlock(s.pre, true);
        visitBlock(s.body, true);
      }
      if (!candidate(s, inLoop)) return;
      const { expr } = s;
      // What it is computed from, through temporaries that are themselves computed again.
      const sourcesOf = (op: Operand): string[] => {
        if (op.kind !== "var") return [];
        const inner = found.get(op.name);
        return inner ? [op.name, ...exprArgs(inner.assign.expr).flatMap(sourcesOf)] : [op.name];
      };
      const sources = [s.target, ...exprArgs(expr).flatMap(sourcesOf)];
      // The arrays it reads elements of, directly or through such temporaries.
      const arrayClasses = new Set(
        sources.flatMap((name) => {
          const load = name === s.target ? s : found.get(name)?.assign;
          return load?.expr.kind === "load" && load.expr.array.kind === "var" ? [classes.find(load.expr.array.name)] : [];
        }),
      );
      const clobbers = (inner: Stmt) =>
        ((inner.kind === "store" || inner.kind === "fill") && arrayClasses.has(classes.find(inner.array))) ||
        (inner.kind === "assign" && inner.target !== s.target && (sources.includes(inner.target) || (isArray(inner.target) && arrayClasses.has(classes.find(inner.target)))));
      let remaining = readers.get(s.target) ?? 0;
      for (const later of block.slice(at + 1)) {
        if (remaining === 0) break;
        // The reverse sweep tests an if's condition after undoing its branches, so branches
        // that change what the condition was computed from rule it out like any other write.
        let reads = 0;
        let clobbered = false;
        forEachStmt([later], (inner) => {
          reads += readsOf(inner).filter((name) => name === s.target).length;
          clobbered ||= clobbers(inner);
        });
        // A store may write what t was computed from as t's last reader: undoing a store
        // never reads the value stored. Any other writer's adjoint might read t first.
        const storesT = later.kind === "store" && later.value.kind === "var" && later.value.name === s.target && !(later.index.kind === "var" && later.index.name === s.target);
        if (clobbered && !(storesT && reads === remaining)) return;
        remaining -= reads;
      }
      if (remaining === 0) found.set(s.target, { assign: s });
    });
  };
  visitBlock(fn.body, false);
  return found;
}

function singleUseTemporaries(fn: IRFunction, stmts: Stmt[]): Set<string> {
  const assignCount = new Map<string, number>();
  const readCount = new Map<string, number>();
  for (const s of stmts) {
    if (s.kind === "assign") assignCount.set(s.target, (assignCount.get(s.target) ?? 0) + 1);
    for (const name of readsOf(s)) readCount.set(name, (readCount.get(name) ?? 0) + 1);
  }
  const found = new Set<string>();
  const visit = (block: Stmt[]) => {
    block.forEach((s, at) => {
      if (s.kind === "if") {
        visit(s.then);
        visit(s.else);
      } else if (s.kind === "loop") {
        visit(s.pre);
        visit(s.body);
      }
      if (s.kind !== "assign" || !fn.locals.get(s.target)?.temp || assignCount.get(s.target) !== 1 || readCount.get(s.target) !== 1) return;
      const reader = block.slice(at + 1).find((later) => readsOf(later).includes(s.target));
      if (reader && (reader.kind === "assign" || reader.kind === "store")) found.add(s.target);
    });
  };
  visit(fn.body);
  return found;
}

/** Variables only ever set to integer literals or stepped by them (`i = 0`, `i++`, `i -= 2`). */
function integerCounters(stmts: Stmt[], params: string[]): Set<string> {
  const isInteger = (op: Operand) => op.kind === "const" && typeof op.value === "number" && Number.isInteger(op.value);
  const verdict = new Map<string, boolean>();
  for (const s of stmts) {
    if (s.kind !== "assign") continue;
    const { expr } = s;
    const ok =
      (expr.kind === "copy" && isInteger(expr.arg)) ||
      (expr.kind === "prim" && (expr.op === "add" || expr.op === "sub") && expr.args[0].kind === "var" && expr.args[0].name === s.target && isInteger(expr.args[1]));
    verdict.set(s.target, (verdict.get(s.target) ?? true) && ok);
  }
  // A parameter starts from whatever the caller passed, which need not be an integer.
  return new Set([...verdict].filter(([name, ok]) => ok && !params.includes(name)).map(([name]) => name));
}

/** Every node reachable from `seeds` along `edges`, through nodes that `passes` allows. */
function reach(seeds: string[], edges: [string, string][], passes: (node: string) => boolean): Set<string> {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const seen = new Set<string>();
  const queue = seeds.filter(passes);
  for (const seed of queue) seen.add(seed);
  while (queue.length > 0) {
    for (const to of next.get(queue.pop()!) ?? []) {
      if (!seen.has(to) && passes(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

class UnionFind {
  private parent = new Map<string, string>();
  find(name: string): string {
    const parent = this.parent.get(name);
    if (parent === undefined || parent === name) return name;
    const root = this.find(parent);
    this.parent.set(name, root);
    return root;
  }
  union(a: string, b: string): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
}

function inferTypes(fn: IRFunction, stmts: Stmt[]): Map<string, InferredType> {
  const types = new Map<string, InferredType>();
  // An unannotated parameter is whatever its use says (a number in arithmetic, an array
  // when indexed); until then unknown.
  fn.params.forEach((p, i) => types.set(p, fn.paramAnnotated[i] ? fn.paramTypes[i] : "unknown"));
  for (const [name, info] of fn.locals) if (info.declared) types.set(name, info.declared);
  // Whatever is indexed or written element by element is an array, unannotated parameters included.
  const unannotated = new Set(fn.params.filter((_, i) => !fn.paramAnnotated[i]));
  for (const s of stmts) {
    const base = s.kind === "store" || s.kind === "fill" ? s.array : s.kind === "assign" && s.expr.kind === "load" && s.expr.array.kind === "var" ? s.expr.array.name : null;
    if (base && (!types.has(base) || unannotated.has(base))) types.set(base, "array");
  }
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
      case "leaf":
        return typeOf(expr.arg);
      case "prim":
        return scalarRules[expr.op].result;
      case "load":
        return "number";
      case "alloc":
        return "array";
      case "np":
        return expr.result;
      case "call":
      case "opaque":
        return "unknown";
    }
  };
  // Something known beats unknown: a variable set from arithmetic and from a call result is
  // a number (one that is sometimes an array is not supported).
  const join = (a: InferredType | undefined, b: InferredType | undefined): InferredType | undefined => {
    if (a === undefined || a === "unknown") return b ?? a;
    if (b === undefined || b === "unknown" || a === b) return a;
    return "unknown";
  };
  const assigns = stmts.filter((s): s is Assign => s.kind === "assign");
  fixpoint(() => {
    let changed = false;
    for (const s of assigns) {
      if (fn.locals.get(s.target)?.declared || (fn.params.includes(s.target) && !unannotated.has(s.target))) continue;
      if (types.get(s.target) === "array" && s.expr.kind !== "alloc" && s.expr.kind !== "copy") continue;
      const next = join(types.get(s.target), exprType(s.expr));
      if (next !== undefined && next !== types.get(s.target)) {
        types.set(s.target, next);
        changed = true;
      }
    }
    return changed;
  });
  for (const name of fn.locals.keys()) if (!types.has(name)) types.set(name, "unknown");
  // A value used in number arithmetic is a number; an unknown one that is only passed on
  // (to a call, an np operation) may be an array, and its adjoint is accumulated generically.
  for (const s of assigns) {
    if (s.expr.kind !== "prim") continue;
    for (const arg of s.expr.args) if (arg.kind === "var" && types.get(arg.name) === "unknown") types.set(arg.name, "number");
  }
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
