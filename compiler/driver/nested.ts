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
import type { FunctionNode, ModuleContext, ModuleFunction } from "../ir/context.js";
import { forEachStmt, type IRFunction } from "../ir/index.js";
import type { Analysis, AnalysisOptions } from "../analyze/index.js";
import { lowerFunction } from "../lower/index.js";
import { rowContainers } from "../lower/rows.js";
import { optimize } from "../optimize/index.js";
import { analyzedWithoutCopies } from "../optimize/aliases.js";
import { reverseFunction, reverseRefusals } from "../reverse/index.js";
import { forwardFunction, forwardRefusals, ndarrayLike } from "../forward/index.js";
import { derivedOf, whyNoOps } from "../rules/np.js";
import { flatGradientParams, recordOf, recordWrapper, sourceNames, typeOfKind, unpacked } from "./record-entries.js";
import type { Summary } from "../analyze/summaries.js";
import { MadeGradients } from "./made-gradients.js";
import { unusedName } from "./bindings.js";

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
  /** The gradient entry of a module function by one parameter (by several: a list), generated once. */
  gradFor(key: string, wrt: number | number[]): string | null;
  /** The jvp of a module function with respect to `order`, generated once: `(...args, ...tangents) => [value, tangent]`. */
  jvpFor(key: string, order: number[]): string | null;
  lower(key: string): IRFunction | null;
  summaryOf(key: string): Summary | undefined;
  /** A name taken by freshModuleName and not used after all; kept where generated code already mentions it. */
  releaseName(name: string): void;
  /** An inline function written outside every function, as a function of the module (one key per function); null inside another function. */
  inlineTarget(fn: t.ArrowFunctionExpression | t.FunctionExpression): string | null;
}

export class NestedDerivatives {
  /** Each nested derivative's function, by f, marker and wrt (reserved before it is generated: lowering may ask again meanwhile), or its problems. */
  private names = new Map<string, string | Diagnostic[]>();
  /** Marker calls that are the argument of another marker: compiled with it, not as sites of their own. */
  readonly inner = new Set<t.CallExpression>();
  /** Derivatives made of module entry points (byTangents, jvpOfGradient), each with why nothing differentiates them again. */
  private byJvps = new Map<string, string>();
  /** Refusals of a gradient in the subset that reverse over forward gets past: what only the runtime does by array identity, a gradient by a record (jvp(grad(f)) is then made of entry points). */
  private needsIdentity = new WeakSet<Diagnostic>();

  /** Gradients read inside code differentiated once, made of entry points (made-gradients.ts). */
  readonly made: MadeGradients;

  constructor(private host: NestedHost) {
    const lowered = (key: string) => {
      const ir = host.lower(key);
      return ir && this.withInferredKinds(ir);
    };
    const tangent = (key: string, along: number[], at: t.CallExpression) => this.derivativeOf(key, "tangent", along.length === 1 ? along[0] : along, at, host.ctx.diagnostics);
    this.made = new MadeGradients({ ...host, lowered, tangent });
  }

