// A generated NDArray gradient read back to be differentiated again (driver/nested.ts): its
// calls of the runtime become `np` expressions of derived rules (rules/np.ts), so forward
// mode gives each its tangent from the runtime's second-order tables. `R.vjp(…)[p]`, rule R's
// vjp read at parameter p's adjoint; the helpers accumulate, orZerosLike and sumToNumber;
// seed, a constant. (Such a gradient has no shape stand-ins: driver/nested.ts optimizes without them.)
import type * as t from "@babel/types";
import { unwrap } from "../ast.js";
import type { NpResult, Operand } from "../ir/index.js";
import { constantOp, HELPER_OPS, npRule, vjpAsOps, type NpRule } from "../rules/np.js";
import type { Term } from "../../runtime/np/index.js";
import { constantCall, UNDEFINED, type Lowering } from "./lowerer.js";

/** `rt.secondOrder.adjoints.R.vjp(dout, ...args, out, need?)[p]`, or undefined if the node is not such a read. */
export function vjpPick(l: Lowering, node: t.MemberExpression, target?: string): Operand | undefined {
  const picks: number[] = [];
  let at: t.Expression = node;
  while (at.type === "MemberExpression" && at.computed && at.property.type === "NumericLiteral") {
    picks.unshift(at.property.value);
    at = unwrap(at.object);
  }
  if (at.type !== "CallExpression") return undefined;
  const path = runtimePath(l, at.callee as t.Expression);
  if (path?.length !== 5 || path[1] !== "secondOrder" || path[2] !== "adjoints" || path[4] !== "vjp") return undefined;
  const rule = npRule(`vjp:${path[3]}`);
  if (!rule) return undefined;
  if (at.arguments.some((a) => a.type === "ArrayExpression" && !isNeed(a))) {
    const piece = JOIN_PIECES[path[3]];
    const [dout, list, axis] = at.arguments;
    if (!piece || picks.length !== 2 || picks[0] !== 0 || list?.type !== "ArrayExpression" || list.elements.some((e) => !e || e.type === "SpreadElement")) {
      l.report("ADJ016", at, `the gradient of ${path[3]} of a list, differentiated again`);
      return UNDEFINED;
    }
    // Element i's adjoint is dout at its place in the join: an index (a constant of differentiation) and getItem, in every mode.
    const elements = l.arguments(list.elements as t.Expression[]);
    const given = axis && !isNeed(axis) && axis.type !== "SpreadElement" ? l.arguments([axis])[0] : UNDEFINED;
    const index = operation(l, path[0], piece, [given, { kind: "const", code: String(picks[1]) }, ...elements]);
    return index && operation(l, path[0], "getItem", [l.arguments([dout])[0], index], target, "ndarray");
  }
  const args = at.arguments.map((a) => (isNeed(a) ? ({ kind: "const", code: needCode(a as t.ArrayExpression) } as Operand) : l.arguments([a])[0]));
  const padded = [...args, ...Array.from({ length: rule.params.length - args.length }, () => UNDEFINED)];
  // The adjoint of a number operand is a number; of an NDArray, an NDArray.
  const operand = padded[1 + picks[0]];
  const result = operand?.kind === "const" && operand.code === "undefined" ? "ndarray" : kindOf(l, operand);
  const asOps = l.ctx.vjpsAsOps && picks.length === 1 ? vjpAsOperations(l, path[0], path[3], rule, padded, picks[0], result, target) : undefined;
  if (asOps) return asOps;
  const callee = l.ctx.source.slice(at.callee.start!, at.callee.end!);
  const pick = picks.map((p) => `[${p}]`).join("");
  return known(l, l.np(rule, padded, (a) => `${callee}(${a.slice(0, args.length).join(", ")})${pick}`, target, result, picks), result);
}

