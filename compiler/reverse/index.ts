// Reverse mode: from the IR and its analysis, the vjp function
//   function f$vjp(x, y) { forward sweep; return [value, (dvalue) => reverse sweep] }
// The forward sweep is the primal plus pushes of values about to be overwritten; the
// reverse sweep walks the statements backwards, accumulating adjoints by each primitive's
// rule and popping saved values so every variable reads as it did in the forward sweep.
// Each part has its file: forward-sweep.ts, reverse-sweep.ts, the adjoints of scalar and of
// array code (scalar.ts, arrays.ts) and the code of operands (code.ts); this file assembles the function.
import type { Analysis } from "../analyze/index.js";
import type { InferredType } from "../analyze/types.js";
import { identifiersIn, line, type Code } from "../emit/index.js";
import { forEachStmt, readsOf, type Callee, type IRFunction, type Loop, type Stmt } from "../ir/index.js";
import { callOf } from "../analyze/summaries.js";
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import { derivedOf } from "../rules/np.js";
import { addInto, fitted, putBack } from "./array-methods.js";
import { forwardSweep } from "./forward-sweep.js";
import { reverseSweep } from "./reverse-sweep.js";
import type { Reverser } from "./reverser.js";
import type { CheckpointedLoop } from "./checkpoint.js";
import { KeptArrays, keepsInCode } from "./kept.js";

/**
 * A callee's vjp as a call site uses it. A module function comes as two plain functions that
 * share the caller's value stack: `name(stack, ...args)` runs its forward sweep and returns
 * its value, `reverse(stack, dvalue, ...adjoints)` its reverse sweep. An attached one is a
 * vjp returning `[value, pullback]`.
 */
export interface CalleeVjp {
  name: string;
  reverse?: string;
  /** Its reverse sweep puts array elements back: it may run once per forward sweep. */
  restores: boolean;
  /**
   * Its array arguments of different regions must be different arrays: the caller's entry
   * point checks its own parameters (a split callee trusts its caller's regions).
   */
  needsDistinct: boolean;
  /** The arguments whose adjoints its pullback takes and adds into in place. */
  inPlace: number[];
  /** The head gradient of a result the caller drops: 0 for a number, else undefined. */
  noHead: string;
}

export interface ReverseOptions {
  /** Name of the function being generated. */
  name: string;
  /**
   * Unset: a vjp, `(...args) => [value, pullback]`. Set: a gradient entry point that runs
   * the reverse sweep right after the forward one, with no closure, returning the
   * gradients of `order` (parameter positions; `single`: just the one) and, for
   * valueAndGrad, the value first; a cotangent entry is grad with the head gradient given
   * after the parameters (a vjp's pullback applied inside differentiated code).
   */
  entry?: { kind: "grad" | "valueAndGrad" | "cotangent"; order: number[]; single: boolean; /** `out: true`: the name of the function making it with arrays kept between calls (kept.ts). */ out?: string };
  /**
   * Set: a callee's halves, `name(stack, ...params)` and `reverse(stack, dvalue, ...adjoints)`;
   * what the reverse reads of the forward's variables passes through the stack, so neither
   * is a closure.
   */
  split?: { reverse: string };
  /**
   * The stack a plain Array (`push`/`pop` of numbers only), no runtime object: code inside the
   * differentiable subset, for a derivative that is itself differentiated (grad(grad(f))).
   */
  plainStack?: boolean;
  /** Positions of the parameters to differentiate, ascending. */
  wrt: number[];
  /** The runtime namespace generated code imports (`adjoint`). */
  runtime: string;
  /** Groups of parameters the caller passes one array to (a callee's variant for `axpy(x, 2, x)`). */
  aliases?: number[][];
  /**
   * The vjp function to call for a callee, given which of its arguments are active and which
   * groups of them are one array; and the arguments whose adjoints its pullback takes in place.
   */
  calleeVjp: (callee: Callee, activeArgs: number[], aliases: number[][]) => CalleeVjp;
}