  /**
   * The name of the module function computing the marker call `grad(f, { wrt })`; null with its
   * problems reported into `problems`. Where only the module's facts are being found (a function
   * lowered aside), a stand-in name: nothing is generated for code nobody differentiates. Read
   * inside code differentiated once (`readInside`), a gradient that cannot be written in the
   * subset is made of entry points instead (made-gradients.ts).
   */
  derivative(call: t.CallExpression, problems: Diagnostic[], generate = true, readInside?: "once" | "again"): string | null {
    if (!generate) return `%nested:${call.start}`;
    const { ctx } = this.host;
    const marker = calleeMarker(call.callee, ctx);
    const fail = (at: t.Node, detail: string) => (problems.push(diagnostic("ADJ016", ctx.filename, spanOf(at), detail)), null);
    const [target, options] = call.arguments;
    const fnTarget = target && target.type !== "SpreadElement" && target.type !== "ArgumentPlaceholder" ? unwrap(target as t.Expression) : undefined;
    if (marker === "hvp" && readInside && fnTarget?.type === "Identifier" && ctx.functions.has(fnTarget.name)) return this.hvpInside(fnTarget.name, options, call, problems);
    if (marker !== "grad" && marker !== "valueAndGrad" && marker !== "jvp") return fail(call, `${marker ?? "this"}(…) differentiated again (grad, valueAndGrad, jvp and, inside a function, hvp nest)`);
    let key: string | null = null;
    // Read once: a jvp of an inner gradient needs it before the inner is made.
    let wrt: number | number[] | null | undefined;
    if (fnTarget?.type === "CallExpression" && calleeMarker(fnTarget.callee, ctx)) {
      if (marker === "jvp") wrt = this.host.wrt(options, call);
      const found = wrt === null ? null : this.innerDerivative(fnTarget, marker, wrt ?? 0, call, problems);
      // Made of entry points: its site may call it, nothing differentiates it again.
      if (found?.made) return fail(call, `${marker}(…) differentiated again: ${this.byJvps.get(found.made)}`);
      key = found?.key ?? null;
      if (!key) return null;
    } else if (fnTarget?.type === "Identifier" && ctx.functions.has(fnTarget.name)) {
      key = fnTarget.name;
    } else if (fnTarget?.type === "ArrowFunctionExpression" || fnTarget?.type === "FunctionExpression") {
      // grad(grad((x) => …)) written at the module's top level: the function as one of the module's.
      key = this.host.inlineTarget(fnTarget);
      if (!key) return fail(fnTarget, `${marker}(…) differentiated again of a function written inside another function (it may read the variables of that function): declare it at the top level of the module`);
    } else {
      return fail(target ?? call, `${marker}(…) differentiated again takes a function of the module by its name (or another grad(…) of one)`);
    }
    if (wrt === undefined) wrt = this.host.wrt(options, call);
    if (wrt === null) return null;
    const found: Diagnostic[] = [];
    const name = this.derivativeOf(key, marker, wrt, call, found);
    const identity = !name && found.length > 0 && found.every((d) => this.needsIdentity.has(d));
    // Why it cannot be made, where it says, is the more precise refusal.
    const why: Diagnostic[] = [];
    const made = identity && readInside === "once" && marker === "grad" && typeof wrt === "number" && !this.byJvps.has(key) ? this.made.gradient(key, wrt, call, why) : null;
    // Inside code differentiated again, it would be differentiated a second time: say so.
    if (identity && readInside === "again" && marker === "grad") why.push(diagnostic("ADJ016", this.host.ctx.filename, spanOf(call), `grad of '${key}' read inside code that is differentiated again: ${MadeGradients.FURTHER}`));
    if (!name && !made) problems.push(...(why.length > 0 ? why : found));
    return name ?? made;
  }

  /**
   * The inner derivative of `marker(inner, { wrt })` as a function of the module (`key`), for
   * the outer marker to differentiate; or, for a jvp of a gradient that cannot be written in the
   * subset, the outer derivative made whole (`made`). Null with the inner's problems reported.
   */
  innerDerivative(inner: t.CallExpression, marker: string, wrt: number | number[], call: t.CallExpression, problems: Diagnostic[]): { key: string; made?: undefined } | { made: string; key?: undefined } | null {
    this.inner.add(inner);
    const found: Diagnostic[] = [];
    const key = this.derivative(inner, found);
    if (key) return { key };
    const made = marker === "jvp" && found.length > 0 && found.every((d) => this.needsIdentity.has(d)) ? this.jvpOfGradient(inner, wrt, call) : null;
    if (made) return { made };
    problems.push(...found);
    return null;
  }

