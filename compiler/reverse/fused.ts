// A fused elementwise chain (optimize/fuse.ts) as two module-level functions: the chain in one
// loop, and its vjp in one loop that recomputes the chain's values per element and gives each
// operand's adjoint (summed back to its shape where it was broadcast). Each element's code is
// the operations' own (runtime/np/fusible.ts, through rules/np.ts).
import type { PrintedLine } from "../emit/index.js";
import { line, type Code } from "../emit/index.js";
import type { Expr, FusedChain, Operand } from "../ir/index.js";
import { fusibleOp } from "../rules/np.js";
import { rcode } from "./code.js";
import type { AdjointSite, Reverser } from "./reverser.js";

type FusedExpr = Extract<Expr, { kind: "np" }> & { fused: FusedChain };

/** The name of the vjp of a chain for the operands that get an adjoint. */
export function fusedVjpName(chain: FusedChain, args: readonly Operand[], active: readonly boolean[]): string {
  const names = args.flatMap((a, i) => (active[i] && a.kind === "var" ? [a.name] : []));
  return active.every(Boolean) ? `${chain.name}$vjp` : `${chain.name}$vjp_${names.join("_") || "none"}`;
}

/** `y = f$chain(...)`'s reverse: the chain's vjp, then each active operand's share. */
export function fusedAdjoint(r: Reverser, site: AdjointSite, expr: FusedExpr): void {
  const { s, d, out, contribute } = site;
  const adjoints = r.fresh(`${s.target}_adjoints`);
  r.extraLocals.push(adjoints);
  const active = expr.args.map((a) => a.kind === "var" && r.a.active.has(a.name));
  const body: Code[] = [line(`${adjoints} = ${fusedVjpName(expr.fused, expr.args, active)}(${d}, ${expr.args.map((a) => rcode(r, a)).join(", ")});`, s.loc)];
  const before = out.length;
  expr.args.forEach((arg, i) => active[i] && contribute(arg, `${adjoints}[${i}]`));
  body.push(...out.splice(before));
  out.push({ kind: "if", cond: `${d} !== undefined`, then: body, else: [], loc: s.loc });
}

/** Names in a kernel: the operands' and steps' own, made distinct from the kernel's locals. */
function kernelNames(chain: FusedChain, args: readonly Operand[]) {
  const taken = new Set(["fused", "i", "g", "dout", "sum", "result", "out"]);
  const own = (base: string) => {
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}${k}`;
    taken.add(name);
    return name;
  };
  const params = args.map((a) => own(a.kind === "var" ? a.name : "x"));
  const data = params.map((p) => own(`${p}Data`));
  const element = params.map((p) => own(`${p}_i`));
  const steps = chain.steps.map((s, k) => (k === chain.steps.length - 1 ? "out" : own(s.name)));
  return { params, data, element, steps, own };
}

const isReduction = (op: string) => !fusibleOp(op);

/**
 * The chain's functions: `name(...operands)`, and its vjp for the `active` operands,
 * `name$vjp(dout, ...operands)`, returning each operand's adjoint (undefined where inactive).
 * `arrays[i]`: whether operand i is an NDArray (else a number).
 */
export function fusedKernels(chain: FusedChain, args: readonly Operand[], arrays: readonly boolean[], runtime: string, loc: string): { forward: PrintedLine[]; vjp: (active: readonly boolean[]) => PrintedLine[] } {
  const rt = `${runtime}.fusion`;
  const { params, data, element, steps, own } = kernelNames(chain, args);
  const last = chain.steps.at(-1)!;
  const reduced = isReduction(last.op);
  const arrayIdx = params.flatMap((_, i) => (arrays[i] ? [i] : []));
  const steps$ = JSON.stringify(chain.steps.map((s) => [s.op, ...s.refs])).replaceAll(",", ", ");
  const inputs = `[${[...params, ...chain.constants].join(", ")}]`;
  const valueOf = (ref: number) => (ref < params.length ? (arrays[ref] ? element[ref] : params[ref]) : ref < params.length + chain.constants.length ? chain.constants[ref - params.length] : steps[ref - params.length - chain.constants.length]);
  // Each step's value, per element (a reduction's is what it adds up).
  const forward = chain.steps.map((s, k) => (isReduction(s.op) ? "" : `const ${steps[k]} = ${fusibleOp(s.op)!.value(...s.refs.map(valueOf))};`));
  const loads = arrayIdx.length > 0 ? [`const ${arrayIdx.map((i) => `${element[i]} = ${data[i]}[i]`).join(", ")};`] : [];
  const prologue = (fallback: string) => [
    `  const fused = ${rt}.operands([${arrayIdx.map((i) => params[i]).join(", ")}]);`,
    "  // Integer operands (or numbers where NDArrays were expected): the operations themselves.",
    `  if (fused === undefined) return ${fallback};`,
    `  const [${arrayIdx.map((i) => data[i]).join(", ")}] = fused.data;`,
  ];
  const text: string[] = [];
  text.push(`// ${chain.text} (${loc}) in one loop, no array between the operations; fused by adjoint`);
  text.push(`function ${chain.name}(${params.join(", ")}) {`, ...prologue(`${rt}.unfused(${steps$}, ${inputs})`));
  const inner = forward.slice(0, -1);
  const result = reduced ? valueOf(last.refs[0]) : fusibleOp(last.op)!.value(...last.refs.map(valueOf));
  if (reduced) text.push("  let sum = 0;");
  else text.push(`  const result = ${rt}.empty(fused);`, "  const resultData = result.data;");
  text.push("  for (let i = 0; i < fused.size; i++) {", ...[...loads, ...inner].map((l) => `    ${l}`));
  text.push(reduced ? `    sum += ${result};` : `    resultData[i] = ${result};`, "  }");
  text.push(reduced ? `  return ${rt}.reduced(fused, ${last.op === "mean" ? "sum / fused.size" : "sum"});` : "  return result;", "}");
  const parts = { data, element, steps, own, forward, prologue, inputs, steps$, rt, reduced };
  const printed = (lines: string[]) => lines.map((t) => ({ text: t }));
  return { forward: printed(text), vjp: (active) => printed(vjpKernel(chain, params, arrays, active, parts)) };
}

