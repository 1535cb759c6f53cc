// `checkpoint(() => { for (…) … }, { snapshots: 8 })` inside a differentiated function: the
// block in place, its loops marked for binomial checkpointing (reverse/checkpoint.ts). At run
// time, uncompiled, checkpoint just runs the block, so the primal is the user's code.
import type * as t from "@babel/types";
import { spanOf, unwrap } from "../ast.js";
import type { Checkpoint, IRFunction, Stmt } from "../ir/index.js";
import type { Lowering } from "./lowerer.js";

/** Whether `node` is a call of adjoint's `checkpoint` (by its import binding). */
export function isCheckpointCall(l: Lowering, node: t.Expression): node is t.CallExpression {
  if (node.type !== "CallExpression") return false;
  const callee = unwrap(node.callee as t.Expression);
  if (callee.type === "Identifier") return !l.lookup(callee.name) && l.ctx.markers.get(callee.name) === "checkpoint";
  return (
    callee.type === "MemberExpression" && !callee.computed && callee.object.type === "Identifier" && l.ctx.namespaces.has(callee.object.name) && !l.lookup(callee.object.name) && callee.property.type === "Identifier" && callee.property.name === "checkpoint"
  );
}

/** The block's statements in a scope of their own; `return` leaves the block, as it leaves the arrow at run time. */
export function checkpointBlock(l: Lowering, call: t.CallExpression): Set<string> {
  const [block, options, ...rest] = call.arguments;
  if (!block || (block.type !== "ArrowFunctionExpression" && block.type !== "FunctionExpression") || block.params.length > 0 || block.async || block.generator || block.body.type !== "BlockStatement" || rest.length > 0) {
    l.report("ADJ023", call, "checkpoint takes its loop inline, with no parameters: checkpoint(() => { for (…) … }, { snapshots: 8 })");
    return new Set();
  }
  const setting = checkpointSetting(options, spanOf(call), (node, detail) => l.report("ADJ023", node, detail));
  if (!setting) return new Set();
  const [result, returned] = [l.result, l.returned];
  const leaves = l.flag("returned");
  l.result = l.temp();
  l.returned = leaves;
  l.emit({ kind: "assign", target: leaves, expr: { kind: "copy", arg: { kind: "const", code: "false", value: false } } });
  let exits = new Set<string>();
  const body = l.collect(() => (exits = l.statement(block.body as t.BlockStatement)));
  [l.result, l.returned] = [result, returned];
  for (const stmt of markLoops(body, setting)) l.emit(stmt);
  exits.delete(leaves);
  return exits;
}

/**
 * How a loop is checkpointed, from an options object (`{ snapshots: 8 }`, `{}` for √n), or
 * `checkpoint: true`; null after reporting why it cannot be read.
 */
export function checkpointSetting(node: t.Node | undefined, at: Checkpoint["at"], fail: (node: t.Node, detail: string) => void): Checkpoint | null {
  if (!node || (node.type === "BooleanLiteral" && node.value)) return { at };
  if (node.type !== "ObjectExpression") {
    fail(node, "checkpoint's options are an object literal: { snapshots: 8 }, or {} (or true) for √n snapshots");
    return null;
  }
  let snapshots: number | undefined;
  for (const prop of node.properties) {
    const value = prop.type === "ObjectProperty" ? unwrap(prop.value as t.Expression) : null;
    const named = prop.type === "ObjectProperty" && !prop.computed && prop.key.type === "Identifier" && prop.key.name === "snapshots";
    if (!named || value?.type !== "NumericLiteral" || !Number.isInteger(value.value) || value.value < 1) {
      fail(prop, "the one option is snapshots, a whole number literal of at least 1 (the states kept at most, the loop's start included)");
      return null;
    }
    snapshots = value.value;
  }
  return { snapshots, at };
}

/** The statements with every loop not inside another loop marked `checkpoint` (copies: the IR given may be shared). */
export function markLoops(stmts: Stmt[], checkpoint: Checkpoint): Stmt[] {
  return stmts.map((s) => {
    if (s.kind === "loop") return { ...s, checkpoint };
    if (s.kind === "if") return { ...s, then: markLoops(s.then, checkpoint), else: markLoops(s.else, checkpoint) };
    return s;
  });
}

/** `fn` with its loops checkpointed (grad's `checkpoint` option), or as it is. */
export function withCheckpoints(fn: IRFunction, checkpoint: Checkpoint | undefined): IRFunction {
  return checkpoint ? { ...fn, body: markLoops(fn.body, checkpoint) } : fn;
}
