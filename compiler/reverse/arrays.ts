// Adjoints of array code: adjoint/np operations (by the runtime's rule table), element
// reads and writes of typed arrays and number[], fills and copies.
import { line, type Code } from "../emit/index.js";
import { npParam, type Expr, type Operand, type Stmt } from "../ir/index.js";
import { ruleReads } from "../rules/np.js";
import { differentiableArg } from "../analyze/activity.js";
import { rcode } from "./code.js";
import { restoreCode } from "./slots.js";
import { addInto, restoreWhole } from "./array-methods.js";
import type { AdjointSite, Reverser } from "./reverser.js";
import { fusedAdjoint } from "./fused.js";

/** `y = np.op(...)`: the runtime rule's vjp, then each differentiable argument's share. */
export function npAdjoint(r: Reverser, site: AdjointSite, expr: Extract<Expr, { kind: "np" }>): void {
  if (expr.fused) return fusedAdjoint(r, site, { ...expr, fused: expr.fused });
  const { s, d, out, contribute } = site;
  const { target } = s;
  // The runtime's rule: one adjoint per argument, given the output's adjoint, the arguments and the output.
  const plain = r.options.plainStack;
  const adjoints = plain ? "" : r.fresh(`${target}_adjoints`);
  if (!plain) r.extraLocals.push(adjoints);
  // An array the rule does not read is passed as undefined: the reverse sweep need not keep it.
  const rule = expr.rule!;
  const unread = (name: string, i: number | "out") => !ruleReads(rule, i) && r.isNdarray(name);
  const codes = (expr.reverseArgs ?? expr.args).map((arg, i) => (arg.kind === "var" && unread(arg.name, npParam(expr, i)) ? "undefined" : rcode(r, arg)));
  // A list parameter's elements go in as the list the user wrote.
  const args = (expr.list === undefined ? codes : [`[${codes.slice(0, expr.list).join(", ")}]`, ...codes.slice(expr.list)]).join(", ");
  const output = unread(target, "out") ? "undefined" : target;
  // Tell the rule which adjoints are wanted (by parameter), when some of its differentiable arguments are constants.
  const active = expr.args.map((arg, i) => differentiableArg(expr, i) && arg.kind === "var" && r.a.active.has(arg.name));
  const params = expr.args.length - (expr.list === undefined ? 0 : expr.list - 1);
  const wanted = Array.from({ length: params }, (_, p) => expr.args.some((_, i) => npParam(expr, i) === p && active[i]));
  const skips = expr.args.some((_, i) => differentiableArg(expr, i) && !wanted[npParam(expr, i)]);
  const need = skips ? `, [${wanted.join(", ")}]` : "";
  // Code to be differentiated again reads each adjoint off its own call, of a rule that never writes into dout (lower/second-order.ts).
  const table = plain ? "secondOrder.adjoints" : "np";
  const vjp = `${r.options.runtime}.${table}.${expr.rule}.vjp(${d}, ${args}, ${output}`;
  const body: Code[] = plain ? [] : [line(`${adjoints} = ${vjp}${need});`, s.loc)];
  const before = out.length;
  expr.args.forEach((arg, i) => {
    if (!differentiableArg(expr, i)) return;
    const p = npParam(expr, i);
    const entry = expr.list !== undefined && i < expr.list ? `[0][${i}]` : `[${p}]`;
    contribute(arg, plain ? `${vjp}, [${wanted.map((_, q) => q === p).join(", ")}])${entry}` : `${adjoints}${entry}`);
  });
  body.push(...out.splice(before));
  if (r.isNdarray(target)) out.push({ kind: "if", cond: `${d} !== undefined`, then: body, else: [], loc: s.loc });
  else out.push(...body);
}

/** `t = a[i]`: the element's adjoint gets t's. */
export function loadAdjoint(r: Reverser, site: AdjointSite, expr: Extract<Expr, { kind: "load" }>): void {
  const { s, d, out } = site;
  if (expr.array.kind !== "var") return;
  // Its element's only contribution, into zeros made for this call: assigned, not added.
  const once = r.options.entry && !r.options.split;
  const fresh = r.freshAdjoints.has(expr.array.name) || (once && r.a.onceMadeArrays.has(expr.array.name));
  const op = r.a.firstWriteLoads.has(s) && fresh ? "=" : "+=";
  out.push(line(`${r.adjoint(expr.array.name)}[${rcode(r, expr.index)}] ${op} ${d};`, s.loc));
}

