// The forward sweep of forward mode: the primal, statement by statement in the IR's structured
// control flow, each statement followed by its tangent's. Every derivative comes from the rule
// tables: a scalar rule's adjoint `g * ∂z/∂arg` is linear in g, so the tangent of `z = op(a, b)`
// is the sum over the active arguments of each one's contribution with g := its tangent; an
// array method's tangent is its rule's `forward`, the same method on the tangent array.
import { line, loopBlock, type Code } from "../emit/index.js";
import { exprArgs, npParam, readsOf, type Assign, type Expr, type Operand, type Stmt } from "../ir/index.js";
import { differentiableArg } from "../analyze/activity.js";
import { ruleOf, type MethodStmt } from "../analyze/array-methods.js";
import { argForRule, scalarRules } from "../rules/scalar.js";
import { derivedOf } from "../rules/np.js";
import { assignment, code, exprCode } from "../reverse/code.js";
import type { Forwarder } from "./forwarder.js";

export function forwardSweep(f: Forwarder, stmts: Stmt[], then?: Operand): Code[] {
  const out: Code[] = [];
  stmts.forEach((s, i) => {
    // A shape stand-in is for the reverse sweep (optimize/shapes.ts): forward mode has none.
    if (s.kind === "assign" && s.expr.kind === "shape") return;
    if (s.kind === "assign" && inlinable(f, s, i + 1 < stmts.length ? stmts[i + 1] : then)) {
      f.inlined.set(s.target, exprCode(f, s.expr));
      return;
    }
    switch (s.kind) {
      case "assign":
        out.push(...assign(f, s));
        break;
      case "effect":
        out.push(line(f.a.activeStmts.has(s) && s.expr.kind === "call" ? `${jvpCall(f, s.expr)};` : `${exprCode(f, s.expr)};`, s.loc));
        break;
      case "store": {
        const index = code(f, s.index);
        out.push(line(`${s.array}[${index}] = ${code(f, s.value)};`, s.loc));
        if (f.isActive(s.array)) out.push(line(`${f.tangent(s.array)}[${index}] = ${f.tangentOf(s.value)};`, s.loc));
        break;
      }
      case "fill":
        out.push(line(`${s.array}.fill(${code(f, s.value)});`, s.loc));
        if (f.isActive(s.array)) out.push(line(`${f.tangent(s.array)}.fill(${f.tangentOf(s.value)});`, s.loc));
        break;
      case "method":
        out.push(...method(f, s));
        break;
      case "throw":
        out.push(line(`throw ${code(f, s.arg)};`, s.loc));
        break;
      case "if":
        out.push({ kind: "if", cond: code(f, s.cond), then: forwardSweep(f, s.then), else: forwardSweep(f, s.else), loc: s.loc });
        break;
      case "loop": {
        const pre = forwardSweep(f, s.pre, s.cond);
        const body = forwardSweep(f, s.body);
        out.push(loopBlock(pre, code(f, s.cond), body, s.loc));
        break;
      }
    }
  });
  return out;
}

/** An assignment: the primal, and its target's tangent where the target is active. */
function assign(f: Forwarder, s: Assign): Code[] {
  const { target, expr } = s;
  if (expr.kind === "call" && f.a.activeStmts.has(s)) {
    const call = jvpCall(f, expr);
    return [line(f.isActive(target) ? `[${target}, ${f.tangent(target)}] = ${call};` : `${target} = ${call}[0];`, s.loc)];
  }
  const primal = line(assignment(f, target, expr), s.loc);
  if (!f.isActive(target)) return [primal];
  const dt = f.tangent(target);
  if (expr.kind === "prim") return primTangent(f, s, expr, primal);
  if (expr.kind === "np" && expr.rule !== null) return npTangent(f, s, expr, primal);
  const tangent = (text: string) => line(`${dt} = ${text};`, s.loc);
  switch (expr.kind) {
    case "copy":
      // An NDArray's zero is `undefined` whatever its source is typed (a number-typed parameter of untyped code).
      return [primal, tangent(f.isNdarray(target) && !f.isActive(expr.arg) ? "undefined" : f.tangentOf(expr.arg))];
    case "load": {
      // Reads the index before the primal may overwrite it (`i = a[i]`).
      const element = tangent(f.isActive(expr.array) ? `${f.tangent((expr.array as { name: string }).name)}[${code(f, expr.index)}]` : "0");
      return readsItself(s) ? [element, primal] : [primal, element];
    }
    case "alloc":
      return [primal, tangent(allocTangent(f, s, expr))];
    case "view":
      // The same view of the tangent array (the viewed array is of the view's region, so active).
      return [primal, tangent(`${f.tangentOf(expr.arg)}.subarray(${expr.args.map((a) => code(f, a)).join(", ")})`)];
    default:
      // stopGradient(x), and a call with no active argument: a constant from here on.
      return [primal, tangent(f.zero(target))];
  }
}

