// Derivatives differentiated again: `grad(grad(f))`, `grad((x) => grad(f)(x) * x)`. The inner
// derivative is generated as one more function of the module, written inside the
// differentiable subset (its stack a plain Array, every callee of f inlined, no runtime
// helper), parsed back, and differentiated like any function the user wrote. So any order
// nests, each level compiled from the code of the one below.
import type * as t from "@babel/types";
import { parse } from "@babel/parser";
import { spanOf, unwrap, walk } from "../ast.js";
import { calleeMarker } from "./bindings.js";
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import { print, withSourceComments, type PrintedLine } from "../emit/index.js";
import type { FunctionNode, ModuleContext } from "../ir/context.js";
import { forEachStmt, type IRFunction } from "../ir/index.js";
import type { Analysis, AnalysisOptions } from "../analyze/index.js";
import { lowerFunction } from "../lower/index.js";
import { optimize } from "../optimize/index.js";
import { reverseFunction, reverseRefusals } from "../reverse/index.js";
import { forwardFunction, forwardRefusals } from "../forward/index.js";
import { derivedOf } from "../rules/np.js";

/** What the module compiler lends: names, analysis with the module's facts, appending code. */
export interface NestedHost {
  ctx: ModuleContext;
  runtime: string;
  freshModuleName(base: string): string;
  analyze(ir: IRFunction, mask: Set<number>, options: Omit<AnalysisOptions, "summaries" | "facts">): Analysis;
  appendLines(lines: PrintedLine[]): void;
  /** The `wrt` option of a marker call, reported and null where it cannot be read. */
  wrt(options: t.CallExpression["arguments"][number] | undefined, call: t.CallExpression): number | number[] | null;
  /** The module's kinds are to be found again: a function was added. */
  moduleChanged(): void;
  /** The jvp of a module function with respect to `order`, generated once: `(...args, ...tangents) => [value, tangent]`. */
  jvpFor(key: string, order: number[]): string | null;
}

export class NestedDerivatives {
  /** Each nested derivative's function, by f, marker and wrt (reserved before it is generated: lowering may ask again meanwhile), or its problems. */
  private names = new Map<string, string | Diagnostic[]>();
  /** Marker calls that are the argument of another marker: compiled with it, not as sites of their own. */
  readonly inner = new Set<t.CallExpression>();
  /** Derivatives made of module jvps (byTangents): nothing differentiates them again. */
  private byJvps = new Set<string>();

  constructor(private host: NestedHost) {}

  /**
   * The name of the module function computing the marker call `grad(f, { wrt })`; null with its
   * problems reported into `problems`. Where only the module's facts are being found (a function
   * lowered aside), a stand-in name: nothing is generated for code nobody differentiates.
   */
  derivative(call: t.CallExpression, problems: Diagnostic[], generate = true): string | null {
    if (!generate) return `%nested:${call.start}`;
    const { ctx } = this.host;
    const marker = calleeMarker(call.callee, ctx);
    const fail = (at: t.Node, detail: string) => (problems.push(diagnostic("ADJ016", ctx.filename, spanOf(at), detail)), null);
    if (marker !== "grad" && marker !== "valueAndGrad" && marker !== "jvp") return fail(call, `${marker ?? "this"}(…) differentiated again (grad, valueAndGrad and jvp nest)`);
    const [target, options] = call.arguments;
    const fnTarget = target && target.type !== "SpreadElement" && target.type !== "ArgumentPlaceholder" ? unwrap(target as t.Expression) : undefined;
    let key: string | null = null;
    if (fnTarget?.type === "CallExpression" && calleeMarker(fnTarget.callee, ctx)) {
      this.inner.add(fnTarget);
      key = this.derivative(fnTarget, problems);
      if (!key) return null;
    } else if (fnTarget?.type === "Identifier" && ctx.functions.has(fnTarget.name)) {
      key = fnTarget.name;
    } else {
      return fail(target ?? call, `${marker}(…) differentiated again takes a function of the module by its name (or another grad(…) of one)`);
    }
    const wrt = this.host.wrt(options, call);
    if (wrt === null) return null;
    return this.derivativeOf(key, marker, wrt, call, problems);
  }