  /**
   * `jvp(grad(f, { wrt: i }), { wrt })` where f's gradient cannot be written in the subset (it
   * needs arrays by identity): the gradient as f's own, and its tangent along u as the gradient
   * by i of f's jvp tangent along u (reverse over forward). Made of entry points, so it nests no
   * further; null where f's inner call is not of that form (its own refusal then stands).
   */
  private jvpOfGradient(inner: t.CallExpression, wrt: number | number[], call: t.CallExpression): string | null {
    const { ctx } = this.host;
    const [target, options] = inner.arguments;
    const fnTarget = target && target.type !== "SpreadElement" && target.type !== "ArgumentPlaceholder" ? unwrap(target as t.Expression) : undefined;
    if (calleeMarker(inner.callee, ctx) !== "grad" || fnTarget?.type !== "Identifier" || !ctx.functions.has(fnTarget.name)) return null;
    const key = fnTarget.name;
    const by = this.host.wrt(options, inner);
    const ir = typeof by === "number" ? this.lowerForNesting(key, []) : null;
    if (ir === null || typeof by !== "number") return null;
    // Of a function with record parameters, by fields: its flat parameters, the records unpacked at the call and packed back.
    const records = hasRecords(ir);
    const names = records ? sourceNames(ctx.functions.get(key)!.node) : ir.params;
    const along = Array.isArray(wrt) ? wrt : [wrt];
    if ([by, ...along].some((i) => !Number.isInteger(i) || i < 0 || i >= names.length)) return null;
    const param = records ? ir.sourceParams![by] : null;
    const flat = (i: number) => (records ? (ir.sourceParams![i] as { index?: number }).index : i);
    if (along.some((i) => flat(i) === undefined)) return null;
    const byFlat = param?.kind === "record" ? flatGradientParams(ir, param) : flat(by)!;
    const tangent = this.derivativeOf(key, "tangent", Array.isArray(wrt) ? along.map((i) => flat(i)!) : flat(wrt)!, call, [], records);
    const product = tangent && this.host.gradFor(tangent, byFlat);
    const gradient = product && this.host.gradFor(key, byFlat);
    if (!gradient) return null;
    const name = this.host.freshModuleName(`${key}$grad$jvp`);
    const flatArgs = records ? unpacked(names, ir.sourceParams!) : names;
    const args = flatArgs.join(", ");
    // f may write into the arrays it is given: the gradient gets copies, so the tangent's gradient sees them as given.
    const copies = flatArgs.map((a, i) => (ir.paramTypes[i] === "array" ? `${a}.slice()` : a)).join(", ");
    const us = along.map((i) => unusedName(`u_${names[i]}`, names)).join(", ");
    const [g, t] = ["gradient", "tangent"].map((base) => (names.includes(base) ? `${base}_` : base));
    const pack = (list: string) => (param?.kind === "record" ? recordOf(ir, param, list, names[by]) : list);
    const why = records ? "reverse over forward, by fields: the gradient by a record is a record" : "reverse over forward: the gradient needs arrays by identity";
    this.host.appendLines([
      { text: `// jvp of the gradient of ${key} with respect to ${names[by]}, along ${along.map((i) => names[i]).join(", ")}: the gradient, and the gradient of ${key}'s jvp tangent (${why}); generated by adjoint` },
      { text: `function ${name}(${[...names, us].join(", ")}) {` },
      { text: `  const ${g} = ${gradient}(${copies});` },
      { text: `  const ${t} = ${product}(${args}, ${us});` },
      { text: `  return [${pack(g)}, ${pack(t)}];` },
      { text: "}" },
    ]);
    this.byJvps.set(name, "a jvp of a gradient made of entry points nests to second order (the gradient and the gradient of a jvp, with no derivative of their own)");
    return name;
  }

  /**
   * `hvp(f, { wrt })(…, v)` read inside differentiated code, in the subset so it nests in every
   * mode: the tangent of f's gradient's jvp along v (forward over reverse, as `hvp` is made),
   * or where that tangent nests no further (NDArray code), the gradient's pullback along v,
   * (∂∇f)ᵀ v = H v as H is symmetric (reverse over reverse: the vjps as operations).
   */
  private hvpInside(key: string, options: t.CallExpression["arguments"][number] | undefined, call: t.CallExpression, problems: Diagnostic[]): string | null {
    const wrt = this.host.wrt(options, call);
    if (wrt === null) return null;
    if (typeof wrt !== "number") return (problems.push(diagnostic("ADJ016", this.host.ctx.filename, spanOf(call), "hvp(…) inside differentiated code takes one wrt parameter")), null);
    const gradient = this.derivativeOf(key, "grad", wrt, call, problems);
    if (!gradient) return null;
    // Forward over reverse where its tangent is in the subset (code of numbers), as the top-level hvp computes it; else the pullback.
    return this.derivativeOf(gradient, "tangent", wrt, call, []) ?? this.derivativeOf(gradient, "vjp", wrt, call, problems);
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
    return this.byJvps.get(key);
  }