/** Words a generated name must not be (those a prefix such as `d` can make from a user's name). */
const KEYWORDS = new Set(["do", "delete", "default", "debugger", "in", "if", "for", "new", "try", "var", "let", "case", "else", "enum", "eval", "this", "void", "with", "await", "break", "catch", "class", "const", "super", "throw", "while", "yield", "export", "import", "return", "static", "switch", "typeof", "extends", "finally", "package", "private", "continue", "function", "arguments", "interface", "protected", "implements", "instanceof", "public", "null", "true", "false"]);

/**
 * The generated function (two for a split callee), whether its reverse sweep may run only
 * once, and whether it needs its caller to check that its array arguments are distinct.
 */
/**
 * What reverse mode cannot differentiate though analysis let it through: a generated NDArray
 * gradient's calls of its rules' vjps and helpers have tangents (forward over reverse) but no
 * vjp of their own yet.
 */
export function reverseRefusals(fn: IRFunction, a: Analysis, filename: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  forEachStmt(fn.body, (s) => {
    if (out.length > 0 || s.kind !== "assign" || s.expr.kind !== "np" || s.expr.rule === null || !derivedOf(s.expr.rule) || !a.activeStmts.has(s)) return;
    const at = s.loc ?? fn.loc;
    const detail = "reverse mode over the gradient of NDArray code (grad of grad); hvp, hessian and jvp(grad(f)) differentiate it forward over reverse";
    out.push(diagnostic("ADJ016", filename, { start: at.start ?? 0, end: at.end ?? 0, line: at.line, column: at.column }, detail));
  });
  return out;
}

export function reverseFunction(fn: IRFunction, analysis: Analysis, options: ReverseOptions): { code: Code[]; restores: boolean; needsDistinct: boolean; kept: boolean } {
  const builder = new ReverseBuilder(fn, withLoopSnapshots(analysis, !!options.plainStack), options);
  const code = builder.build();
  return { code, restores: analysis.restoresElements || builder.calleesRestore, needsDistinct: builder.needsDistinct, kept: builder.kept !== null };
}

/** A loop's one copy of an array replaces its stores' saves; plain code keeps the per-element saves. */
function withLoopSnapshots(a: Analysis, plain: boolean): Analysis {
  if (a.loopSnapshots.size === 0) return a;
  if (plain) return { ...a, loopSnapshots: new Map() };
  const replaced = new Set([...a.loopSnapshots.values()].flatMap((snapshot) => [...snapshot.stores]));
  return { ...a, saves: new Set([...a.saves].filter((s) => !replaced.has(s))) };
}

class ReverseBuilder implements Reverser {
  private taken: Set<string>;
  private adjointNames = new Map<string, string>();
  extraLocals: string[] = [];
  forwardLocals: string[] = [];
  tripCounters = new Map<Stmt, string>();
  slots = new Map<Stmt, { write?: string; read?: string }>();
  takenAt = new Map<Stmt, { at: string; iteration: string; k?: string }>();
  stack: string | null = null;
  checkpointed = new Map<Stmt, CheckpointedLoop>();
  arrayAdjoints: string | null = null;
  /** Regions holding an array made by opaque code: looked up with `orZeros`. */
  private readonly unseenRegions = new Set<string>();
  directArrays = new Set<string>();
  freshAdjoints = new Set<string>();
  /** `out: true` where the generated code keeps the arrays itself. */
  kept: KeptArrays | null = null;
  /** Array parameters the function rebinds, and the const holding the array each was given. */
  private paramInputs = new Map<string, string>();
  private inputAdjoints = new Map<string, string>();
  inlined = new Map<string, string>();
  readCounts: Map<string, number>;
  /** A record block's attachGrad() leaves: their values, then their gradients. */
  leafValues: string | null = null;
  leafGradients: string | null = null;
  assignCounts = new Map<string, number>();
  /** A callee's reverse sweep puts elements back: so does this one's. */
  calleesRestore = false;
  /** A callee needs distinct arrays for its arguments: so does this function. */
  calleesNeedDistinct = false;
  needsDistinct = false;
  readonly options: ReverseOptions;

