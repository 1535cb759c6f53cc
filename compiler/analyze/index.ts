// Analyses run on the IR before any code is generated (as Clad does): value types,
// activity (varied: depends on a `wrt` input; useful: reaches the result), which values
// the reverse sweep reads, and which assignments must save the value they overwrite.
// Each has its file (types, activity, saves); analyze() runs them in that order.
import { checkpointsOf, type CheckpointState } from "./checkpoints.js";
import { firstWriteLoads, unreadSpentStores } from "./first-writes.js";
import { incrementsOf, type Increment } from "./increments.js";
import { dropTakenFlags, lastTakenBranches } from "./last-taken.js";
import type { CountedLoop } from "./counters.js";
import type { LoopSnapshot } from "./loop-snapshots.js";
import { diagnostic, type Diagnostic, type Span } from "../diagnostics.js";
import { forEachStmt, type Assign, type IRFunction, type Loop, type Stmt } from "../ir/index.js";
import { activityOf, type AnalysisOptions } from "./activity.js";
import { resizedClasses } from "./summaries.js";
import { rowsPassedOn, rowsUnderWrites } from "./rows.js";
import { pullbackNames, savesOf, type Rematerialized } from "./saves.js";
import { inferKinds, kindConflicts, type InferredType, type Kinds, type ModuleFacts } from "./types.js";

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
  /** Stores that add to their element (`a[i] += e`), and the load and add each stands for. */
  increments: Map<Stmt, Increment>;
  /** Loops whose reverse sets their counter from the trip count (its start value is not saved). */
  countedLoops: Map<Stmt, CountedLoop>;
  incrementParts: Set<Stmt>;
  /** Positions of the array parameters whose elements the reverse sweep reads (as the call left them). */
  paramsRead: number[];
  /** Array parameters whose elements the reverse sweep puts back: copied back to their final values after it. */
  restoredParams: string[];
  /**
   * Temporaries read exactly once, by a later statement of their own block: their adjoint
   * gets exactly one contribution, just before their own reverse, so it is assigned
   * (`dt1 = ...`) rather than accumulated and reset.
   */
  directAdjoints: Set<string>;
  /** Branches whose reverse runs at the last iteration that took them only, and their loops (last-taken.ts). */
  lastTaken: Map<Stmt, Loop>;
  /** Loads whose reverse is the only contribution to their element's adjoint (first-writes.ts). */
  firstWriteLoads: Set<Stmt>;
  /** Stores whose spent element adjoint no later reverse reads, and arrays made once as zeros (first-writes.ts). */
  unreadSpentStores: Set<Stmt>;
  onceMadeArrays: Set<string>;
  /** `i += c` steps of integer counters the reverse sweep needs: undone by `i -= c`. */
  inverted: Set<Stmt>;
  /**
   * Calls that write into arrays whose elements the reverse sweep reads: each such array is
   * copied onto the stack before the call and put back after the call's reverse.
   */
  snapshots: Map<Stmt, string[]>;
  /**
   * Loops that copy arrays they overwrite element by element once, before they run, put back
   * after their reverse; the stores whose per-element saves that replaces (loop-snapshots.ts).
   * Those stores stay in `saves` (for plain code, which keeps per-element saves): the reverse
   * builder drops them there.
   */
  loopSnapshots: Map<Stmt, LoopSnapshot>;
  /**
   * For each output of a record block, the active variables (parameters aside) its
   * backward() goes through: two outputs share saved values when these meet.
   */
  outputSlices?: string[][];
  /** Array variables whose arrays some method resizes (push, pop, splice, …): their adjoints follow their length. */
  resized: Set<string>;
  /** Variables a gradient flows through or towards (varied or useful): an effect on them matters. */
  involved: Set<string>;
  /** The region (array class) of a variable: variables of one region may hold the same array. */
  region: (name: string) => string;
  /** Array parameters the function writes into, itself or through a callee. */
  writtenParams: Set<string>;
  /** Calls whose result is one of the arrays they were given: it has that array's adjoint. */
  returnsArgument: Set<Stmt>;
  /** Checkpointed loops with reverse code, and the state each one's snapshots keep. */
  checkpoints: Map<Loop, CheckpointState>;
  diagnostics: Diagnostic[];
}

