// Compiles the marker calls of one module: each grad/valueAndGrad/vjp/differentiable site
// and record block runs the pipeline (lower, optimize, analyze, reverse, emit) once per
// function and mask; the generated functions are appended once and shared by every site.
import type * as t from "@babel/types";
import { spanOf, walk } from "../ast.js";
import { calleeMarker, omittable, userName } from "./bindings.js";
import { gradOfValueAndGrad, refusals, RUNTIME_MODULE, type Generated, type ModuleOutput } from "./output.js";
import { analyze } from "../analyze/index.js";
import type { FunctionNode, ModuleContext, ModuleFunction } from "../ir/context.js";
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import { print, withSourceComments, type PrintedLine } from "../emit/index.js";
import { forEachStmt, type Callee, type Checkpoint, type IRFunction } from "../ir/index.js";
import { lowerFunction } from "../lower/index.js";
import { optimize } from "../optimize/index.js";
import { analyzedWithoutCopies } from "../optimize/aliases.js";
import { fuseLoops } from "../optimize/fuse-loops.js";
import { reverseFunction, reverseRefusals, type CalleeVjp, type ReverseOptions } from "../reverse/index.js";
import { autogradMethod, ndarrayNamesOf, recordedBlock } from "../lower/record.js";
import { enclosingBindings, type BlockNode } from "../lower/scopes.js";
import { gradientSources, type GradientSources } from "../analyze/gradient-sources.js";
import type { Analysis, AnalysisOptions } from "../analyze/index.js";
import { ATTACHED, summarize, type Summaries, type Summary } from "../analyze/summaries.js";
import { moduleKinds, type ModuleKinds } from "../analyze/module-types.js";
import { flatGradientParams, recordValueAndGrad, recordVjp, sourceNames } from "./record-entries.js";
import { asDerivative, hasSecondOrder, hasStandIns, NestedDerivatives, type NestedHost } from "./nested.js";
import { modeSite, type ModesHost } from "./mode-sites.js";
import { checkpointOption, DIFFERENTIABLE_TYPES, outOption, reusingSite, undifferentiableParam, wrtOption } from "./options.js";
import { withCheckpoints } from "../lower/checkpoint.js";
import { ForwardSites } from "./forward-sites.js";
import { differentiableSite, type SitesHost } from "./differentiable-site.js";
import { fused, fusedFunctions } from "./fusion.js";
import { derivativeTarget, MARKER_HELPER, type DerivativeMarker, type TargetHost } from "./derivative-target.js";

type Entry = NonNullable<ReverseOptions["entry"]>;

/** Parameter types a gradient can be taken with respect to. */

export class ModuleCompiler {
  private runtime: string;
  private lowered = new Map<string, IRFunction | null>();
  private vjpNames = new Map<string, string>();
  private takenNames = new Set<string>();
  private fusedNames = new Set<string>();
  /** The names valueAndGrad sites differentiate (module.run's first walk). */
  private valueAndGradTargets = new Set<string>(); // the fused chains' functions appended so far (driver/fusion.ts)
  private keptCalls = new Set<string>(); // sites' code making an out: true entry point that keeps its arrays (reverse/kept.ts)
  private appendedLines: PrintedLine[] = [];
  private replacements: ModuleOutput["replacements"] = [];
  private seenDiagnostics = new Set<string>();
  private diagnostics: Diagnostic[] = [];
  /** While a marker call is compiled: the diagnostics it leads to, reported before or not. */
  private siteProblems: Diagnostic[] | null = null;
  private loweringProblems = new Map<string, Diagnostic[]>();
  /** The module functions lowered for the module's kinds, with what lowering them found (reported only if one is compiled). */
  private loweredQuietly = new Map<string, { ir: IRFunction; problems: Diagnostic[] }>();
  private kinds: ModuleKinds | null = null;
  private inlineCount = 0;
  /** Each module function's summary (what it does to the arrays it is given), by key. */
  private summaryCache = new Map<string, Summary>();
  /** Each split callee's reverse half, by the name of its forward half. */
  private reverseNames = new Map<string, string>();
  /** Per generated vjp: which parameters are arrays (adjoints in place), a number result, whether its reverse puts elements back (assumed until generated, as recursion must). */
  private vjpShapes = new Map<string, { arrays: boolean[]; numberResult: boolean; restores: boolean; needsDistinct: boolean; paramsRead: number[] }>();
  private summaries: Summaries = (callee) => (callee.kind === "local" ? this.summaryOf(callee.key) : ATTACHED);
  private ndarrayNames: Set<string> | null = null;
  /** The bindings whose arrays may need gradients in a record block: attached ones, record blocks' outputs, their aliases. */
  private gradients: GradientSources | null = null;
  private recordBlocks: t.CallExpression[] = [];
  private parents: Map<t.Node, t.Node> | null = null;
  /** While a record block is generated: its function parameters and the vjp parameter beside each. */
  private blockVjps = new Map<string, string>();
  private nested: NestedDerivatives;
  private nestedHost: NestedHost & ModesHost;
  private forward: ForwardSites;
  private get targetHost(): TargetHost {
    return { ctx: this.ctx, runtime: this.runtime, parents: this.parents!, nested: this.nested, fail: (node, code, detail) => this.fail(node, code, detail), replace: (call, code) => this.replace(call, code), lower: (fn) => this.lower(fn), freshModuleName: (base) => this.freshModuleName(base), lambdaName: () => `lambda${++this.inlineCount}` };
  }
  private get sitesHost(): SitesHost {
    return { ctx: this.ctx, runtime: () => this.runtime, fail: (node, code, detail) => this.fail(node, code, detail), lower: (fn) => this.lower(fn), vjpFor: (key, mask) => this.vjpFor(key, mask, true), summaryOf: (key) => this.summaryOf(key), replace: (call, code) => this.replace(call, code) };
  }