  constructor(
    readonly fn: IRFunction,
    readonly a: Analysis,
    options: ReverseOptions,
  ) {
    this.options = {
      ...options,
      calleeVjp: (callee, activeArgs, aliases) => {
        const vjp = options.calleeVjp(callee, activeArgs, aliases);
        if (vjp.restores) this.calleesRestore = true;
        if (vjp.needsDistinct) this.calleesNeedDistinct = true;
        return vjp;
      },
    };
    this.taken = new Set([...fn.locals.keys(), ...fn.params, ...a.pullbacks.values(), options.name]);
    // A module function's halves push and pop on the caller's stack.
    const splitCalls = [...a.activeStmts].some((s) => callOf(s)?.callee.kind === "local");
    // Values stepped back in place (`i--`) go on the stack only for a vjp, whose pullback starts from them each time it runs.
    const inverts = a.inverted.size > 0 && !options.entry;
    if (options.split || splitCalls || a.saves.size > 0 || a.snapshots.size > 0 || a.loopSnapshots.size > 0 || a.nestedLoops.size > 0 || a.savedPullbacks.size > 0 || inverts) this.stack = this.fresh("stack");
    this.readCounts = countReads(fn.body, new Map());
    if (fn.leaves) {
      this.leafValues = this.fresh("leaves");
      this.leafGradients = this.fresh("dleaves");
    }
    forEachStmt(fn.body, (stmt) => {
      if (stmt.kind === "assign") this.assignCounts.set(stmt.target, (this.assignCounts.get(stmt.target) ?? 0) + 1);
    });
    if (options.entry?.out && !options.split && !options.plainStack && keepsInCode(fn, a)) {
      this.kept = new KeptArrays(options.runtime, fn.params.filter((p) => a.types.get(p) === "array"), (base) => this.fresh(base));
    }
  }

