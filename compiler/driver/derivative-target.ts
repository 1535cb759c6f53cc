// What `grad(target, …)` and its siblings differentiate: a module function, a function of an
// enclosing one, an inline function, an inner derivative (nested.ts) or a function carrying an
// attached vjp. Sites that need no generated code of their own are replaced here.
import type * as t from "@babel/types";
import { unwrap } from "../ast.js";
import type { DiagnosticCode } from "../diagnostics.js";
import type { ModuleContext, ModuleFunction } from "../ir/context.js";
import type { IRFunction } from "../ir/index.js";
import { localFunctionNamed } from "../lower/scopes.js";
import { calleeMarker } from "./bindings.js";
import { hasSecondOrder, type NestedDerivatives } from "./nested.js";

/** The function to generate code for; void where the site is done (replaced or refused). */
type Target = { fn: ModuleFunction; inline: boolean } | void;

export type DerivativeMarker = "grad" | "valueAndGrad" | "vjp" | "jvp" | "jacfwd";

/** The runtime helper an attached or record vjp is wrapped in, per marker. */
export const MARKER_HELPER: Record<DerivativeMarker, string> = { grad: "gradOf", valueAndGrad: "valueAndGradOf", vjp: "vjpWith", jvp: "", jacfwd: "" };

/** What resolving a target needs of the module compiler. */
export interface TargetHost {
  ctx: ModuleContext;
  runtime: string;
  parents: Map<t.Node, t.Node>;
  nested: NestedDerivatives;
  fail(node: t.Node, code: DiagnosticCode, detail?: string): void;
  replace(call: t.CallExpression, code: string): void;
  lower(fn: ModuleFunction): IRFunction | null;
  freshModuleName(base: string): string;
  /** A name for the next inline function that no binding names. */
  lambdaName(): string;
}

/** `inline`: generated in place, where what the function captures is in scope. */
export function derivativeTarget(host: TargetHost, call: t.CallExpression, marker: DerivativeMarker, wrt: number | number[], checkpoint: unknown, parent: t.Node | undefined): Target {
  const { ctx } = host;
  const [target, options] = call.arguments;
  const fnTarget = unwrap(target as t.Expression);
  if (fnTarget.type === "Identifier" && ctx.attached.has(fnTarget.name) && !ctx.functions.has(fnTarget.name)) {
    // A customGrad or imported function: differentiate through its attached vjp.
    if (checkpoint) return host.fail(options!, "ADJ023", `checkpoint needs the function's code: '${fnTarget.name}' carries a vjp`);
    const problem = ctx.hooks?.importProblem?.(fnTarget.name);
    if (problem || marker === "jvp" || marker === "jacfwd") return host.fail(target, problem ? "ADJ018" : "ADJ029", problem ?? `'${fnTarget.name}' carries a vjp and no jvp`);
    const pick = Array.isArray(wrt) ? `[${wrt.join(", ")}]` : String(wrt);
    return host.replace(call, `${host.runtime}.${MARKER_HELPER[marker]}(${host.runtime}.vjpOf(${fnTarget.name}, "${fnTarget.name}"), ${pick})`);
  }
  const register = (key: string, node: ModuleFunction["node"], inline: boolean) => {
    const fn: ModuleFunction = { key, node, exported: false };
    ctx.functions.set(key, fn);
    return { fn, inline };
  };
  if (fnTarget.type === "Identifier") {
    // A local binding shadows the module's; a local function is read where it is declared.
    const local = localFunctionNamed(fnTarget.name, call, host.parents);
    // A function of an enclosing function: generated in place, where what it captures is in scope.
    if (local) return register(host.freshModuleName(`${fnTarget.name}Target`), local, true);
    const fn = local === null ? ctx.functions.get(fnTarget.name) : undefined;
    if (fn) return { fn, inline: false };
  } else if (fnTarget.type === "CallExpression" && calleeMarker(fnTarget.callee, ctx)) {
    return innerTarget(host, call, fnTarget, marker, wrt);
  } else if (fnTarget.type === "FunctionExpression" && fnTarget.id && !ctx.functions.has(fnTarget.id.name)) {
    // A named function expression may call itself: emit it like a module function.
    return register(fnTarget.id.name, fnTarget, false);
  } else if (fnTarget.type === "ArrowFunctionExpression" || fnTarget.type === "FunctionExpression") {
    const name = parent?.type === "VariableDeclarator" && parent.id.type === "Identifier" ? parent.id.name : host.lambdaName();
    return register(host.freshModuleName(`${name}Target`), fnTarget, true);
  }
  host.fail(target, "ADJ018", fnTarget.type === "Identifier" ? `'${fnTarget.name}'` : undefined);
}

/** grad(grad(f)): the inner derivative as a function of the module (nested.ts). */
function innerTarget(host: TargetHost, call: t.CallExpression, inner: t.CallExpression, marker: DerivativeMarker, wrt: number | number[]): Target {
  const found = host.nested.innerDerivative(inner, marker, wrt, call, host.ctx.diagnostics);
  if (found?.made) return host.replace(call, found.made);
  const key = found?.key;
  if (!key) return;
  const fn = host.ctx.functions.get(key)!;
  const further = host.nested.nestsNoFurther(key);
  if (further) return host.fail(call, "ADJ016", `${marker} of '${key}': ${further}`);
  const ir = host.lower(fn);
  // An NDArray gradient has no vjp of its own: by numbers, its gradient is its jvps (nested.ts).
  if (ir && hasSecondOrder(ir) && (marker === "grad" || marker === "valueAndGrad")) {
    const name = host.nested.derivative(call, host.ctx.diagnostics);
    if (name) host.replace(call, name);
    return;
  }
  return { fn, inline: false };
}
