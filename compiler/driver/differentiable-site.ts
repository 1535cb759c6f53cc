// `differentiable(f)`: f's full vjp attached where f is defined, with what it does to the arrays
// it is given, for callers in other modules (which cannot see its summary).
import type * as t from "@babel/types";
import type { DiagnosticCode } from "../diagnostics.js";
import type { ModuleContext, ModuleFunction } from "../ir/context.js";
import type { IRFunction } from "../ir/index.js";
import type { Summary } from "../analyze/summaries.js";

/** What a differentiable site needs of the module compiler. */
export interface SitesHost {
  ctx: ModuleContext;
  runtime(): string;
  fail(node: t.Node, code: DiagnosticCode, detail?: string): void;
  lower(fn: ModuleFunction): IRFunction | null;
  /** f's full vjp by the parameters in `mask`, generated once. */
  vjpFor(key: string, mask: number[]): string | null;
  summaryOf(key: string): Summary | undefined;
  replace(call: t.CallExpression, code: string): void;
}

/** Parameter kinds a vjp gives adjoints of. */
const DIFFERENTIABLE_TYPES = new Set<string>(["number", "array", "ndarray"]);

export function differentiableSite(host: SitesHost, call: t.CallExpression): void {
  const { ctx } = host;
  const [arg] = call.arguments;
  let fn: ModuleFunction | undefined;
  if (arg?.type === "Identifier") fn = ctx.functions.get(arg.name);
  else if (arg && (arg.type === "ArrowFunctionExpression" || arg.type === "FunctionExpression")) {
    fn = [...ctx.functions.values()].find((f) => f.node === arg);
  }
  if (!fn || !arg) return host.fail(arg ?? call, "ADJ018", "differentiable(...) takes a function of this module: `const f = differentiable((x: number) => ...)`");
  const ir = host.lower(fn);
  if (!ir) return;
  if (ir.sourceParams) return host.fail(arg, "ADJ028", "differentiable(...) of a function with a record parameter (callers in other modules pass the object whole)");
  const mask = ir.paramTypes.flatMap((type, i) => (DIFFERENTIABLE_TYPES.has(type) ? [i] : []));
  const name = host.vjpFor(fn.key, mask);
  if (!name) return;
  const original = ctx.source.slice(arg.start!, arg.end!);
  // Which array parameters it writes: a caller in another module cannot see its summary.
  const summary = host.summaryOf(fn.key);
  const writes = summary?.writes ?? [];
  const returnsArgument = summary?.result.kind === "param" || summary?.result.kind === "mixed";
  const effects = writes.length > 0 || returnsArgument ? `, { writes: [${writes.join(", ")}], returnsArgument: ${returnsArgument} }` : "";
  host.replace(call, `${host.runtime()}.withVjp(${original}, ${name}${effects})`);
}