  /**
   * What H v of f by `wrt` is made from (`fields`: f's flat parameters, its records taken as
   * their fields): f's gradient in the differentiable subset, whose jvp along v is H v (forward
   * over reverse); or, where that gradient would need arrays by identity (one several names
   * hold, arrays saved whole), the tangent of f's jvp along v (`along`, default `wrt`), whose
   * gradient by `wrt` is H v (reverse over forward: forward mode mirrors arrays). Reported at
   * `at` where neither can be made.
   */
  curvature(key: string, wrt: number, at: t.CallExpression, fields = false, along: number | number[] = wrt): Curvature | null {
    const problems: Diagnostic[] = [];
    const gradient = this.derivativeOf(key, "grad", wrt, at, problems, fields);
    if (gradient) return { gradient };
    if (problems.length > 0 && problems.every((d) => this.needsIdentity.has(d))) {
      const tangent = this.derivativeOf(key, "tangent", along, at, [], fields);
      if (tangent) return { tangent };
    }
    this.host.ctx.diagnostics.push(...problems);
    return null;
  }

  /** The module function computing `marker(key, { wrt })` in the differentiable subset, generated once. */
  private derivativeOf(key: string, marker: NestedMarker, wrt: number | number[], call: t.CallExpression, problems: Diagnostic[], fields = false): string | null {
    const id = `${key}|${marker}|${JSON.stringify(wrt)}${fields ? "|fields" : ""}`;
    const known = this.names.get(id);
    if (typeof known === "string") return known;
    if (known) return (problems.push(...known), null);
    const name = this.host.freshModuleName(`${key}$${fields ? `fields${marker[0].toUpperCase()}${marker.slice(1)}` : marker}`);
    this.names.set(id, name);
    const found: Diagnostic[] = [];
    const further = this.nestsNoFurther(key);
    if (further) found.push(diagnostic("ADJ016", this.host.ctx.filename, spanOf(call), `${marker} of '${key}': ${further}`));
    const ir = further ? null : this.lowerForNesting(key, found);
    const made = ir && (!fields && hasRecords(ir) ? this.throughFields(key, ir, marker, wrt, name, call, found) : this.generate(key, ir, marker, wrt, name, call, found));
    if (made) return name;
    this.names.set(id, found);
    // Nothing was made under the name: a later derivative may take it.
    this.host.releaseName(name);
    problems.push(...found);
    return null;
  }

  /** f lowered to be differentiated again: its callees inlined, NDArrays kept as they are; null with its problems reported. */
  private lowerForNesting(key: string, problems: Diagnostic[], vjpsAsOps = false): IRFunction | null {
    const { ctx } = this.host;
    const fn = ctx.functions.get(key)!;
    const lowered: Diagnostic[] = [];
    const ir = optimize(lowerFunction(fn.node, key, { ...ctx, diagnostics: lowered, inlineModuleCalls: true, vjpsAsOps, ...(fn.source && { source: fn.source, moduleSource: ctx.moduleSource ?? ctx.source }) }), { shapes: false });
    // Generated code is at the marker call's line: one message for each problem there.
    problems.push(...lowered.filter((d, i) => lowered.findIndex((e) => e.code === d.code && e.message === d.message) === i));
    return lowered.length > 0 ? null : this.withInferredKinds(asDerivative(fn, ir));
  }

  /**
   * ir with each parameter's kind as analysis infers it: untyped JavaScript's parameters are
   * numbers until their uses say otherwise, and what is generated from ir (annotations read back,
   * copies, packing) must know the arrays. One only NDArray operations read is an NDArray there
   * (their rules and the runtime's adjoint operations take a number alike): typed a number, the
   * gradient read back would push it and add its adjoints as numbers.
   */
  withInferredKinds(ir: IRFunction): IRFunction {
    const analysis = this.host.analyze(ir, new Set(), {});
    const { types } = analysis;
    const containers = rowContainers(ir);
    const npLike = ndarrayLike(ir, analysis);
    const paramTypes = ir.paramTypes.map((declared, i) => {
      if (containers.has(ir.params[i])) return "other"; // an array of arrays, read as data
      const inferred = types.get(ir.params[i]);
      if (inferred === "unknown" && !ir.paramAnnotated[i] && npLike.has(ir.params[i])) return "ndarray";
      return inferred === undefined || inferred === "unknown" ? declared : inferred;
    });
    return paramTypes.every((kind, i) => kind === ir.paramTypes[i]) ? ir : { ...ir, paramTypes };
  }