  constructor(
    private ctx: ModuleContext,
    private program: t.Program,
  ) {
    this.runtime = this.freshModuleName("adjointRuntime");
    ctx.runtime = this.runtime;
    this.forward = new ForwardSites({ runtime: () => this.runtime, filename: this.ctx.filename, lower: (key) => (this.ctx.functions.has(key) ? this.lower(this.ctx.functions.get(key)!) : null), analyze: (ir, mask, options) => this.analyze(ir, mask, options), report: (d) => this.report(d), fresh: (base) => this.freshModuleName(base), append: (generated) => this.append(generated), replace: (call, code, lines) => this.replace(call, code, lines), madeJvp: (key, activeArgs) => (this.nested.made.has(key) ? this.nested.made.jvp(key, activeArgs) : undefined), arity: (key) => (this.nested.made.has(key) ? this.ctx.functions.get(key)?.node.params.length : this.lower(this.ctx.functions.get(key)!)?.params.length), omittable: (key) => this.ctx.functions.has(key) && omittable(this.ctx.functions.get(key)!.node) });
    this.nestedHost = {
      ctx,
      runtime: this.runtime,
      freshModuleName: (base) => this.freshModuleName(base),
      analyze: (ir, mask, options) => this.analyze(ir, mask, options),
      appendLines: (lines) => this.append({ code: "", lines }),
      // A derivative differentiated again is plain code: it cannot call the runtime's checkpointing.
      wrt: (options) => (checkpointOption(options, (node, code, detail) => this.fail(node, code, detail)) ? (this.fail(options!, "ADJ023", "checkpoint in a derivative that is differentiated again"), null) : wrtOption(options, (node, code, detail) => this.fail(node, code, detail))),
      moduleChanged: () => (this.kinds = null),
      lower: (key) => this.lower(this.ctx.functions.get(key)!),
      summaryOf: (key) => this.summaryOf(key),
      inlineTarget: (fn) => this.inlineTarget(fn),
      releaseName: (name) => this.releaseName(name),
      vjpFor: (key, mask) => this.vjpFor(key, mask),
      gradFor: (key, wrt) => this.entryFor(key, { kind: "grad", order: [wrt].flat(), single: !Array.isArray(wrt) }, `${key}$grad_${[wrt].flat().map((i) => this.lower(this.ctx.functions.get(key)!)?.params[i]).join("_")}`),
      jvpFor: (key, order) => this.forward.site(key, order, true, false) as string | null,
      replace: (call, code) => this.replace(call, code),
    };
    this.nested = new NestedDerivatives(this.nestedHost);
    ctx.nestedDerivative = (call, problems, readInside) => this.nested.derivative(call, problems, true, readInside);
    ctx.nestedPullback = (call, problems) => this.nested.pullback(call, problems);
  }

  run(): ModuleOutput {
    const parents = new Map<t.Node, t.Node>();
    walk(this.program, (node, parent) => {
      if (parent) parents.set(node, parent);
    });
    this.parents = parents;
    // The functions some valueAndGrad site names: their grad shares its sweep (else grad gets one of its own).
    walk(this.program, (node) => {
      if (node.type === "CallExpression" && calleeMarker(node.callee, this.ctx) === "valueAndGrad" && node.arguments[0]?.type === "Identifier") this.valueAndGradTargets.add(node.arguments[0].name);
    });
    const sites: { call: t.CallExpression; problems: Diagnostic[]; immediate: boolean }[] = [];
    walk(this.program, (node) => {
      if (node.type !== "CallExpression" || this.nested.inner.has(node)) return;
      const marker = calleeMarker(node.callee, this.ctx);
      const before = this.ctx.diagnostics.length;
      this.siteProblems = [];
      let site = true;
      try {
        if (marker === "grad" || marker === "valueAndGrad" || marker === "vjp" || marker === "jvp" || marker === "jacfwd") this.derivativeSite(node, marker, parents.get(node));
        else if (marker === "differentiable") differentiableSite(this.sitesHost, node);
        else if (marker === "hessian" || marker === "hvp" || marker === "jacrev" || marker === "jacobian") modeSite(this.nested, this.nestedHost, node, marker);
        else if (autogradMethod(node.callee, this.ctx) === "record") this.recordSite(node, parents);
        else site = false;
      } catch (error) {
        // A bug in adjoint: report it where it happened rather than crash the build.
        this.fail(node, "ADJ000", error instanceof Error ? error.message : String(error));
      }
      if (site) sites.push({ call: node, problems: [...this.siteProblems, ...this.ctx.diagnostics.slice(before)], immediate: !marker });
      this.siteProblems = null;
    });
    for (const d of this.ctx.diagnostics) this.report(d);
    const diagnostics = this.diagnostics.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
    const refused = diagnostics.length > 0 ? refusals(sites, diagnostics, this.ctx, this.runtime) : [];
    const used = this.replacements.length > 0 || refused.length > 0;
    return {
      diagnostics,
      replacements: this.replacements,
      appended: this.appendedLines.length > 0 ? { code: this.appendedLines.map((l) => l.text).join("\n"), lines: this.appendedLines } : null,
      runtimeImport: used ? `import * as ${this.runtime} from "${RUNTIME_MODULE}";` : null,
      refused,
    };
  }

