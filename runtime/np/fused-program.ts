// A fused chain (fused.ts's `Steps`) as a register program for the backend's chain kernel
// (wasm/fused.ts): the chain's value, or its vjp for the operands that get an adjoint. Each
// instruction is one SIMD loop over a block of elements; registers hold a block each. The
// adjoints are fusible.ts's per-element formulas as instructions, in the same order of
// operations, so in float64 the kernel computes what the generated JavaScript loops compute
// (the transcendentals are np's own vector functions in both; log1p and expm1, Math.* in the
// loops, wasm/math-derived.ts' within 1 and 2 ulps).

/**
 * A chain as the operations it fuses: `[op, ...refs]` in order, each ref an index into the
 * chain's values (its operands, then each step's result). The last step is the result.
 */
export type Steps = readonly (readonly [string, ...number[]])[];

import { fusibleKernels } from "./fusible.js";

/** Opcodes of wasm/fused.ts. */
const OP: Record<string, number> = {
  add: 1, sub: 2, mul: 3, div: 4, maximum: 5, minimum: 6,
  neg: 10, abs: 11, square: 12, relu: 13, sqrt: 14, exp: 15, log: 16, tanh: 17, sigmoid: 18, sin: 19, cos: 20,
  log1p: 22, expm1: 23,
};
const [ADD, SUB, MUL, DIV, NEG, COPY, SIN, COS] = [1, 2, 3, 4, 10, 21, 19, 20];
const [ABS_D, RELU_D, MAX_DA, MAX_DB, MIN_DA, MIN_DB, SUM] = [30, 31, 32, 33, 34, 35, 40];

/**
 * A register: a block of temporaries (`tile`), chain input k (an array or number, `input`), the
 * output's adjoint (`dout`: an array; `g`: the number of a chain ending in a sum), a value the
 * forward pass kept (`kept`: the k-th transcendental step's), a constant, or a result the caller allocates;
 * numbers (`g`, constants) are spread over a tile of their own.
 */
export type Reg =
  | { kind: "tile"; tile: number }
  | { kind: "input"; input: number }
  | { kind: "dout" }
  | { kind: "g"; tile?: number }
  | { kind: "kept"; kept: number }
  | { kind: "const"; value: number; tile?: number }
  | { kind: "result"; result: number };

export interface Program {
  /** 5 per instruction: op, dst, a, b, c. */
  code: Int32Array;
  regs: Reg[];
  /** Tiles the registers share. */
  tiles: number;
  /** Results the caller allocates (the chain's size each), by number. */
  results: number;
  /** float64 sums the program adds into: the forward's result, or each number operand's adjoint. */
  sums: number;
  /** forward: the results holding the transcendental steps' values, in step order (kept for the vjp, as the loops keep them). */
  kept: number[];
  /** vjp: for each parameter, its adjoint's result, sum slot, or undefined (inactive or none reaches it). */
  adjoints: ({ result: number } | { sum: number } | undefined)[];
}

const reductions = new Set(["sum", "mean"]);

class Builder {
  readonly regs: Reg[] = [];
  readonly code: number[][] = [];
  private constants = new Map<number, number>();

  reg(r: Reg): number {
    return this.regs.push(r) - 1;
  }
  op(op: number, ...srcs: number[]): number {
    const d = this.reg({ kind: "tile", tile: -1 });
    this.code.push([op, d, srcs[0], srcs[1] ?? -1, srcs[2] ?? -1]);
    return d;
  }
  constant(value: number): number {
    let r = this.constants.get(value);
    if (r === undefined) this.constants.set(value, (r = this.reg({ kind: "const", value })));
    return r;
  }
  sum(slot: number, a: number): void {
    this.code.push([SUM, slot, a, -1, -1]);
  }