  build(): Code[] {
    const { fn, a, options } = this;
    const rt = options.runtime;
    const activeArrays = [...a.active].filter((name) => this.isArray(name)).sort();
    const rebound = new Set<string>();
    forEachStmt(fn.body, (stmt) => {
      if (stmt.kind === "assign") rebound.add(stmt.target);
    });
    for (const param of activeArrays) {
      if (!fn.params.includes(param) || !rebound.has(param)) continue;
      const input = this.fresh(`${param}Input`);
      this.paramInputs.set(param, input);
      this.inputAdjoints.set(param, this.fresh(`d${input}`));
    }
    this.findDirectArrays(activeArrays);
    // An array from code adjoint does not see (`cfg.base.concat()`) may be new or one it already
    // knows: its adjoint is the known array's, or zeros made when first looked up.
    forEachStmt(fn.body, (stmt) => {
      if (stmt.kind === "assign" && stmt.expr.kind === "opaque" && this.isArray(stmt.target)) this.unseenRegions.add(a.region(stmt.target));
    });
    // Adjoint arrays are found through the array they belong to, for arrays made inside the function.
    // So are those of a parameter given a new array (`w = [1, 2, 3]` for a default): two arrays, one name.
    if (activeArrays.some((name) => !fn.params.includes(name) && !this.directArrays.has(name)) || this.paramInputs.size > 0) this.arrayAdjoints = this.fresh("arrayAdjoints");
    // An entry point or a record block makes its parameters' adjoints; a vjp or a callee's half adds into those it is given.
    if ((options.entry || fn.outputs) && !options.split) for (const p of activeArrays) if (fn.params.includes(p) && !this.paramInputs.has(p)) this.freshAdjoints.add(p);
    const forward = forwardSweep(this, fn.body);
    const restored = [
      ...new Set([
        ...[...a.saves, ...a.inverted].flatMap((s) => (s.kind === "assign" ? [s.target] : [])),
        ...[...a.savedPullbacks].map((s) => a.pullbacks.get(s)!),
      ]),
    ].sort();
    const resultIsArray = this.isArray(fn.result);
    const entry = options.entry;
    const outputs = fn.outputs;
    const head = resultIsArray ? this.fresh("dvalue") : outputs ? "" : this.adjoint(fn.result);
    const reverse = reverseSweep(this, fn.body);
    // Checkpointed loops push onto their tapes: the function's own stack may be left with nothing.
    if (this.checkpointed.size > 0 && !options.split && (entry || restored.length === 0) && !identifiersIn([...forward, ...reverse]).has(this.stack!)) this.stack = null;
    // A record block's pullback takes a head gradient per output (undefined: none given).
    const heads = outputs?.map((o) => [o, this.fresh(`d${o}Head`)] as const) ?? [];
    const seeds = heads.filter(([o]) => a.active.has(o)).map(([o, h]) => line(`${this.adjoint(o)} = ${h};`));
    const split = options.split;
    const pulledBack = (a.restoresElements || this.calleesRestore) && !entry && !split ? this.fresh("pulledBack") : null;
    const name = fn.key.replace(/Target\d*$/, "");

    const pullback: Code[] = [];
    // The reverse sweep may restore the result variable: an entry point keeps the value first.
    const value = entry?.kind === "valueAndGrad" ? this.fresh("value") : null;
    // A cotangent entry (a vjp applied inside differentiated code) takes its head gradient after the parameters.
    const cotangent = entry?.kind === "cotangent" ? this.fresh("cotangent") : null;
    if (entry) {
      // The head gradient: 1 for a number, ones for an array (the gradient of its sum).
      const seed = cotangent ?? (a.types.get(fn.result) === "number" ? "1" : `${rt}.seed(${fn.result}, "${name}")`);
      pullback.push({ kind: "comment", text: "the reverse sweep" });
      if (value) pullback.push(line(`const ${value} = ${fn.result};`));
      pullback.push(line(`${resultIsArray ? "const" : "let"} ${head} = ${seed};`));
    }
    if (pulledBack) pullback.push(line(`${pulledBack} = ${rt}.pullbackOnce(${pulledBack}, "${name}");`));
    // A number given as the head gradient of an NDArray result means that array of it.
    const returnsValue = this.assignCounts.has(fn.result);
    if (!entry && !outputs && returnsValue && this.accumulates(fn.result)) pullback.push(line(`${head} = ${rt}.head(${fn.result}, ${head});`));
    // A split callee's reverse sweep pops where its caller's has got to.
    if (this.stack && !split && !options.plainStack) {
      pullback.push(line(`${this.stack}.rewind();`));
      if (!entry) for (const name of [...restored].reverse()) pullback.push(line(`${name} = ${this.popped(name)};`));
    }
    const finals = new Map(a.restoredParams.map((p) => [p, this.fresh(`${p}Final`)]));
    // The array the caller passed (a rebound parameter's variable may hold another by now).
    const given = (param: string) => this.paramInputs.get(param) ?? param;
    for (const [param, copy] of finals) pullback.push(line(`const ${copy} = ${given(param)}.slice();`));
    // NDArray adjoints start undefined: no gradient has reached them yet.
    const scalarAdjoints = [...this.adjointNames]
      .filter(([name]) => (outputs || name !== fn.result) && !this.isArray(name))
      .map(([name, d]) => (this.accumulates(name) ? d : `${d} = 0`));
    if (scalarAdjoints.length > 0) pullback.push(line(`let ${scalarAdjoints.join(", ")};`));
    // A vjp's pullback takes the caller's adjoints of its array parameters and adds into them in place.
    const inPlace = entry || outputs ? [] : options.wrt.map((i) => fn.params[i]).filter((p) => this.isArray(p));
    const passedAdjoint = (param: string) => (this.paramInputs.has(param) && a.active.has(param) ? this.inputAdjoint(param) : this.adjoint(param));
    // Its caller passes them all; a user's vjp may leave them out.
    const pullbackParams = [head, ...inPlace.map((p) => (split ? passedAdjoint(p) : `${passedAdjoint(p)} = ${this.zerosLike(given(p))}`))];
    // A resized array's adjoint, made with the array, takes the length the forward sweep left it (before a head is added into it).
    const fits = [...this.directArrays].filter((n) => a.resized.has(n)).sort().flatMap((name) => this.fitDirect(name));
    if (activeArrays.length > 0) {
      const arrayAdjoints = this.arrayAdjoints;
      const arrayDecls = activeArrays
        .filter((name) => !(name === fn.result && !resultIsArray) && !(inPlace.includes(name) && !this.paramInputs.has(name)) && !this.directArrays.has(name))
        .map((name) => this.adjoint(name));
      if (arrayDecls.length > 0) pullback.push(line(`let ${arrayDecls.join(", ")};`));
      for (const param of activeArrays.filter((name) => fn.params.includes(name))) {
        // A parameter the function rebinds (a swap) is registered by the array it was given.
        const input = this.paramInputs.get(param);
        if (input) {
          if (!inPlace.includes(param)) pullback.push(line(`const ${this.inputAdjoint(param)} = ${this.zerosLike(input, true)};`));
          pullback.push(line(`${arrayAdjoints}.set(${input}, ${this.inputAdjoint(param)});`));
          continue;
        }
        if (!inPlace.includes(param)) pullback.push(line(`${this.adjoint(param)} = ${this.zerosLike(param, true)};`));
        if (this.arrayAdjoints) pullback.push(line(`${arrayAdjoints}.set(${param}, ${this.adjoint(param)});`));
      }
      for (const name of activeArrays.filter((name) => (!fn.params.includes(name) || this.paramInputs.has(name)) && !this.directArrays.has(name))) {
        pullback.push(line(`${this.adjoint(name)} = ${this.lookup(name)};`), ...fitted(this, name));
      }
      pullback.push(...fits);
      if (resultIsArray) {
        // A result that is a parameter's array may come with that array's adjoint as its head.
        // A vjp's caller may drop the result (no head), or pass the adjoint it has in place.
        const seed = entry || outputs ? "addInto" : "addHead";
        // In plain code (a pullback to be differentiated again) the head is always given: an element loop.
        pullback.push(seed === "addInto" && options.plainStack ? addInto(this, this.adjoint(fn.result), head) : line(`${rt}.${seed}(${this.adjoint(fn.result)}, ${head});`));
      }
    } else pullback.push(...fits);
    if (this.extraLocals.length > 0) pullback.push(line(`let ${this.extraLocals.join(", ")};`));
    pullback.push(...seeds);
    if (this.leafGradients) pullback.push(line(`const ${this.leafGradients} = [];`));
    pullback.push(...reverse);
    for (const [param, copy] of finals) pullback.push(putBack(this, given(param), copy));
    const gradientOf = (i: number) => {
      const param = fn.params[i];
      // A record block's inputs: the runtime takes undefined as no gradient.
      if (outputs) return a.active.has(param) ? this.adjoint(param) : "undefined";
      if (this.paramInputs.has(param) && a.active.has(param)) return this.inputAdjoint(param);
      if (inPlace.includes(param)) return passedAdjoint(param);
      if (this.accumulates(param)) return `${rt}.orZerosLike(${a.active.has(param) ? this.adjoint(param) : "undefined"}, ${param})`;
      return a.active.has(param) ? this.adjoint(param) : this.isArray(param) ? this.zerosLike(param, true) : "0";
    };
    if (entry) {
      if (this.stack && !options.plainStack) pullback.push(line(`${this.stack}.release();`));
      const grads = entry.single ? gradientOf(entry.order[0]) : `[${entry.order.map(gradientOf).join(", ")}]`;
      pullback.push(line(`return ${value ? `[${value}, ${grads}]` : grads};`));
    } else if (split) {
      // The caller has the in-place adjoints: the rest come back, one as itself.
      const grads = options.wrt.filter((i) => !inPlace.includes(fn.params[i])).map(gradientOf);
      if (grads.length > 0) pullback.push(line(`return ${grads.length === 1 ? grads[0] : `[${grads.join(", ")}]`};`));
    } else {
      const grads = options.wrt.map(gradientOf);
      if (this.leafGradients) grads.push(this.leafGradients);
      pullback.push(line(`return [${grads.join(", ")}];`));
    }

    const body: Code[] = [];
    // Two parameters that are one array: fine while neither is written and adjoints are not
    // found by array; a caller that passes one array twice gets the variant made for it.
    const aliased = new Set((options.aliases ?? []).flatMap((group) => group.slice(1).map((i) => fn.params[i])));
    const activeParamArrays = activeArrays.filter((name) => fn.params.includes(name) && !aliased.has(name));
    const mayNotAlias = this.arrayAdjoints !== null || this.calleesNeedDistinct || activeParamArrays.some((p) => a.writtenParams.has(p));
    this.needsDistinct = activeParamArrays.length > 1 && mayNotAlias;
    if (this.needsDistinct && !split) {
      body.push(line(`${rt}.assertDistinct(${activeParamArrays.map((p) => `${p}, "${p}"`).join(", ")});`));
    }
    if (this.stack && !split) body.push(line(options.plainStack ? `const ${this.stack} = [];` : entry ? `const ${this.stack} = ${rt}.ValueStack.acquire();` : `const ${this.stack} = new ${rt}.ValueStack();`));
    if (this.arrayAdjoints) body.push(line(`const ${this.arrayAdjoints} = new ${rt}.ArrayAdjoints();`));
    if (this.leafValues) body.push(line(`const ${this.leafValues} = [];`));
    for (const [param, input] of this.paramInputs) body.push(line(`const ${input} = ${param};`));
    // A record block that returns nothing has no result variable.
    const unused = outputs && !outputs.includes(fn.result) ? fn.result : null;
    const locals = [...fn.locals.keys(), ...a.pullbacks.values(), ...this.forwardLocals].filter((name) => !fn.params.includes(name) && !this.inlined.has(name) && name !== unused);
    if (pulledBack) locals.push(`${pulledBack} = false`);
    if (locals.length > 0) body.push(line(`let ${locals.join(", ")};`));
    body.push(...forward);
    if (split) return this.splitHalves(body, pullback, pullbackParams, restored);
    if (entry) {
      body.push(...pullback);
    } else {
      if (this.stack && restored.length > 0) {
        body.push({ kind: "comment", text: "the values the reverse sweep starts from" });
        for (const name of restored) body.push(line(`${this.pushed(name)};`));
      }
      const value = outputs ? `[${outputs.join(", ")}]` : fn.result;
      const params = outputs ? heads.map(([, h]) => h).join(", ") : pullbackParams.join(", ");
      body.push({ kind: "block", head: `return [${value}, (${params}) =>`, body: pullback, tail: this.leafValues ? `, ${this.leafValues}];` : "];" });
    }
    const made: Code = { kind: "block", head: `function ${options.name}(${[...fn.params, ...(cotangent ? [cotangent] : [])].join(", ")})`, body, loc: fn.loc };
    return [this.kept ? this.kept.wrap(made, entry!.out!) : made];
  }