  private report(d: Diagnostic): void {
    this.siteProblems?.push(d);
    // Code generated to be differentiated again reports at its marker's line: once each there.
    const keys = [`${d.code}@${d.start}`, `${d.code}@${d.line}:${d.column}:${d.message}`];
    if (keys.some((key) => this.seenDiagnostics.has(key))) return;
    for (const key of keys) this.seenDiagnostics.add(key);
    this.diagnostics.push(d);
  }

  private fail(node: t.Node, code: Diagnostic["code"], detail?: string): void {
    this.report(diagnostic(code, this.ctx.filename, spanOf(node), detail));
  }

  private freshModuleName(base: string): string {
    let name = base;
    for (let i = 1; this.ctx.reserved.has(name) || this.takenNames.has(name); i++) name = `${base}${i}`;
    this.takenNames.add(name);
    return name;
  }

  /** `grad(f, { wrt })`, `valueAndGrad(...)`, `vjp(...)`; with `out: true`, a function keeping its gradient arrays (reverse/kept.ts, else behind `reusing`). */
  private derivativeSite(call: t.CallExpression, marker: DerivativeMarker, parent: t.Node | undefined): void {
    const out = outOption(call.arguments[1], marker, (node, code, detail) => this.fail(node, code, detail));
    if (out !== null) this.derivativeAt(call, marker, parent, out);
    if (out) reusingSite(this.replacements.find((r) => r.start === call.start && r.end === call.end), this.runtime, this.keptCalls);
  }
  private derivativeAt(call: t.CallExpression, marker: DerivativeMarker, parent: t.Node | undefined, out = false): void {
    const [target, options] = call.arguments;
    if (!target || target.type === "SpreadElement" || target.type === "ArgumentPlaceholder") {
      this.fail(call, "ADJ023", `${marker} needs the function to differentiate`);
      return;
    }
    const wrt = wrtOption(options, (node, code, detail) => this.fail(node, code, detail));
    const checkpoint = checkpointOption(options, (node, code, detail) => this.fail(node, code, detail));
    if (wrt === null || checkpoint === null) return;
    const found = derivativeTarget(this.targetHost, call, marker, wrt, checkpoint, parent);
    if (!found) return;
    const { fn, inline } = found;
    const params = fn.node.params;
    const indices = Array.isArray(wrt) ? wrt : [wrt];
    for (const i of indices) {
      if (i < 0 || i >= params.length || !Number.isInteger(i)) {
        this.fail(options ?? call, "ADJ017", `${i} (${userName(fn, this.parents, this.ctx)} has ${params.length} parameter${params.length === 1 ? "" : "s"})`);
        return;
      }
    }
    const lowered = this.lower(fn);
    if (!lowered) return;
    const ir = withCheckpoints(lowered, checkpoint ?? undefined);
    if (checkpoint && (marker === "jvp" || marker === "jacfwd")) return this.fail(options!, "ADJ023", `${marker} keeps no step's values: checkpoint is for grad, valueAndGrad and vjp`);
    if (marker === "jvp" || marker === "jacfwd") return this.forward.markerSite(call, fn, ir, indices, Array.isArray(wrt) || wrt !== 0, inline, marker === "jacfwd" ? !Array.isArray(wrt) : undefined);
    if (ir.sourceParams) return this.recordDerivative(call, marker, fn, ir, indices, !Array.isArray(wrt), inline, checkpoint);
    const undifferentiable = undifferentiableParam(fn.node, ir.paramTypes, indices);
    if (undifferentiable) return this.fail(undifferentiable.node, "ADJ020", `${undifferentiable.name} is not a number, an array of numbers or an NDArray`);
    const mask = [...new Set(indices)].sort((a, b) => a - b);
    const base = fn.key.replace(/Target\d*$/, "");
    if (marker !== "vjp") {
      // grad and valueAndGrad get an entry point of their own: both sweeps, no closure.
      const entry: Entry = { kind: marker, order: indices, single: !Array.isArray(wrt), ...(out && { out: "" }) };
      const suffix = `${Array.isArray(wrt) || wrt !== 0 ? `_${indices.map((i) => ir.params[i]).join("_")}` : ""}${checkpoint ? "_checkpointed" : ""}`;
      if (inline) {
        const generated = this.generate(ir, mask, `${base}$${marker}`, entry);
        if (generated) this.replace(call, generated.code, generated.lines);
      } else {
        const name = this.entryFor(fn.key, entry, `${base}$${marker}${suffix}`, checkpoint);
        if (name) this.replace(call, name);
      }
      return;
    }
    const pick = Array.isArray(wrt) ? `[${wrt.map((i) => mask.indexOf(i)).join(", ")}]` : String(mask.indexOf(wrt));
    // The arrays the pullback reads: it checks they are as the forward sweep left them.
    const kept = (reads: number[] | undefined) => (reads?.length ? `, [${reads.join(", ")}]` : "");
    if (inline) {
      const generated = this.generate(ir, mask, `${base}$vjp`);
      if (!generated) return;
      this.replace(call, `${this.runtime}.${MARKER_HELPER[marker]}(${generated.code}, ${pick}${kept(generated.paramsRead)})`, generated.lines);
    } else {
      const name = this.vjpFor(fn.key, mask, false, [], false, checkpoint);
      if (name) this.replace(call, `${this.runtime}.${MARKER_HELPER[marker]}(${name}, ${pick}${kept(this.vjpShapes.get(name)?.paramsRead)})`);
    }
  }

