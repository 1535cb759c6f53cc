// Small leaf functions of the module are inlined where a function being lowered calls them
// (closures.ts does the inlining, as for record helpers). A call through a callee's split vjp
// pays a call each way and its forward half's pushes of the arrays and counters its reverse
// half reads: for a short callee (a dot product at n = 4, a mean calling a sum) that is most
// of the cost. Inlined, the caller's analyses see the callee's reads and writes as their own.
import type * as t from "@babel/types";
import { unwrap, walk } from "../ast.js";
import type { FunctionNode, ModuleContext } from "../ir/context.js";

/** The most AST nodes a callee may have to be inlined (dot's body is about 40, RK4's step 400). */
const MAX_NODES = 160;

/** The names of the module functions `caller` calls that are inlined there; empty when none is. */
export function inlinedCallees(caller: FunctionNode, ctx: ModuleContext): Set<string> {
  const names = new Set<string>();
  let nested = false;
  walk(caller, (node) => {
    if (node.type !== "CallExpression") return;
    const callee = unwrap(node.callee as t.Expression);
    if (callee.type === "CallExpression") nested = true;
    if (callee.type !== "Identifier") return;
    // A derivative inside (grad(f)(x), df(x)): lowered once, as the driver generates it.
    if (ctx.markers.has(callee.name) || ctx.derivativeBindings?.has(callee.name)) nested = true;
    else if (small(callee.name, ctx)) names.add(callee.name);
  });
  return nested ? new Set() : names;
}

const verdicts = new WeakMap<FunctionNode, boolean>();

/** A function of this module's text, calling no function by name (so never itself), with no functions inside, no NDArrays, plain parameters and one return. */
function small(name: string, ctx: ModuleContext): boolean {
  const fn = ctx.functions.get(name);
  if (!fn || fn.source !== undefined) return false;
  const node = fn.node;
  const known = verdicts.get(node);
  if (known !== undefined) return known;
  let count = 0;
  let ok = !node.async && !node.generator && node.params.every((p) => p.type === "Identifier");
  // One return, at the end: a callee returning early returns what the caller cannot type by path (ADJ024, ADJ026 stay its diagnostics).
  const body = node.body.type === "BlockStatement" ? node.body.body : [];
  const last = body[body.length - 1];
  walk(node.body, (inner) => {
    count++;
    if (inner.type === "ReturnStatement" && inner !== last) ok = false;
    if (inner.type === "FunctionExpression" || inner.type === "ArrowFunctionExpression" || inner.type === "FunctionDeclaration" || inner.type === "ThisExpression") ok = false;
    if (inner.type === "CallExpression" && unwrap(inner.callee as t.Expression).type !== "MemberExpression") ok = false;
    if (inner.type === "Identifier" && (ctx.npNamespaces.has(inner.name) || ctx.npImports.has(inner.name) || ctx.markers.has(inner.name) || ctx.namespaces.has(inner.name) || ctx.autograd.has(inner.name))) ok = false;
  });
  const verdict = ok && count <= MAX_NODES;
  verdicts.set(node, verdict);
  return verdict;
}