/** `rt.accumulate(a, b)`, `rt.orZerosLike(g, x)`, `rt.sumToNumber(x)`, `rt.seed(y, name)`; undefined for any other call. */
export function helperCall(l: Lowering, node: t.CallExpression, target?: string): Operand | undefined {
  const path = runtimePath(l, unwrap(node.callee as t.Expression));
  if (!path) return undefined;
  const name = path[1];
  const callee = l.ctx.source.slice(node.callee.start!, node.callee.end!);
  const render = (a: string[]) => `${callee}(${a.join(", ")})`;
  if (path.length === 4 && path[1] === "secondOrder" && path[2] === "ops") return operation(l, path[0], path[3], l.arguments(node.arguments), target);
  if (path?.length !== 2) return undefined;
  if (name === "seed") return l.compute(constantCall(node, "the runtime's seed", render, l.arguments(node.arguments)), target);
  const rule = npRule(`helper:${name}`);
  if (!rule) return undefined;
  const args = l.arguments(node.arguments);
  if (l.ctx.vjpsAsOps && Object.hasOwn(HELPER_OPS, name)) {
    const kind = name === "sumToNumber" ? "number" : kindOf(l, args[args.length - 1]);
    // Numbers add as numbers: a scalar sum, whose reverse reads neither operand.
    if (name === "accumulate" && kind === "number" && kindOf(l, args[0]) === "number") return known(l, l.compute({ kind: "prim", op: "add", args }, target, "number"), "number");
    return operation(l, path[0], HELPER_OPS[name], name === "sumToNumber" ? [args[0], { kind: "const", code: "0" }] : args, target, kind);
  }
  // accumulate and orZerosLike keep their operand's kind; sumToNumber makes a number; head, its value's.
  const operand = name === "head" ? args[0] : args[args.length - 1];
  const kind = name === "sumToNumber" ? "number" : operand?.kind === "var" && !l.ndarrays.has(operand.name) ? kindOf(l, operand) : "ndarray";
  return known(l, l.np(rule, args, render, target, kind), kind);
}

/** `rt.a.b(…)`'s path from the runtime's namespace, where it is not a local of the code. */
function runtimePath(l: Lowering, callee: t.Expression): string[] | undefined {
  const path: string[] = [];
  let at = callee;
  while (at.type === "MemberExpression" && !at.computed && at.property.type === "Identifier") {
    path.unshift(at.property.name);
    at = unwrap(at.object);
  }
  if (at.type !== "Identifier" || at.name !== l.ctx.runtime || l.lookup(at.name)) return undefined;
  return [at.name, ...path];
}

/** The operation giving where a join's list element sits in its output (runtime/np/adjoint-ops.ts). */
const JOIN_PIECES: Readonly<Record<string, string>> = { concat: "concatPiece", stack: "stackPiece" };