  /**
   * The program computing `results` (registers, in order, each into a result of its own; the
   * same register twice shares one) and its SUM instructions, without the instructions and
   * registers neither reads, its temporaries sharing tiles where their lives do not overlap.
   */
  finish(results: number[], sums: number, adjoints: Program["adjoints"], keptAt: number[] = []): Program {
    const live = new Set(results);
    let kept: number[][] = [];
    for (let k = this.code.length - 1; k >= 0; k--) {
      const ins = this.code[k];
      if (ins[0] !== SUM && !live.has(ins[1])) continue;
      kept.unshift(ins);
      sources(ins).forEach((s) => live.add(s));
    }
    // A result that is not an instruction's (an operand, the output's adjoint) is copied.
    const mapped = results.map((r) => {
      if (this.regs[r].kind === "tile") return r;
      const d = this.reg({ kind: "tile", tile: -1 });
      kept.push([COPY, d, r, -1, -1]);
      return d;
    });
    const distinct = [...new Set(mapped)];
    distinct.forEach((r, k) => (this.regs[r] = { kind: "result", result: k }));
    const resultOf = new Map(distinct.map((r, k) => [r, k]));
    const final = adjoints.map((a) => (a && "result" in a ? { result: resultOf.get(mapped[a.result])! } : a));
    const keptResults = keptAt.map((k) => resultOf.get(mapped[k])!);
    // The registers the kept instructions name, renumbered in order.
    const number = new Map<number, number>();
    const regs: Reg[] = [];
    const renumber = (r: number) => {
      if (!number.has(r)) number.set(r, regs.push(this.regs[r]) - 1);
      return number.get(r)!;
    };
    kept = kept.map((ins) => [ins[0], ins[0] === SUM ? ins[1] : renumber(ins[1]), ...ins.slice(2).map((s, j) => (j < sources(ins).length ? renumber(s) : 0))]);
    // Tiles by linear scan: a temporary's tile is free after the instruction that reads it last.
    const lastUse = new Map<number, number>();
    kept.forEach((ins, k) => sources(ins).forEach((s) => lastUse.set(s, k)));
    const free: number[] = [];
    let tiles = 0;
    regs.forEach((r, i) => {
      if (r.kind === "const" || r.kind === "g") regs[i] = { ...r, tile: tiles++ };
    });
    kept.forEach((ins, k) => {
      for (const s of new Set(sources(ins))) {
        const r = regs[s];
        if (r.kind === "tile" && r.tile >= 0 && lastUse.get(s) === k) free.push(r.tile);
      }
      if (ins[0] !== SUM && regs[ins[1]].kind === "tile") regs[ins[1]] = { kind: "tile", tile: free.length > 0 ? free.pop()! : tiles++ };
    });
    return { code: Int32Array.from(kept.flat()), regs, tiles, results: distinct.length, sums, adjoints: final, kept: keptResults };
  }
}

/** The registers an instruction reads. */
function sources(ins: readonly number[]): number[] {
  const op = ins[0];
  const count = op === SUM || (op >= NEG && op < ABS_D) ? 1 : op >= MAX_DA ? 3 : 2;
  return ins.slice(2, 2 + count);
}

/** Whether every step has an instruction (a reduction only as the last step). */
const supported = (steps: Steps): boolean => steps.every(([op], k) => OP[op] !== undefined || (reductions.has(op) && k === steps.length - 1));

/**
 * The chain's value: result 0, or sum slot 0 for a chain ending in a sum or mean; and each
 * transcendental step's values, a result each (the last step's is result 0), for the vjp.
 */
export function forwardProgram(steps: Steps, inputs: number): Program | undefined {
  if (!supported(steps)) return undefined;
  const b = new Builder();
  const values: number[] = [];
  for (let k = 0; k < inputs; k++) values.push(b.reg({ kind: "input", input: k }));
  for (const [op, ...refs] of steps) {
    if (reductions.has(op)) b.sum(0, values[refs[0]]);
    else values.push(b.op(OP[op], ...refs.map((r) => values[r])));
  }
  const reduced = reductions.has(steps.at(-1)![0]);
  const results = reduced ? [] : [values.at(-1)!];
  const kept = steps.flatMap(([op], k) => (fusibleKernels.has(op) ? [results.push(values[inputs + k]) - 1] : []));
  return b.finish(results, reduced ? 1 : 0, [], kept);
}

/**
 * The vjp for the `active` parameters (the first `active.length` inputs; `numbers[i]`: input i
 * is a number, whose adjoint is a sum). `keptGiven`: the transcendental steps' values are read
 * (as the forward kept them), not recomputed.
 */
