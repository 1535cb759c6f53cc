// Reverse mode: from the IR and its analysis, the vjp function
//   function f$vjp(x, y) { forward sweep; return [value, (dvalue) => reverse sweep] }
// The forward sweep is the primal plus pushes of values about to be overwritten; the
// reverse sweep walks the statements backwards, accumulating adjoints by each primitive's
// rule and popping saved values so every variable reads as it did in the forward sweep.
import type { Analysis, InferredType } from "./analyze.js";
import { argForRule } from "./analyze.js";
import { line, type Code } from "./emit.js";
import type { Callee, Expr, IRFunction, Operand, Stmt } from "./ir.js";
import { scalarRules } from "./rules.js";

export interface ReverseOptions {
  /** Name of the vjp function being generated. */
  name: string;
  /** Positions of the parameters to differentiate, ascending. */
  wrt: number[];
  /** The runtime namespace generated code imports (`adjoint`). */
  runtime: string;
  /** The vjp function to call for a callee, given which of its arguments are active. */
  calleeVjp: (callee: Callee, activeArgs: number[]) => string;
}

type Assign = Extract<Stmt, { kind: "assign" }>;

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

  constructor(
    private fn: IRFunction,
    private a: Analysis,
    private options: ReverseOptions,
  ) {
    this.taken = new Set([...fn.locals.keys(), ...fn.params, ...a.pullbacks.values(), options.name]);
    if (a.saves.size > 0 || a.nestedLoops.size > 0 || a.savedPullbacks.size > 0) this.stack = this.fresh("stack");
  }

  build(): Code {
    const { fn, a, options } = this;
    const forward = this.forward(fn.body);
    const restored = [
      ...new Set([...[...a.saves].map((s) => (s as Assign).target), ...[...a.savedPullbacks].map((s) => a.pullbacks.get(s)!)]),
    ].sort();
    const dvalue = this.adjoint(fn.result);
    const reverse = this.reverse(fn.body);

    const pullback: Code[] = [];
    if (this.stack) {
      pullback.push(line(`${this.stack}.rewind();`));
      for (const name of [...restored].reverse()) pullback.push(line(`${name} = ${this.stack}.${this.popOf(name)}();`));
    }
    const adjointDecls = [...this.adjointNames].filter(([name]) => name !== fn.result).map(([, d]) => `${d} = 0`);
    if (adjointDecls.length > 0) pullback.push(line(`let ${adjointDecls.join(", ")};`));
    if (this.extraLocals.length > 0) pullback.push(line(`let ${this.extraLocals.join(", ")};`));
    pullback.push(...reverse);
    const grads = options.wrt.map((i) => (a.active.has(fn.params[i]) ? this.adjoint(fn.params[i]) : "0"));
    pullback.push(line(`return [${grads.join(", ")}];`));

    const body: Code[] = [];
    if (this.stack) body.push(line(`const ${this.stack} = new ${options.runtime}.ValueStack();`));
    const locals = [...fn.locals.keys(), ...a.pullbacks.values(), ...this.forwardLocals].filter((name) => !fn.params.includes(name));
    if (locals.length > 0) body.push(line(`let ${locals.join(", ")};`));
    body.push(...forward);
    if (this.stack && restored.length > 0) {
      body.push({ kind: "comment", text: "the values the reverse sweep starts from" });
      for (const name of restored) body.push(line(`${this.stack}.${this.pushOf(name)}(${name});`));
    }
    body.push({ kind: "block", head: `return [${fn.result}, (${dvalue}) =>`, body: pullback, tail: "];" });
    return { kind: "block", head: `function ${options.name}(${fn.params.join(", ")})`, body, loc: fn.loc };
  }

  // ---- names ----

  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name) || this.fn.reserved.has(name); i++) name = `${base}${i}`;
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

  private forward(stmts: Stmt[]): Code[] {
    const out: Code[] = [];
    for (const s of stmts) {
      switch (s.kind) {
        case "assign":
          if (this.a.saves.has(s)) out.push(line(`${this.stack}.${this.pushOf(s.target)}(${s.target});`, s.loc));
          if (this.a.activeStmts.has(s) && s.expr.kind === "call") {
            const vjp = this.calleeVjp(s.expr);
            if (this.a.savedPullbacks.has(s)) out.push(line(`${this.stack}.pushRef(${this.a.pullbacks.get(s)});`, s.loc));
            out.push(line(`[${s.target}, ${this.a.pullbacks.get(s)}] = ${vjp}(${s.expr.args.map(code).join(", ")});`, s.loc));
          } else {
            out.push(line(assignment(s.target, s.expr), s.loc));
          }
          break;
        case "effect":
          out.push(line(`${exprCode(s.expr)};`, s.loc));
          break;
        case "throw":
          out.push(line(`throw ${code(s.arg)};`, s.loc));
          break;
        case "if":
          out.push({ kind: "if", cond: code(s.cond), then: this.forward(s.then), else: this.forward(s.else), loc: s.loc });
          break;
        case "loop": {
          const body = [...this.forward(s.pre), line(`if (!${code(s.cond)}) break;`), ...this.forward(s.body)];
          if (!this.a.reversed.has(s)) {
            out.push({ kind: "block", head: "while (true)", body, loc: s.loc });
            break;
          }
          const trips = this.fresh("trips");
          this.tripCounters.set(s, trips);
          this.forwardLocals.push(trips);
          out.push(line(`${trips} = 0;`, s.loc));
          out.push({ kind: "block", head: "while (true)", body: [...body, line(`${trips}++;`)], loc: s.loc });
          if (this.a.nestedLoops.has(s)) out.push(line(`${this.stack}.pushInt(${trips});`));
          break;
        }
      }
    }
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
          else if (this.a.resets.has(s) && !this.a.singleAssignment.has(s.target)) out.push(line(`${this.adjoint(s.target)} = 0;`, s.loc));
          if (this.a.saves.has(s)) out.push(line(`${s.target} = ${this.stack}.${this.popOf(s.target)}();`, s.loc));
          if (this.a.savedPullbacks.has(s)) out.push(line(`${this.a.pullbacks.get(s)} = ${this.stack}.popRef();`, s.loc));
          break;
        case "if":
          out.push({ kind: "if", cond: code(s.cond), then: this.reverse(s.then), else: this.reverse(s.else), loc: s.loc });
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

  /** The adjoint of one assignment: each active argument's contribution, then the target's reset. */
  private adjointOf(s: Assign): Code[] {
    const { expr, target } = s;
    const d = this.adjoint(target);
    const out: Code[] = [];
    const isActive = (op: Operand): op is { kind: "var"; name: string } => op.kind === "var" && this.a.active.has(op.name);
    const accumulate = (op: Operand, contribution: string) => {
      if (!isActive(op) || (op.name === target && contribution === d)) return;
      const dop = this.adjoint(op.name);
      if (contribution.startsWith(`-${d}`) && contribution === `-${d}`) out.push(line(`${dop} -= ${d};`, s.loc));
      else out.push(line(`${dop} += ${contribution};`, s.loc));
    };
    let selfReferencing = false;
    if (expr.kind === "copy") {
      accumulate(expr.arg, d);
      selfReferencing = expr.arg.kind === "var" && expr.arg.name === target;
    } else if (expr.kind === "prim") {
      const contributions = scalarRules[expr.op].adjoint!(d, expr.args.map(argForRule), target);
      expr.args.forEach((arg, i) => {
        const contribution = contributions[i];
        if (contribution !== null && !(arg.kind === "var" && arg.name === target)) accumulate(arg, contribution);
      });
      selfReferencing = expr.args.some((arg) => arg.kind === "var" && arg.name === target);
    } else if (expr.kind === "call") {
      const pullback = this.a.pullbacks.get(s)!;
      const positions = expr.callee.kind === "local"
        ? expr.args.flatMap((arg, i) => (isActive(arg) ? [i] : []))
        : expr.args.map((_, i) => i);
      const activePositions = positions.map((argIndex, resultIndex) => [argIndex, resultIndex]).filter(([argIndex]) => isActive(expr.args[argIndex]));
      if (activePositions.length === 1) {
        const [[argIndex, resultIndex]] = activePositions;
        accumulate(expr.args[argIndex], `${pullback}(${d})[${resultIndex}]`);
      } else {
        const adjoints = this.fresh(`${pullback.replace(/_pullback\d*$/, "")}_adjoints`);
        this.extraLocals.push(adjoints);
        out.push(line(`${adjoints} = ${pullback}(${d});`, s.loc));
        for (const [argIndex, resultIndex] of activePositions) accumulate(expr.args[argIndex], `${adjoints}[${resultIndex}]`);
      }
    }
    if (!selfReferencing && !this.a.singleAssignment.has(target)) out.push(line(`${d} = 0;`, s.loc));
    return out;
  }
}

