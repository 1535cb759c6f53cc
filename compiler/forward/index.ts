// Forward mode: from the IR and its analysis, the jvp function
//   function f$jvp(x, n, x_dot) { the primal and the tangents, in one sweep; return [value, value_dot]; }
// Tangents are named `x_dot` (reverse mode's adjoints are `dx`). Only active variables
// (varied: depending on a parameter with a tangent; and useful: reaching the result or an
// array the function writes through a parameter) get tangents. An array's tangent is an array
// of its kind that mirrors it: a copy of the array, a view of it, a method writing into it,
// a callee's write through it are each done to the tangent array too, so arrays that alias
// have tangents that alias and nothing needs the reverse mode's adjoint maps. The sweep
// (sweep.ts) writes each statement's tangent after its primal; this file assembles the function
// and says what forward mode refuses.
import type { Analysis } from "../analyze/index.js";
import { diagnostic, type Diagnostic, type DiagnosticCode } from "../diagnostics.js";
import { line, type Code } from "../emit/index.js";
import { exprArgs, forEachStmt, readsOf, type IRFunction, type Operand, type SourceLoc } from "../ir/index.js";
import type { ForwardOptions, Forwarder } from "./forwarder.js";
import { forwardSweep } from "./sweep.js";

export type { ForwardOptions };

/** The jvp function: the primals, then the tangents of the parameters in `order`; it returns `[value, tangent]`. */
export function forwardFunction(fn: IRFunction, analysis: Analysis, options: ForwardOptions): Code[] {
  return new ForwardBuilder(fn, analysis, options).build();
}

class ForwardBuilder implements Forwarder {
  inlined = new Map<string, string>();
  extraLocals: string[] = [];
  readCounts = new Map<string, number>();
  assignCounts = new Map<string, number>();
  private taken: Set<string>;
  private tangents = new Map<string, string>();
  /** Values of run-time kind whose tangents only NDArray rules read (`ndarrayLike`). */
  private npLike: Set<string>;
  /** Shape stand-ins (optimize/shapes.ts), which only a reverse sweep reads. */
  private standIns = new Set<string>();

  constructor(
    readonly fn: IRFunction,
    readonly a: Analysis,
    readonly options: ForwardOptions,
  ) {
    this.taken = new Set([...fn.locals.keys(), ...fn.params, options.name]);
    this.npLike = ndarrayLike(fn, a, options.calleeNpLike);
    forEachStmt(fn.body, (s) => {
      for (const name of readsOf(s)) this.readCounts.set(name, (this.readCounts.get(name) ?? 0) + 1);
      if (s.kind === "assign") this.assignCounts.set(s.target, (this.assignCounts.get(s.target) ?? 0) + 1);
      if (s.kind === "assign" && s.expr.kind === "shape") this.standIns.add(s.target);
    });
  }

