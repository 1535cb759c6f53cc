// Reverse mode: from the IR and its analysis, the vjp function
//   function f$vjp(x, y) { forward sweep; return [value, (dvalue) => reverse sweep] }
// The forward sweep is the primal plus pushes of values about to be overwritten; the
// reverse sweep walks the statements backwards, accumulating adjoints by each primitive's
// rule and popping saved values so every variable reads as it did in the forward sweep.
import type { Analysis } from "./analyze/index.js";
import type { InferredType } from "./analyze/types.js";
import { line, negate, type Code } from "./emit/index.js";
import { forEachStmt, npParam, readsOf, type Callee, type Expr, type IRFunction, type Operand, type Stmt } from "./ir/index.js";
import { argForRule, scalarRules } from "./rules/scalar.js";
import { differentiableArg } from "./analyze/activity.js";
import { ruleReads } from "./rules/np.js";

export interface ReverseOptions {
  /** Name of the function being generated. */
  name: string;
  /**
   * Unset: a vjp, `(...args) => [value, pullback]`. Set: a gradient entry point that runs
   * the reverse sweep right after the forward one, with no closure, returning the
   * gradients of `order` (parameter positions; `single`: just the one) and, for
   * valueAndGrad, the value first.
   */
  entry?: { kind: "grad" | "valueAndGrad"; order: number[]; single: boolean };
  /** Positions of the parameters to differentiate, ascending. */
  wrt: number[];
  /** The runtime namespace generated code imports (`adjoint`). */
  runtime: string;
  /** The vjp function to call for a callee, given which of its arguments are active. */
  calleeVjp: (callee: Callee, activeArgs: number[]) => string;
}

type Assign = Extract<Stmt, { kind: "assign" }>;

/** Words a generated name must not be (those a prefix such as `d` can make from a user's name). */
const KEYWORDS = new Set(["do", "delete", "default", "debugger", "in", "if", "for", "new", "try", "var", "let", "case", "else", "enum", "eval", "this", "void", "with", "await", "break", "catch", "class", "const", "super", "throw", "while", "yield", "export", "import", "return", "static", "switch", "typeof", "extends", "finally", "package", "private", "continue", "function", "arguments", "interface", "protected", "implements", "instanceof", "public", "null", "true", "false"]);

export function reverseFunction(fn: IRFunction, analysis: Analysis, options: ReverseOptions): Code {
  return new ReverseBuilder(fn, analysis, options).build();
}

class ReverseBuilder {
  private taken: Set<string>;
  private adjointNames = new Map<string, string>();
  private extraLocals: string[] = [];
  private forwardLocals: string[] = [];
  private tripCounters = new Map<Stmt, string>();
  private stack: string | null = null;
  private arrayAdjoints: string | null = null;
  /** Array parameters the function rebinds, and the const holding the array each was given. */
  private paramInputs = new Map<string, string>();
  private inputAdjoints = new Map<string, string>();
  private inlined = new Map<string, string>();
  private readCounts: Map<string, number>;
  /** A record block's attachGrad() leaves: their values, then their gradients. */
  private leafValues: string | null = null;
  private leafGradients: string | null = null;
  private assignCounts = new Map<string, number>();

  constructor(
    private fn: IRFunction,
    private a: Analysis,
    private options: ReverseOptions,
  ) {
    this.taken = new Set([...fn.locals.keys(), ...fn.params, ...a.pullbacks.values(), options.name]);
    if (a.saves.size > 0 || a.nestedLoops.size > 0 || a.savedPullbacks.size > 0 || a.inverted.size > 0) this.stack = this.fresh("stack");
    this.readCounts = countReads(fn.body, new Map());
    if (fn.leaves) {
      this.leafValues = this.fresh("leaves");
      this.leafGradients = this.fresh("dleaves");
    }
    forEachStmt(fn.body, (stmt) => {
      if (stmt.kind === "assign") this.assignCounts.set(stmt.target, (this.assignCounts.get(stmt.target) ?? 0) + 1);
    });
  }