/** Whether an assignment's operands include its own target. */
function readsItself(s: Assign): boolean {
  return exprArgs(s.expr).some((op) => op.kind === "var" && op.name === s.target);
}

/**
 * `z = op(a, b)`: the sum of each active argument's contribution, its tangent for g. Where z
 * is among the arguments the tangent goes first (it reads their old values), unless the rule
 * reads the new z too, which then goes through a temporary.
 */
function primTangent(f: Forwarder, s: Assign, expr: Extract<Expr, { kind: "prim" }>, primal: Code): Code[] {
  const { target } = s;
  const rule = scalarRules[expr.op];
  const args = expr.args.map(argForRule);
  const NEW = "\u0000new";
  const terms = (z: string) =>
    rule.adjoint
      ? expr.args.flatMap((arg, i) => {
          if (!f.isActive(arg)) return [];
          const term = rule.adjoint!(f.tangentOf(arg), args, z)[i];
          return term === null ? [] : [term];
        })
      : [];
  const dt = f.tangent(target);
  const update = (z: string) => line(tangentAssignment(dt, terms(z)), s.loc);
  if (!readsItself(s)) return [primal, update(target)];
  if (!terms(NEW).some((term) => term.includes(NEW))) return [update(target), primal];
  const value = f.fresh(`${target}_new`);
  f.extraLocals.push(value);
  return [line(`${value} = ${exprCode(f, expr)};`, s.loc), update(value), line(`${target} = ${value};`, s.loc)];
}

/**
 * `y = np.op(...)`: the runtime rule's jvp, given one tangent per parameter (`undefined`: zero,
 * and for a parameter not differentiated) and the output. Where y is among the arguments, the
 * output goes through a temporary: the rule reads the old arguments and the new output.
 */
function npTangent(f: Forwarder, s: Assign, expr: Extract<Expr, { kind: "np" }>, primal: Code): Code[] {
  const { target } = s;
  const argTangent = (arg: Operand, i: number) => (differentiableArg(expr, i) && f.isActive(arg) ? f.tangentOf(arg) : "undefined");
  const params = expr.args.length - (expr.list === undefined ? 0 : expr.list - 1);
  const tangents = Array.from({ length: params }, (_, p) => {
    if (p === 0 && expr.list !== undefined) return `[${expr.args.slice(0, expr.list).map(argTangent).join(", ")}]`;
    const i = expr.args.findIndex((_, k) => npParam(expr, k) === p);
    return argTangent(expr.args[i], i);
  });
  const codes = expr.args.map((arg) => code(f, arg));
  const args = expr.list === undefined ? codes : [`[${codes.slice(0, expr.list).join(", ")}]`, ...codes.slice(expr.list)];
  // A number's tangent (`x.item()`) is a number: a zero comes back as undefined.
  const orZero = expr.result === "number" ? " ?? 0" : "";
  const rt = f.options.runtime;
  const derived = derivedOf(expr.rule!);
  const jvp = (out: string) => {
    // A rule's vjp (in a gradient differentiated again) moves with its dout, the rule's arguments and its output: all among its own arguments.
    if (derived?.kind === "vjp") {
      const [dout, ...rest] = tangents;
      const moved = `{ dout: ${dout}, args: [${rest.slice(0, -2).join(", ")}], out: ${rest[rest.length - 2]} }`;
      return line(`${f.tangent(target)} = ${rt}.secondOrder.vjpTangents.${derived.of}.jvp(${moved}, ${args.join(", ")})${(expr.pick ?? []).map((p) => `[${p}]`).join("")}${orZero};`, s.loc);
    }
    const callee = derived ? `${rt}.secondOrder.helperTangents.${derived.of}` : `${rt}.np.${expr.rule}.jvp`;
    return line(`${f.tangent(target)} = ${callee}([${tangents.join(", ")}], ${[...args, out].join(", ")})${orZero};`, s.loc);
  };
  if (!readsItself(s)) return [primal, jvp(target)];
  const value = f.fresh(`${target}_new`);
  f.extraLocals.push(value);
  return [line(`${value} = ${exprCode(f, expr)};`, s.loc), jvp(value), line(`${target} = ${value};`, s.loc)];
}

