// The kinds of the module's functions' parameters and results, found across the module as a
// type checker would, for untyped JavaScript above all: what a function's declarations and
// uses say of its parameters (./types.ts), what an argument passed to a module function
// becomes (`mean(x)` passes x to `sum`, which indexes it: x is an array), what the module's
// callers pass, and what each function returns; to a fixed point over the module, recursion
// included. The driver runs it once per module and hands it to every analysis.
import { forEachStmt, type IRFunction, type Operand, type Stmt } from "../ir/index.js";
import { inferKinds, type Evidence, type InferredType, type ModuleFacts } from "./types.js";

/** Rounds of the module's fixed point: far more than any call chain needs; a bound, not a guess. */
const MAX_ROUNDS = 64;

export class ModuleKinds implements ModuleFacts {
  constructor(private keys: ReadonlySet<string>) {}

  covers(key: string): boolean {
    return this.keys.has(key);
  }

  private paramKinds = new Map<string, InferredType[]>();
  private passedKinds = new Map<string, Set<Evidence>[]>();
  private returnKinds = new Map<string, InferredType>();

  params(key: string): readonly InferredType[] | undefined {
    return this.paramKinds.get(key);
  }

  passed(key: string): readonly ReadonlySet<Evidence>[] | undefined {
    return this.passedKinds.get(key);
  }

  returns(key: string): InferredType | undefined {
    return this.returnKinds.get(key);
  }

  /** Records what was found; whether it is news. */
  setParams(key: string, kinds: InferredType[]): boolean {
    const old = this.paramKinds.get(key);
    this.paramKinds.set(key, kinds);
    return !old || old.some((kind, i) => kind !== kinds[i]);
  }

  setReturn(key: string, kind: InferredType): boolean {
    const old = this.returnKinds.get(key);
    this.returnKinds.set(key, kind);
    return old !== kind;
  }

  /** What the callers pass, found afresh in each round (a caller's kinds may still change); whether it is news. */
  setPassed(passed: Map<string, Set<Evidence>[]>): boolean {
    const text = (map: Map<string, Set<Evidence>[]>) => JSON.stringify([...map].sort().map(([key, sets]) => [key, Array.from(sets, (s) => (s ? [...s].sort() : []))]));
    const news = text(passed) !== text(this.passedKinds);
    this.passedKinds = passed;
    return news;
  }
}

/** The kinds of every function in `functions` (by key), each inferred with what the others say; `known`: functions with no code to infer from (made of entry points), as given. */
export function moduleKinds(functions: ReadonlyMap<string, IRFunction>, known: { key: string; params: InferredType[]; result: InferredType }[] = []): ModuleKinds {
  const kinds = new ModuleKinds(new Set([...functions.keys(), ...known.map((k) => k.key)]));
  for (const k of known) kinds.setParams(k.key, k.params), kinds.setReturn(k.key, k.result);
  const bodies = [...functions.values()].map((fn) => {
    const stmts: Stmt[] = [];
    forEachStmt(fn.body, (s) => stmts.push(s));
    return { fn, stmts };
  });
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false;
    const passed = new Map<string, Set<Evidence>[]>();
    const pass = (key: string, index: number, kind: Evidence) => {
      if (!passed.has(key)) passed.set(key, []);
      (passed.get(key)![index] ??= new Set()).add(kind);
    };
    for (const { fn, stmts } of bodies) {
      const { types } = inferKinds(fn, stmts, kinds);
      changed = kinds.setParams(fn.key, fn.params.map((p) => types.get(p) ?? "unknown")) || changed;
      changed = kinds.setReturn(fn.key, fn.returnType ?? types.get(fn.result) ?? "unknown") || changed;
      const kindOf = (op: Operand) => (op.kind === "var" ? types.get(op.name) : op.kind === "const" && typeof op.value === "number" ? "number" : undefined);
      for (const s of stmts) {
        if ((s.kind !== "assign" && s.kind !== "effect") || s.expr.kind !== "call" || s.expr.callee.kind !== "local" || !functions.has(s.expr.callee.key)) continue;
        const callee = s.expr.callee.key;
        s.expr.args.forEach((arg, i) => {
          const kind = kindOf(arg);
          if (kind === "number" || kind === "array" || kind === "ndarray") pass(callee, i, kind);
        });
      }
    }
    changed = kinds.setPassed(passed) || changed;
    if (!changed) return kinds;
  }
  // Not settled (no module seen does this): what was found may not hold together, so nothing is known.
  return new ModuleKinds(new Set());
}