  /**
   * A callee's forward and reverse halves. What the reverse sweep reads of the forward's
   * variables goes through the stack (pushed last, popped first), so each half keeps its
   * variables to itself and neither makes a closure.
   */
  private splitHalves(forward: Code[], reverse: Code[], reverseParams: string[], restored: string[]): Code[] {
    const { fn, options } = this;
    const stack = this.stack!;
    const inForward = new Set([...fn.params, ...fn.locals.keys(), ...this.a.pullbacks.values(), ...this.forwardLocals, ...this.paramInputs.values()]);
    if (this.arrayAdjoints) inForward.add(this.arrayAdjoints);
    // A nested loop's trip count is popped where its reverse starts; a counted loop's counter is set there.
    const popped = new Set([...[...this.a.nestedLoops].map((loop) => this.tripCounters.get(loop)!), ...[...this.a.countedLoops.values()].filter((c) => c.reset).map((c) => c.counter)]);
    const used = identifiersIn(reverse);
    const read = [...used].filter((name) => inForward.has(name) && !this.inlined.has(name) && !popped.has(name)).sort();
    // A checkpointed loop's reverse sweep runs its steps again: what they assign is reassigned.
    const replayed = [...this.checkpointed.keys()].flatMap((loop) => this.a.checkpoints.get(loop as Loop)!.values);
    const reassigned = new Set([...restored, ...this.tripCounters.values(), ...replayed, ...this.poppedNames]);
    const ints = new Set([...this.tripCounters.values(), ...[...this.takenAt.values()].map((t) => t.at)]);
    const kind = (name: string) => (ints.has(name) ? "Int" : this.stackKind(name));
    forward.push(...read.map((name) => line(`${stack}.push${kind(name)}(${name});`)));
    forward.push(line(`return ${fn.result};`));
    const starts = [...read].reverse().map((name) => line(`${reassigned.has(name) ? "let" : "const"} ${name} = ${stack}.pop${kind(name)}();`));
    const trips = [...popped].filter((name) => used.has(name));
    if (trips.length > 0) starts.push(line(`let ${trips.join(", ")};`));
    return [
      { kind: "block", head: `function ${options.name}(${[stack, ...fn.params].join(", ")})`, body: forward, loc: fn.loc },
      { kind: "block", head: `function ${options.split!.reverse}(${[stack, ...reverseParams].join(", ")})`, body: [...starts, ...reverse], loc: fn.loc },
    ];
  }