  /**
   * `vjp(f, { wrt })` applied inside differentiated code (`const [y, back] = vjp(f)(x)`): the
   * primal's function, and the module function `(…args, cotangent) => gradients` computing what
   * `back(cotangent)` returns, in the differentiable subset; null with its problems reported.
   * A stand-in name where only the module's facts are being found.
   */
  pullback(call: t.CallExpression, problems: Diagnostic[], generate = true): { primal: string; pullback: string } | null {
    const { ctx } = this.host;
    const [target, options] = call.arguments;
    const fnTarget = target && target.type !== "SpreadElement" && target.type !== "ArgumentPlaceholder" ? unwrap(target as t.Expression) : undefined;
    let key: string | null = null;
    if (fnTarget?.type === "CallExpression" && calleeMarker(fnTarget.callee, ctx)) {
      this.inner.add(fnTarget);
      key = generate ? this.derivative(fnTarget, problems) : `%nested:${fnTarget.start}`;
    } else if (fnTarget?.type === "Identifier" && ctx.functions.has(fnTarget.name)) {
      key = fnTarget.name;
    } else {
      problems.push(diagnostic("ADJ016", ctx.filename, spanOf(target ?? call), "vjp(…) inside differentiated code takes a function of the module by its name (or a grad(…) of one)"));
    }
    if (!key) return null;
    if (!generate) return { primal: key, pullback: `%nested:${call.start}` };
    const wrt = this.host.wrt(options, call);
    if (wrt === null) return null;
    const name = this.derivativeOf(key, "vjp", wrt, call, problems);
    return name ? { primal: key, pullback: name } : null;
  }

  /** Why a generated derivative cannot be differentiated again, where it cannot. */
  nestsNoFurther(key: string): string | undefined {
    return this.byJvps.has(key) ? "NDArray code nests to second order (its gradient's gradient is made of jvps, which have no derivative of their own yet)" : undefined;
  }

  /** The gradient of f with respect to parameter `wrt`, as a function in the differentiable subset (reported at `at` where it cannot be). */
  gradientFunction(key: string, wrt: number, at: t.CallExpression): string | null {
    return this.derivativeOf(key, "grad", wrt, at, this.host.ctx.diagnostics);
  }

  /** The module function computing `marker(key, { wrt })` in the differentiable subset, generated once. */
  private derivativeOf(key: string, marker: NestedMarker, wrt: number | number[], call: t.CallExpression, problems: Diagnostic[]): string | null {
    const id = `${key}|${marker}|${JSON.stringify(wrt)}`;
    const known = this.names.get(id);
    if (typeof known === "string") return known;
    if (known) return (problems.push(...known), null);
    const name = this.host.freshModuleName(`${key}$${marker}`);
    this.names.set(id, name);
    const found: Diagnostic[] = [];
    if (this.generate(key, marker, wrt, name, call, found)) return name;
    this.names.set(id, found);
    problems.push(...found);
    return null;
  }