/** `dt = a + b`, written `dt += b` (or `dt -= b`) where it adds to itself. */
function tangentAssignment(dt: string, terms: string[]): string {
  if (terms.length === 0) return `${dt} = 0;`;
  if (terms.length === 2 && terms[0] === dt) return terms[1].startsWith("-") ? `${dt} -= ${terms[1].slice(1)};` : `${dt} += ${terms[1]};`;
  return `${dt} = ${terms.join(" + ").replaceAll(" + -", " - ")};`;
}

/** A new array's tangent: a copy's is the same copy of the tangent array; zeros otherwise. */
function allocTangent(f: Forwarder, s: Assign, expr: Extract<Expr, { kind: "alloc" }>): string {
  const { arg } = expr;
  if (arg.kind === "var" && f.isArray(arg.name)) {
    if (!f.isActive(arg)) return f.zero(s.target);
    const da = f.tangent(arg.name);
    if (expr.ctor === "same") return `${da}.slice(${(expr.range ?? []).map((a) => code(f, a)).join(", ")})`;
    return expr.ctor === "Array" ? `Array.from(${da})` : `new ${expr.ctor}(${da})`;
  }
  return expr.ctor === "Float64Array" || expr.ctor === "Float32Array" ? `new ${expr.ctor}(${code(f, arg)})` : f.zero(s.target);
}

/** `g$jvp(args..., tangents of the active ones...)`: a module function's jvp returns `[value, tangent]` and writes its arrays' tangents in place. */
function jvpCall(f: Forwarder, expr: Extract<Expr, { kind: "call" }>): string {
  if (expr.callee.kind !== "local") throw new Error("an attached callee reached forward mode (refused before)");
  const activeArgs = expr.args.flatMap((arg, i) => (f.isActive(arg) ? [i] : []));
  const name = f.options.calleeJvp(expr.callee, activeArgs);
  // Tangents follow every parameter: arguments left out (to their defaults) are passed as undefined.
  const missing = Math.max(0, (f.options.calleeParams?.(expr.callee.key) ?? 0) - expr.args.length);
  const primals = [...expr.args.map((a) => code(f, a)), ...Array.from({ length: missing }, () => "undefined")];
  return `${name}(${[...primals, ...activeArgs.map((i) => f.tangentOf(expr.args[i]))].join(", ")})`;
}

/** An array method: the call, then its rule's tangent on the tangent array. */
function method(f: Forwarder, s: MethodStmt): Code[] {
  const args = s.args.map((arg) => code(f, arg));
  const call = `${s.array}.${s.method}(${args.join(", ")})`;
  const out = [line(s.target ? `${s.target} = ${call};` : `${call};`, s.loc)];
  const target = s.target !== undefined && f.isActive(s.target) ? f.tangent(s.target) : null;
  if (f.isActive(s.array)) {
    const arrays = new Set(ruleOf(s).arrays ?? []);
    const t = (i: number) => {
      const arg = s.args[i];
      return arrays.has(i) && !f.isActive(arg) && arg.kind === "var" ? f.zero(arg.name) : f.tangentOf(arg);
    };
    const tangent = ruleOf(s).forward({ ta: f.tangent(s.array), args, t });
    out.push(line(target ? `${target} = ${tangent};` : `${tangent};`, s.loc));
  } else if (target) {
    out.push(line(`${target} = ${f.zero(s.target!)};`, s.loc));
  }
  return out;
}

/**
 * An inactive temporary read once, by the very next statement, where no tangent reads it, is
 * not stored: its expression is written where it is read (`while (i < n)`).
 */
function inlinable(f: Forwarder, s: Assign, next: Stmt | Operand | undefined): boolean {
  if (!f.fn.locals.get(s.target)?.temp || s.target === f.fn.result || f.isActive(s.target)) return false;
  if (f.readCounts.get(s.target) !== 1 || f.assignCounts.get(s.target) !== 1 || next === undefined) return false;
  if (next.kind === "var") return next.name === s.target;
  if (next.kind === "const" || next.kind === "outer") return false;
  if (!readsOf(next).includes(s.target)) return false;
  // A statement with tangent code may read the temporary again in its tangent.
  if (next.kind === "if" || next.kind === "loop" || next.kind === "throw") return true;
  if (next.kind === "assign") return !f.isActive(next.target) && !f.a.activeStmts.has(next);
  if (next.kind === "effect") return !f.a.activeStmts.has(next);
  return !f.isActive(next.array);
}
