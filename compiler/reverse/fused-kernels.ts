// A fused elementwise chain (optimize/fuse.ts) as module-level functions. Arithmetic runs in
// JavaScript loops over the operands' elements, with no array between operations; each
// transcendental step (tanh, exp, …) runs as the runtime's own operation on one array, in
// place, so it takes the backend's vector kernel and gives np's values exactly. Those arrays are
// kept with the chain's output for its vjp, one loop with no transcendental call that gives
// every operand's adjoint (summed back to its shape where it was broadcast). Each element's code
// is the operations' own (runtime/np/fusible.ts, through rules/np.ts). Each function first asks
// the runtime for the backend's chain kernel (`fusion.simd`, `simdVjp`: one Wasm SIMD pass of
// the same steps); the loops are its fallback.
import type { PrintedLine } from "../emit/index.js";
import type { FusedChain, Operand } from "../ir/index.js";
import { fusibleOp, fusibleKernel } from "../rules/np.js";
import { fusedVjpName } from "./fused.js";

/** Whether JavaScript `code` mentions identifier `name`. */
const uses = (code: string, name: string): boolean => code.split(/[^\w$]+/).includes(name);

/** The chain's shape as the generated functions see it: names, and which loop computes what. */
class Plan {
  readonly params: string[];
  readonly data: string[];
  readonly element: string[];
  readonly steps: string[];
  /** A buffered step's array. */
  readonly buffer: (string | undefined)[];
  /** The loop from which each value can be read (operands: 0; a buffered step: after the loop filling it). */
  readonly ready: number[];
  /** The loop filling each buffered step's array. */
  readonly fill: number[];
  readonly loops: number;
  private taken = new Set(["fused", "i", "g", "dout", "out", "sum", "result", "resultData", "saved", "gData", "simd"]);

  constructor(readonly chain: FusedChain, readonly args: readonly Operand[], readonly arrays: readonly boolean[]) {
    this.params = args.map((a) => this.own(a.kind === "var" ? a.name : "x"));
    this.data = this.params.map((p) => this.own(`${p}Data`));
    this.element = this.params.map((p) => this.own(`${p}_i`));
    const last = chain.steps.length - 1;
    this.steps = chain.steps.map((s, k) => (k === last ? "out" : this.own(s.name)));
    this.buffer = chain.steps.map((s, k) => (this.buffered(k) ? (k === last ? "resultData" : this.own(`${this.steps[k]}Data`)) : undefined));
    const n = this.inputs;
    this.ready = [...Array(n).fill(0)];
    this.fill = [];
    chain.steps.forEach((s, k) => {
      const from = Math.max(0, ...s.refs.map((r) => this.ready[r]));
      this.fill[k] = from;
      this.ready[n + k] = this.buffered(k) ? from + 1 : from;
    });
    this.loops = Math.max(0, ...chain.steps.map((_, k) => (this.buffered(k) ? this.fill[k] + 1 : 0)));
  }

  get inputs(): number {
    return this.params.length + this.chain.constants.length;
  }

  own(base: string): string {
    let name = base;
    for (let k = 2; this.taken.has(name); k++) name = `${base}${k}`;
    this.taken.add(name);
    return name;
  }

  buffered(k: number): boolean {
    return fusibleKernel(this.chain.steps[k].op);
  }

  reduced(): boolean {
    return !fusibleOp(this.chain.steps.at(-1)!.op);
  }

  /** `const xData = fused.read(0), …;` for the array operands `bodies` read. */
  readLine(bodies: Body[]): string[] {
    const read = [...new Set(bodies.flatMap((b) => [...b.reads]))].sort((a, b) => a - b);
    const position = (i: number) => this.arrays.slice(0, i).filter(Boolean).length;
    return read.length > 0 ? [`  const ${read.map((i) => `${this.data[i]} = fused.read(${position(i)})`).join(", ")};`] : [];
  }

  /** The number operands, which the loops read as they are. */
  numbers(): string[] {
    return this.params.filter((_, i) => !this.arrays[i]);
  }

  /** Step k's value as code, from the names of its operands' values. */
  expression(k: number, operand: (ref: number) => string): string {
    const s = this.chain.steps[k];
    return fusibleOp(s.op)!.value(...s.refs.map(operand));
  }
}