  /**
   * A derivative of f with record parameters: its derivative by fields (the generated code takes
   * each record as its fields), behind a function of f's own parameters unpacking each record.
   * The records pass through; wrt names numbers, arrays and NDArrays.
   */
  private throughFields(key: string, ir: IRFunction, marker: NestedMarker, wrt: number | number[], name: string, call: t.CallExpression, problems: Diagnostic[]): boolean {
    const { ctx } = this.host;
    const fail = (detail: string) => (problems.push(diagnostic("ADJ016", ctx.filename, spanOf(call), detail)), false);
    const names = sourceNames(ctx.functions.get(key)!.node);
    const order = Array.isArray(wrt) ? wrt : [wrt];
    if (order.some((i) => !Number.isInteger(i) || i < 0 || i >= names.length)) return fail(`wrt ${JSON.stringify(wrt)} names no parameter of '${key}'`);
    const record = order.find((i) => ir.sourceParams![i].kind === "record");
    if (record !== undefined) {
      const refusal = diagnostic("ADJ020", ctx.filename, spanOf(call), `${marker} differentiated again with respect to the record '${names[record]}' (not yet, except as jvp(grad(f)); with respect to numbers, arrays and NDArrays, a record passing through)`);
      if (marker === "grad") this.needsIdentity.add(refusal);
      return (problems.push(refusal), false);
    }
    const flat = order.map((i) => (ir.sourceParams![i] as { index: number }).index);
    const inner = this.derivativeOf(key, marker, Array.isArray(wrt) ? flat : flat[0], call, problems, true);
    if (!inner) return false;
    const made = ctx.functions.get(inner)!;
    const text = made.source!;
    const extra = made.node.params.slice(ir.params.length).map((p) => ({ name: (p as t.Identifier).name, typed: text.slice(p.start!, p.end!) }));
    const result = made.node.returnType ? text.slice(made.node.returnType.start!, made.node.returnType.end!) : "";
    if (extra.some((e) => names.includes(e.name))) return fail(`the derivative ${inner} has a parameter named like one of '${key}' (a bug in adjoint)`);
    const about = `${marker === "tangent" ? "tangent of the jvp" : marker === "jvp" ? "jvp" : marker === "vjp" ? "pullback" : marker === "grad" ? "gradient" : "value and gradient"} of ${key} with respect to ${order.map((i) => names[i]).join(", ")}: ${inner} of its fields`;
    if (this.byJvps.has(inner)) this.byJvps.set(name, this.byJvps.get(inner)!);
    const wrapper = (typed: boolean) => recordWrapper(ir, names, about, name, inner, extra, typed ? result : null);
    return this.registerText(name, wrapper(true), wrapper(false), call, problems);
  }

  private generate(key: string, lowered: IRFunction, marker: NestedMarker, wrt: number | number[], name: string, call: t.CallExpression, problems: Diagnostic[]): boolean {
    // Reverse mode over an NDArray gradient: its vjps as np operations, where every one has that form, so the result nests again.
    if (marker === "jvp" || marker === "tangent" || !hasSecondOrder(lowered)) return this.generateFrom(key, lowered, marker, wrt, name, call, problems);
    const asOps = this.lowerForNesting(key, [], true);
    const withoutOps = asOps ? secondOrderRules(asOps) : [];
    // Where reverse mode cannot take it (NDArray state a loop overwrites, on the plain stack), the jvps as before.
    if (asOps && withoutOps.length === 0 && this.generateFrom(key, asOps, marker, wrt, name, call, [], true)) return true;
    return this.generateFrom(key, lowered, marker, wrt, name, call, problems, false, withoutOps);
  }

