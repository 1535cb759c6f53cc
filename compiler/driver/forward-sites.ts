// The forward-mode half of the driver: each `jvp(f, { wrt })` site, and the jvp of every module
// function a jvp calls, generated once per (function, parameters with tangents) and shared by
// every site of the module, recursion included (a function's name is taken before its body is
// generated). The pipeline is reverse mode's up to analysis; compiler/forward/ writes the code.
import type * as t from "@babel/types";
import type { Analysis, AnalysisOptions } from "../analyze/index.js";
import { diagnostic, type Diagnostic, type DiagnosticCode } from "../diagnostics.js";
import { print, withSourceComments, type PrintedLine } from "../emit/index.js";
import { forwardFunction, forwardRefusals, ndarrayLike } from "../forward/index.js";
import { arityGuard } from "./bindings.js";
import type { IRFunction } from "../ir/index.js";
import type { ModuleFunction } from "../ir/context.js";
import { spanOf } from "../ast.js";
import type { Generated } from "./output.js";
import { flatGradientParams, gradients, recordJvp, unpacked, sourceNames } from "./record-entries.js";

/** What forward sites need of the module compiler. */
export interface ForwardHost {
  runtime: () => string;
  filename: string;
  lower: (key: string) => IRFunction | null;
  analyze: (ir: IRFunction, mask: Set<number>, options: Omit<AnalysisOptions, "summaries" | "facts">) => Analysis;
  report: (d: Diagnostic) => void;
  fresh: (base: string) => string;
  append: (generated: Generated | null) => boolean;
  replace: (call: t.CallExpression, code: string, lines?: PrintedLine[]) => void;
  /** A callee made of entry points (made-gradients.ts): its jvp; undefined where the callee is not one. */
  madeJvp: (key: string, activeArgs: number[]) => string | null | undefined;
  /** How many parameters the module function's jvp takes before its tangents (its IR's: a record's fields each one). */
  arity: (key: string) => number | undefined;
  /** Whether a call may leave some of the function's parameters out (bindings.ts `omittable`). */
  omittable: (key: string) => boolean;
}

/** Parameter kinds a tangent can be given for. */
const TANGENT_TYPES = new Set<string>(["number", "array", "ndarray"]);

export class ForwardSites {
  private names = new Map<string, string>();
  private analyses = new Map<string, Analysis>();
  private npLikeParams = new Map<string, boolean>();

  constructor(private host: ForwardHost) {}

  /** `jvp(f, { wrt })`, and `jacfwd` (`single`: for one wrt parameter), which runs that jvp once per input element. */
  markerSite(call: t.CallExpression, fn: ModuleFunction, ir: IRFunction, indices: number[], named: boolean, inline: boolean, single?: boolean): void {
    const fail = (code: DiagnosticCode, detail: string) => this.host.report(diagnostic(code, this.host.filename, spanOf(call), detail));
    if (new Set(indices).size < indices.length) return fail("ADJ017", "each parameter once: it takes one tangent");
    if (ir.sourceParams) return this.recordSite(call, fn, ir, indices, named, inline, single, fail);
    const generated = this.site(fn.key, indices, named, inline);
    if (!generated) return;
    const [code, lines] = typeof generated === "string" ? [generated, undefined] : [generated.code, generated.lines];
    if (single === undefined) return this.host.replace(call, code, lines);
    const [open, close] = [`${this.host.runtime()}.jacfwdOf(`, `, ${ir.params.length}, [${indices.join(", ")}], ${single})`];
    const wrapped = lines && [{ text: open }, ...lines, { text: close }];
    this.host.replace(call, wrapped ? wrapped.map((l) => l.text).join("\n") : `${open}${code}${close}`, wrapped);
  }

  /** The jvp of a function with record parameters: an entry unpacking each record and its tangent (a record of the same keys) into fields. */
  private recordSite(call: t.CallExpression, fn: ModuleFunction, ir: IRFunction, indices: number[], named: boolean, inline: boolean, single: boolean | undefined, fail: (code: DiagnosticCode, detail: string) => void): void {
    if (inline) return fail("ADJ028", "a record parameter of an inline function (declare the function in the module to differentiate it with respect to a record)");
    if (single !== undefined) return this.recordJacfwd(call, fn, ir, indices, single, fail);
    const flat = indices.flatMap((i) => flatGradientParams(ir, ir.sourceParams![i]));
    const inner = this.jvpFor(fn.key, flat, true, true, true);
    if (!inner) return;
    const id = `${fn.key}|records|${indices.join(",")}`;
    let name = this.names.get(id);
    if (!name) {
      const names = sourceNames(fn.node);
      name = this.host.fresh(`${fn.key}$jvp${named ? `_${indices.map((i) => names[i]).join("_")}` : ""}`);
      this.names.set(id, name);
      const guard = this.host.omittable(fn.key) ? arityGuard(name, names.length, indices.length, indices.length === 1 ? "a tangent" : `${indices.length} tangents`) : undefined;
      if (!this.host.append({ code: "", lines: recordJvp(ir, names, indices, name, inner, guard) })) return;
    }
    this.host.replace(call, name);
  }