/** One loop's body: definitions of the values it reads, each once, in order. */
class Body {
  readonly lines: string[] = [];
  private loads: string[] = [];
  /** The array operands (by parameter) whose elements it reads. */
  readonly reads = new Set<number>();
  private defined = new Map<number, string>();

  constructor(private plan: Plan) {}

  /** The name (or literal) of value `ref` in this loop, defining it (and what it reads) first. */
  value(ref: number): string {
    const { plan } = this;
    const known = this.defined.get(ref);
    if (known !== undefined) return known;
    let code: string;
    if (ref < plan.params.length) {
      code = plan.arrays[ref] ? plan.element[ref] : plan.params[ref];
      if (plan.arrays[ref]) {
        this.loads.push(`${code} = ${plan.data[ref]}[i]`);
        this.reads.add(ref);
      }
    } else if (ref < plan.inputs) code = plan.chain.constants[ref - plan.params.length];
    else {
      const k = ref - plan.inputs;
      code = plan.steps[k];
      const value = plan.buffer[k] ? `${plan.buffer[k]}[i]` : plan.expression(k, (r) => this.value(r));
      this.lines.push(`const ${code} = ${value};`);
    }
    this.defined.set(ref, code);
    return code;
  }

  /** The values `code` names (steps' and operands' elements), defined. */
  valuesIn(code: string): void {
    const { plan } = this;
    for (let ref = 0; ref < plan.inputs + plan.steps.length; ref++) {
      const name = ref < plan.params.length ? plan.element[ref] : ref < plan.inputs ? undefined : plan.steps[ref - plan.inputs];
      if (name !== undefined && uses(code, name)) this.value(ref);
    }
  }

  /**
   * The loop as a module-level function `name(n, ...)` of the names it reads from `free`,
   * declaring and returning `accumulators`; and its call, `rt.run` calling a copy of it per
   * element type of its arrays, so each copy stays monomorphic for the JIT.
   */
  loop(name: string, then: string[], free: readonly string[], accumulators: readonly string[], rt: string): { call: string[]; fn: string[] } {
    const loads = this.loads.length > 0 ? [`const ${this.loads.join(", ")};`] : [];
    const inner = [...loads, ...this.lines, ...then];
    const text = inner.join("\n");
    const params = [...new Set(free)].filter((f) => uses(text, f));
    const returned = accumulators.length === 0 ? [] : [`  return ${accumulators.length === 1 ? accumulators[0] : `[${accumulators.join(", ")}]`};`];
    const fn = ["", `function ${name}(${["n", ...params].join(", ")}) {`, ...accumulators.map((a) => `  let ${a} = 0;`), "  for (let i = 0; i < n; i++) {", ...inner.map((l) => `    ${l}`), "  }", ...returned, "}"];
    const run = `${rt}.run(${[name, "fused.size", ...params].join(", ")});`;
    const target = accumulators.length === 0 ? "" : `const ${accumulators.length === 1 ? accumulators[0] : `[${accumulators.join(", ")}]`} = `;
    return { call: [`  ${target}${run}`], fn };
  }
}

/**
 * The chain's functions: `name(...operands)`, `name$kept(...)` filling the arrays of its
 * buffered steps where it has any, and its vjp for the `active` operands,
 * `name$vjp(dout, out, ...operands)`, returning each operand's adjoint (undefined where
 * inactive). `arrays[i]`: whether operand i is an NDArray (else a number).
 */