  /**
   * Arrays made once in the function (not in a loop), by an allocation or a call that makes a
   * new one, with no other variable of their region: their adjoints are made beside them and
   * kept in a variable, not found through the array.
   */
  private findDirectArrays(activeArrays: string[]): void {
    const { fn, a } = this;
    if (fn.outputs) return;
    const made = new Map<string, boolean>();
    forEachStmt(fn.body, (s, inLoop) => {
      if (s.kind !== "assign" || !this.isArray(s.target)) return;
      const fresh = s.expr.kind === "alloc" || (s.expr.kind === "call" && !a.returnsArgument.has(s));
      made.set(s.target, !made.has(s.target) && fresh && !inLoop);
    });
    const regionSize = new Map<string, number>();
    for (const name of [...fn.params, ...fn.locals.keys()]) if (this.isArray(name)) regionSize.set(a.region(name), (regionSize.get(a.region(name)) ?? 0) + 1);
    for (const name of activeArrays) {
      if (fn.params.includes(name) || !made.get(name) || regionSize.get(a.region(name)) !== 1) continue;
      this.directArrays.add(name);
      this.forwardLocals.push(this.adjoint(name));
    }
  }

  isArray(name: string): boolean {
    return this.a.types.get(name) === "array";
  }

  /** The adjoint of the array a rebound parameter was given. */
  private inputAdjoint(param: string): string {
    return this.inputAdjoints.get(param)!;
  }

