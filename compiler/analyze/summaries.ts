// Callee summaries: what a function of the module does to the arrays it is given, computed
// once per module over its call graph (to a fixed point, so recursion is covered). A call's
// writes through its arguments are data flow and memory changes the caller must see, as
// Clad's pullbacks treat pointer parameters.
import { forEachStmt, type Callee, type Expr, type IRFunction, type Operand, type Stmt } from "../ir/index.js";

type CallExpr = Extract<Expr, { kind: "call" }>;
import { arrayMethodRule } from "../rules/array-methods.js";
import { UnionFind } from "./dataflow.js";
import { inferTypes, type ModuleFacts } from "./types.js";

export interface Summary {
  /** Positions of the array parameters the function (or a function it calls) writes into. */
  writes: number[];
  /** Of those, the ones whose length it changes (`push`, `splice` on a number[]). */
  resizes: number[];
  /**
   * What an array result is: `fresh` (made by the call), `param` (the array given as
   * parameter `index`), `mixed` (one of `params` or a new array, by path), or `none`.
   */
  result: { kind: "fresh" | "none" } | { kind: "param"; index: number } | { kind: "mixed"; params: number[] };
}

/** How the analyses look a callee's summary up; undefined: nothing is known (an attached vjp). */
export type Summaries = (callee: Callee) => Summary | undefined;

export const noSummaries: Summaries = () => undefined;

/**
 * A function with an attached vjp (another module's `differentiable`, `customGrad`): its
 * summary is not visible here, so it may write any array it is given, and the caller keeps
 * what it reads as if it did. If it does write one, or returns one it was given, its vjp
 * refuses at run time (runtime/generated.ts: vjpOf), so the caller's reverse sweep is right
 * whenever it runs. Positions past the call's arguments are ignored.
 */
export const ATTACHED: Summary = { writes: Array.from({ length: 64 }, (_, i) => i), resizes: Array.from({ length: 64 }, (_, i) => i), result: { kind: "fresh" } };

/**
 * The variant of a module function a call needs: the arguments that carry gradient, and the
 * groups of arguments of one region (`axpy(x, 2, x)` passes one array twice).
 */
export function callVariant(call: CallExpr, isActive: (name: string) => boolean, isArray: (name: string) => boolean, region: (name: string) => string): { activeArgs: number[]; aliases: number[][] } {
  const activeArgs = call.args.flatMap((arg, i) => (arg.kind === "var" && isActive(arg.name) ? [i] : []));
  const byRegion = new Map<string, number[]>();
  call.args.forEach((arg, i) => {
    if (arg.kind === "var" && isArray(arg.name)) byRegion.set(region(arg.name), [...(byRegion.get(region(arg.name)) ?? []), i]);
  });
  const aliases = call.callee.kind === "local" ? [...byRegion.values()].filter((group) => group.length > 1) : [];
  return { activeArgs, aliases };
}

/** The call of a statement, if it is one (`t = g(a)` or `g(a);`). */
export function callOf(s: Stmt): CallExpr | null {
  return (s.kind === "assign" || s.kind === "effect") && s.expr.kind === "call" ? s.expr : null;
}

/** The array variables a call writes into, by its callee's summary (numbers are passed by value). */
export function writtenByCall(s: Stmt, summaries: Summaries, isArray: (name: string) => boolean): string[] {
  const call = callOf(s);
  if (!call) return [];
  const summary = summaries(call.callee);
  return (summary?.writes ?? []).flatMap((i) => {
    const arg = call.args[i];
    return arg?.kind === "var" && isArray(arg.name) ? [arg.name] : [];
  });
}

/**
 * Array variables that may hold the same array: copies (`b = a`) and call results that are
 * one of the call's arguments (`r = scale(out, k)` returns `out`) form one class.
 */
export function arrayClasses(stmts: Stmt[], isArray: (name: string) => boolean, summaries: Summaries): UnionFind {
  const classes = new UnionFind();
  for (const s of stmts) {
    if (s.kind !== "assign" || !isArray(s.target)) continue;
    if ((s.expr.kind === "copy" || s.expr.kind === "view") && s.expr.arg.kind === "var" && isArray(s.expr.arg.name)) classes.union(s.target, s.expr.arg.name);
    if (s.expr.kind === "call") {
      for (const given of resultArgs(s.expr, summaries)) if (given.kind === "var" && isArray(given.name)) classes.union(s.target, given.name);
    }
  }
  return classes;
}

