// adjoint/np calls and NDArray methods: each becomes an `np` expression naming the runtime
// rule its adjoint comes from (rules/np.ts), or a constant, or opaque.
import type * as t from "@babel/types";
import { v, type Expr, type NpResult, type Operand } from "../ir/index.js";
import { constantCall, UNDEFINED, type Lowering } from "./lowerer.js";
import { npMethodRule, npPathRule, SPREAD_METHODS, type NpRule } from "../rules/np.js";

/** adjoint/np functions that write into their first argument. */
const IN_PLACE_NP = new Set(["setItem", "addInto", "subInto", "mulInto", "accumulate"]);

/** An NDArray-valued expression: its result is known to be an NDArray from here on. */
export function np(l: Lowering, rule: NpRule | null, args: Operand[], render: (args: string[]) => string, target?: string, result: NpResult = "ndarray", pick?: number[]): Operand {
  const name = target ?? l.temp(result === "unknown" ? undefined : result);
  // The rule is called with exactly its parameters: omitted optional ones as undefined.
  if (rule && args.length < rule.params.length) args = [...args, ...Array.from({ length: rule.params.length - args.length }, () => UNDEFINED)];
  const expr: Expr = { kind: "np", rule: rule?.name ?? null, args, render, result, ...(pick && { pick }) };
  // The rule reads its arguments in the reverse sweep: never overwrite one in place.
  if (args.some((a) => a.kind === "var" && a.name === name)) {
    const tmp = l.temp(result === "unknown" ? undefined : result);
    l.emit({ kind: "assign", target: tmp, expr });
    l.emit({ kind: "assign", target: name, expr: { kind: "copy", arg: v(tmp) } });
    if (result === "ndarray") l.ndarrays.add(tmp);
  } else {
    l.emit({ kind: "assign", target: name, expr });
  }
  if (result === "ndarray") l.ndarrays.add(name);
  return v(name);
}

/** `np.dot(x, y)`, `np.linalg.norm(b)`, `sum(x)` (imported), by the rule of that path. */
export function npCall(l: Lowering, path: string[], node: t.CallExpression, target?: string): Operand {
  const callee = l.ctx.source.slice(node.callee.start!, node.callee.end!);
  if (IN_PLACE_NP.has(path.join("."))) {
    l.report("ADJ025", node, `${callee}(…)`);
    return UNDEFINED;
  }
  const rule = npPathRule(path);
  if (rule?.params[0] === "arrays") return npListCall(l, rule, callee, node, target);
  const args = l.arguments(node.arguments);
  if (rule) {
    if (args.length > rule.params.length) {
      l.report("ADJ023", node, `${path.join(".")} takes ${rule.params.length} arguments`);
      return UNDEFINED;
    }
    const given = args.length;
    const padded = [...args, ...Array.from({ length: rule.params.length - given }, () => UNDEFINED)];
    return np(l, rule, padded, (a) => `${callee}(${a.slice(0, given).join(", ")})`, target);
  }
  if (NP_CONSTANTS.has(path[0]) || NP_CONSTANTS.has(path.join("."))) {
    return np(l, null, args, (a) => `${callee}(${a.join(", ")})`, target);
  }
  return l.opaque(node, "ADJ010", `'${callee}' (adjoint/np has no adjoint rule for it)`, args, (a) => `${callee}(${a.join(", ")})`, target);
}

/**
 * `np.concat([a, b], axis)`, `np.stack(...)`: the list is written in the call, so each array
 * in it gets its own adjoint. A list from elsewhere is refused where gradient would flow.
 */
export function npListCall(l: Lowering, rule: NpRule, callee: string, node: t.CallExpression, target?: string): Operand {
  const [list, ...rest] = node.arguments;
  if (list?.type !== "ArrayExpression" || list.elements.some((e) => !e || e.type === "SpreadElement") || rest.length > rule.params.length - 1) {
    const args = l.arguments(node.arguments);
    return l.opaque(node, "ADJ016", `${callee} of a list not written in the call (write it there: ${callee}([a, b]))`, args, (a) => `${callee}(${a.join(", ")})`, target);
  }
  const elements = l.arguments(list.elements as t.Expression[]);
  const others = l.arguments(rest);
  const padded = [...elements, ...others, ...Array.from({ length: rule.params.length - 1 - others.length }, () => UNDEFINED)];
  const count = elements.length;
  const expr: Expr = {
    kind: "np",
    rule: rule.name,
    args: padded,
    list: count,
    render: (a) => `${callee}([${a.slice(0, count).join(", ")}]${others.length > 0 ? `, ${a.slice(count, count + others.length).join(", ")}` : ""})`,
    result: "ndarray",
  };
  const name = target ?? l.temp("ndarray");
  // `h = np.concat([h, x])` grows h: the rule reads the old h, so the new one goes through a temporary.
  const grows = padded.some((a) => a.kind === "var" && a.name === name);
  const into = grows ? l.temp("ndarray") : name;
  l.emit({ kind: "assign", target: into, expr });
  if (grows) l.emit({ kind: "assign", target: name, expr: { kind: "copy", arg: v(into) } });
  l.ndarrays.add(into);
  l.ndarrays.add(name);
  return v(name);
}

/** `x.sum()`, `x.reshape(2, 3)`, `x.detach()`, `x.item()` on a value known to be an NDArray. */
export function npMethod(l: Lowering, receiver: string, method: string, node: t.CallExpression, target?: string): Operand {
  if (method === "detach" && node.arguments.length === 0) return l.compute({ kind: "stop", arg: v(receiver) }, target, "ndarray");
  const rule = npMethodRule(method);
  if (!rule) {
    const args = l.arguments(node.arguments);
    return l.opaque(node, "ADJ011", `the method .${method}() (no adjoint rule)`, [v(receiver), ...args], ([r, ...a]) => `${r}.${method}(${a.join(", ")})`, target);
  }
  // The rule takes a spread method's arguments (`x.get(0, ":")`) as one list; the call spreads it again.
  const packed = SPREAD_METHODS.has(method) && node.arguments.length > 0 && !(node.arguments.length === 1 && node.arguments[0].type === "ArrayExpression");
  const elements = packed ? l.arguments(node.arguments) : [];
  const args = packed ? [l.compute(constantCall(node, "a list", (e) => `[${e.join(", ")}]`, elements), undefined)] : l.arguments(node.arguments);
  const given = args.length;
  const padded = [v(receiver), ...args, ...Array.from({ length: Math.max(0, rule.params.length - 1 - args.length) }, () => UNDEFINED)];
  // Literals and the user's variables are written as the user wrote the call; temporaries through the list.
  const plain = elements.every((e) => e.kind === "const" || (e.kind === "var" && !l.locals.get(e.name)?.temp));
  const spread = plain ? elements.map((e) => (e.kind === "const" ? e.code : e.kind === "var" ? e.name : "")).join(", ") : undefined;
  const render = (a: string[]) => `${a[0]}.${method}(${packed ? (spread ?? `...${a[1]}`) : a.slice(1, 1 + given).join(", ")})`;
  return np(l, rule, padded, render, target, method === "item" ? "number" : "ndarray");
}

/** adjoint/np functions whose results are constants to differentiation. */
const NP_CONSTANTS = new Set([
  "array", "asarray", "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "zerosLike", "onesLike", "fullLike", "emptyLike",
  "random", "equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual", "logicalAnd", "logicalOr", "logicalNot",
  "argmax", "argmin", "all", "any", "repr", "str",
]);