  /** A derivative of a function with record parameters: its sweep over their fields, behind an entry that unpacks and packs them (record-entries.ts). */
  private recordDerivative(call: t.CallExpression, marker: "grad" | "valueAndGrad" | "vjp", fn: ModuleFunction, ir: IRFunction, indices: number[], single: boolean, inline: boolean, checkpoint?: Checkpoint): void {
    if (inline) return this.fail(call, "ADJ028", "a record parameter of an inline function (declare the function in the module to differentiate it with respect to a record)");
    const names = sourceNames(fn.node);
    const flat = (i: number) => flatGradientParams(ir, ir.sourceParams![i]);
    const empty = indices.find((i) => flat(i).length === 0);
    if (empty !== undefined) return this.fail(fn.node.params[empty], "ADJ020", `'${names[empty]}' holds no number, array of numbers or NDArray`);
    const mask = [...new Set(indices)].sort((a, b) => a - b);
    const suffix = `${!single || indices[0] !== 0 ? `_${indices.map((i) => names[i]).join("_")}` : ""}${checkpoint ? "_checkpointed" : ""}`;
    const id = `${fn.key}|records|${marker === "vjp" ? mask : indices}|${single}|${checkpoint?.snapshots ?? !!checkpoint}|${marker}`;
    if (!this.vjpNames.has(id) && marker === "vjp") {
      const name = this.freshModuleName(`${fn.key}$vjp`);
      const inner = this.vjpFor(fn.key, mask.flatMap(flat), false, [], false, checkpoint);
      if (!inner || !this.append({ code: "", lines: recordVjp(ir, names, mask, name, inner) })) return;
      this.vjpNames.set(id, `${this.runtime}.vjpWith(${name}, ${single ? mask.indexOf(indices[0]) : `[${indices.map((i) => mask.indexOf(i)).join(", ")}]`})`);
    } else if (!this.vjpNames.has(id)) {
      const [name, gradName] = [this.freshModuleName(`${fn.key}$valueAndGrad${suffix}`), this.freshModuleName(`${fn.key}$grad${suffix}`)];
      const inner = this.entryFor(fn.key, { kind: "valueAndGrad", order: indices.flatMap(flat), single: false }, `${fn.key}$fieldsValueAndGrad${suffix}`, checkpoint);
      if (!inner || !this.append({ code: "", lines: recordValueAndGrad(ir, { names, order: indices, single }, name, inner, gradName) })) return;
      this.vjpNames.set(id.replace(/grad$/, "valueAndGrad"), name).set(id.replace(/valueAndGrad$/, "grad"), gradName);
    }
    this.replace(call, this.vjpNames.get(id)!);
  }