  /** `generate` from one lowering; `only`: reverse mode alone, nothing else tried. */
  private generateFrom(key: string, lowered: IRFunction, marker: NestedMarker, wrt: number | number[], name: string, call: t.CallExpression, problems: Diagnostic[], only = false, withoutOps: string[] = []): boolean {
    const { ctx, runtime } = this.host;
    const fail = (detail: string) => (problems.push(diagnostic("ADJ016", ctx.filename, spanOf(call), detail)), false);
    const order = Array.isArray(wrt) ? wrt : [wrt];
    if (order.some((i) => !Number.isInteger(i) || i < 0 || i >= lowered.params.length)) return fail(`wrt ${JSON.stringify(wrt)} names no parameter of '${key}'`);
    const kinds: string[] = lowered.paramTypes;
    if (order.some((i) => kinds[i] !== "number" && kinds[i] !== "array" && kinds[i] !== "ndarray")) return fail(`a derivative differentiated again takes numbers, arrays of numbers and NDArrays (not yet records): '${key}'`);
    const mask = [...new Set(order)].sort((a, b) => a - b);
    const forward = marker === "jvp" || marker === "tangent";
    // One name per array: its adjoint is then a variable, not the runtime's map.
    const { ir, analysis } = analyzedWithoutCopies(lowered, (fn) => this.host.analyze(fn, new Set(mask), { writesAreOutputs: forward }));
    const reverseOnly = forward ? [] : reverseRefusals(ir, analysis, ctx.filename);
    // The gradient of NDArray gradient code by numbers: one jvp per number, forward over reverse.
    if (only && (analysis.diagnostics.length > 0 || reverseOnly.length > 0)) return false;
    if (analysis.diagnostics.length === 0 && reverseOnly.length > 0 && (marker === "grad" || marker === "valueAndGrad") && order.every((i) => kinds[i] === "number")) {
      return this.byTangents(key, marker, order, !Array.isArray(wrt), name, ir, analysis, call, problems, false, withoutOps);
    }
    const refusals = [...analysis.diagnostics, ...(forward ? forwardRefusals(ir, analysis, ctx.filename) : reverseOnly)];
    if (refusals.length > 0) {
      problems.push(...refusals);
      return false;
    }
    const entry = { kind: forward ? ("grad" as const) : marker === "vjp" ? ("cotangent" as const) : marker, order, single: !Array.isArray(wrt) };
    const code = forward
      ? forwardFunction(ir, analysis, { name, order, runtime, entry: true, plain: true, tangentOnly: marker === "tangent", calleeJvp: () => "undefined" })
      : reverseFunction(ir, analysis, {
          name,
          wrt: mask,
          runtime,
          entry,
          plainStack: true,
          calleeVjp: () => ({ name: "undefined", inPlace: [], noHead: "undefined", restores: false, needsDistinct: false }),
        }).code;
    const what = marker === "tangent" ? "tangent of the jvp" : forward ? "jvp" : marker === "grad" ? "gradient" : marker === "vjp" ? "pullback" : "value and gradient";
    const about = `${what} of ${key} with respect to ${order.map((i) => ir.params[i]).join(", ")}, in the differentiable subset (to be differentiated again); generated by adjoint`;
    const lines = print(withSourceComments([{ kind: "comment", text: about }, ...code]));
    const text = lines.map((l) => l.text).join("\n");
    // What only the runtime does (arrays saved whole, attached vjps, adjoints found by array) has no derivative yet; NDArray rules and helpers have tangents (lower/second-order.ts).
    const helper = new RegExp(`${runtime}\\.(?!(?:${SECOND_ORDER.join("|")})\\b)(\\w+)|\\.(pushRef|popRef)\\(`).exec(text);
    // By numbers, the gradient is the jvp along each, written in the subset too: forward mode mirrors arrays and needs none of those helpers.
    if (helper && only) return false;
    if (helper && !forward && marker !== "vjp" && order.every((i) => kinds[i] === "number")) {
      const viaTangents: Diagnostic[] = [];
      if (this.byTangents(key, marker, order, !Array.isArray(wrt), name, ir, analysis, call, viaTangents, true)) return true;
    }
    if (helper) {
      const refusal = diagnostic("ADJ016", ctx.filename, spanOf(call), `${marker} of '${key}' differentiated again needs ${helper[1] ? `the runtime's ${helper[1]}` : "arrays saved whole"}, which is not differentiable yet (${whyRuntime(helper[1] ?? helper[2])})${forward ? (helper[1] === "np" ? "; inside a function, hvp(f)(x, v) is H v as the gradient's pullback, which nests" : "") : "; hvp, hessian, jvp(grad(f)) and second derivatives by numbers of it work, reverse over forward"}`);
      if (!forward) this.needsIdentity.add(refusal);
      problems.push(refusal);
      return false;
    }
    return this.register(name, lines, kinds, ir, analysis, forward ? { kind: marker, order, single: true } : entry, call, problems);
  }

  /**
   * `grad` or `valueAndGrad` of f by numbers, from f's jvp along each: for code reverse mode
   * cannot differentiate again (an NDArray gradient), as a function of the subset calling those jvps.
   */
  private byTangents(key: string, marker: "grad" | "valueAndGrad", order: number[], single: boolean, name: string, ir: IRFunction, analysis: Analysis, call: t.CallExpression, problems: Diagnostic[], plain = false, withoutOps: string[] = []): boolean {
    // Plain: f's jvps in the subset, so this nests further. Else module jvps: the tangents of NDArray code have no derivative of their own, so this nests no further.
    const jvps = order.map((i) => (plain ? this.derivativeOf(key, "jvp", i, call, problems, hasRecords(ir)) : this.host.jvpFor(key, [i])));
    if (jvps.some((j) => j === null)) return false;
    const args = ir.params.join(", ");
    const along = (k: number) => `${jvps[k]}(${args}, 1)`;
    const gradients = single ? `${along(0)}[1]` : `[${order.map((_, k) => `${along(k)}[1]`).join(", ")}]`;
    const result = marker === "grad" ? gradients : single ? along(0) : `[${along(0)}[0], ${gradients}]`;
    const lines: PrintedLine[] = [
      { text: `// ${marker === "grad" ? "gradient" : "value and gradient"} of ${key} with respect to ${order.map((i) => ir.params[i]).join(", ")}: its jvp along each, ${plain ? "in the subset (its reverse sweep would need arrays by identity)" : "the code being an NDArray gradient reverse mode does not differentiate again"}; generated by adjoint` },
      { text: `function ${name}(${args}) {` },
      { text: `  return ${result};` },
      { text: "}" },
    ];
    if (!plain) this.byJvps.set(name, withoutOps.length > 0 ? `${NDARRAY_SECOND_ORDER}: the vjp of ${withoutOps.map((r) => (whyNoOps(r) ? `${r} (${whyNoOps(r)})` : r)).join(", ")} is not written as np operations (runtime/np/vjp-ops.ts)` : NDARRAY_SECOND_ORDER);
    return this.register(name, lines, ir.paramTypes, ir, analysis, { kind: marker, order, single }, call, problems);
  }

  /** A generated derivative read back as a function of the module (its parameters and result annotated with their kinds), and appended to it. */
  private register(name: string, lines: PrintedLine[], kinds: string[], ir: IRFunction, analysis: Analysis, entry: { kind: string; order: number[]; single: boolean }, call: t.CallExpression, problems: Diagnostic[]): boolean {
    const annotated = annotate(lines.map((l) => l.text).join("\n"), name, kinds, ir, analysis, entry);
    return this.read(name, annotated, lines, call, problems);
  }

  /** Generated text already typed, read back as a function of the module. */
  private registerText(name: string, typed: PrintedLine[], plain: PrintedLine[], call: t.CallExpression, problems: Diagnostic[]): boolean {
    return this.read(name, typed.map((l) => l.text).join("\n"), plain, call, problems);
  }

  private read(name: string, annotated: string | null, lines: PrintedLine[], call: t.CallExpression, problems: Diagnostic[]): boolean {
    const { ctx } = this.host;
    const parsed = annotated && parseAt(annotated, name, call);
    if (!parsed) return (problems.push(diagnostic("ADJ016", ctx.filename, spanOf(call), `the derivative ${name} could not be read back (a bug in adjoint)`)), false);
    ctx.functions.set(name, { key: name, node: parsed.node, exported: false, source: parsed.source });
    this.host.appendLines(lines);
    this.host.moduleChanged();
    return true;
  }
}

/** Whether f has a record parameter: its generated code takes the record as its fields. */
export function hasRecords(ir: IRFunction): boolean {
  return ir.sourceParams?.some((p) => p.kind === "record") ?? false;
}

/** What a generated NDArray gradient calls of the runtime that forward mode over it knows (lower/second-order.ts). */
const SECOND_ORDER = ["secondOrder", "accumulate", "orZerosLike", "sumToNumber", "seed", "head"];

const NDARRAY_SECOND_ORDER = "NDArray code nests to second order (its gradient's gradient is made of jvps, which have no derivative of their own yet)";

/** H v's source (NestedDerivatives.curvature): f's gradient in the subset, or its jvp's tangent. */
export type Curvature = { gradient: string; tangent?: undefined } | { tangent: string; gradient?: undefined };

/** The derivatives generated in the differentiable subset: vjp's is its pullback applied (a cotangent entry); tangent's, a jvp's tangent alone. */
type NestedMarker = "grad" | "valueAndGrad" | "jvp" | "vjp" | "tangent";

/** What in f makes its generated gradient call a runtime helper. */
function whyRuntime(helper: string): string {
  if (helper === "ArrayAdjoints" || helper === "fit") return "an array it resizes (push, pop, splice, shift) or one several names hold";
  if (helper === "vjpOf") return "a call of a function with an attached derivative (customGrad, an import)";
  if (helper === "np") return "the tangents of NDArray code, which have no derivative of their own yet: NDArray code nests to second order";
  if (helper === "addInto" || helper === "addSliceInto") return "a copy of an array (slice, Array.from, a spread) whose adjoint flows back to it";
  if (helper === "putBack") return "an input array it writes, put back as the caller gave it";
  return "an array saved whole: one filled, sorted, set or overwritten by a callee";
}

/** The generated text with its parameters and result annotated with their kinds (the module's kinds then know them). */
function annotate(text: string, name: string, kinds: string[], ir: IRFunction, analysis: Analysis, entry: { kind: string; order: number[]; single: boolean }): string | null {
  const typeOf = typeOfKind;
  const gradientKinds = entry.order.map((i) => kinds[i]);
  const gradients = entry.single ? typeOf(gradientKinds[0]) : gradientKinds.every((k) => k === "number") ? "number[]" : "any";
  const numberResult = analysis.types.get(ir.result) === "number";
  // grad: the gradients; valueAndGrad: [value, gradients]; jvp: [value, tangent], its tangents after the primals; a pullback: the gradients, its cotangent after the primals.
  const result = entry.kind === "tangent" ? (numberResult ? "number" : "any") : entry.kind === "grad" || entry.kind === "cotangent" ? gradients : numberResult && (gradients === "number" || entry.kind === "jvp") ? "number[]" : "any";
  const resultKind = analysis.types.get(ir.result) ?? "any";
  const params =
    entry.kind === "jvp" || entry.kind === "tangent" ? [...ir.params.map((_, i) => kinds[i]), ...entry.order.map((i) => kinds[i])] : entry.kind === "cotangent" ? [...ir.params.map((_, i) => kinds[i]), resultKind] : ir.params.map((_, i) => kinds[i]);
  const header = new RegExp(`function ${name.replace(/\$/g, "\\$")}\\(([^)]*)\\)`).exec(text);
  if (!header) return null;
  const names = header[1].split(",").map((p) => p.trim());
  return text.replace(header[0], `function ${name}(${names.map((p, i) => `${p}: ${typeOf(params[i] ?? "any")}`).join(", ")}): ${result}`);
}

/** Typed generated text as a function to lower, every node at the marker call's line. */
function parseAt(annotated: string, name: string, at: t.Node): { node: FunctionNode; source: string } | null {
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

/** Whether an IR is a generated NDArray gradient's: it calls its rules' vjps or helpers (lower/second-order.ts). */
/** A nested derivative's IR marked as lowered from generated code (only those carry their own source text). */
export function asDerivative(fn: ModuleFunction, ir: IRFunction): IRFunction {
  return fn.source ? { ...ir, derivative: true } : ir;
}

export function hasSecondOrder(ir: IRFunction): boolean {
  let found = false;
  forEachStmt(ir.body, (s) => {
    if (s.kind === "assign" && s.expr.kind === "np" && s.expr.rule !== null && derivedOf(s.expr.rule)) found = true;
  });
  return found;
}

/** The rules and helpers a generated NDArray gradient still calls as derived rules (their vjps not written as operations). */
function secondOrderRules(ir: IRFunction): string[] {
  const found = new Set<string>();
  forEachStmt(ir.body, (s) => {
    const of = s.kind === "assign" && s.expr.kind === "np" && s.expr.rule !== null ? derivedOf(s.expr.rule) : undefined;
    if (of) found.add(of.of);
  });
  return [...found].sort();
}

/** Whether an IR calls a nested derivative's stand-in (a function lowered aside). */
export function hasStandIns(ir: IRFunction): boolean {
  let found = false;
  forEachStmt(ir.body, (s) => {
    if ((s.kind === "assign" || s.kind === "effect") && s.expr.kind === "call" && s.expr.callee.kind === "local" && s.expr.callee.key.startsWith("%nested:")) found = true;
  });
  return found;
}
