// Stand-ins for arrays a rule reads only for their shape (add, sum, reshape…): the operation
// gets `h_shape = shapeOf(h)` beside it and its reverse sweep is passed that, so the array
// itself need not be kept (or pushed, in a loop) for it. Analysis then sees the stand-in as
// what the adjoint reads, like any other value.
import { forEachStmt, npParam, v, type Assign, type IRFunction, type Operand, type Stmt } from "../ir/index.js";
import { inferTypes } from "../analyze/types.js";
import { ruleReadsShapeOnly } from "../rules/np.js";

export function shapeStandIns(fn: IRFunction): IRFunction {
  const stmts: Stmt[] = [];
  forEachStmt(fn.body, (s) => stmts.push(s));
  const types = inferTypes(fn, stmts);
  const assigned = assignedIn(fn.body);
  const locals = new Map(fn.locals);
  const taken = new Set([...fn.locals.keys(), ...fn.params, ...fn.reserved]);
  const fresh = (base: string) => {
    let name = `${base}_shape`;
    for (let i = 2; taken.has(name); i++) name = `${base}_shape${i}`;
    taken.add(name);
    locals.set(name, { temp: true });
    return name;
  };
  /** `loops`: what each enclosing loop assigns. */
  const rewrite = (block: Stmt[], loops: Set<string>[]): Stmt[] =>
    block.flatMap((s): Stmt[] => {
      if (s.kind === "if") return [{ ...s, then: rewrite(s.then, loops), else: rewrite(s.else, loops) }];
      if (s.kind === "loop") {
        const inner = [...loops, assignedIn([s])];
        return [{ ...s, pre: rewrite(s.pre, inner), body: rewrite(s.body, inner) }];
      }
      if (s.kind !== "assign" || s.expr.kind !== "np" || s.expr.rule === null) return [s];
      const { expr } = s;
      const rule = expr.rule!;
      const standIns = new Map<string, Assign>();
      const reverseArgs = expr.args.map((arg, i): Operand => {
        if (arg.kind !== "var" || types.get(arg.name) !== "ndarray" || !ruleReadsShapeOnly(rule, npParam(expr, i))) return arg;
        // A parameter never assigned is its caller's anyway; an array a loop does not assign is kept once, not per step.
        if (!assigned.has(arg.name) || (loops.length > 0 && !loops.some((l) => l.has(arg.name)))) return arg;
        let standIn = standIns.get(arg.name);
        if (!standIn) {
          standIn = { kind: "assign", target: fresh(arg.name), expr: { kind: "shape", arg }, loc: s.loc };
          standIns.set(arg.name, standIn);
        }
        return v(standIn.target);
      });
      if (standIns.size === 0) return [s];
      return [...standIns.values(), { ...s, expr: { ...expr, reverseArgs } }];
    });
  return { ...fn, body: rewrite(fn.body, []), locals };
}

function assignedIn(block: Stmt[]): Set<string> {
  const names = new Set<string>();
  forEachStmt(block, (s) => {
    if (s.kind === "assign") names.add(s.target);
  });
  return names;
}