export type { AnalysisOptions };

export function analyze(fn: IRFunction, wrt: Set<number>, filename: string, options: AnalysisOptions): Analysis {
  const assigns: Assign[] = [];
  const stmts: Stmt[] = [];
  forEachStmt(fn.body, (stmt) => {
    stmts.push(stmt);
    if (stmt.kind === "assign") assigns.push(stmt);
  });
  const kinds = inferKinds(fn, stmts, options.facts);
  const { types } = kinds;
  const activity = activityOf(fn, wrt, stmts, assigns, types, filename, options);
  const pullbacks = pullbackNames(fn, activity.activeStmts, types);
  const saves = savesOf(fn, stmts, assigns, types, activity, pullbacks, options);
  const { active, activeStmts, resets, outputSlices } = activity;
  const increments = new Map([...incrementsOf(fn, saves.directAdjoints, types)].filter(([s, inc]) => [s, ...inc.parts].every((part) => activeStmts.has(part))));
  const isArray = (name: string) => types.get(name) === "array";
  const resized = resizedClasses(stmts, activity.node, options.summaries, isArray);
  const checkpoints = checkpointsOf(fn, saves.reversed, isArray, activity.active, activity.returnsArgument, activity.node, options.summaries, filename);
  // Restoring a snapshot puts elements back: parameters get their final elements after the sweep.
  const snapshotParams = fn.params.filter((p) => [...checkpoints.states.values()].some((state) => state.arrays.includes(p)));
  const spent = unreadSpentStores(fn, isArray);
  const loadsFirstWritten = firstWriteLoads(fn, spent.arrays);
  const lastTaken = lastTakenBranches(fn, { ...saves, types, activeStmts, firstWriteLoads: loadsFirstWritten });
  dropTakenFlags(lastTaken, saves.saves, saves.needed);
  const diagnostics = [
    ...activity.diagnostics,
    ...checkpoints.diagnostics,
    ...kindConflicts(fn, stmts, types).flatMap((s) => (s.loc ? [kindDiagnostic(fn, s, stmts, filename)] : [])),
    ...unknownKinds(fn, stmts, kinds, activity.active, activity.involved, filename),
    ...rowsUnderWrites(fn, stmts, { ...activity, isArray, summaries: options.summaries }, filename),
    ...rowsPassedOn(stmts, options.summaries, filename),
  ];
  return {
    types,
    active,
    activeStmts,
    resets,
    needed: saves.needed,
    saves: saves.saves,
    reversed: saves.reversed,
    nestedLoops: saves.nestedLoops,
    firstAssignments: saves.firstAssignments,
    pullbacks,
    savedPullbacks: saves.savedPullbacks,
    rematerialized: saves.rematerialized,
    firstWriteLoads: loadsFirstWritten,
    lastTaken,
    unreadSpentStores: spent.stores,
    onceMadeArrays: spent.arrays,
    restoresElements: saves.restoresElements || [...checkpoints.states.values()].some((state) => state.arrays.length > 0),
    restoredParams: [...new Set([...saves.restoredParams, ...snapshotParams])],
    snapshots: saves.snapshots,
    loopSnapshots: saves.loopSnapshots,
    paramsRead: saves.paramsRead,
    countedLoops: saves.countedLoops,
    increments,
    incrementParts: new Set([...increments.values()].flatMap((inc) => inc.parts)),
    outputSlices,
    involved: activity.involved,
    region: activity.node,
    writtenParams: activity.writtenParams,
    returnsArgument: activity.returnsArgument,
    checkpoints: checkpoints.states,
    resized: new Set([...types.keys()].filter((name) => types.get(name) === "array" && resized.has(activity.node(name)))),
    inverted: saves.inverted,
    directAdjoints: saves.directAdjoints,
    diagnostics,
  };
}

/**
 * Kinds that matter and that nothing decides (ADJ027): a value with an adjoint whose uses
 * disagree (indexed in one place, a number in another) or contradict its declaration, and an array made from a value of
 * unknown kind (`new Float64Array(x)` copies an array but makes one of a number's length). A
 * value of unknown kind is otherwise sound: generated code adds its adjoints with the runtime's
 * `accumulate`, which takes numbers, arrays and NDArrays alike.
 */