  /** The name of a grad/valueAndGrad entry point of f, generating it once. */
  private entryFor(key: string, entry: Entry, base: string, checkpoint?: Checkpoint): string | null {
    const id = `${key}|${entry.kind}|${entry.order.join(",")}|${entry.single}|${checkpoint ? `checkpoint ${checkpoint.snapshots}` : ""}|${entry.out !== undefined ? "out" : ""}`;
    const existing = this.vjpNames.get(id);
    if (existing) return existing;
    const lowered = this.reversible(this.ctx.functions.get(key)!);
    if (!lowered) return null;
    const ir = withCheckpoints(lowered, checkpoint);
    // grad is valueAndGrad without the value: one generated sweep serves both where the module
    // asks for both; else grad's own entry returns the gradients alone (no [value, …] per call).
    const shared = this.valueAndGradTargets.has(key) || this.vjpNames.has(id.replace("|grad|", "|valueAndGrad|"));
    if (entry.kind === "grad" && entry.out === undefined && shared) {
      const both = this.entryFor(key, { ...entry, kind: "valueAndGrad" }, base.replace(/\$grad(?=_|$)/, "$valueAndGrad"), checkpoint);
      if (!both) return null;
      const name = this.freshModuleName(base);
      this.vjpNames.set(id, name);
      this.append({ code: "", lines: gradOfValueAndGrad(name, both, key, ir, entry.order) });
      return name;
    }
    const mask = [...new Set(entry.order)].sort((a, b) => a - b);
    if (entry.out !== undefined) {
      // out: true: a function making the entry point with arrays of its own, called at each site; else the plain entry point (behind reusing).
      const maker = this.freshModuleName(`${base}$out`);
      const generated = this.generate(ir, mask, base, { ...entry, out: maker });
      const made = `${maker}()`;
      if (generated?.kept && this.append(generated)) return this.keptCalls.add(made) && this.vjpNames.set(id, made) && made;
      this.releaseName(maker);
      return this.entryFor(key, { ...entry, out: undefined }, base, checkpoint);
    }
    const name = this.freshModuleName(base);
    this.vjpNames.set(id, name);
    return this.append(this.generate(ir, mask, name, entry)) ? name : null;
  }

  private append(generated: Generated | null): boolean {
    if (!generated) return false;
    if (this.appendedLines.length > 0) this.appendedLines.push({ text: "" });
    this.appendedLines.push(...generated.lines);
    return true;
  }

  /** `autograd.record(() => { ... })`: the block as a function of the outer variables it uses; the site runs its vjp, assigns what the block assigned and leaves the pullback for `backward()`. */
  private recordSite(call: t.CallExpression, parents: Map<t.Node, t.Node>): void {
    // A block inside another is reported where the outer one is lowered.
    if (this.recordBlocks.some((outer) => outer.start! <= call.start! && call.end! <= outer.end!)) return;
    this.recordBlocks.push(call);
    const args = call.arguments;
    const block = args.find((a): a is BlockNode => a.type === "ArrowFunctionExpression" || a.type === "FunctionExpression");
    const options = args.find((a) => a !== block);
    const badOptions = options && (options.type === "SpreadElement" || options.type === "ArgumentPlaceholder" || options.type === "ArrowFunctionExpression" || options.type === "FunctionExpression");
    if (!block || args.length > 2 || badOptions || block.params.length > 0 || block.async || block.generator) {
      this.fail(call, "ADJ023", "autograd.record takes the recorded code inline, with no parameters: autograd.record(() => { ... }), optionally with { trainMode }");
      return;
    }
    this.ndarrayNames ??= ndarrayNamesOf(this.program);
    this.gradients ??= gradientSources(this.program, this.ctx);
    const visible = enclosingBindings(call, parents);
    // Whether the outer variable (or member path, `params.w`) an input stands for may need a gradient.
    const mayNeedGradient = (input: string) => {
      const [root, ...path] = input.split(".");
      const declared = visible.get(root);
      return declared !== undefined && this.gradients!.has(declared.id, path.join("."));
    };
    const recorded = recordedBlock(block, call, parents, this.ctx, this.ndarrayNames, mayNeedGradient);
    const key = this.freshModuleName(`record${this.recordBlocks.length}`);
    const before = this.ctx.diagnostics.length;
    const ir = optimize(lowerFunction(recorded.fn, key, this.ctx, { outputs: recorded.outputs, types: recorded.types, functions: new Set(recorded.functions.keys()) }));
    if (this.ctx.diagnostics.length > before) return;
    // Each local function the block calls: its full vjp, written at the block (what it captures is there).
    const localVjps: string[] = [];
    for (const [name, node] of recorded.functions) {
      const local: ModuleFunction = { key: this.freshModuleName(`${name}Target`), node, exported: false };
      this.ctx.functions.set(local.key, local);
      const localIr = this.lower(local);
      if (!localIr) return;
      const full = localIr.paramTypes.flatMap((type, i) => (DIFFERENTIABLE_TYPES.has(type) ? [i] : []));
      const generated = this.generate(localIr, full, `${name}$vjp`);
      if (!generated) return;
      localVjps.push(generated.code);
      const given = recorded.fn.params.map((p) => (p as t.Identifier).name);
      this.blockVjps.set(ir.params[given.indexOf(name)], ir.params[given.indexOf(`${name}$vjp`)]);
    }
    // The NDArrays the block reads get gradients; numbers are constants, as in MXNet.
    const { types } = this.analyze(ir, new Set());
    const sourceNames = recorded.fn.params.map((p) => (p as t.Identifier).name);
    const isFunction = (name: string) => recorded.functions.has(name) || recorded.functions.has(name.replace(/\$vjp$/, ""));
    const arrays = ir.params.flatMap((p, i) => ((types.get(p) === "ndarray" || types.get(p) === "unknown") && !isFunction(sourceNames[i]) ? [i] : []));
    const mask = arrays.filter((i) => !recorded.constants.has(sourceNames[i]));
    const constants = arrays.filter((i) => recorded.constants.has(sourceNames[i]));
    // A narrower variant for the usual case: only arrays the module attaches gradients to (or
    // that record blocks compute), under any name, get them; data passed in need not. The
    // runtime picks the narrowest variant that covers the arrays that turn out to need gradients.
    const likely = mask.filter((i) => mayNeedGradient((recorded.paths.get(sourceNames[i]) ?? sourceNames[i]).replace(/\?\./g, ".")));
    const masks = likely.length < mask.length ? [likely, mask] : [mask];
    const variants: string[] = [];
    let slices: string[][] = [];
    for (const variantMask of masks) {
      const name = this.freshModuleName(variantMask === mask ? `${key}$vjp` : `${key}$vjp_${variantMask.map((i) => sourceNames[i]).join("_") || "none"}`);
      const generated = this.generate(ir, variantMask, name);
      if (!generated || !this.append(generated)) return;
      slices = generated.analysis.outputSlices ?? [];
      const ids = [...new Set(slices.flat())].sort();
      const sliceCode = `[${slices.map((slice) => `[${slice.map((n) => ids.indexOf(n)).join(", ")}]`).join(", ")}]`;
      variants.push(`{ vjp: ${name}, inputs: [${variantMask.join(", ")}], slices: ${sliceCode} }`);
    }
    const returns = ir.outputs!.length > recorded.outputs.length;
    const meta = [
      ...(returns ? ["returns: true"] : []),
      ...(constants.length > 0 ? [`constants: { ${constants.map((i) => `${sourceNames[i]}: ${i}`).join(", ")} }`] : []),
      `at: "${this.ctx.filename.split(/[\\/]/).pop()}:${call.loc?.start.line ?? 0}"`,
    ];
    const assign = recorded.outputs.length > 0 ? `, (outputs) => { [${recorded.outputs.join(", ")}] = outputs; }` : options ? ", null" : "";
    const optionsCode = options ? `, ${this.ctx.source.slice(options.start!, options.end!)}` : "";
    this.blockVjps.clear();
    const functionNames = [...recorded.functions.keys()];
    const given = sourceNames.map((n) => (n.endsWith("$vjp") && functionNames.includes(n.slice(0, -4)) ? localVjps[functionNames.indexOf(n.slice(0, -4))] : (recorded.paths.get(n) ?? n)));
    this.replace(call, `${this.runtime}.record([${variants.join(", ")}], [${given.join(", ")}], { ${meta.join(", ")} }${assign}${optionsCode})`);
  }

