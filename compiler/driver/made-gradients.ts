// A gradient read inside differentiated code, `const g = grad(f)(x)` in a function being
// differentiated, where f's gradient cannot be written in the differentiable subset (it needs
// arrays by identity: swapped buffers, arrays made in a loop, a number[] that grows). The call
// is then a callee of its own, made of entry points rather than lowered: its value is f's
// first-order gradient, its vjp and its jvp both an H·v (reverse over forward):
// - vjp: g = ∇_i f(x), so x_p's adjoint gains (∂g/∂x_p)ᵀ ḡ = ∇_p (∇_i f · ḡ), the gradient by
//   x_p of f's jvp tangent along x_i = ḡ;
// - jvp along u: ∂g/∂x · u = ∇_i (∇f · u), the gradient by x_i of f's jvp tangent along u.
// Nothing differentiates it again: it is refused where code holding it is nested further.
import type * as t from "@babel/types";
import { spanOf } from "../ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import type { InferredType } from "../analyze/types.js";
import type { Summary } from "../analyze/summaries.js";
import type { CalleeVjp } from "../reverse/index.js";
import type { IRFunction } from "../ir/index.js";
import type { PrintedLine } from "../emit/index.js";
import { unusedName } from "./bindings.js";

/** What a made gradient needs of the module compiler and of nesting. */
export interface MadeHost {
  ctx: { filename: string };
  freshModuleName(base: string): string;
  appendLines(lines: PrintedLine[]): void;
  gradFor(key: string, wrt: number | number[]): string | null;
  /** f lowered, its parameters' kinds inferred. */
  lowered(key: string): IRFunction | null;
  summaryOf(key: string): Summary | undefined;
  /** The module's kinds are to be found again: a function was added. */
  moduleChanged(): void;
  /** The tangent of f's jvp along `along`, in the subset: `(...args, ...tangents) => tangent`. */
  tangent(key: string, along: number[], at: t.CallExpression): string | null;
}

interface Made {
  key: string;
  wrt: number;
  params: string[];
  kinds: InferredType[];
  at: t.CallExpression;
  vjps: Map<string, CalleeVjp | null>;
  jvps: Map<string, string | null>;
}

export class MadeGradients {
  /** Each made gradient by the name its callers call (f's first-order gradient entry). */
  private made = new Map<string, Made>();
  private byTarget = new Map<string, string>();

  constructor(private host: MadeHost) {}

  /** Why a made gradient nests no further (code calling it is refused where it is differentiated again). */
  static readonly FURTHER = "a gradient that needs arrays by identity, read inside differentiated code, is differentiated once (its vjp and jvp are Hessian-vector products, with no derivative of their own)";

  has(name: string): boolean {
    return this.made.has(name);
  }

  /**
   * `grad(f, { wrt: i })` called inside a function differentiated once, by an array i: the
   * name to call, with what it does to its arguments (f's summary) and its kinds; null with
   * a reason where it cannot be made.
   */
  gradient(key: string, wrt: number, at: t.CallExpression, problems: Diagnostic[]): string | null {
    const known = this.byTarget.get(`${key}|${wrt}`);
    if (known) return known;
    const fail = (detail: string) => (problems.push(diagnostic("ADJ016", this.host.ctx.filename, spanOf(at), detail)), null);
    const ir = this.host.lowered(key);
    if (!ir) return null;
    // By a record, of a function taking one or an NDArray: not yet, and the refusal that brought it here says why.
    if (ir.sourceParams?.some((p) => p.kind === "record") || ir.paramTypes[wrt] !== "array" || ir.paramTypes.some((k) => k !== "number" && k !== "array")) return null;
    const summary = this.host.summaryOf(key);
    // Its vjp reads the arguments as they were given: a function writing them would need them put back.
    if (!summary || summary.writes.length > 0) return fail(`grad of '${key}' read inside differentiated code, where '${key}' writes into an array it is given and its gradient needs arrays by identity (not yet: copy the array first inside '${key}')`);
    const name = this.host.gradFor(key, wrt);
    if (!name) return null;
    this.made.set(name, { key, wrt, params: ir.params, kinds: ir.paramTypes as InferredType[], at, vjps: new Map(), jvps: new Map() });
    this.byTarget.set(`${key}|${wrt}`, name);
    this.host.moduleChanged();
    return name;
  }

  /** Its summary: f's (it writes nothing, as made), an array result of its own. */
  summary(name: string): Summary | undefined {
    return this.made.has(name) ? { writes: [], resizes: [], result: { kind: "fresh" } } : undefined;
  }

  kinds(): { key: string; params: InferredType[]; result: InferredType }[] {
    return [...this.made].map(([name, m]) => ({ key: name, params: m.kinds, result: "array" }));
  }