function unknownKinds(fn: IRFunction, stmts: Stmt[], { types, conflicts }: Kinds, active: Set<string>, involved: Set<string>, filename: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const firstAssign = (name: string) => stmts.find((s) => s.kind === "assign" && s.target === name && s.loc)?.loc;
  for (const [name, evidence] of conflicts) {
    const info = fn.locals.get(name);
    // Only a value with an adjoint: the forward sweep is the user's code, whatever its kinds.
    if (!active.has(name) || info?.temp) continue;
    const index = fn.params.indexOf(name);
    const loc = firstAssign(name);
    const at = index >= 0 ? fn.paramSpans?.[index] : loc && { start: loc.start ?? 0, end: loc.end ?? 0, line: loc.line, column: loc.column };
    const declared = info?.declared ?? (index >= 0 && fn.paramAnnotated[index] ? fn.paramTypes[index] : undefined);
    const other = evidence.has("number") ? "used as a number" : "passed as an NDArray";
    const named = info?.source ?? name;
    const detail =
      declared === "array"
        ? `'${named}' is declared an array of numbers and used as a number`
        : declared !== undefined
          ? `'${named}' is declared ${{ ndarray: "an NDArray", number: "a number", boolean: "a boolean", other: "neither a number nor an array of numbers" }[declared]} and indexed as an array`
          : `'${named}' is indexed as an array in one place and ${other} in another`;
    if (at) out.push(diagnostic("ADJ027", filename, at, detail));
  }
  for (const s of stmts) {
    if (s.kind !== "assign" || s.expr.kind !== "alloc" || s.expr.arg.kind !== "var" || !s.loc) continue;
    const arg = s.expr.arg.name;
    if (types.get(arg) !== "unknown" || !(involved.has(arg) || involved.has(s.target))) continue;
    const at = { start: s.loc.start ?? 0, end: s.loc.end ?? 0, line: s.loc.line, column: s.loc.column };
    const what = fn.locals.get(arg)?.temp ? "the value" : `'${fn.locals.get(arg)?.source ?? arg}'`;
    out.push(diagnostic("ADJ027", filename, at, `${what} makes a new array here: a copy of it if it is an array, zeros of its length if it is a number`));
  }
  return out;
}

/** The user's name for a variable, through the temporaries lowering copied it into (for…of's array). */
function userName(fn: IRFunction, stmts: Stmt[], name: string, depth = 0): string | undefined {
  const info = fn.locals.get(name);
  if (!info?.temp) return info?.source ?? name;
  const copy = stmts.find((s): s is Assign => s.kind === "assign" && s.target === name && s.expr.kind === "copy");
  const from = copy?.expr.kind === "copy" ? copy.expr.arg : undefined;
  if (from?.kind === "outer") return from.name;
  return from?.kind === "var" && depth < 8 ? userName(fn, stmts, from.name, depth + 1) : undefined;
}

function kindDiagnostic(fn: IRFunction, s: Assign, stmts: Stmt[], filename: string): Diagnostic {
  const at = { start: s.loc!.start ?? 0, end: s.loc!.end ?? 0, line: s.loc!.line, column: s.loc!.column };
  const what = s.target === fn.result ? "the function's return value" : fn.locals.get(s.target)?.temp ? undefined : `'${fn.locals.get(s.target)?.source ?? s.target}'`;
  const onlyLoaded = stmts.every((other) => other.kind !== "assign" || other.target !== s.target || other.expr.kind === "load");
  if (s.expr.kind === "load" && s.expr.array.kind === "var" && onlyLoaded) {
    // `const row = rows[k]` indexed after: an array of arrays, not one kind on two paths.
    const rows = userName(fn, stmts, s.expr.array.name);
    return diagnostic("ADJ016", filename, at, `${what ?? "the value"}, an element of ${rows ? `'${rows}'` : "an array"} used as an array where adjoint cannot see it read: adjoint reads an array of arrays as data where the function, or a helper small enough to inline, reads the elements of its rows (read them here, or keep the rows in one flat Float64Array and index rows[k * n + j])`);
  }
  return diagnostic("ADJ026", filename, at, what);
}