  build(): Code[] {
    const { fn, a, options } = this;
    const rt = options.runtime;
    const given = options.order.map((i) => fn.params[i]);
    const tangentParams = given.map((p) => this.tangent(p));
    const sweep = forwardSweep(this, fn.body);
    // An NDArray's tangent may be left undefined (zero) by its rules: the caller gets zeros of its shape.
    const resultTangent = this.isActive(fn.result) ? this.tangent(fn.result) : this.zero(fn.result);
    const result = this.isNdarray(fn.result) ? `${rt}.orZerosLike(${resultTangent}, ${fn.result})` : resultTangent;
    const body: Code[] = options.prologue ? [line(options.prologue)] : [];
    const activeParamArrays = fn.params.filter((p) => this.isArray(p) && this.isActive(p));
    if (options.entry && activeParamArrays.length > 1 && activeParamArrays.some((p) => a.writtenParams.has(p))) {
      // Two parameters that are one array with two tangents: the tangent of a write through one is not defined.
      body.push(line(`${rt}.assertDistinct(${activeParamArrays.map((p) => `${p}, "${p}"`).join(", ")});`));
    }
    for (const p of given) {
      // The caller's tangent is left as given: the function's writes through the array go to a copy.
      if (options.entry && this.isArray(p) && this.isActive(p) && a.writtenParams.has(p)) body.push(line(`${this.tangent(p)} = ${this.tangent(p)}.slice();`));
    }
    const locals = [...fn.locals.keys(), ...this.extraLocals].filter((name) => !fn.params.includes(name) && !this.inlined.has(name) && !this.standIns.has(name));
    const tangentLocals: string[] = [];
    for (const [name, t] of this.tangents) {
      if (given.includes(name)) continue;
      // A parameter without a tangent that becomes active (reassigned, or written with active values) starts at zero.
      if (fn.params.includes(name)) tangentLocals.push(`${t} = ${this.zero(name)}`);
      else tangentLocals.push(this.isArray(name) || this.isNdarray(name) ? t : `${t} = 0`);
    }
    if (locals.length > 0) body.push(line(`let ${locals.join(", ")};`));
    if (tangentLocals.length > 0) body.push(line(`let ${tangentLocals.join(", ")};`));
    body.push(...sweep, line(options.tangentOnly ? `return ${result};` : `return [${fn.result}, ${result}];`));
    return [{ kind: "block", head: `function ${options.name}(${[...fn.params, ...tangentParams].join(", ")})`, body, loc: fn.loc }];
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name) || this.fn.reserved.has(name); i++) name = `${base}${i}`;
    this.taken.add(name);
    return name;
  }

  tangent(name: string): string {
    let t = this.tangents.get(name);
    if (!t) {
      t = this.fresh(`${name}_dot`);
      this.tangents.set(name, t);
    }
    return t;
  }

  isActive(op: Operand | string): boolean {
    const name = typeof op === "string" ? op : op.kind === "var" ? op.name : null;
    return name !== null && this.a.active.has(name);
  }

  tangentOf(op: Operand): string {
    if (op.kind !== "var") return "0";
    return this.isActive(op) ? this.tangent(op.name) : this.isNdarray(op.name) ? "undefined" : "0";
  }

  /** An NDArray's zero tangent is `undefined`, as the runtime's rules take it. */
  zero(name: string): string {
    if (this.isNdarray(name)) return "undefined";
    if (!this.isArray(name)) return "0";
    if (!this.options.plain) return `${this.options.runtime}.zerosLike(${name})`;
    return this.a.resized.has(name) ? `new Array(${name}.length).fill(0)` : `new Float64Array(${name}.length)`;
  }

  isArray(name: string): boolean {
    return this.a.types.get(name) === "array";
  }

  isNdarray(name: string): boolean {
    return this.a.types.get(name) === "ndarray" || this.npLike.has(name);
  }
}

/**
 * What forward mode cannot differentiate, each where it is written: a callee that carries only a
 * vjp (customGrad, an import marked differentiable), an autograd leaf, a value whose kind is
 * known only at run time.
 */
export function forwardRefusals(fn: IRFunction, a: Analysis, filename: string, calleeNpLike?: CalleeNpLike): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<number>();
  const report = (code: DiagnosticCode, loc: SourceLoc | undefined, detail: string) => {
    const at = loc ?? fn.loc;
    if (seen.has(at.start ?? 0)) return;
    seen.add(at.start ?? 0);
    out.push(diagnostic(code, filename, { start: at.start ?? 0, end: at.end ?? 0, line: at.line, column: at.column }, detail));
  };
  const active = (op: Operand) => op.kind === "var" && a.active.has(op.name);
  const npLike = ndarrayLike(fn, a, calleeNpLike);
  const unknown = (name: string) => a.types.get(name) === "unknown" && !npLike.has(name);
  const named = (name: string) => fn.locals.get(name)?.source ?? name;
  fn.params.forEach((p, i) => {
    if (!a.active.has(p)) return;
    const span = fn.paramSpans?.[i];
    const at = span && { ...span, text: "" };
    if (unknown(p)) report("ADJ027", at, `jvp needs to know whether '${named(p)}' is a number or an array`);
  });
  forEachStmt(fn.body, (s) => {
    if (s.kind !== "assign" && s.kind !== "effect") return;
    const { expr } = s;
    const target = s.kind === "assign" && a.active.has(s.target) ? s.target : null;
    if (target === null && !exprArgs(expr).some(active)) return;
    if (expr.kind === "call" && expr.callee.kind === "attached" && expr.args.some(active)) {
      report("ADJ029", s.loc, `'${expr.callee.binding}' carries a vjp (customGrad, or differentiable in another module) and no jvp`);
    } else if (expr.kind === "leaf") {
      report("ADJ029", s.loc, "attachGrad (an autograd leaf has a gradient, not a tangent)");
    } else if (target && unknown(target)) {
      const what = fn.locals.get(target)?.temp ? "this value" : `'${named(target)}'`;
      report("ADJ027", s.loc, `jvp needs to know whether ${what} is a number or an array`);
    }
  });
  return out;
}