  /** `jacfwd(f, { wrt })` by numbers, arrays and NDArrays of a function with record parameters: the records pass through, unpacked at the site. */
  private recordJacfwd(call: t.CallExpression, fn: ModuleFunction, ir: IRFunction, indices: number[], single: boolean, fail: (code: DiagnosticCode, detail: string) => void): void {
    const names = sourceNames(fn.node);
    // By a record, a record of its keys, each field's Jacobian (one jvp per element of each field), as JAX's jacfwd of a pytree.
    const flat = indices.flatMap((i) => flatGradientParams(ir, ir.sourceParams![i]));
    const inner = this.jvpFor(fn.key, flat, true, true, true);
    if (!inner) return;
    const byRecord = indices.some((i) => ir.sourceParams![i].kind === "record");
    const jacobians = `${this.host.runtime()}.jacfwdOf(${inner}, ${ir.params.length}, [${flat.join(", ")}], ${single && !byRecord})(${unpacked(names, ir.sourceParams!).join(", ")})`;
    if (!byRecord) return this.host.replace(call, `((${names.join(", ")}) => ${jacobians})`);
    const packed = gradients(ir, names, indices, "jacobians");
    this.host.replace(call, `((${names.join(", ")}) => { const jacobians = ${jacobians}; return ${single ? packed[0] : `[${packed.join(", ")}]`}; })`);
  }

  /**
   * `jvp(f, { wrt })`: the name of f's jvp taking the tangents of `order` after the primals
   * (`named`: with the parameters in its name, as for a `wrt` the user wrote); for an inline
   * function, its code, to put in the call's place where what it captures is in scope.
   */
  site(key: string, order: number[], named: boolean, inline: boolean): Generated | string | null {
    if (!inline) return this.jvpFor(key, order, true, named);
    const ir = this.host.lower(key);
    if (!ir) return null;
    const analysis = this.analysis(ir, order);
    return this.generate(ir, analysis, order, this.host.fresh(`${key.replace(/Target\d*$/, "")}$jvp`), true);
  }

  /** The name of key's jvp for tangents of `order`, generating it once. */
  private jvpFor(key: string, order: number[], entry: boolean, named: boolean, fieldsOf = false): string | null {
    const ir = this.host.lower(key);
    if (!ir) return null;
    const analysis = this.analysis(ir, order);
    // A user's entry copies the tangent arrays the function writes through; otherwise it is a callee's jvp.
    const copies = entry && order.some((i) => analysis.types.get(ir.params[i]) === "array" && analysis.writtenParams.has(ir.params[i]));
    const id = `${key}|${order.join(",")}|${copies}|${fieldsOf}`;
    const existing = this.names.get(id);
    if (existing) return existing;
    const base = key.replace(/Target\d*$/, "");
    const every = ir.paramTypes.every((type, i) => !TANGENT_TYPES.has(type) || order.includes(i));
    const suffix = (entry ? named : !every) ? `_${order.map((i) => ir.params[i]).join("_")}` : "";
    // A record function's jvp over its fields is called by the entry users call (recordSite).
    const name = this.host.fresh(fieldsOf ? `${base}$fieldsJvp` : `${base}$jvp${suffix}`);
    this.names.set(id, name);
    return this.host.append(this.generate(ir, analysis, order, name, copies)) ? name : null;
  }

  /** Whether key's parameter `index` is of run-time kind and read only by NDArray operations, in its own code and its callees'. */
  private npLikeParam(key: string, index: number): boolean {
    const id = `${key}|${index}`;
    const known = this.npLikeParams.get(id);
    if (known !== undefined) return known;
    this.npLikeParams.set(id, false); // recursion: not until shown
    const ir = this.host.lower(key);
    if (!ir || index >= ir.params.length) return false;
    const like = ndarrayLike(ir, this.analysis(ir, [index]), (k, i) => this.npLikeParam(k, i)).has(ir.params[index]);
    this.npLikeParams.set(id, like);
    return like;
  }

  /** Activity as for a vjp: what the function writes through its parameters is an output (a callee's caller reads those tangents). */
  private analysis(ir: IRFunction, order: number[]): Analysis {
    const mask = [...order].sort((a, b) => a - b);
    const id = `${ir.key}|${mask.join(",")}`;
    let analysis = this.analyses.get(id);
    if (!analysis) {
      // No callee's reverse half is wanted: what they read is not asked.
      analysis = this.host.analyze(ir, new Set(mask), { writesAreOutputs: true, calleeReads: undefined });
      this.analyses.set(id, analysis);
    }
    return analysis;
  }

  private generate(ir: IRFunction, analysis: Analysis, order: number[], name: string, entry: boolean): Generated | null {
    const calleeNpLike = (key: string, index: number) => this.npLikeParam(key, index);
    const problems = [...analysis.diagnostics, ...forwardRefusals(ir, analysis, this.host.filename, calleeNpLike)];
    for (const d of problems) this.host.report(d);
    if (problems.length > 0) return null;
    const code = forwardFunction(ir, analysis, {
      name,
      order,
      runtime: this.host.runtime(),
      entry,
      // Callers in the module pass every argument (sweep.ts jvpCall): the check is for users'.
      ...(this.host.omittable(ir.key) && { prologue: arityGuard(name, ir.params.length, order.length, `${order.length === 1 ? "a tangent" : `${order.length} tangents`}`) }),
      calleeNpLike,
      calleeJvp: (callee, activeArgs) => (this.host.madeJvp(callee.key, activeArgs) ?? this.jvpFor(callee.key, activeArgs, false, false)) ?? "undefined",
      calleeArity: (callee) => this.host.arity(callee.key),
    });
    const wrt = order.map((i) => ir.params[i]).join(", ");
    const about = `jvp of ${ir.key.replace(/Target\d*$/, "")} with tangents of ${wrt || "nothing"} (line ${ir.loc.line}); generated by adjoint`;
    const lines = print(withSourceComments([{ kind: "comment", text: about }, ...code]));
    return { code: lines.map((l) => l.text).join("\n"), lines };
  }
}