  /**
   * Its halves for a caller's active arguments: the forward one keeps copies of the arguments
   * and returns f's gradient; the reverse one adds H·ḡ into the arrays' adjoints in place and
   * returns the numbers'.
   */
  vjp(name: string, activeArgs: number[]): CalleeVjp | null {
    const m = this.made.get(name)!;
    const id = activeArgs.join(",");
    if (m.vjps.has(id)) return m.vjps.get(id)!;
    m.vjps.set(id, null);
    const tangent = this.host.tangent(m.key, [m.wrt], m.at);
    const product = tangent && this.host.gradFor(tangent, activeArgs.length === 1 ? activeArgs[0] : activeArgs);
    if (!product) return null;
    const [fwd, rev] = [this.host.freshModuleName(`${name}$fwd`), this.host.freshModuleName(`${name}$rev`)];
    const arrays = activeArgs.filter((i) => m.kinds[i] === "array");
    const numbers = activeArgs.filter((i) => m.kinds[i] !== "array");
    const args = m.params.join(", ");
    const taken = new Set(m.params);
    const local = (base: string) => {
      let n = base;
      for (let k = 1; taken.has(n); k++) n = `${base}${k}`;
      taken.add(n);
      return n;
    };
    const [stack, head, hv, i] = ["stack", "dgradient", "hv", "i"].map(local);
    const dArrays = arrays.map((p) => local(`d${m.params[p]}`));
    const kept = m.params.map((p, i) => (m.kinds[i] === "array" ? `${stack}.pushRef(${p}.slice());` : `${stack}.push(${p});`));
    const restored = m.params.map((p, i) => (m.kinds[i] === "array" ? `const ${p} = ${stack}.popRef();` : `const ${p} = ${stack}.pop();`)).reverse();
    const single = activeArgs.length === 1;
    const at = (i: number) => (single ? hv : `${hv}[${activeArgs.indexOf(i)}]`);
    const zeros = numbers.length === 0 ? "" : numbers.length === 1 ? " 0" : ` [${numbers.map(() => "0").join(", ")}]`;
    const returned = numbers.length === 0 ? "" : numbers.length === 1 ? ` ${at(numbers[0])}` : ` [${numbers.map(at).join(", ")}]`;
    const about = `of the gradient of ${m.key} with respect to ${m.params[m.wrt]} inside differentiated code`;
    this.host.appendLines([
      { text: `// forward sweep ${about}: its value, its arguments kept as given; generated by adjoint` },
      { text: `function ${fwd}(${stack}, ${args}) {` },
      ...kept.map((text) => ({ text: `  ${text}` })),
      { text: `  return ${name}(${args});` },
      { text: "}" },
      { text: `// reverse sweep ${about}: the gradient of ${m.key}'s jvp tangent along ${m.params[m.wrt]} = ${head}, H·${head} (reverse over forward); generated by adjoint` },
      { text: `function ${rev}(${[stack, head, ...dArrays].join(", ")}) {` },
      ...restored.map((text) => ({ text: `  ${text}` })),
      { text: `  if (${head} === undefined) return${zeros};` },
      { text: `  const ${hv} = ${product}(${args}, ${head});` },
      ...arrays.map((p, k) => ({ text: `  for (let ${i} = 0; ${i} < ${dArrays[k]}.length; ${i}++) ${dArrays[k]}[${i}] += ${at(p)}[${i}];` })),
      ...(returned ? [{ text: `  return${returned};` }] : []),
      { text: "}" },
    ]);
    const vjp: CalleeVjp = { name: fwd, reverse: rev, inPlace: arrays, noHead: "undefined", restores: false, needsDistinct: false };
    m.vjps.set(id, vjp);
    return vjp;
  }

  /** Its jvp along the caller's active arguments: `(...args, ...tangents) => [g, ∂g·u]`. */
  jvp(name: string, activeArgs: number[]): string | null {
    const m = this.made.get(name)!;
    const id = activeArgs.join(",");
    if (m.jvps.has(id)) return m.jvps.get(id)!;
    m.jvps.set(id, null);
    const tangent = this.host.tangent(m.key, activeArgs, m.at);
    const product = tangent && this.host.gradFor(tangent, m.wrt);
    if (!product) return null;
    const jvp = this.host.freshModuleName(`${name}$jvp`);
    const us = activeArgs.map((i) => unusedName(`u_${m.params[i]}`, m.params));
    const args = m.params.join(", ");
    this.host.appendLines([
      { text: `// jvp of the gradient of ${m.key} with respect to ${m.params[m.wrt]} inside differentiated code: its value, and the gradient of ${m.key}'s jvp tangent along ${activeArgs.map((i) => m.params[i]).join(", ")} (reverse over forward); generated by adjoint` },
      { text: `function ${jvp}(${[args, ...us].join(", ")}) {` },
      { text: `  return [${name}(${args}), ${product}(${[args, ...us].join(", ")})];` },
      { text: "}" },
    ]);
    m.jvps.set(id, jvp);
    return jvp;
  }
}
