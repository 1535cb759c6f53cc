// Array methods that write into their array, by their rules (rules/array-methods.ts): the
// forward sweep saves what the rule says before the call, the reverse sweep runs the rule's
// reverse (the adjoint array, the arguments' adjoints, then the array put back). Adjoint
// arrays of number[] that methods resize are fitted to their array's length where the
// reverse sweep looks them up.
import { line, type Code } from "../emit/index.js";
import type { Stmt } from "../ir/index.js";
import { ruleOf, savesTarget, type MethodStmt } from "../analyze/array-methods.js";
import type { MethodSite } from "../rules/array-methods.js";
import { code, rcode } from "./code.js";
import type { Reverser } from "./reverser.js";

/** `stack.push(v)`, `v = stack.pop()`, …: the call as written, after what it saves. */
export function methodForward(r: Reverser, s: MethodStmt): Code[] {
  const rule = ruleOf(s);
  const rt = r.options.runtime;
  const args = s.args.map((arg) => code(r, arg));
  const out: Code[] = [];
  if (r.a.saves.has(s)) {
    // The removed-elements array the target held: the reverse looks up each call's own adjoint.
    if (targetSaved(r, s)) out.push(line(`${r.pushed(s.target!)};`, s.loc));
    if (rule.save) out.push(line(`${r.stack}.pushRef(${rule.save(s.array, args, rt)});`, s.loc));
  }
  const call = `${s.array}.${s.method}(${args.join(", ")})`;
  out.push(line(s.target ? `${s.target} = ${call};` : `${call};`, s.loc));
  if (s.target && r.arrayAdjoints && r.isArray(s.target) && r.a.active.has(s.target)) {
    out.push(line(`${r.arrayAdjoints}.set(${s.target}, ${r.zerosLike(s.target)});`, s.loc));
  }
  return out;
}

/** The reverse of a method call: its rule's adjoints and undoing, then its result's adjoint spent. */
export function methodReverse(r: Reverser, s: MethodStmt): Code[] {
  const rule = ruleOf(s);
  const rt = r.options.runtime;
  const active = r.a.activeStmts.has(s);
  const adjointOf = (name: string | undefined) => (active && name !== undefined && r.a.active.has(name) ? r.adjoint(name) : null);
  const d = (i: number) => {
    const arg = s.args[i];
    return arg.kind === "var" ? adjointOf(arg.name) : null;
  };
  const dresult = adjointOf(s.target);
  const site: MethodSite = {
    a: s.array,
    da: adjointOf(s.array),
    args: s.args.map((arg) => rcode(r, arg)),
    d,
    dresult,
    saved: `${r.stack}.popRef()`,
    rt,
    add: (i, contribution) => {
      const di = d(i);
      const arg = s.args[i];
      if (di === null || arg.kind !== "var") return `${contribution};`;
      return r.accumulates(arg.name) ? `${di} = ${rt}.accumulate(${di}, ${contribution});` : `${di} += ${contribution};`;
    },
    local: (base) => {
      const name = r.fresh(base);
      r.extraLocals.push(name);
      return name;
    },
  };
  const out = rule.reverse(site).map((text) => line(text, s.loc));
  if (dresult !== null) out.push(line(r.isArray(s.target!) ? `${dresult}.fill(0);` : `${dresult} = ${r.zero(s.target!)};`, s.loc));
  if (targetSaved(r, s)) {
    out.push(line(`${s.target} = ${r.popped(s.target!)};`, s.loc));
    out.push(...r.relookup(s.target!, s.loc));
  }
  return out;
}

/** After an adjoint array is looked up: a number[]'s, fitted to its array's length there. */
export function fitted(r: Reverser, name: string, loc?: Stmt["loc"]): Code[] {
  return r.a.resized.has(name) ? [line(`${r.options.runtime}.fit(${r.adjoint(name)}, ${name});`, loc)] : [];
}

/**
 * How an array parameter is put back as the forward sweep left it, after the reverse sweep
 * restored it: through the runtime, which gives a number[] its length back (and a number[]
 * has no `set`).
 */
export function putBack(r: Reverser, given: string, copy: string): Code {
  // In plain code (to be differentiated again) an array of unchanged length is put back by a loop of element writes.
  if (r.options.plainStack && !r.a.resized.has(given)) return elementLoop(r, copy, (k) => `${given}[${k}] = ${copy}[${k}];`);
  return line(`${r.options.runtime}.putBack(${given}, ${copy});`);
}

/**
 * An array's elements saved whole before it is overwritten (a fill, a callee writing it): a
 * copy on the stack, or in plain code (to be differentiated again) its elements pushed one by
 * one, where its length cannot change before they are put back.
 */
export function saveWhole(r: Reverser, array: string, loc?: Stmt["loc"]): Code {
  if (r.options.plainStack && !r.a.resized.has(array)) return elementLoop(r, array, (k) => `${r.stack}.push(${array}[${k}]);`, loc);
  return line(`${r.stack}.pushRef(${array}.slice());`, loc);
}

/** `saveWhole`'s elements put back, the last pushed first. */
export function restoreWhole(r: Reverser, array: string, loc?: Stmt["loc"]): Code {
  if (r.options.plainStack && !r.a.resized.has(array)) {
    const k = r.fresh("k");
    return { kind: "block", head: `for (let ${k} = ${array}.length - 1; ${k} >= 0; ${k}--)`, body: [line(`${array}[${k}] = ${r.stack}.pop();`, loc)], loc };
  }
  return line(`${r.options.runtime}.putBack(${array}, ${r.stack}.popRef());`, loc);
}

/** `target[k] += source[k]` for every k: through the runtime, or in plain code as a loop. */
export function addInto(r: Reverser, target: string, source: string, loc?: Stmt["loc"]): Code {
  if (r.options.plainStack) return elementLoop(r, source, (k) => `${target}[${k}] += ${source}[${k}];`, loc);
  return line(`${r.options.runtime}.addInto(${target}, ${source});`, loc);
}

function elementLoop(r: Reverser, over: string, body: (k: string) => string, loc?: Stmt["loc"]): Code {
  const k = r.fresh("k");
  return { kind: "block", head: `for (let ${k} = 0; ${k} < ${over}.length; ${k}++)`, body: [line(body(k), loc)], loc };
}

function targetSaved(r: Reverser, s: MethodStmt): boolean {
  return r.a.saves.has(s) && savesTarget(r.fn, s, r.a.active, r.a.needed);
}