/** A constant operand's value as text: a string literal unquoted, `null` as undefined is. */
const constantCode = (code: string): string => (/^(["'`]).*\1$/.test(code) ? code.slice(1, -1) : code);

const isNeed = (a: t.Node): boolean => a.type === "ArrayExpression" && a.elements.every((e) => e?.type === "BooleanLiteral");
const needCode = (a: t.ArrayExpression): string => `[${a.elements.map((e) => String((e as t.BooleanLiteral).value)).join(", ")}]`;

/** `rt.secondOrder.ops.R(…)`: np's operation R, as generated code written as operations calls it. */
function operation(l: Lowering, runtime: string, name: string, args: Operand[], target?: string, result?: NpResult): Operand | undefined {
  const render = (a: string[]) => `${runtime}.secondOrder.ops.${name}(${a.join(", ")})`;
  if (constantOp(name)) return l.np(null, args, render, target);
  const rule = npRule(name);
  if (!rule) return undefined;
  const kind = result ?? (name === "matchShape" || name === "orZeros" || name === "addAdjoints" ? kindOf(l, args[1]) : "ndarray");
  return known(l, l.np(rule, args, render, target, kind), kind);
}

/** Names the read-back gradient assigns numbers (its adjoints of numbers), by lowering. */
const numbers = new WeakMap<Lowering, Set<string>>();

/** `let ds = 0` in a generated gradient: the adjoint of a number (one of any other kind starts undefined). */
export function startsAsNumber(l: Lowering, name: string): void {
  known(l, { kind: "var", name }, "number");
}

function known(l: Lowering, op: Operand, kind: NpResult): Operand {
  if (kind === "number" && op.kind === "var") {
    if (!numbers.has(l)) numbers.set(l, new Set());
    numbers.get(l)!.add(op.name);
  }
  return op;
}

/**
 * An operand's kind as generated gradients use it: a number, an NDArray (also `undefined`, a
 * zero adjoint), or, in untyped code, known only at run time (never taken for a number: a
 * number's push and `+=` would turn an NDArray into a crash or a wrong sum).
 */
function kindOf(l: Lowering, a: Operand | undefined): NpResult {
  if (a === undefined) return "ndarray";
  if (a.kind === "const") return a.code === "undefined" ? "ndarray" : "number";
  if (a.kind !== "var") return "unknown";
  // A name is an NDArray once an NDArray is assigned to it (generated code assigns before it reads, but for an adjoint's first contribution).
  if (l.ndarrays.has(a.name)) return "ndarray";
  return l.locals.get(a.name)?.declared === "number" || numbers.get(l)?.has(a.name) ? "number" : "unknown";
}

/**
 * Rule R's vjp read at parameter p, as the np operations runtime/np/vjp-ops.ts writes it (its
 * first form that applies; then matched to the operand's shape); undefined where R has no such
 * form, or it reads an array the call does not pass: the derived rule `vjp:R` stands (reverse
 * mode refuses it).
 */
function vjpAsOperations(l: Lowering, runtime: string, of: string, rule: NpRule, padded: Operand[], p: number, result: NpResult, target?: string): Operand | undefined {
  const base = npRule(of)!;
  const params = rule.params.slice(1, -2);
  const isUndefined = (o: Operand | undefined) => o === undefined || (o.kind === "const" && o.code === "undefined");
  const input = (name: string): Operand | undefined => (name === "dout" ? padded[0] : name === "out" ? padded[params.length + 1] : padded[1 + params.indexOf(name)]);
  // Arguments that are no operand of R (an axis, keepdims) are always passed, undefined where omitted.
  const optional = (name: string): boolean => params.includes(name) && !base.wrt.includes(params.indexOf(name));
  const uses = (t: Term): string[] => (typeof t === "string" ? [t] : typeof t === "number" ? [] : t.slice(1).flatMap((u) => uses(u as Term)));
  const constant = (o: Operand | undefined, allowed: readonly (string | number | null)[]) =>
    isUndefined(o) || (o!.kind === "const" && o!.code === "null") ? allowed.includes(null) : o!.kind === "const" && allowed.some((a) => a !== null && (a === "number" ? Number.isFinite(Number(constantCode(o!.code))) : constantCode(o!.code) === String(a)));
  const form = vjpAsOps(of).find((f) => f.adjoints[p] !== undefined && (f.undefinedParams ?? []).every((i) => isUndefined(padded[1 + i]))
    && Object.entries(f.constantParams ?? {}).every(([i, allowed]) => constant(padded[1 + Number(i)], allowed)));
  const term = form?.adjoints[p];
  if (!form || term === undefined || uses(term).some((name) => isUndefined(input(name)) && !optional(name))) return undefined;
  const build = (t: Term, into?: string): Operand | undefined => {
    if (typeof t === "number") return { kind: "const", code: String(t) };
    if (typeof t === "string") return input(t) ?? UNDEFINED;
    const args = t.slice(1).map((u) => build(u as Term));
    return args.every((a) => a !== undefined) ? operation(l, runtime, t[0], args as Operand[], into) : undefined;
  };
  const operand = padded[1 + p];
  // A number operand's adjoint is a number (and one of run-time kind may be): matched to it even where the form says the shape is right.
  const matched = !isUndefined(operand) && (!form.unmatched?.includes(p) || result !== "ndarray");
  // An operation's result goes to the target itself; an argument passed through is copied, so the target is known an NDArray (kindOf).
  const adjoint = build(term, matched || typeof term !== "object" ? undefined : target);
  if (!adjoint) return undefined;
  if (matched) return operation(l, runtime, "matchShape", [adjoint, operand], target, result);
  if (typeof term === "object") return adjoint;
  const copied = l.compute({ kind: "copy", arg: adjoint }, target);
  if (result === "ndarray" && copied.kind === "var") l.ndarrays.add(copied.name);
  return known(l, copied, result);
}
