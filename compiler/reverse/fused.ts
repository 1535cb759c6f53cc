// The reverse of a fused elementwise chain (optimize/fuse.ts): a call of its vjp, one of the
// module-level functions ./fused-kernels.ts writes, given the chain's output (whose kept values
// the vjp reads) and its operands.
import { line, type Code } from "../emit/index.js";
import type { Expr, FusedChain, Operand } from "../ir/index.js";
import { fusedReads } from "../rules/np.js";
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
  const body: Code[] = [line(`${adjoints} = ${fusedVjpName(expr.fused, expr.args, active)}(${d}, ${fusedReads(expr.fused, "out") ? s.target : "undefined"}, ${expr.args.map((a) => rcode(r, a)).join(", ")});`, s.loc)];
  const before = out.length;
  expr.args.forEach((arg, i) => active[i] && contribute(arg, `${adjoints}[${i}]`));
  body.push(...out.splice(before));
  out.push({ kind: "if", cond: `${d} !== undefined`, then: body, else: [], loc: s.loc });
}