/**
 * Values of run-time kind (untyped JavaScript: a number or an NDArray) that only NDArray
 * operations read, directly, through copies, or pushed on a stack whose pops go only into such
 * values (the value stack of a gradient differentiated again), or that are the result. Their
 * tangents go only through the runtime's NDArray rules, which take a number or an NDArray
 * alike and `undefined` as zero, so forward mode handles them as NDArrays. Any other read
 * (arithmetic, a callee, a condition, an index) leaves the kind to be known: refused; but a
 * module callee's parameter that its own code reads only so (`calleeNpLike`) reads it so too.
 */
/** Whether a module function's parameter is one only NDArray operations read (its own `ndarrayLike`). */
export type CalleeNpLike = (key: string, index: number) => boolean;

export function ndarrayLike(fn: IRFunction, a: Analysis, calleeNpLike?: CalleeNpLike): Set<string> {
  const like = new Set([...a.types].flatMap(([name, kind]) => (kind === "unknown" ? [name] : [])));
  const fine = (name: string) => like.has(name) || a.types.get(name) === "ndarray";
  /** Values that are all like or none: a copy's source with its target, a stack's pushes with its pops. */
  const groups = new Map<string, Set<string>>();
  const join = (group: string, names: string[]) => {
    const into = groups.get(group) ?? new Set<string>();
    for (const name of names) into.add(name);
    groups.set(group, into);
  };
  /** Values an NDArray operation reads or makes, and those that share a group with one. */
  const touched = new Set<string>();
  forEachStmt(fn.body, (s) => {
    if ((s.kind === "assign" || s.kind === "effect") && s.expr.kind === "np") {
      for (const arg of s.expr.args) if (arg.kind === "var") touched.add(arg.name);
      if (s.kind === "assign") touched.add(s.target);
      return;
    }
    if (s.kind === "assign" && s.expr.kind === "copy" && s.expr.arg.kind === "var") return join(`copy ${s.expr.arg.name}`, [s.expr.arg.name, s.target]);
    if (s.kind === "method" && s.method === "push" && s.args.every((arg) => arg.kind === "var")) return join(`stack ${s.array}`, s.args.map((arg) => (arg as { name: string }).name));
    if (s.kind === "method" && s.method === "pop" && s.args.length === 0) return s.target === undefined ? undefined : join(`stack ${s.array}`, [s.target]);
    if ((s.kind === "assign" || s.kind === "effect") && s.expr.kind === "call" && s.expr.callee.kind === "local" && calleeNpLike) {
      const { key } = s.expr.callee;
      for (const [i, arg] of s.expr.args.entries()) {
        if (arg.kind !== "var") continue;
        if (calleeNpLike(key, i)) touched.add(arg.name);
        else like.delete(arg.name);
      }
      return;
    }
    for (const name of readsOf(s)) like.delete(name);
  });
  for (let changed = true; changed; ) {
    changed = false;
    for (const [group, names] of groups) {
      const members = [...names];
      // A copy's target decides its source; a stack's values decide one another.
      const deciding = group.startsWith("copy ") ? members.slice(1) : members;
      if (members.some((name) => like.has(name)) && !deciding.every(fine)) for (const name of members) changed = like.delete(name) || changed;
      if (members.some((name) => touched.has(name)) && !members.every((name) => touched.has(name))) {
        for (const name of members) touched.add(name);
        changed = true;
      }
    }
  }
  // A value no NDArray operation comes near (a function's undefined result) is of no NDArray kind.
  return new Set([...like].filter((name) => touched.has(name)));
}