  isNdarray(name: string): boolean {
    return this.a.types.get(name) === "ndarray";
  }

  /** A value whose kind is known only at run time (a number, an array, an NDArray). */
  private isUnknown(name: string): boolean {
    return this.a.types.get(name) === "unknown";
  }

  /** Adjoints accumulated with the runtime's `accumulate` rather than `+=`. */
  accumulates(name: string): boolean {
    return this.isNdarray(name) || this.isUnknown(name);
  }

  /** The value an adjoint is reset to: no gradient. */
  zero(name: string): string {
    return this.accumulates(name) ? "undefined" : "0";
  }

  /** After an array variable is restored, its adjoint is that of the array it holds again. */
  relookup(name: string, loc: Stmt["loc"]): Code[] {
    return this.isArray(name) && this.a.active.has(name) ? [line(`${this.adjoint(name)} = ${this.lookup(name)};`, loc), ...fitted(this, name, loc)] : [];
  }

  /** An array's adjoint, found through the array. */
  private lookup(name: string): string {
    return this.unseenRegions.has(this.a.region(name)) ? `${this.arrayAdjoints}.orZeros(${name})` : `${this.arrayAdjoints}.get(${name})`;
  }

  // ---- names ----

  fresh(base: string): string {
    let name = base;
    // `d` + a user's name can be a keyword: the adjoint of `o` is not `do`.
    for (let i = 1; this.taken.has(name) || this.fn.reserved.has(name) || KEYWORDS.has(name); i++) name = `${base}${i}`;
    this.taken.add(name);
    return name;
  }

