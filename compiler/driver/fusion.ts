// The module-level functions of fused elementwise chains (optimize/fuse.ts, reverse/fused.ts):
// each chain's loop once per module, its vjp once per set of operands that get an adjoint.
import type { Analysis } from "../analyze/index.js";
import type { ModuleFacts } from "../analyze/types.js";
import type { PrintedLine } from "../emit/index.js";
import type { Generated } from "./output.js";
import { forEachStmt, type IRFunction } from "../ir/index.js";
import { fuseElementwise } from "../optimize/fuse.js";
import { fusedVjpName } from "../reverse/fused.js";
import { fusedKernels } from "../reverse/fused-kernels.js";

/** Fusion is on unless `ADJOINT_FUSION=off` is set where the compiler runs (the benches compare both). */
export function fused(ir: IRFunction, facts?: ModuleFacts): IRFunction {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.ADJOINT_FUSION === "off" ? ir : fuseElementwise(ir, facts);
}

/** The functions `ir`'s fused chains call that `emitted` does not hold yet (added to it); null if none. */
export function fusedFunctions(ir: IRFunction, analysis: Analysis, runtime: string, emitted: Set<string>): Generated | null {
  const lines: PrintedLine[] = [];
  const add = (name: string, make: () => PrintedLine[]) => {
    if (emitted.has(name)) return;
    emitted.add(name);
    if (lines.length > 0) lines.push({ text: "" });
    lines.push(...make());
  };
  forEachStmt(ir.body, (s) => {
    if (s.kind !== "assign" || s.expr.kind !== "np" || !s.expr.fused) return;
    const { fused: chain, args } = s.expr;
    // What is not known to be a number is an operand array (fusion.operands checks).
    const arrays = args.map((a) => a.kind === "var" && analysis.types.get(a.name) !== "number");
    const kernels = fusedKernels(chain, args, arrays, runtime, `line ${s.loc?.line ?? ir.loc.line}`);
    add(chain.name, () => kernels.forward);
    if (!analysis.activeStmts.has(s)) return;
    const active = args.map((a) => a.kind === "var" && analysis.active.has(a.name));
    add(fusedVjpName(chain, args, active), () => kernels.vjp(active));
  });
  return lines.length > 0 ? { code: "", lines } : null;
}