export function vjpProgram(steps: Steps, inputs: number, active: readonly boolean[], numbers: readonly boolean[], keptGiven: boolean): Program | undefined {
  if (!supported(steps)) return undefined;
  const b = new Builder();
  const last = steps.length - 1;
  const reduced = reductions.has(steps[last][0]);
  const values: (number | undefined)[] = [];
  for (let k = 0; k < inputs; k++) values.push(b.reg({ kind: "input", input: k }));
  const value = (ref: number): number => {
    if (values[ref] !== undefined) return values[ref]!;
    const k = ref - inputs;
    const [op, ...refs] = steps[k];
    const kept = steps.slice(0, k).filter(([o]) => fusibleKernels.has(o)).length;
    return (values[ref] = keptGiven && fusibleKernels.has(op) ? b.reg({ kind: "kept", kept }) : b.op(OP[op], ...refs.map(value)));
  };
  const d: (number | undefined)[] = [];
  const give = (ref: number, r: number) => (d[ref] = d[ref] === undefined ? r : b.op(ADD, d[ref]!, r));
  d[inputs + last] = b.reg({ kind: reduced ? "g" : "dout" });
  const [one, two] = [b.constant(1), b.constant(2)];
  for (let k = last; k >= 0; k--) {
    const g = d[inputs + k];
    if (g === undefined) continue;
    const [op, ...refs] = steps[k];
    const a = () => value(refs[0]);
    const out = () => value(inputs + k);
    if (reductions.has(op)) give(refs[0], g);
    else if (op === "add") (give(refs[0], g), give(refs[1], g));
    else if (op === "sub") (give(refs[0], g), give(refs[1], b.op(NEG, g)));
    else if (op === "mul") (give(refs[0], b.op(MUL, g, value(refs[1]))), give(refs[1], b.op(MUL, g, a())));
    else if (op === "div") (give(refs[0], b.op(DIV, g, value(refs[1]))), give(refs[1], b.op(DIV, b.op(MUL, b.op(NEG, g), out()), value(refs[1]))));
    else if (op === "maximum" || op === "minimum") {
      const [da, db] = op === "maximum" ? [MAX_DA, MAX_DB] : [MIN_DA, MIN_DB];
      give(refs[0], b.op(da, g, a(), value(refs[1])));
      give(refs[1], b.op(db, g, a(), value(refs[1])));
    } else give(refs[0], unaryAdjoint(b, op, g, a, out, one, two));
  }
  const results: number[] = [];
  let sums = 0;
  const adjoints = active.map((on, i): Program["adjoints"][number] => {
    if (!on || d[i] === undefined) return undefined;
    if (numbers[i]) {
      b.sum(sums, d[i]!);
      return { sum: sums++ };
    }
    return { result: results.push(d[i]!) - 1 };
  });
  return b.finish(results, sums, adjoints);
}

/** fusible.ts's adjoint of a unary step, as instructions in its order of operations. */
function unaryAdjoint(b: Builder, op: string, g: number, a: () => number, out: () => number, one: number, two: number): number {
  switch (op) {
    case "neg": return b.op(NEG, g);
    case "abs": return b.op(ABS_D, g, a());
    case "square": return b.op(MUL, b.op(MUL, two, g), a());
    case "relu": return b.op(RELU_D, g, a());
    case "exp": return b.op(MUL, g, out());
    case "log": return b.op(DIV, g, a());
    case "sqrt": return b.op(DIV, g, b.op(MUL, two, out()));
    case "sin": return b.op(MUL, g, b.op(COS, a()));
    case "cos": return b.op(MUL, b.op(NEG, g), b.op(SIN, a()));
    case "tanh": return b.op(MUL, g, b.op(SUB, one, b.op(MUL, out(), out())));
    case "log1p": return b.op(DIV, g, b.op(ADD, one, a()));
    case "expm1": return b.op(MUL, g, b.op(ADD, out(), one));
    default: return b.op(MUL, b.op(MUL, g, out()), b.op(SUB, one, out())); // sigmoid
  }
}
