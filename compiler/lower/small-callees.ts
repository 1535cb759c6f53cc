// Small leaf functions of the module are inlined where a function being lowered calls them
// (closures.ts does the inlining, as for record helpers). A call through a callee's split vjp
// pays a call each way and its forward half's pushes of the arrays and counters its reverse
// half reads: for a short callee (a dot product at n = 4, a mean calling a sum) that is most
// of the cost. Inlined, the caller's analyses see the callee's reads and writes as their own.
// A small function calling small ones is inlined with them (a variance calling a mean calling a sum).
import type * as t from "@babel/types";
import { unwrap, walk } from "../ast.js";
import type { FunctionNode, ModuleContext } from "../ir/context.js";

/** The most AST nodes a callee may have to be inlined (dot's body is about 40, RK4's step 400). */
const MAX_NODES = 160;

/** The names of the module functions `caller` calls that are inlined there, with the small functions they call in turn; empty when none is. */
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
    else if (size(callee.name, ctx) !== null) for (const name of [callee.name, ...calleesOf(callee.name, ctx)]) names.add(name);
  });
  return nested ? new Set() : names;
}

/** Each function's size with the small functions it calls inlined (null: not small), and the names it calls. */
const verdicts = new WeakMap<FunctionNode, { size: number | null; calls: string[] }>();

/** The module functions a small function calls, transitively (each small itself). */
function calleesOf(name: string, ctx: ModuleContext, found = new Set<string>()): Set<string> {
  const node = ctx.functions.get(name)?.node;
  for (const callee of (node && verdicts.get(node)?.calls) ?? []) {
    if (found.has(callee)) continue;
    found.add(callee);
    calleesOf(callee, ctx, found);
  }
  return found;
}

/**
 * A function of this module's text, calling by name only small functions of the module (so
 * never itself; a mean calling a sum, a variance calling the mean), with no functions inside,
 * no NDArrays, plain parameters and one return: its size with theirs inlined, at most
 * MAX_NODES; else null.
 */
function size(name: string, ctx: ModuleContext, visiting = new Set<string>()): number | null {
  const fn = ctx.functions.get(name);
  if (!fn || fn.source !== undefined || visiting.has(name)) return null;
  const node = fn.node;
  const known = verdicts.get(node);
  if (known !== undefined) return known.size;
  visiting.add(name);
  let count = 0;
  let ok = !node.async && !node.generator && node.params.every((p) => p.type === "Identifier");
  const calls: string[] = [];
  // One return, at the end: a callee returning early returns what the caller cannot type by path (ADJ024, ADJ026 stay its diagnostics).
  const body = node.body.type === "BlockStatement" ? node.body.body : [];
  const last = body[body.length - 1];
  walk(node.body, (inner) => {
    count++;
    if (inner.type === "ReturnStatement" && inner !== last) ok = false;
    if (inner.type === "FunctionExpression" || inner.type === "ArrowFunctionExpression" || inner.type === "FunctionDeclaration" || inner.type === "ThisExpression") ok = false;
    if (inner.type === "CallExpression") {
      const callee = unwrap(inner.callee as t.Expression);
      if (callee.type === "Identifier") {
        const inlined = ok ? size(callee.name, ctx, visiting) : null;
        if (inlined === null) ok = false;
        else {
          count += inlined;
          calls.push(callee.name);
        }
      } else if (callee.type !== "MemberExpression") ok = false;
    }
    if (inner.type === "Identifier" && (ctx.npNamespaces.has(inner.name) || ctx.npImports.has(inner.name) || ctx.markers.has(inner.name) || ctx.namespaces.has(inner.name) || ctx.autograd.has(inner.name))) ok = false;
  });
  visiting.delete(name);
  const verdict = ok && count <= MAX_NODES ? count : null;
  verdicts.set(node, { size: verdict, calls });
  return verdict;
}