  adjoint(name: string): string {
    let d = this.adjointNames.get(name);
    if (!d) {
      d = this.fresh(`d${name}`);
      this.adjointNames.set(name, d);
    }
    return d;
  }

  stackKind(name: string): "" | "Int" | "Bit" | "Ref" {
    const type: InferredType | undefined = this.a.types.get(name);
    // A plain stack holds NDArrays as they are: forward mode over the pops gives each its tangent back (a tangent stack beside it).
    if (this.options.plainStack && type === "ndarray") return "";
    // A flag takes a byte of its own stack (a plain stack holds it as 1 or 0).
    return type === "number" ? "" : type === "boolean" ? (this.options.plainStack ? "" : "Bit") : "Ref";
  }

  /** A new array of zeros of `array`'s length: of its kind, or, in plain code, a Float64Array (an Array for one resized); `once` a call, kept (out: true). */
  zerosLike(array: string, once = false): string {
    if (once && this.kept) return this.kept.zeros(array);
    if (!this.options.plainStack) return `${this.options.runtime}.zerosLike(${array})`;
    return this.a.resized.has(array) ? `new Array(${array}.length).fill(0)` : `new Float64Array(${array}.length)`;
  }

  /** `dxs` to the length of `xs`: through the runtime, or in plain code by splice and push. */
  private fitDirect(name: string): Code[] {
    const d = this.adjoint(name);
    if (!this.options.plainStack) return [line(`${this.options.runtime}.fit(${d}, ${name});`)];
    const fit: Code[] = [
      line(`${d}.splice(${name}.length, ${d}.length - ${name}.length);`),
      { kind: "block", head: `while (${d}.length < ${name}.length)`, body: [line(`${d}.push(0);`)] },
    ];
    // An array made in a branch not taken is undefined here (the runtime's fit allows that).
    const alwaysMade = this.fn.params.includes(name) || this.fn.body.some((s) => s.kind === "assign" && s.target === name);
    return alwaysMade ? fit : [{ kind: "if", cond: `${name} !== undefined`, then: fit, else: [] }];
  }

  /** Integers and flags: a typed stack of their own, or, on a plain Array, numbers. */
  intKind(): "" | "Int" {
    return this.options.plainStack ? "" : "Int";
  }

  /** The push saving `name`'s value. A plain stack holds numbers only (its pops then read as numbers when differentiated again): a boolean goes on it as 1 or 0. */
  pushed(name: string): string {
    if (this.options.plainStack && this.a.types.get(name) === "boolean") return `${this.stack}.push(${name} ? 1 : 0)`;
    return `${this.stack}.push${this.stackKind(name)}(${name})`;
  }

  /** Variables the reverse sweep assigns from the stack: a split callee's reverse half declares them with let. */
  private poppedNames = new Set<string>();

  /** The pop giving back what `pushed(name)` saved. */
  popped(name: string): string {
    this.poppedNames.add(name);
    if (this.options.plainStack && this.a.types.get(name) === "boolean") return `${this.stack}.pop() === 1`;
    return `${this.stack}.pop${this.stackKind(name)}()`;
  }
}

function countReads(stmts: Stmt[], counts: Map<string, number>): Map<string, number> {
  forEachStmt(stmts, (s) => {
    for (const name of readsOf(s)) counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  return counts;
}