  build(): Code {
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
    // Adjoint arrays are found through the array they belong to, for arrays made inside the function.
    if (activeArrays.some((name) => !fn.params.includes(name))) this.arrayAdjoints = this.fresh("arrayAdjoints");
    const forward = this.forward(fn.body);
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
    const reverse = this.reverse(fn.body);
    // A record block's pullback takes a head gradient per output (undefined: none given).
    const heads = outputs?.map((o) => [o, this.fresh(`d${o}Head`)] as const) ?? [];
    const seeds = heads.filter(([o]) => a.active.has(o)).map(([o, h]) => line(`${this.adjoint(o)} = ${h};`));
    const pulledBack = a.restoresElements && !entry ? this.fresh("pulledBack") : null;
    const name = fn.key.replace(/Target\d*$/, "");

    const pullback: Code[] = [];
    // The reverse sweep may restore the result variable: an entry point keeps the value first.
    const value = entry?.kind === "valueAndGrad" ? this.fresh("value") : null;
    if (entry) {
      // The head gradient: 1 for a number, ones for an array (the gradient of its sum).
      const seed = a.types.get(fn.result) === "number" ? "1" : `${rt}.seed(${fn.result}, "${name}")`;
      pullback.push({ kind: "comment", text: "the reverse sweep" });
      if (value) pullback.push(line(`const ${value} = ${fn.result};`));
      pullback.push(line(`${resultIsArray ? "const" : "let"} ${head} = ${seed};`));
    }
    if (pulledBack) pullback.push(line(`${pulledBack} = ${rt}.pullbackOnce(${pulledBack}, "${name}");`));
    // A number given as the head gradient of an NDArray result means that array of it.
    if (!entry && !outputs && this.accumulates(fn.result)) pullback.push(line(`${head} = ${rt}.head(${fn.result}, ${head});`));
    if (this.stack) {
      pullback.push(line(`${this.stack}.rewind();`));
      if (!entry) for (const name of [...restored].reverse()) pullback.push(line(`${name} = ${this.stack}.${this.popOf(name)}();`));
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
    if (activeArrays.length > 0) {
      const arrayAdjoints = this.arrayAdjoints;
      const arrayDecls = activeArrays.filter((name) => !(name === fn.result && !resultIsArray)).map((name) => this.adjoint(name));
      pullback.push(line(`let ${arrayDecls.join(", ")};`));
      for (const param of activeArrays.filter((name) => fn.params.includes(name))) {
        // A parameter the function rebinds (a swap) is registered by the array it was given.
        const input = this.paramInputs.get(param);
        if (input) {
          pullback.push(line(`const ${this.inputAdjoint(param)} = ${rt}.zerosLike(${input});`));
          pullback.push(line(`${arrayAdjoints}.set(${input}, ${this.inputAdjoint(param)});`));
          continue;
        }
        pullback.push(line(`${this.adjoint(param)} = ${rt}.zerosLike(${param});`));
        if (this.arrayAdjoints) pullback.push(line(`${arrayAdjoints}.set(${param}, ${this.adjoint(param)});`));
      }
      for (const name of activeArrays.filter((name) => !fn.params.includes(name) || this.paramInputs.has(name))) {
        pullback.push(line(`${this.adjoint(name)} = ${arrayAdjoints}.get(${name});`));
      }
      if (resultIsArray) pullback.push(line(`${rt}.addInto(${this.adjoint(fn.result)}, ${head});`));
    }
    if (this.extraLocals.length > 0) pullback.push(line(`let ${this.extraLocals.join(", ")};`));
    pullback.push(...seeds);
    if (this.leafGradients) pullback.push(line(`const ${this.leafGradients} = [];`));
    pullback.push(...reverse);
    for (const [param, copy] of finals) pullback.push(line(`${given(param)}.set(${copy});`));
    const gradientOf = (i: number) => {
      const param = fn.params[i];
      // A record block's inputs: the runtime takes undefined as no gradient.
      if (outputs) return a.active.has(param) ? this.adjoint(param) : "undefined";
      if (this.paramInputs.has(param) && a.active.has(param)) return this.inputAdjoint(param);
      if (this.accumulates(param)) return `${rt}.orZerosLike(${a.active.has(param) ? this.adjoint(param) : "undefined"}, ${param})`;
      return a.active.has(param) ? this.adjoint(param) : this.isArray(param) ? `${rt}.zerosLike(${param})` : "0";
    };
    if (entry) {
      if (this.stack) pullback.push(line(`${this.stack}.release();`));
      const grads = entry.single ? gradientOf(entry.order[0]) : `[${entry.order.map(gradientOf).join(", ")}]`;
      pullback.push(line(`return ${value ? `[${value}, ${grads}]` : grads};`));
    } else {
      const grads = options.wrt.map(gradientOf);
      if (this.leafGradients) grads.push(this.leafGradients);
      pullback.push(line(`return [${grads.join(", ")}];`));
    }

    const body: Code[] = [];
    const activeParamArrays = activeArrays.filter((name) => fn.params.includes(name));
    if (activeParamArrays.length > 1) {
      body.push(line(`${rt}.assertDistinct(${activeParamArrays.map((p) => `${p}, "${p}"`).join(", ")});`));
    }
    if (this.stack) body.push(line(entry ? `const ${this.stack} = ${rt}.ValueStack.acquire();` : `const ${this.stack} = new ${rt}.ValueStack();`));
    if (this.arrayAdjoints) body.push(line(`const ${this.arrayAdjoints} = new Map();`));
    if (this.leafValues) body.push(line(`const ${this.leafValues} = [];`));
    for (const [param, input] of this.paramInputs) body.push(line(`const ${input} = ${param};`));
    // A record block that returns nothing has no result variable.
    const unused = outputs && !outputs.includes(fn.result) ? fn.result : null;
    const locals = [...fn.locals.keys(), ...a.pullbacks.values(), ...this.forwardLocals].filter((name) => !fn.params.includes(name) && !this.inlined.has(name) && name !== unused);
    if (pulledBack) locals.push(`${pulledBack} = false`);
    if (locals.length > 0) body.push(line(`let ${locals.join(", ")};`));
    body.push(...forward);
    if (entry) {
      body.push(...pullback);
    } else {
      if (this.stack && restored.length > 0) {
        body.push({ kind: "comment", text: "the values the reverse sweep starts from" });
        for (const name of restored) body.push(line(`${this.stack}.${this.pushOf(name)}(${name});`));
      }
      const value = outputs ? `[${outputs.join(", ")}]` : fn.result;
      const params = outputs ? heads.map(([, h]) => h).join(", ") : head;
      body.push({ kind: "block", head: `return [${value}, (${params}) =>`, body: pullback, tail: this.leafValues ? `, ${this.leafValues}];` : "];" });
    }
    return { kind: "block", head: `function ${options.name}(${fn.params.join(", ")})`, body, loc: fn.loc };
  }

  private isArray(name: string): boolean {
    return this.a.types.get(name) === "array";
  }

  /** The adjoint of the array a rebound parameter was given. */
  private inputAdjoint(param: string): string {
    return this.inputAdjoints.get(param)!;
  }

  private isNdarray(name: string): boolean {
    return this.a.types.get(name) === "ndarray";
  }

  /** A value whose kind is known only at run time (a number, an array, an NDArray). */
  private isUnknown(name: string): boolean {
    return this.a.types.get(name) === "unknown";
  }

  /** Adjoints accumulated with the runtime's `accumulate` rather than `+=`. */
  private accumulates(name: string): boolean {
    return this.isNdarray(name) || this.isUnknown(name);
  }

  /** The value an adjoint is reset to: no gradient. */
  private zero(name: string): string {
    return this.accumulates(name) ? "undefined" : "0";
  }

  /** After an array variable is restored, its adjoint is that of the array it holds again. */
  private relookup(name: string, loc: Stmt["loc"]): Code[] {
    return this.isArray(name) && this.a.active.has(name) ? [line(`${this.adjoint(name)} = ${this.arrayAdjoints}.get(${name});`, loc)] : [];
  }

  // ---- names ----

  private fresh(base: string): string {
    let name = base;
    // `d` + a user's name can be a keyword: the adjoint of `o` is not `do`.
    for (let i = 1; this.taken.has(name) || this.fn.reserved.has(name) || KEYWORDS.has(name); i++) name = `${base}${i}`;
    this.taken.add(name);
    return name;
  }

  private adjoint(name: string): string {
    let d = this.adjointNames.get(name);
    if (!d) {
      d = this.fresh(`d${name}`);
      this.adjointNames.set(name, d);
    }
    return d;
  }

  private stackKind(name: string): "" | "Int" | "Ref" {
    const type: InferredType | undefined = this.a.types.get(name);
    return type === "number" ? "" : type === "boolean" ? "Int" : "Ref";
  }

  private pushOf(name: string): string {
    return `push${this.stackKind(name)}`;
  }

  private popOf(name: string): string {
    return `pop${this.stackKind(name)}`;
  }

  // ---- forward sweep ----

  private forward(stmts: Stmt[], then?: Operand): Code[] {
    const out: Code[] = [];
    stmts.forEach((s, i) => {
      if (s.kind === "assign" && this.inlinable(s, i + 1 < stmts.length ? stmts[i + 1] : then)) {
        this.inlined.set(s.target, this.exprCode(s.expr));
        return;
      }
      switch (s.kind) {
        case "assign":
          if (this.a.saves.has(s)) out.push(line(`${this.stack}.${this.pushOf(s.target)}(${s.target});`, s.loc));
          if (this.a.activeStmts.has(s) && s.expr.kind === "call") {
            const vjp = this.calleeVjp(s.expr);
            const pullback = this.a.pullbacks.get(s);
            if (this.a.savedPullbacks.has(s)) out.push(line(`${this.stack}.pushRef(${pullback});`, s.loc));
            out.push(line(`[${s.target}, ${pullback}] = ${vjp}(${s.expr.args.map((a) => this.code(a)).join(", ")});`, s.loc));
          } else if (s.expr.kind === "leaf") {
            // attachGrad(): the array from here on is a leaf whose gradient the pullback returns.
            const value = this.code(s.expr.arg);
            out.push(line(`${this.leafValues}[${s.expr.index}] = ${value};`, s.loc));
            if (value !== s.target) out.push(line(`${s.target} = ${value};`, s.loc));
          } else {
            out.push(line(this.assignment(s.target, s.expr), s.loc));
          }
          // A new array that carries gradient gets its adjoint array beside it.
          if (this.arrayAdjoints && this.isArray(s.target) && this.a.active.has(s.target) && (s.expr.kind === "alloc" || s.expr.kind === "call")) {
            out.push(line(`${this.arrayAdjoints}.set(${s.target}, ${this.options.runtime}.zerosLike(${s.target}));`, s.loc));
          }
          break;
        case "effect":
          out.push(line(`${this.exprCode(s.expr)};`, s.loc));
          break;
        case "store": {
          const element = `${s.array}[${this.code(s.index)}]`;
          if (this.a.saves.has(s)) out.push(line(`${this.stack}.push(${element});`, s.loc));
          out.push(line(`${element} = ${this.code(s.value)};`, s.loc));
          break;
        }
        case "fill":
          if (this.a.saves.has(s)) out.push(line(`${this.stack}.pushRef(${s.array}.slice());`, s.loc));
          out.push(line(`${s.array}.fill(${this.code(s.value)});`, s.loc));
          break;
        case "throw":
          out.push(line(`throw ${this.code(s.arg)};`, s.loc));
          break;
        case "if":
          out.push({ kind: "if", cond: this.code(s.cond), then: this.forward(s.then), else: this.forward(s.else), loc: s.loc });
          break;
        case "loop": {
          const pre = this.forward(s.pre, s.cond);
          const body = this.forward(s.body);
          const cond = this.code(s.cond);
          const counted = this.a.reversed.has(s);
          const trips = counted ? this.fresh("trips") : "";
          if (counted) {
            this.tripCounters.set(s, trips);
            this.forwardLocals.push(trips);
            out.push(line(`${trips} = 0;`, s.loc));
            body.push(line(`${trips}++;`));
          }
          const loop: Code =
            pre.length === 0
              ? { kind: "block", head: `while (${cond})`, body, loc: s.loc }
              : { kind: "block", head: "while (true)", body: [...pre, line(`if (${negate(cond)}) break;`), ...body], loc: s.loc };
          out.push(loop);
          if (counted && this.a.nestedLoops.has(s)) out.push(line(`${this.stack}.pushInt(${trips});`));
          break;
        }
      }
    });
    return out;
  }

  private calleeVjp(expr: Extract<Expr, { kind: "call" }>): string {
    const activeArgs = expr.args.flatMap((arg, i) => (arg.kind === "var" && this.a.active.has(arg.name) ? [i] : []));
    return this.options.calleeVjp(expr.callee, activeArgs);
  }

  // ---- reverse sweep ----

  private reverse(stmts: Stmt[]): Code[] {
    const out: Code[] = [];
    for (const s of [...stmts].reverse()) {
      if (!this.a.reversed.has(s)) continue;
      switch (s.kind) {
        case "assign":
          if (this.a.activeStmts.has(s)) out.push(...this.adjointOf(s));
          else if (this.a.resets.has(s) && !this.a.firstAssignments.has(s)) out.push(line(`${this.adjoint(s.target)} = ${this.zero(s.target)};`, s.loc));
          // Pops mirror the forward sweep's pushes: the target's old value, then the old pullback.
          if (this.a.savedPullbacks.has(s)) out.push(line(`${this.a.pullbacks.get(s)} = ${this.stack}.popRef();`, s.loc));
          if (this.a.saves.has(s)) {
            out.push(line(`${s.target} = ${this.stack}.${this.popOf(s.target)}();`, s.loc));
            out.push(...this.relookup(s.target, s.loc));
          } else if (this.a.inverted.has(s) && s.expr.kind === "prim") {
            const step = this.code(s.expr.args[1]);
            const inverse = s.expr.op === "add" ? "-" : "+";
            out.push(line(step === "1" ? `${s.target}${inverse}${inverse};` : `${s.target} ${inverse}= ${step};`, s.loc));
          }
          break;
        case "store": {
          const element = `[${this.rcode(s.index)}]`;
          if (this.a.activeStmts.has(s)) {
            const darray = this.adjoint(s.array);
            if (s.value.kind === "var" && this.a.active.has(s.value.name)) {
              const op = this.a.directAdjoints.has(s.value.name) ? "=" : "+=";
              out.push(line(`${this.adjoint(s.value.name)} ${op} ${darray}${element};`, s.loc));
            }
            out.push(line(`${darray}${element} = 0;`, s.loc));
          }
          if (this.a.saves.has(s)) out.push(line(`${s.array}${element} = ${this.stack}.pop();`, s.loc));
          break;
        }
        case "fill":
          if (this.a.activeStmts.has(s)) {
            const darray = this.adjoint(s.array);
            if (s.value.kind === "var" && this.a.active.has(s.value.name)) out.push(line(`${this.adjoint(s.value.name)} += ${this.options.runtime}.sum(${darray});`, s.loc));
            out.push(line(`${darray}.fill(0);`, s.loc));
          }
          if (this.a.saves.has(s)) out.push(line(`${s.array}.set(${this.stack}.popRef());`, s.loc));
          break;
        case "if":
          out.push({ kind: "if", cond: this.rcode(s.cond), then: this.reverse(s.then), else: this.reverse(s.else), loc: s.loc });
          break;
        case "loop": {
          const trips = this.tripCounters.get(s)!;
          if (this.a.nestedLoops.has(s)) out.push(line(`${trips} = ${this.stack}.popInt();`, s.loc));
          const pre = this.reverse(s.pre);
          const body = this.reverse(s.body);
          const k = this.fresh("k");
          if (pre.length === 0) {
            out.push({ kind: "block", head: `for (let ${k} = ${trips}; ${k} > 0; ${k}--)`, body, loc: s.loc });
          } else if (body.length === 0) {
            out.push({ kind: "block", head: `for (let ${k} = ${trips}; ${k} >= 0; ${k}--)`, body: pre, loc: s.loc });
          } else {
            out.push({ kind: "block", head: `for (let ${k} = ${trips}; ; ${k}--)`, body: [...pre, line(`if (${k} === 0) break;`), ...body], loc: s.loc });
          }
          break;
        }
        default:
          break;
      }
    }
    return out;
  }

  /**
   * The adjoint of one assignment: each active argument's contribution, then the target's
   * reset. When the target is also an argument (`b = b * 2`), its adjoint is replaced by
   * its own contribution instead (`db = db * 2`), after the others have read it.
   */
  private adjointOf(s: Assign): Code[] {
    const { expr, target } = s;
    const d = this.adjoint(target);
    const out: Code[] = [];
    const isActive = (op: Operand): op is { kind: "var"; name: string } => op.kind === "var" && this.a.active.has(op.name);
    // The target's own contributions when it is also an argument, maybe more than once (`s = g(s, s)`).
    let self: (string | null)[] | undefined;
    const contribute = (op: Operand, contribution: string | null) => {
      if (op.kind === "var" && op.name === target) {
        (self ??= []).push(contribution);
        return;
      }
      if (contribution === null || !isActive(op)) return;
      const dop = this.adjoint(op.name);
      if (this.isArray(op.name)) out.push(line(`${this.options.runtime}.addInto(${dop}, ${contribution});`, s.loc));
      // An NDArray temporary's one contribution is its adjoint as it is (undefined: none).
      else if (this.accumulates(op.name) && this.a.directAdjoints.has(op.name)) out.push(line(`${dop} = ${contribution};`, s.loc));
      // NDArray adjoints add through the runtime, which knows which arrays it may write;
      // so do contributions from such a value (they may be undefined).
      else if (this.accumulates(op.name) || this.accumulates(target)) out.push(line(`${dop} = ${this.options.runtime}.accumulate(${dop}, ${contribution});`, s.loc));
      else if (this.a.directAdjoints.has(op.name)) out.push(line(`${dop} = ${contribution};`, s.loc));
      else if (contribution === `-${d}`) out.push(line(`${dop} -= ${d};`, s.loc));
      else out.push(line(`${dop} += ${contribution};`, s.loc));
    };
    if (expr.kind === "np") {
      // The runtime's rule: one adjoint per argument, given the output's adjoint, the arguments and the output.
      const adjoints = this.fresh(`${target}_adjoints`);
      this.extraLocals.push(adjoints);
      // An array the rule does not read is passed as undefined: the reverse sweep need not keep it.
      const rule = expr.rule!;
      const unread = (name: string, i: number | "out") => !ruleReads(rule, i) && this.isNdarray(name);
      const codes = expr.args.map((arg, i) => (arg.kind === "var" && unread(arg.name, npParam(expr, i)) ? "undefined" : this.rcode(arg)));
      // A list parameter's elements go in as the list the user wrote.
      const args = (expr.list === undefined ? codes : [`[${codes.slice(0, expr.list).join(", ")}]`, ...codes.slice(expr.list)]).join(", ");
      const output = unread(target, "out") ? "undefined" : target;
      // Tell the rule which adjoints are wanted (by parameter), when some of its differentiable arguments are constants.
      const active = expr.args.map((arg, i) => differentiableArg(expr, i) && arg.kind === "var" && this.a.active.has(arg.name));
      const params = expr.args.length - (expr.list === undefined ? 0 : expr.list - 1);
      const wanted = Array.from({ length: params }, (_, p) => expr.args.some((_, i) => npParam(expr, i) === p && active[i]));
      const skips = expr.args.some((_, i) => differentiableArg(expr, i) && !wanted[npParam(expr, i)]);
      const need = skips ? `, [${wanted.join(", ")}]` : "";
      const body: Code[] = [line(`${adjoints} = ${this.options.runtime}.np.${expr.rule}.vjp(${d}, ${args}, ${output}${need});`, s.loc)];
      const before = out.length;
      expr.args.forEach((arg, i) => {
        if (!differentiableArg(expr, i)) return;
        contribute(arg, expr.list !== undefined && i < expr.list ? `${adjoints}[0][${i}]` : `${adjoints}[${npParam(expr, i)}]`);
      });
      body.push(...out.splice(before));
      if (this.isNdarray(target)) out.push({ kind: "if", cond: `${d} !== undefined`, then: body, else: [], loc: s.loc });
      else out.push(...body);
    } else if (expr.kind === "load") {
      if (expr.array.kind === "var") out.push(line(`${this.adjoint(expr.array.name)}[${this.rcode(expr.index)}] += ${d};`, s.loc));
    } else if (expr.kind === "alloc") {
      // A copy's adjoint flows back to the array it copied; then this array's adjoint is spent.
      if (expr.arg.kind === "var" && isActive(expr.arg) && this.isArray(expr.arg.name)) {
        out.push(line(`${this.options.runtime}.addInto(${this.adjoint(expr.arg.name)}, ${d});`, s.loc));
      }
      out.push(line(`${d}.fill(0);`, s.loc));
      return out;
    } else if (expr.kind === "copy") {
      contribute(expr.arg, d);
    } else if (expr.kind === "leaf") {
      // The gradient stops at the leaf: it is the leaf's, and the value it was made from gets none.
      const dleaf = `${this.leafGradients}[${expr.index}]`;
      out.push(line(`${dleaf} = ${this.options.runtime}.accumulate(${dleaf}, ${d});`, s.loc));
      contribute(expr.arg, null);
    } else if (expr.kind === "prim") {
      const contributions = scalarRules[expr.op].adjoint!(d, expr.args.map((arg) => this.ruleArg(arg)), target);
      expr.args.forEach((arg, i) => contribute(arg, contributions[i]));
    } else if (expr.kind === "call") {
      // A local callee's vjp returns adjoints of its active arguments only; an attached one, of all.
      const pullback = this.a.pullbacks.get(s)!;
      const activeArgs = expr.args.flatMap((arg, i) => (isActive(arg) ? [i] : []));
      const resultIndex = (argIndex: number) => (expr.callee.kind === "local" ? activeArgs.indexOf(argIndex) : argIndex);
      if (activeArgs.length === 1) {
        contribute(expr.args[activeArgs[0]], `${pullback}(${d})[${resultIndex(activeArgs[0])}]`);
      } else {
        const adjoints = this.fresh(`${pullback.replace(/_pullback\d*$/, "")}_adjoints`);
        this.extraLocals.push(adjoints);
        out.push(line(`${adjoints} = ${pullback}(${d});`, s.loc));
        for (const argIndex of activeArgs) contribute(expr.args[argIndex], `${adjoints}[${resultIndex(argIndex)}]`);
      }
    }
    if (this.isArray(target)) {
      out.push(line(`${d}.fill(0);`, s.loc)); // an array a call returned: its adjoint is spent
    } else if (self === undefined) {
      // The value this assignment overwrote has an adjoint of its own; none if there was none.
      const assignedOnce = this.a.directAdjoints.has(target) && !this.accumulates(target);
      if (!this.a.firstAssignments.has(s) && !assignedOnce) out.push(line(`${d} = ${this.zero(target)};`, s.loc));
    } else {
      const own = self.filter((c): c is string => c !== null);
      if (own.length === 0) out.push(line(`${d} = ${this.zero(target)};`, s.loc));
      else if (own.length > 1 || own[0] !== d) out.push(line(`${d} = ${own.join(" + ")};`, s.loc));
    }
    return out;
  }

  // ---- forward code ----

  /** An operand's code: a variable, a literal, or the expression of an inlined temporary. */
  private code(op: Operand): string {
    if (op.kind === "const") return op.code;
    return this.inlined.get(op.name) ?? op.name;
  }

  /** An operand inside a larger expression: parenthesized unless atomic. */
  private argCode(op: Operand): string {
    const text = this.code(op);
    return /^[\w$.]+$/.test(text) || /^[\w$.]+\([^()]*\)$/.test(text) ? text : `(${text})`;
  }

  private exprCode(expr: Expr): string {
    switch (expr.kind) {
      case "stop":
        // A detached NDArray is an array of its own (sharing the elements), as x.detach() gives.
        return expr.arg.kind === "var" && this.isNdarray(expr.arg.name) ? `${this.argCode(expr.arg)}.detach()` : this.code(expr.arg);
      case "copy":
      case "leaf":
        return this.code(expr.arg);
      case "prim":
        return scalarRules[expr.op].js(expr.args.map((a) => this.argCode(a)));
      case "call":
        return `${expr.callee.kind === "local" ? expr.callee.key : expr.callee.binding}(${expr.args.map((a) => this.code(a)).join(", ")})`;
      case "opaque":
        return expr.render(expr.args.map((a) => this.argCode(a)));
      case "np":
        return expr.render(expr.args.map((a) => this.argCode(a)));
      case "load":
        return `${this.code(expr.array)}[${this.code(expr.index)}]`;
      case "alloc": {
        const arg = this.code(expr.arg);
        const copies = expr.arg.kind === "var" && this.isArray(expr.arg.name);
        if (expr.ctor === "same") return `${arg}.slice()`;
        if (expr.ctor === "Array") return copies ? `Array.from(${arg})` : `new Array(${arg})`;
        return `new ${expr.ctor}(${arg})`;
      }
    }
  }

  /** An operand as the reverse sweep reads it: a rematerialized temporary is computed again. */
  private rcode(op: Operand): string {
    const remat = op.kind === "var" ? this.a.rematerialized.get(op.name) : undefined;
    if (!remat) return op.kind === "const" ? op.code : op.name;
    const { expr } = remat.assign;
    if (expr.kind === "load") return `${this.rcode(expr.array)}[${this.rcode(expr.index)}]`;
    if (expr.kind !== "prim") return op.kind === "var" ? op.name : "";
    const code = scalarRules[expr.op].js(expr.args.map((arg) => this.rarg(arg)));
    return `(${code})`;
  }

  private rarg(op: Operand): string {
    const text = this.rcode(op);
    return op.kind === "const" && text.startsWith("-") ? `(${text})` : text;
  }

  private ruleArg(op: Operand) {
    return op.kind === "var" && this.a.rematerialized.has(op.name) ? { code: this.rcode(op) } : argForRule(op);
  }

  /** `x = a + b`, written `x += b` when it accumulates into x. */
  private assignment(target: string, expr: Expr): string {
    if (expr.kind === "prim" && (expr.op === "add" || expr.op === "sub" || expr.op === "mul") && expr.args[0].kind === "var" && expr.args[0].name === target) {
      const op = { add: "+", sub: "-", mul: "*" }[expr.op];
      const right = expr.args[1];
      if (right.kind === "const" && right.code === "1" && op !== "*") return `${target}${op}${op};`;
      return `${target} ${op}= ${this.code(right)};`;
    }
    return `${target} = ${this.exprCode(expr)};`;
  }

  /**
   * An inactive temporary read once, by the very next statement, and never by the reverse sweep is
   * not stored: its expression is written where it is read (`while (i < n)`, `s += t2 * y`).
   */
  private inlinable(s: Stmt, next: Stmt | Operand | undefined): boolean {
    if (s.kind !== "assign" || !this.fn.locals.get(s.target)?.temp || s.target === this.fn.result) return false;
    if (this.readCounts.get(s.target) !== 1 || this.assignCounts.get(s.target) !== 1) return false;
    if (this.a.needed.has(s.target) || this.a.saves.has(s)) return false;
    // Active temporaries stay, so each adjoint (dt1) has its variable (t1) in the forward sweep.
    if (this.a.active.has(s.target)) return false;
    if (next === undefined) return false;
    if ("kind" in next && (next.kind === "var" || next.kind === "const" || next.kind === "outer")) return next.kind === "var" && next.name === s.target;
    return readsOf(next as Stmt).includes(s.target);
  }
}

function countReads(stmts: Stmt[], counts: Map<string, number>): Map<string, number> {
  forEachStmt(stmts, (s) => {
    for (const name of readsOf(s)) counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  return counts;
}