  private generate(key: string, marker: NestedMarker, wrt: number | number[], name: string, call: t.CallExpression, problems: Diagnostic[]): boolean {
    const { ctx, runtime } = this.host;
    const fail = (detail: string) => (problems.push(diagnostic("ADJ016", ctx.filename, spanOf(call), detail)), false);
    const further = this.nestsNoFurther(key);
    if (further) return fail(`${marker} of '${key}': ${further}`);
    const fn = ctx.functions.get(key)!;
    const lowered: Diagnostic[] = [];
    const ir = optimize(lowerFunction(fn.node, key, { ...ctx, diagnostics: lowered, inlineModuleCalls: true, ...(fn.source && { source: fn.source }) }), { shapes: false });
    // Generated code is at the marker call's line: one message for each problem there.
    problems.push(...lowered.filter((d, i) => lowered.findIndex((e) => e.code === d.code && e.message === d.message) === i));
    if (lowered.length > 0) return false;
    const order = Array.isArray(wrt) ? wrt : [wrt];
    if (order.some((i) => !Number.isInteger(i) || i < 0 || i >= ir.params.length)) return fail(`wrt ${JSON.stringify(wrt)} names no parameter of '${key}'`);
    const kinds: string[] = ir.paramTypes;
    // A record parameter is its fields in the generated code: its callers would need an entry packing them.
    if (ir.sourceParams?.some((p) => p.kind === "record")) return fail(`a derivative differentiated again of a function with a record parameter (not yet: take it apart into numbers and arrays): '${key}'`);
    if (order.some((i) => kinds[i] !== "number" && kinds[i] !== "array" && kinds[i] !== "ndarray")) return fail(`a derivative differentiated again takes numbers, arrays of numbers and NDArrays (not yet records): '${key}'`);
    const mask = [...new Set(order)].sort((a, b) => a - b);
    const forward = marker === "jvp";
    const analysis = this.host.analyze(ir, new Set(mask), { writesAreOutputs: forward });
    const reverseOnly = forward ? [] : reverseRefusals(ir, analysis, ctx.filename);
    // The gradient of NDArray gradient code by numbers: one jvp per number, forward over reverse.
    if (analysis.diagnostics.length === 0 && reverseOnly.length > 0 && (marker === "grad" || marker === "valueAndGrad") && order.every((i) => kinds[i] === "number")) {
      return this.byTangents(key, marker, order, !Array.isArray(wrt), name, ir, analysis, call, problems);
    }
    const refusals = [...analysis.diagnostics, ...(forward ? forwardRefusals(ir, analysis, ctx.filename) : reverseOnly)];
    if (refusals.length > 0) {
      problems.push(...refusals);
      return false;
    }
    const entry = { kind: forward ? ("grad" as const) : marker === "vjp" ? ("cotangent" as const) : marker, order, single: !Array.isArray(wrt) };
    const code = forward
      ? forwardFunction(ir, analysis, { name, order, runtime, entry: true, calleeJvp: () => "undefined" })
      : reverseFunction(ir, analysis, {
          name,
          wrt: mask,
          runtime,
          entry,
          plainStack: true,
          calleeVjp: () => ({ name: "undefined", inPlace: [], noHead: "undefined", restores: false, needsDistinct: false }),
        }).code;
    const what = forward ? "jvp" : marker === "grad" ? "gradient" : marker === "vjp" ? "pullback" : "value and gradient";
    const about = `${what} of ${key} with respect to ${order.map((i) => ir.params[i]).join(", ")}, in the differentiable subset (to be differentiated again); generated by adjoint`;
    const lines = print(withSourceComments([{ kind: "comment", text: about }, ...code]));
    const text = lines.map((l) => l.text).join("\n");
    // What only the runtime does (arrays saved whole, attached vjps, adjoints found by array) has no derivative yet; NDArray rules and helpers have tangents (lower/second-order.ts).
    const helper = new RegExp(`${runtime}\\.(?!(?:${SECOND_ORDER.join("|")})\\b)(\\w+)|\\.(pushRef|popRef)\\(`).exec(text);
    if (helper) return fail(`${marker} of '${key}' differentiated again needs ${helper[1] ? `the runtime's ${helper[1]}` : "arrays saved whole"}, which is not differentiable yet (${whyRuntime(helper[1] ?? helper[2])})`);
    return this.register(name, lines, kinds, ir, analysis, forward ? { kind: "jvp", order, single: true } : entry, call, problems);
  }

  /**
   * `grad` or `valueAndGrad` of f by numbers, from f's jvp along each: for code reverse mode
   * cannot differentiate again (an NDArray gradient), as a function of the subset calling those jvps.
   */
  private byTangents(key: string, marker: "grad" | "valueAndGrad", order: number[], single: boolean, name: string, ir: IRFunction, analysis: Analysis, call: t.CallExpression, problems: Diagnostic[]): boolean {
    // Module jvps, not in the subset: the tangents of NDArray code have no derivative of their own, so this nests no further.
    const jvps = order.map((i) => this.host.jvpFor(key, [i]));
    if (jvps.some((j) => j === null)) return false;
    const args = ir.params.join(", ");
    const along = (k: number) => `${jvps[k]}(${args}, 1)`;
    const gradients = single ? `${along(0)}[1]` : `[${order.map((_, k) => `${along(k)}[1]`).join(", ")}]`;
    const result = marker === "grad" ? gradients : single ? along(0) : `[${along(0)}[0], ${gradients}]`;
    const lines: PrintedLine[] = [
      { text: `// ${marker === "grad" ? "gradient" : "value and gradient"} of ${key} with respect to ${order.map((i) => ir.params[i]).join(", ")}: its jvp along each, the code being an NDArray gradient reverse mode does not differentiate again; generated by adjoint` },
      { text: `function ${name}(${args}) {` },
      { text: `  return ${result};` },
      { text: "}" },
    ];
    this.byJvps.add(name);
    return this.register(name, lines, ir.paramTypes, ir, analysis, { kind: marker, order, single }, call, problems);
  }

  /** A generated derivative read back as a function of the module, and appended to it. */
  private register(name: string, lines: PrintedLine[], kinds: string[], ir: IRFunction, analysis: Analysis, entry: { kind: string; order: number[]; single: boolean }, call: t.CallExpression, problems: Diagnostic[]): boolean {
    const { ctx } = this.host;
    const parsed = parseFunction(lines.map((l) => l.text).join("\n"), name, kinds, ir, analysis, entry, call);
    if (!parsed) return (problems.push(diagnostic("ADJ016", ctx.filename, spanOf(call), `the derivative ${name} could not be read back (a bug in adjoint)`)), false);
    ctx.functions.set(name, { key: name, node: parsed.node, exported: false, source: parsed.source });
    this.host.appendLines(lines);
    this.host.moduleChanged();
    return true;
  }
}

/** What a generated NDArray gradient calls of the runtime that forward mode over it knows (lower/second-order.ts). */
const SECOND_ORDER = ["secondOrder", "accumulate", "orZerosLike", "sumToNumber", "seed"];

/** The derivatives generated in the differentiable subset: vjp's is its pullback applied (a cotangent entry). */
type NestedMarker = "grad" | "valueAndGrad" | "jvp" | "vjp";

/** What in f makes its generated gradient call a runtime helper. */
function whyRuntime(helper: string): string {
  if (helper === "ArrayAdjoints" || helper === "fit") return "an array it resizes (push, pop, splice, shift) or one several names hold";
  if (helper === "vjpOf") return "a call of a function with an attached derivative (customGrad, an import)";
  if (helper === "np") return "the tangents of NDArray code, which have no derivative of their own yet: NDArray code nests to second order";
  if (helper === "addInto" || helper === "addSliceInto") return "a copy of an array (slice, Array.from, a spread) whose adjoint flows back to it";
  if (helper === "putBack") return "an input array it writes, put back as the caller gave it";
  return "an array saved whole: one filled, sorted, set or overwritten by a callee";
}

/**
 * The generated text as a function to lower: parameters and result annotated with their kinds
 * (the module's kinds then know them), every node at the marker call's line.
 */
function parseFunction(text: string, name: string, kinds: string[], ir: IRFunction, analysis: Analysis, entry: { kind: string; order: number[]; single: boolean }, at: t.Node): { node: FunctionNode; source: string } | null {
  const typeOf = (kind: string) => (kind === "number" ? "number" : kind === "array" ? "Float64Array | number[]" : kind === "boolean" ? "boolean" : kind === "ndarray" ? "NDArray" : "any");
  const gradientKinds = entry.order.map((i) => kinds[i]);
  const gradients = entry.single ? typeOf(gradientKinds[0]) : gradientKinds.every((k) => k === "number") ? "number[]" : "any";
  const numberResult = analysis.types.get(ir.result) === "number";
  // grad: the gradients; valueAndGrad: [value, gradients]; jvp: [value, tangent], its tangents after the primals; a pullback: the gradients, its cotangent after the primals.
  const result = entry.kind === "grad" || entry.kind === "cotangent" ? gradients : numberResult && (gradients === "number" || entry.kind === "jvp") ? "number[]" : "any";
  const resultKind = analysis.types.get(ir.result) ?? "any";
  const params =
    entry.kind === "jvp" ? [...ir.params.map((_, i) => kinds[i]), ...entry.order.map((i) => kinds[i])] : entry.kind === "cotangent" ? [...ir.params.map((_, i) => kinds[i]), resultKind] : ir.params.map((_, i) => kinds[i]);
  const header = new RegExp(`function ${name.replace(/\$/g, "\\$")}\\(([^)]*)\\)`).exec(text);
  if (!header) return null;
  const names = header[1].split(",").map((p) => p.trim());
  const annotated = text.replace(header[0], `function ${name}(${names.map((p, i) => `${p}: ${typeOf(params[i] ?? "any")}`).join(", ")}): ${result}`);
  let program: t.File;
  try {
    program = parse(annotated, { sourceType: "module", plugins: ["typescript"] });
  } catch {
    return null;
  }
  const fn = program.program.body.find((s): s is t.FunctionDeclaration => s.type === "FunctionDeclaration" && s.id?.name === name);
  if (!fn) return null;
  walk(fn, (node) => {
    // Offsets stay the generated text's (its statements read as comments); lines are the call's.
    node.loc = at.loc;
  });
  return { node: fn, source: annotated };
}

/** What a Hessian site needs of the module compiler beyond what nesting does. */
export interface ModesHost {
  lower(key: string): IRFunction | null;
  vjpFor(key: string, mask: number[]): string | null;
  replace(call: t.CallExpression, code: string): void;
}

/**
 * `hessian(f, { wrt })`, `hvp(f, { wrt })`, `jacrev(f, { wrt })`. The Hessian is forward over
 * reverse: H v is the jvp of f's gradient along v (one per row for an array, v = 1 for a
 * number); the Jacobian one pullback of f's vjp per output element.
 */
export function modeSite(nested: NestedDerivatives, host: NestedHost & ModesHost, call: t.CallExpression, marker: "hessian" | "hvp" | "jacrev" | "jacobian"): void {
  const { ctx, runtime } = host;
  const fail = (at: t.Node, detail: string) => void ctx.diagnostics.push(diagnostic(marker === "jacrev" || marker === "jacobian" ? "ADJ018" : "ADJ016", ctx.filename, spanOf(at), detail));
  const [target, options] = call.arguments;
  const fnTarget = target && target.type !== "SpreadElement" && target.type !== "ArgumentPlaceholder" ? unwrap(target as t.Expression) : undefined;
  if (fnTarget?.type !== "Identifier" || !ctx.functions.has(fnTarget.name)) return fail(target ?? call, `${marker} takes a function of the module by its name`);
  const key = fnTarget.name;
  const wrt = host.wrt(options, call);
  if (wrt === null) return;
  if (Array.isArray(wrt)) return fail(options!, `${marker} takes one parameter: { wrt: 1 }`);
  const ir = host.lower(key);
  if (!ir) return;
  // A record parameter is its fields in the generated code: jvp, vjp and gradient would need an entry packing them.
  if (ir.sourceParams?.some((p) => p.kind === "record")) return void ctx.diagnostics.push(diagnostic("ADJ016", ctx.filename, spanOf(target!), `${marker} of a function with a record parameter (not yet: take it apart into numbers and arrays)`));
  if (wrt < 0 || wrt >= ir.params.length) return void ctx.diagnostics.push(diagnostic("ADJ017", ctx.filename, spanOf(options ?? call), `${wrt} ('${key}' has ${ir.params.length} parameters)`));
  const kind = ir.paramTypes[wrt];
  if (kind !== "number" && kind !== "array" && kind !== "ndarray") {
    return fail(target!, `${marker} with respect to a number, an array of numbers or an NDArray (not yet records)`);
  }
  if (marker === "jacrev") {
    const vjp = host.vjpFor(key, [wrt]);
    if (vjp) host.replace(call, `((...args) => ${runtime}.jacobianRows(${vjp}, args, 0))`);
    return;
  }
  if (marker === "jacobian") {
    const [jvp, vjp] = [host.jvpFor(key, [wrt]), host.vjpFor(key, [wrt])];
    if (jvp && vjp) host.replace(call, `${runtime}.jacobianOf(${jvp}, ${vjp}, ${ir.params.length}, ${wrt})`);
    return;
  }
  const gradient = nested.gradientFunction(key, wrt, call);
  if (!gradient) return;
  const hvp = hvpFunction(nested, host, key, wrt, gradient, ir);
  if (!hvp) return;
  // A number's Hessian is its H v at v = 1; an array's, one H v per unit v, a row each.
  const hessianOf = kind === "number" ? `((...args) => ${hvp}(...args, 1))` : `((...args) => ${runtime}.hessianRows(${hvp}, args, ${wrt}))`;
  host.replace(call, marker === "hvp" ? hvp : hessianOf);
}

const hvps = new WeakMap<NestedDerivatives, Map<string, string | null>>();

/**
 * H v for f with respect to parameter `wrt`: the jvp of f's gradient (generated in the
 * differentiable subset) along v, forward over reverse, at about the cost of two gradients.
 * Generated once per f and wrt.
 */
function hvpFunction(nested: NestedDerivatives, host: NestedHost & ModesHost, key: string, wrt: number, gradient: string, ir: IRFunction): string | null {
  if (!hvps.has(nested)) hvps.set(nested, new Map());
  const known = hvps.get(nested)!;
  const id = `${key}|${wrt}`;
  if (known.has(id)) return known.get(id)!;
  const tangent = host.jvpFor(gradient, [wrt]);
  const hvp = tangent && host.freshModuleName(`${key}$hvp`);
  known.set(id, hvp);
  if (!tangent || !hvp) return null;
  const args = ir.params.join(", ");
  host.appendLines([
    { text: `// Hessian of ${key} with respect to ${ir.params[wrt]}, times v: the jvp of its gradient along v; generated by adjoint` },
    { text: `function ${hvp}(${args}, v) {` },
    { text: `  return ${tangent}(${args}, v)[1];` },
    { text: "}" },
  ]);
  return hvp;
}

/** Whether an IR is a generated NDArray gradient's: it calls its rules' vjps or helpers (lower/second-order.ts). */
export function hasSecondOrder(ir: IRFunction): boolean {
  let found = false;
  forEachStmt(ir.body, (s) => {
    if (s.kind === "assign" && s.expr.kind === "np" && s.expr.rule !== null && derivedOf(s.expr.rule)) found = true;
  });
  return found;
}

/** Whether an IR calls a nested derivative's stand-in (a function lowered aside). */
export function hasStandIns(ir: IRFunction): boolean {
  let found = false;
  forEachStmt(ir.body, (s) => {
    if ((s.kind === "assign" || s.kind === "effect") && s.expr.kind === "call" && s.expr.callee.kind === "local" && s.expr.callee.key.startsWith("%nested:")) found = true;
  });
  return found;
}