/** The arguments a call's result may be (the same array), by its callee's summary. */
export function resultArgs(call: CallExpr, summaries: Summaries): Operand[] {
  const result = summaries(call.callee)?.result;
  const positions = result?.kind === "param" ? [result.index] : result?.kind === "mixed" ? result.params : [];
  return positions.flatMap((i) => (call.args[i] ? [call.args[i]] : []));
}

/** The summaries of `fns` and of every module function they call, by key. */
export function summarize(fns: Map<string, IRFunction>, known: ReadonlyMap<string, Summary> = new Map(), facts?: ModuleFacts): Map<string, Summary> {
  const summaries = new Map<string, Summary>(known);
  for (const key of fns.keys()) summaries.set(key, { writes: [], resizes: [], result: { kind: "none" } });
  const lookup: Summaries = (callee) => (callee.kind === "local" ? summaries.get(callee.key) : undefined);
  const perFunction = [...fns].map(([key, fn]) => {
    const stmts: Stmt[] = [];
    forEachStmt(fn.body, (s) => stmts.push(s));
    return { key, fn, stmts, types: inferTypes(fn, stmts, facts) };
  });
  for (let changed = true, rounds = 0; changed && rounds < 100; rounds++) {
    changed = false;
    for (const { key, fn, stmts, types } of perFunction) {
      const next = summaryOf(fn, stmts, (name) => types.get(name) === "array", lookup);
      const old = summaries.get(key)!;
      if (JSON.stringify(next) !== JSON.stringify(old)) {
        summaries.set(key, next);
        changed = true;
      }
    }
  }
  return new Map([...summaries].filter(([key]) => fns.has(key)));
}

function summaryOf(fn: IRFunction, stmts: Stmt[], isArray: (name: string) => boolean, summaries: Summaries): Summary {
  const classes = arrayClasses(stmts, isArray, summaries);
  const paramOf = new Map<string, number>();
  fn.params.forEach((p, i) => {
    if (isArray(p) && !paramOf.has(classes.find(p))) paramOf.set(classes.find(p), i);
  });
  // A class holding two parameters (one rebound to the other) may be either: both are written.
  const paramsIn = (name: string) => fn.params.flatMap((p, i) => (isArray(p) && classes.find(p) === classes.find(name) ? [i] : []));
  const writes = new Set<number>();
  const resizes = new Set<number>();
  for (const s of stmts) {
    const written = s.kind === "store" || s.kind === "fill" || s.kind === "method" ? [s.array] : writtenByCall(s, summaries, isArray);
    for (const name of written) for (const i of paramsIn(name)) writes.add(i);
    for (const name of resizedBy(s, summaries, isArray)) for (const i of paramsIn(name)) resizes.add(i);
  }
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  return { writes: sorted(writes), resizes: sorted(resizes), result: resultOf(fn, stmts, isArray, classes, summaries, paramsIn) };
}

function resultOf(fn: IRFunction, stmts: Stmt[], isArray: (name: string) => boolean, classes: UnionFind, summaries: Summaries, paramsIn: (name: string) => number[]): Summary["result"] {
  if (!isArray(fn.result)) return { kind: "none" };
  const cls = classes.find(fn.result);
  const params = paramsIn(fn.result);
  // Anything else that gives the class an array: an allocation, a fresh call result.
  const fresh = stmts.some((s) => {
    if (s.kind !== "assign" || !isArray(s.target) || classes.find(s.target) !== cls) return false;
    if (s.expr.kind === "copy" || s.expr.kind === "view") return false;
    if (s.expr.kind === "call") {
      return summaries(s.expr.callee)?.result.kind !== "param";
    }
    return true;
  });
  if (params.length === 0) return { kind: "fresh" };
  if (params.length === 1 && !fresh) return { kind: "param", index: params[0] };
  return { kind: "mixed", params };
}

/** The arrays a statement changes the length of: a method's, or those a callee resizes through its arguments. */
export function resizedBy(s: Stmt, summaries: Summaries, isArray: (name: string) => boolean): string[] {
  if (s.kind === "method") return arrayMethodRule(s.method, s.args.length)?.resizes ? [s.array] : [];
  const call = callOf(s);
  return (call ? (summaries(call.callee)?.resizes ?? []) : []).flatMap((i) => {
    const arg = call!.args[i];
    return arg?.kind === "var" && isArray(arg.name) ? [arg.name] : [];
  });
}

/** The regions whose arrays some statement resizes: their number[] adjoints follow their length. */
export function resizedClasses(stmts: Stmt[], node: (name: string) => string, summaries: Summaries, isArray: (name: string) => boolean): Set<string> {
  return new Set(stmts.flatMap((s) => resizedBy(s, summaries, isArray).map(node)));
}