/** Whether JavaScript `code` mentions identifier `name`. */
const uses = (code: string, name: string): boolean => code.split(/[^\w$]+/).includes(name);

interface KernelParts {
  data: string[];
  element: string[];
  steps: string[];
  own: (base: string) => string;
  forward: string[];
  prologue: (fallback: string) => string[];
  inputs: string;
  steps$: string;
  rt: string;
  reduced: boolean;
}

function vjpKernel(chain: FusedChain, params: string[], arrays: readonly boolean[], active: readonly boolean[], p: KernelParts): string[] {
  const { data, element, steps, own, rt, reduced } = p;
  const n = params.length + chain.constants.length;
  const valueOf = (ref: number) => (ref < params.length ? (arrays[ref] ? element[ref] : params[ref]) : ref < n ? chain.constants[ref - params.length] : steps[ref - n]);
  const adjointOf = steps.map((s) => own(`d${s}`));
  const gData = own("gData");
  const dParam = params.map((q) => own(`d${q}`));
  const dData = dParam.map((q) => own(`${q}Data`));
  // Contributions to each operand, and each step's adjoint, from the last step back.
  const contributions: string[][] = params.map(() => []);
  const backward: string[] = [];
  const last = chain.steps.length - 1;
  for (let k = last; k >= 0; k--) {
    const s = chain.steps[k];
    const g = k === last ? (reduced ? "g" : `${gData}[i]`) : adjointOf[k];
    const of = (ref: number, code: string) => {
      if (ref < params.length) contributions[ref].push(code);
      else if (ref >= n) backward.push(`const ${adjointOf[ref - n]} = ${code};`);
    };
    if (isReduction(s.op)) of(s.refs[0], "g");
    else fusibleOp(s.op)!.adjoints.forEach((adjoint, j) => of(s.refs[j], adjoint(g, s.refs.map(valueOf), steps[k])));
  }
  const stores = params.flatMap((_, i) => {
    if (!active[i] || contributions[i].length === 0) return [];
    const sum = contributions[i].join(" + ");
    return [arrays[i] ? `${dData[i]}[i] = ${sum};` : `${dParam[i]} += ${sum};`];
  });
  // Only the adjoints that reach an active operand, and the values they read, are computed.
  const kept = (lines: string[], defined: (k: number) => string, readers: string[]) => {
    const out: string[] = [];
    for (let k = lines.length - 1; k >= 0; k--) if (lines[k] !== "" && uses([...out, ...readers].join("\n"), defined(k))) out.unshift(lines[k]);
    return out;
  };
  const adjoints = kept(backward, (k) => /^const (\S+)/.exec(backward[k])![1], stores);
  const needed = [...adjoints, ...stores].join("\n");
  const forward = kept(p.forward, (k) => steps[k], [needed]);
  const loaded = params.flatMap((_, i) => (arrays[i] && uses(needed + forward.join("\n"), element[i]) ? [`${element[i]} = ${data[i]}[i]`] : []));
  const loads = loaded.length > 0 ? [`const ${loaded.join(", ")};`] : [];
  const name = fusedVjpName(chain, params.map((q) => ({ kind: "var", name: q })), active);
  const text = [
    `// the vjp of ${chain.name}: each operand's adjoint in one loop, the chain's values recomputed in it; fused by adjoint`,
    `function ${name}(dout, ${params.join(", ")}) {`,
    ...p.prologue(`${rt}.unfusedVjp(${p.steps$}, dout, ${p.inputs})`),
    reduced ? `  const g = ${rt}.scalar(dout)${chain.steps[last].op === "mean" ? " / fused.size" : ""};` : `  const ${gData} = ${rt}.adjointData(fused, dout);`,
  ];
  params.forEach((_, i) => {
    if (!active[i]) return;
    if (arrays[i]) text.push(`  const ${dParam[i]} = ${rt}.empty(fused);`, `  const ${dData[i]} = ${dParam[i]}.data;`);
    else text.push(`  let ${dParam[i]} = 0;`);
  });
  text.push("  for (let i = 0; i < fused.size; i++) {", ...[...loads, ...forward, ...adjoints, ...stores].map((l) => `    ${l}`), "  }");
  const results = params.map((q, i) => (!active[i] ? "undefined" : arrays[i] ? `${rt}.adjointOf(${dParam[i]}, ${q})` : dParam[i]));
  text.push(`  return [${results.join(", ")}];`, "}");
  return text;
}