/** A new array, or a copy of one. */
export function allocAdjoint(r: Reverser, site: AdjointSite, expr: Extract<Expr, { kind: "alloc" }>): void {
  const { s, d, out, isActive } = site;
  // A copy's adjoint flows back to the array it copied; then this array's adjoint is spent.
  if (expr.arg.kind === "var" && isActive(expr.arg) && r.isArray(expr.arg.name)) {
    const dx = r.adjoint(expr.arg.name);
    // A slice's adjoint goes back from where it began.
    if (expr.range?.length) out.push(line(`${r.options.runtime}.addSliceInto(${dx}, ${d}, ${rcode(r, expr.range[0])});`, s.loc));
    else out.push(addInto(r, dx, d, s.loc));
  }
  // Spent: zeroed for a later reverse that reads it, which a sweep run once has not for an array made once.
  if (!(r.options.entry && !r.options.split && r.a.onceMadeArrays.has(s.target))) out.push(line(`${d}.fill(0);`, s.loc));
}

/** The reverse of `a[i] = v`: v's adjoint takes the element's, which is then spent; the old element comes back. */
export function storeReverse(r: Reverser, s: Extract<Stmt, { kind: "store" }>): Code[] {
  const out: Code[] = [];
  const element = `[${rcode(r, s.index)}]`;
  if (r.a.activeStmts.has(s)) {
    const darray = r.adjoint(s.array);
    if (s.value.kind === "var" && r.a.active.has(s.value.name)) {
      const op = r.a.directAdjoints.has(s.value.name) ? "=" : "+=";
      out.push(line(`${r.adjoint(s.value.name)} ${op} ${darray}${element};`, s.loc));
    }
    if (!(r.options.entry && !r.options.split && r.a.unreadSpentStores.has(s))) out.push(line(`${darray}${element} = 0;`, s.loc));
  }
  if (r.a.saves.has(s)) out.push(line(`${s.array}${element} = ${restoreCode(r, s, `${r.stack}.pop()`)};`, s.loc));
  return out;
}

/** The reverse of `a[i] += e` (a load, an add and a store): e's adjoint takes the element's, which stays. */
export function incrementReverse(r: Reverser, s: Extract<Stmt, { kind: "store" }>, contribute: (op: Operand, contribution: string) => void): Code[] {
  const { addend, sign } = r.a.increments.get(s)!;
  const out: Code[] = [];
  const element = `${r.adjoint(s.array)}[${rcode(r, s.index)}]`;
  if (addend.kind === "var" && r.a.active.has(addend.name)) {
    const dop = r.adjoint(addend.name);
    if (sign === 1) contribute(addend, element);
    else out.push(line(r.a.directAdjoints.has(addend.name) ? `${dop} = -${element};` : `${dop} -= ${element};`, s.loc));
  }
  if (r.a.saves.has(s)) out.push(line(`${s.array}[${rcode(r, s.index)}] = ${restoreCode(r, s, `${r.stack}.pop()`)};`, s.loc));
  return out;
}

/** The reverse of `a.fill(v)`: v's adjoint takes the sum of the array's; the old elements come back. */
export function fillReverse(r: Reverser, s: Extract<Stmt, { kind: "fill" }>): Code[] {
  const out: Code[] = [];
  if (r.a.activeStmts.has(s)) {
    const darray = r.adjoint(s.array);
    if (s.value.kind === "var" && r.a.active.has(s.value.name)) out.push(line(`${r.adjoint(s.value.name)} += ${r.options.runtime}.sum(${darray});`, s.loc));
    out.push(line(`${darray}.fill(0);`, s.loc));
  }
  if (r.a.saves.has(s)) out.push(restoreWhole(r, s.array, s.loc));
  return out;
}