export function fusedKernels(chain: FusedChain, args: readonly Operand[], arrays: readonly boolean[], runtime: string, loc: string): { forward: PrintedLine[]; vjp: (active: readonly boolean[]) => PrintedLine[] } {
  const plan = new Plan(chain, args, arrays);
  const rt = `${runtime}.fusion`;
  const steps = JSON.stringify(chain.steps.map((s) => [s.op, ...s.refs])).replaceAll(",", ", ");
  const inputs = `[${[...plan.params, ...chain.constants].join(", ")}]`;
  const prologue = (fallback: string, kernel: string) => [
    `  const fused = ${rt}.operands([${plan.params.filter((_, i) => arrays[i]).join(", ")}]);`,
    "  // Integer operands (or numbers where NDArrays were expected): the operations themselves.",
    `  if (fused === undefined) return ${fallback};`,
    "  // One pass of the backend's chain kernel (Wasm SIMD) where it has one, else the loops below.",
    `  const simd = ${rt}.${kernel};`,
    "  if (simd !== undefined) return simd;",
  ];
  const buffers = plan.buffer.filter((b): b is string => b !== undefined);
  const kept = `${chain.name}$kept`;
  const keptCall = `${kept}(${["fused", ...plan.numbers()].join(", ")})`;
  const last = chain.steps.length - 1;
  const text: string[] = [`// ${chain.text} (${loc}) fused: loops over the elements, no array between the operations; fused by adjoint`];
  text.push(`function ${chain.name}(${plan.params.join(", ")}) {`, ...prologue(`${rt}.unfused(${steps}, ${inputs})`, `simd(fused, ${steps}, ${inputs})`));
  if (buffers.length > 0) text.push(`  const saved = ${keptCall};`, `  const [${buffers.join(", ")}] = saved;`);
  const loops: string[] = [];
  if (plan.reduced() || !plan.buffer[last]) {
    // The last loop: the chain's result, element by element or added up.
    const body = new Body(plan);
    const root = chain.steps[last];
    const value = plan.reduced() ? body.value(root.refs[0]) : plan.expression(last, (r) => body.value(r));
    text.push(...plan.readLine([body]));
    const free = [...plan.data, ...buffers, ...plan.numbers(), "resultData"];
    const loop = plan.reduced() ? body.loop(`${chain.name}$loop`, [`sum += ${value};`], free, ["sum"], rt) : body.loop(`${chain.name}$loop`, [`resultData[i] = ${value};`], free, [], rt);
    if (!plan.reduced()) text.push(`  const resultData = ${rt}.buffer(fused);`);
    text.push(...loop.call);
    loops.push(...loop.fn);
  }
  const result = plan.reduced() ? `${rt}.reduced(fused, ${chain.steps[last].op === "mean" ? "sum / fused.size" : "sum"})` : `${rt}.wrap(fused, resultData)`;
  text.push(buffers.length > 0 ? `  return ${rt}.keep(${result}, saved);` : `  return ${result};`, "}");
  if (buffers.length > 0) text.push(...keptFunction(plan, kept, rt));
  text.push(...loops);
  const vjp = (active: readonly boolean[]) => vjpFunction(plan, active, { rt, prologue, keptCall, buffers, steps, inputs });
  return { forward: text.map((t) => ({ text: t })), vjp: (active) => vjp(active).map((t) => ({ text: t })) };
}

/** `name$kept`: the arrays of the buffered steps, each filled by a loop and then its operation in place. */
function keptFunction(plan: Plan, name: string, rt: string): string[] {
  const { chain } = plan;
  const lines: string[] = [];
  const bodies: Body[] = [];
  const loops: string[] = [];
  const free = [...plan.data, ...plan.buffer.filter((b): b is string => b !== undefined), ...plan.numbers()];
  for (let loop = 0; loop < plan.loops; loop++) {
    const filled = chain.steps.flatMap((_, k) => (plan.buffer[k] && plan.fill[k] === loop ? [k] : []));
    lines.push(...filled.map((k) => `  const ${plan.buffer[k]} = ${rt}.buffer(fused);`));
    const body = new Body(plan);
    bodies.push(body);
    const stores = filled.map((k) => `${plan.buffer[k]}[i] = ${body.value(chain.steps[k].refs[0])};`);
    const fill = body.loop(`${name}Loop${plan.loops > 1 ? loop + 1 : ""}`, stores, free, [], rt);
    lines.push(...fill.call);
    loops.push(...fill.fn);
    lines.push(...filled.map((k) => `  ${rt}.apply("${chain.steps[k].op}", fused, ${plan.buffer[k]});`));
  }
  return [
    "",
    `// the values of ${chain.name}'s steps with a kernel of their own, one array each, kept for its vjp`,
    `function ${name}(${["fused", ...plan.numbers()].join(", ")}) {`,
    ...plan.readLine(bodies),
    ...lines,
    `  return [${plan.buffer.filter((b) => b !== undefined).join(", ")}];`,
    "}",
    ...loops,
  ];
}

interface VjpParts {
  rt: string;
  prologue: (fallback: string, kernel: string) => string[];
  keptCall: string;
  buffers: string[];
  steps: string;
  inputs: string;
}