function code(op: Operand): string {
  return op.kind === "const" ? op.code : op.name;
}

/** An operand inside a larger expression: negative literals in parentheses. */
function argCode(op: Operand): string {
  return op.kind === "const" && op.code.startsWith("-") ? `(${op.code})` : code(op);
}

export function exprCode(expr: Expr): string {
  switch (expr.kind) {
    case "copy":
    case "stop":
      return code(expr.arg);
    case "prim":
      return scalarRules[expr.op].js(expr.args.map(argCode));
    case "call":
      return `${expr.callee.kind === "local" ? expr.callee.key : expr.callee.binding}(${expr.args.map(code).join(", ")})`;
    case "opaque":
      return expr.render(expr.args.map(argCode));
  }
}

/** `x = a + b`, written `x += b` when it accumulates into x. */
function assignment(target: string, expr: Expr): string {
  if (expr.kind === "prim" && (expr.op === "add" || expr.op === "sub" || expr.op === "mul") && expr.args[0].kind === "var" && expr.args[0].name === target) {
    const op = { add: "+", sub: "-", mul: "*" }[expr.op];
    if (expr.args[1].kind === "const" && expr.args[1].code === "1" && op !== "*") return `${target}${op}${op};`;
    return `${target} ${op}= ${code(expr.args[1])};`;
  }
  return `${target} = ${exprCode(expr)};`;
}