  private releaseName(name: string): void {
    const mentions = new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`);
    if (![...this.appendedLines, ...this.replacements.flatMap((r) => r.lines)].some((l) => mentions.test(l.text))) this.takenNames.delete(name);
  }

  /** An inline function outside every function, as one of the module's (a nested derivative's target). */
  private inlineTarget(node: t.ArrowFunctionExpression | t.FunctionExpression): string | null {
    for (let at = this.parents?.get(node); at; at = this.parents!.get(at)) if (at.type.includes("Function") || at.type.endsWith("Method")) return null;
    const known = [...this.ctx.functions.values()].find((f) => f.node === node);
    if (known) return known.key;
    const key = this.freshModuleName("lambda");
    this.ctx.functions.set(key, { key, node, exported: false });
    this.kinds = null;
    return key;
  }

  private replace(call: t.CallExpression, code: string, lines?: PrintedLine[]): void {
    this.replacements.push({ start: call.start!, end: call.end!, code, lines: lines ?? [{ text: code }] });
  }

  /** The kinds of the module's functions' parameters and results (analyze/module-types.ts), found once, from every function as it is when first asked. */
  private moduleKinds(): ModuleKinds {
    if (!this.kinds) {
      const irs = new Map<string, IRFunction>();
      for (const fn of [...this.ctx.functions.values()]) {
        // Lowered aside: a function nobody differentiates may hold what adjoint refuses.
        this.lowerQuietly(fn.key);
        const ir = this.lowered.get(fn.key) ?? this.loweredQuietly.get(fn.key)?.ir;
        if (ir) irs.set(fn.key, ir);
      }
      this.kinds = moduleKinds(irs, this.nested.made.kinds());
    }
    return this.kinds;
  }

  private analyze(ir: IRFunction, mask: Set<number>, options: Omit<AnalysisOptions, "summaries" | "facts"> = {}): Analysis {
    const calleeReads = (callee: Callee, activeArgs: number[], aliases: number[][]) => this.calleeReads(callee, activeArgs, aliases);
    return analyze(ir, mask, this.ctx.filename, { summaries: this.summaries, facts: this.moduleKinds(), calleeReads, ...options });
  }

  /** The arguments whose elements a module function's reverse half reads (undefined while it is being analysed: all). */
  private calleeReads(callee: Callee, activeArgs: number[], aliases: number[][]): number[] | undefined {
    if (callee.kind !== "local") return undefined;
    if (this.nested.made.has(callee.key)) return []; // it keeps copies of what it reads
    const name = this.vjpFor(callee.key, activeArgs, false, aliases, true);
    return name ? this.vjpShapes.get(name)?.paramsRead : undefined;
  }

  private lower(fn: ModuleFunction): IRFunction | null {
    if (!this.lowered.has(fn.key)) {
      const before = this.ctx.diagnostics.length;
      // Lowered aside with stand-ins for nested derivatives: lowered again, for real.
      const quiet = this.loweredQuietly.get(fn.key);
      const reuse = quiet && !hasStandIns(quiet.ir) ? quiet : undefined;
      if (reuse) this.ctx.diagnostics.push(...reuse.problems);
      const ir = asDerivative(fn, reuse?.ir ?? optimize(lowerFunction(fn.node as FunctionNode, fn.key, fn.source ? { ...this.ctx, source: fn.source } : this.ctx)));
      this.lowered.set(fn.key, this.ctx.diagnostics.length > before ? null : ir);
      this.loweringProblems.set(fn.key, this.ctx.diagnostics.slice(before));
    }
    this.siteProblems?.push(...(this.loweringProblems.get(fn.key) ?? []));
    return this.lowered.get(fn.key) ?? null;
  }

  /** f lowered for reverse mode: a generated NDArray gradient with its vjps as np operations, where all have that form (lower/second-order.ts), so it has a vjp. */
  private reversible(fn: ModuleFunction): IRFunction | null {
    const ir = this.lower(fn);
    if (!ir || !hasSecondOrder(ir)) return ir;
    const asOps = optimize(lowerFunction(fn.node as FunctionNode, fn.key, { ...this.ctx, ...(fn.source && { source: fn.source }), diagnostics: [], vjpsAsOps: true }));
    return hasSecondOrder(asOps) ? ir : asDerivative(fn, asOps);
  }

  /** f lowered without reporting its problems (they are reported if f itself is compiled); null if it has any. */
  private lowerQuietly(key: string): IRFunction | null {
    const fn = this.ctx.functions.get(key);
    if (!fn) return null;
    if (this.lowered.has(key)) return this.lowered.get(key)!;
    if (!this.loweredQuietly.has(key)) {
      const problems: Diagnostic[] = [];
      const aside = { ...this.ctx, diagnostics: problems, nestedDerivative: (call: t.CallExpression) => this.nested.derivative(call, problems, false), nestedPullback: (call: t.CallExpression) => this.nested.pullback(call, problems, false), ...(fn.source && { source: fn.source }) };
      this.loweredQuietly.set(key, { ir: asDerivative(fn, optimize(lowerFunction(fn.node as FunctionNode, fn.key, aside))), problems });
    }
    const quiet = this.loweredQuietly.get(key)!;
    return quiet.problems.length > 0 ? null : quiet.ir;
  }

  /**
   * What f does to the arrays it is given, summarised with every function it calls. A function
   * that cannot be lowered may do anything: it writes every argument and may return any.
   */
  private summaryOf(key: string): Summary | undefined {
    const cached = this.summaryCache.get(key);
    if (cached) return cached;
    const closure = new Map<string, IRFunction>();
    const visit = (name: string) => {
      if (closure.has(name) || this.summaryCache.has(name)) return;
      const made = this.nested.made.summary(name);
      if (made) return void this.summaryCache.set(name, made);
      const ir = this.lowerQuietly(name);
      if (!ir) {
        const params = this.ctx.functions.get(name)?.node.params.map((_, i) => i) ?? [];
        this.summaryCache.set(name, { writes: params, resizes: params, result: { kind: "mixed", params } });
        return;
      }
      closure.set(name, ir);
      forEachStmt(ir.body, (s) => {
        if ((s.kind === "assign" || s.kind === "effect") && s.expr.kind === "call" && s.expr.callee.kind === "local") visit(s.expr.callee.key);
      });
    };
    visit(key);
    const known = new Map([...this.summaryCache]);
    for (const [name, summary] of summarize(closure, known, this.moduleKinds())) this.summaryCache.set(name, summary);
    return this.summaryCache.get(key);
  }

  /**
   * The name of f's vjp with respect to the parameters in `mask`, generating it once; with
   * `aliases`, the variant for a caller that passes one array to each parameter of a group.
   * `split`: its forward half instead, for a generated caller (the reverse half beside it).
   */
  private vjpFor(key: string, mask: number[], full = false, aliases: number[][] = [], split = false, checkpoint?: Checkpoint): string | null {
    const id = `${key}|${mask.join(",")}|${JSON.stringify(aliases)}|${split}|${checkpoint ? `checkpoint ${checkpoint.snapshots}` : ""}`;
    const existing = this.vjpNames.get(id);
    if (existing) return existing;
    const lowered = this.reversible(this.ctx.functions.get(key)!);
    if (!lowered) return null;
    const ir = withCheckpoints(lowered, checkpoint);
    const everyNumber = ir.paramTypes.every((type, i) => !DIFFERENTIABLE_TYPES.has(type) || mask.includes(i));
    const same = aliases.map((group) => `_${group.map((i) => ir.params[i]).join("_is_")}`).join("");
    const named = (half: string) => this.freshModuleName(`${everyNumber || full ? `${key}$${half}` : `${key}$${half}_${mask.map((i) => ir.params[i]).join("_")}`}${same}${checkpoint ? "_checkpointed" : ""}`);
    const name = named(split ? "fwd" : "vjp");
    this.vjpNames.set(id, name);
    const reverse = split ? named("rev") : undefined;
    if (reverse) this.reverseNames.set(name, reverse);
    return this.append(this.generate(ir, mask, name, undefined, aliases, reverse)) ? name : null;
  }

  private generate(unfused: IRFunction, mask: number[], name: string, entry?: Entry, aliases: number[][] = [], reverse?: string): (Generated & { analysis: Analysis; paramsRead: number[]; kept: boolean }) | null {
    // One name per array: its adjoint is a variable, not found through the runtime's map.
    const { ir, analysis } = analyzedWithoutCopies(fused(fuseLoops(unfused), this.moduleKinds()), (fn) => this.analyze(fn, new Set(mask), { aliases, writesAreOutputs: !entry }));
    // An NDArray's data can be written between a vjp and its pullback too (`out` arguments, `.data`): each is checked like an array.
    const paramsRead = ir.params.flatMap((p, i) => (analysis.paramsRead.includes(i) || analysis.types.get(p) === "ndarray" ? [i] : []));
    const shape = { arrays: ir.params.map((p) => analysis.types.get(p) === "array"), numberResult: analysis.types.get(ir.result) === "number", restores: true, needsDistinct: true, paramsRead };
    this.vjpShapes.set(name, shape);
    const refusals = [...analysis.diagnostics, ...reverseRefusals(ir, analysis, this.ctx.filename)];
    for (const d of refusals) this.report(d);
    if (refusals.length > 0) return null;
    const { code, restores, needsDistinct, kept } = reverseFunction(ir, analysis, {
      name,
      wrt: mask,
      runtime: this.runtime,
      aliases,
      entry,
      split: reverse ? { reverse } : undefined,
      calleeVjp: (callee, activeArgs, aliases) => this.calleeVjp(callee, activeArgs, aliases),
    });
    shape.restores = restores;
    shape.needsDistinct = needsDistinct;
    this.append(fusedFunctions(ir, analysis, this.runtime, this.fusedNames));
    const wrtNames = (entry ? entry.order : mask).map((i) => ir.params[i]).join(", ");
    const what = entry ? (entry.kind === "grad" ? "gradient" : "value and gradient") : reverse ? "forward sweep" : "vjp";
    const about = `of ${ir.key.replace(/Target\d*$/, "")} with respect to ${wrtNames || "nothing"} (line ${ir.loc.line})${kept ? ", in arrays it keeps from call to call (out: true)" : ""}; generated by adjoint`;
    const headed = code.flatMap((fn, i) => [{ kind: "comment" as const, text: `${i === 0 ? what : "reverse sweep"} ${about}` }, fn]);
    const lines = print(withSourceComments(headed));
    return { code: lines.map((l) => l.text).join("\n"), lines, analysis, paramsRead, kept };
  }

  /**
   * A callee's vjp for the arguments a call makes active. A module function's pullback takes
   * the caller's adjoints of its array arguments and adds into them in place (`inPlace`);
   * an attached one returns adjoints the caller adds.
   */
  private calleeVjp(callee: Callee, activeArgs: number[], aliases: number[][]): CalleeVjp {
    const passed = callee.kind === "attached" ? this.blockVjps.get(callee.binding) : undefined;
    if (passed) return { name: passed, inPlace: [], noHead: "undefined", restores: false, needsDistinct: false };
    if (callee.kind === "attached") return { name: `${this.runtime}.vjpOf(${callee.binding}, "${callee.binding}")`, inPlace: [], noHead: "undefined", restores: false, needsDistinct: false };
    if (this.nested.made.has(callee.key)) return this.nested.made.vjp(callee.key, activeArgs) ?? { name: "undefined", inPlace: [], noHead: "undefined", restores: false, needsDistinct: false };
    const name = this.vjpFor(callee.key, activeArgs, false, aliases, true) ?? "undefined";
    const { arrays, numberResult, restores, needsDistinct } = this.vjpShapes.get(name) ?? { arrays: [], numberResult: false, restores: true, needsDistinct: true };
    return { name, reverse: this.reverseNames.get(name) ?? "undefined", inPlace: activeArgs.filter((i) => arrays[i]), noHead: numberResult ? "0" : "undefined", restores, needsDistinct };
  }
}