/** The vjp: one loop from the output's adjoint back to each active operand's. */
function vjpFunction(plan: Plan, active: readonly boolean[], { rt, prologue, keptCall, buffers, steps, inputs }: VjpParts): string[] {
  const { chain, params, arrays } = plan;
  const n = plan.inputs;
  const last = chain.steps.length - 1;
  const adjointName = plan.steps.map((s) => plan.own(`d${s}`));
  const dParam = params.map((q) => plan.own(`d${q}`));
  const dData = dParam.map((q) => plan.own(`${q}Data`));
  const valueName = (ref: number) => (ref < params.length ? (arrays[ref] ? plan.element[ref] : params[ref]) : ref < n ? chain.constants[ref - params.length] : plan.steps[ref - n]);
  // Each step's adjoint, from the last step back, and the contributions to each operand.
  const contributions: string[][] = params.map(() => []);
  const backward: { name: string; code: string }[] = [];
  for (let k = last; k >= 0; k--) {
    const s = chain.steps[k];
    const g = k === last ? (plan.reduced() ? "g" : "gData[i]") : adjointName[k];
    const give = (ref: number, code: string) => {
      if (ref < params.length) contributions[ref].push(code);
      else if (ref >= n) backward.push({ name: adjointName[ref - n], code });
    };
    if (!fusibleOp(s.op)) give(s.refs[0], "g");
    else fusibleOp(s.op)!.adjoints.forEach((adjoint, j) => give(s.refs[j], adjoint(g, s.refs.map(valueName), plan.steps[k])));
  }
  // Operands given the same adjoint (`a + b`) share its array.
  const sharing = new Map<string, number>();
  const owner = params.map((_, i) => {
    if (!active[i] || !arrays[i] || contributions[i].length === 0) return i;
    const sum = contributions[i].join(" + ");
    if (!sharing.has(sum)) sharing.set(sum, i);
    return sharing.get(sum)!;
  });
  const shared = (i: number) => owner.some((o, j) => o === owner[i] && j !== i);
  const stores = params.flatMap((_, i) => {
    if (!active[i] || contributions[i].length === 0 || owner[i] !== i) return [];
    const sum = contributions[i].join(" + ");
    return [arrays[i] ? `${dData[i]}[i] = ${sum};` : `${dParam[i]} += ${sum};`];
  });
  // Only the adjoints that reach an active operand, and the values they read.
  const adjoints: string[] = [];
  for (let k = backward.length - 1; k >= 0; k--) {
    if (uses([...adjoints, ...stores].join("\n"), backward[k].name)) adjoints.unshift(`const ${backward[k].name} = ${backward[k].code};`);
  }
  const body = new Body(plan);
  body.valuesIn([...adjoints, ...stores].join("\n"));
  const name = fusedVjpName(chain, plan.args, active);
  const text = [
    "",
    `// the vjp of ${chain.name}: each operand's adjoint in one loop; fused by adjoint`,
    `function ${name}(dout, out, ${params.join(", ")}) {`,
    ...prologue(`${rt}.unfusedVjp(${steps}, dout, ${inputs})`, `simdVjp(fused, ${steps}, [${active.join(", ")}], dout, out, ${inputs})`),
  ];
  text.push(...plan.readLine([body]));
  const read = body.lines.join("\n");
  if (buffers.some((b) => uses(read, b))) text.push(`  const [${buffers.join(", ")}] = ${rt}.kept(out) ?? ${keptCall};`);
  text.push(plan.reduced() ? `  const g = ${rt}.scalar(dout)${chain.steps[last].op === "mean" ? " / fused.size" : ""};` : `  const gData = ${rt}.adjointData(fused, dout);`);
  params.forEach((_, i) => {
    if (active[i] && arrays[i] && owner[i] === i) text.push(`  const ${dData[i]} = ${rt}.buffer(fused);`);
  });
  const accumulators = params.flatMap((_, i) => (active[i] && !arrays[i] ? [dParam[i]] : []));
  const free = [...plan.data, ...buffers, ...plan.numbers(), "g", "gData", ...dData];
  const loop = body.loop(`${name}$loop`, [...adjoints, ...stores], free, accumulators, rt);
  text.push(...loop.call);
  const results = params.map((q, i) => {
    if (!active[i]) return "undefined";
    if (!arrays[i]) return dParam[i];
    if (contributions[i].length === 0) return `${rt}.adjointOf(fused, ${rt}.buffer(fused), ${q})`;
    return `${rt}.adjointOf(fused, ${dData[owner[i]]}, ${q}${shared(i) ? ", true" : ""})`;
  });
  text.push(`  return [${results.join(", ")}];`, "}", ...loop.fn);
  return text;
}
