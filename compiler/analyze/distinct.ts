// Which two array variables certainly hold different arrays (no shared memory) at a
// statement: a must-analysis over the structured IR. `u = new Float64Array(n)` holds a new
// array, distinct from every other variable; `w = v` is distinct from what v is distinct
// from (never from v); any other assignment (a call's result, a view, a load, a parameter)
// is distinct from nothing. Branches keep the pairs both keep, loops the pairs every
// iteration keeps. This proves `u !== next` for a swap of two buffers
// (`swap = u; u = next; next = swap`), which the alias classes cannot tell apart.
import type { IRFunction, Stmt } from "../ir/index.js";

type Pairs = Set<string>;

const key = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/**
 * `distinct(a, b, at)`: the arrays `a` and `b` hold just before `at` runs never share memory
 * (false for a statement the analysis did not reach, and for `a === b`).
 */
export function distinctArrays(fn: IRFunction, isArray: (name: string) => boolean, isNumber: (name: string) => boolean): (a: string, b: string, at: Stmt) => boolean {
  const arrays = [...new Set([...fn.params, ...fn.locals.keys()])].filter(isArray);
  const before = new Map<Stmt, Pairs>();
  const kill = (pairs: Pairs, target: string) => {
    for (const other of arrays) pairs.delete(key(target, other));
  };
  const meet = (a: Pairs, b: Pairs): Pairs => new Set([...a].filter((p) => b.has(p)));
  const sameSet = (a: Pairs, b: Pairs) => a.size === b.size && [...a].every((p) => b.has(p));

  const step = (s: Stmt, pairs: Pairs): Pairs => {
    if (s.kind === "assign" && isArray(s.target)) {
      const out = new Set(pairs);
      kill(out, s.target);
      const { expr } = s;
      // A copy or a zero-filled array of a length: new memory (an ArrayBuffer's view is neither kind).
      const argKind = expr.kind === "alloc" ? (expr.arg.kind === "const" ? typeof expr.arg.value === "number" : expr.arg.kind === "var" && (isArray(expr.arg.name) || isNumber(expr.arg.name))) : false;
      if (argKind) {
        for (const other of arrays) if (other !== s.target) out.add(key(s.target, other));
      } else if (expr.kind === "copy" && expr.arg.kind === "var" && isArray(expr.arg.name) && expr.arg.name !== s.target) {
        const from = expr.arg.name;
        for (const other of arrays) if (other !== s.target && other !== from && pairs.has(key(from, other))) out.add(key(s.target, other));
      }
      return out;
    }
    // A method's result (`a.splice(i, 1)`): an array of unknown origin to this analysis.
    if (s.kind === "method" && s.target !== undefined && isArray(s.target)) {
      const out = new Set(pairs);
      kill(out, s.target);
      return out;
    }
    return pairs;
  };

  /** The pairs after `stmts`, from `pairs` before them; records each statement's `before`. */
  const block = (stmts: Stmt[], pairs: Pairs): Pairs => {
    let now = pairs;
    for (const s of stmts) {
      before.set(s, now);
      if (s.kind === "if") {
        now = meet(block(s.then, now), block(s.else, now));
      } else if (s.kind === "loop") {
        // The head's pairs: those on entry that every iteration's end keeps, to a fixed point.
        let head = now;
        for (;;) {
          const afterPre = block(s.pre, head);
          const next = meet(head, block(s.body, afterPre));
          if (sameSet(next, head)) {
            now = afterPre;
            break;
          }
          head = next;
        }
        before.set(s, head);
      } else {
        now = step(s, now);
      }
    }
    return now;
  };
  block(fn.body, new Set());
  return (a, b, at) => a !== b && (before.get(at)?.has(key(a, b)) ?? false);
}
