// Fusion of elementwise chains: `h = np.tanh(np.mul(x, w)); s = np.sum(h)` becomes one
// statement `s = f$sumTanhMul(x, w)`, whose loop computes every element of the chain without
// an array between its operations (and, ending in a sum, without an array at all); its reverse
// is one loop too, recomputing the chain's values per element instead of keeping them
// (reverse/fused.ts writes both). Only first-order gradients are fused (driver/module-compiler.ts):
// a gradient to be differentiated again keeps each rule's vjp, which lower/second-order.ts reads back.
import { forEachStmt, readsOf, v, type Expr, type FusedChain, type IRFunction, type Operand, type Stmt } from "../ir/index.js";
import { inferTypes, type ModuleFacts } from "../analyze/types.js";
import { FUSED_RULE, fusibleOp, fusibleReduction } from "../rules/np.js";

type NpExpr = Extract<Expr, { kind: "np" }>;
type NpAssign = Extract<Stmt, { kind: "assign" }> & { expr: NpExpr };

/** A tree of fusible operations being grown from its root. */
interface Tree {
  /** Statements absorbed into the root, by index in the block. */
  absorbed: Set<number>;
  /** Each leaf operand and the block index of the statement reading it. */
  leaves: { op: Operand; at: number }[];
}

/** `facts`: what the module pass knows of its functions' kinds, as analysis is given them (so every front end fuses alike). */
export function fuseElementwise(fn: IRFunction, facts?: ModuleFacts): IRFunction {
  const stmts: Stmt[] = [];
  forEachStmt(fn.body, (s) => stmts.push(s));
  const types = inferTypes(fn, stmts, facts);
  const reads = new Map<string, number>();
  const writes = new Map<string, number>();
  const count = (m: Map<string, number>, name: string) => m.set(name, (m.get(name) ?? 0) + 1);
  for (const name of [fn.result, ...(fn.outputs ?? [])]) count(reads, name);
  // A shape stand-in's read goes with the statement it stands in for.
  for (const s of stmts) {
    if (!(s.kind === "assign" && s.expr.kind === "shape")) for (const name of readsOfDeep(s)) count(reads, name);
    for (const name of writesOf(s)) count(writes, name);
  }
  const params = new Set(fn.params);
  const taken = new Set([...fn.reserved, ...fn.locals.keys(), ...fn.params]);
  const removed = new Set<string>();
  const temps = new Set<string>();
  const isNdarray = (op: Operand) => op.kind === "var" && types.get(op.name) !== "number";

  /** Whether `s` is an elementwise operation the chain may take in. */
  const elementwise = (s: Stmt | undefined): s is NpAssign =>
    s?.kind === "assign" && s.expr.kind === "np" && s.expr.rule !== null && !s.expr.fused && s.expr.list === undefined && !!fusibleOp(s.expr.rule) && types.get(s.target) === "ndarray";
  const reduction = (s: Stmt): s is NpAssign =>
    s.kind === "assign" && s.expr.kind === "np" && s.expr.rule !== null && fusibleReduction(s.expr.rule) && s.expr.args.slice(1).every((a) => a.kind === "const" && a.code === "undefined");

  /** Whether an elementwise step has an NDArray beneath it, through the steps defined before it in `block`. */
  const readsArray = (s: NpAssign, block: Stmt[], at: number): boolean =>
    s.expr.args.some((a) => {
      if (isNdarray(a) && !(a.kind === "var" && elementwise(block[indexOf(block, a.name, at)]))) return true;
      const j = a.kind === "var" ? indexOf(block, a.name, at) : -1;
      const def = block[j];
      return j >= 0 && elementwise(def) && readsArray(def, block, j);
    });

  const rewrite = (block: Stmt[]): Stmt[] => {
    const nested = block.map((s): Stmt => (s.kind === "if" ? { ...s, then: rewrite(s.then), else: rewrite(s.else) } : s.kind === "loop" ? { ...s, pre: rewrite(s.pre), body: rewrite(s.body) } : s));
    const defs = new Map<string, number>();
    nested.forEach((s, i) => s.kind === "assign" && defs.set(s.target, i));
    const used = new Set<number>();
    const replaced = new Map<number, Stmt[]>();
    // Roots last to first: a root's operands are defined before it.
    for (let i = nested.length - 1; i >= 0; i--) {
      const s = nested[i];
      if (used.has(i) || !(elementwise(s) || reduction(s))) continue;
      const tree: Tree = { absorbed: new Set(), leaves: [] };
      const absorb = (op: Operand, at: number): void => {
        const j = op.kind === "var" ? defs.get(op.name) : undefined;
        const def = j === undefined ? undefined : nested[j];
        const single = op.kind === "var" && reads.get(op.name) === 1 && writes.get(op.name) === 1 && !params.has(op.name);
        // A step of numbers alone stays: np makes it a float64 0-d array, which promotes what it meets.
        if (j !== undefined && j < at && !used.has(j) && single && elementwise(def) && readsArray(def, nested, j)) {
          tree.absorbed.add(j);
          def.expr.args.forEach((a) => absorb(a, j));
        } else tree.leaves.push({ op, at });
      };
      const root = s as NpAssign;
      (fusibleReduction(root.expr.rule!) ? root.expr.args.slice(0, 1) : root.expr.args).forEach((a) => absorb(a, i));
      if (tree.absorbed.size === 0 || !fusible(tree, nested, i, types)) continue;
      if (!tree.leaves.some((l) => isNdarray(l.op))) continue;
      for (const j of tree.absorbed) {
        used.add(j);
        removed.add((nested[j] as NpAssign).target);
      }
      const expr = fusedExpr(fn, root, nested, tree, taken);
      // Assigned to one of its operands (`h = h * w + b`): through a temporary, as lowering does for one operation.
      if (expr.args.some((a) => a.kind === "var" && a.name === root.target)) {
        const temp = freshName("t", taken, 1);
        temps.add(temp);
        replaced.set(i, [{ ...root, target: temp, expr }, { kind: "assign", target: root.target, expr: { kind: "copy", arg: v(temp) }, loc: root.loc }]);
      } else replaced.set(i, [{ ...root, expr }]);
    }
    return nested.flatMap((s, i) => (used.has(i) ? [] : (replaced.get(i) ?? [s])));
  };
  const body = dropUnreadShapes(rewrite(fn.body), fn.result, removed);
  if (removed.size === 0) return fn;
  const locals = new Map(fn.locals);
  for (const name of removed) locals.delete(name);
  for (const name of temps) locals.set(name, { temp: true });
  return { ...fn, body, locals: pruneLocals(locals, body) };
}

/** Leaves are numbers, NDArrays or numeric literals, none written between where it is read and the root. */
function fusible(tree: Tree, block: Stmt[], root: number, types: Map<string, string>): boolean {
  for (const { op, at } of tree.leaves) {
    if (op.kind === "const") {
      if (typeof op.value !== "number") return false;
      continue;
    }
    // A kind known only at run time is an operand array (a number there runs the chain unfused: fusion.operands).
    const kind = op.kind === "var" ? types.get(op.name) : undefined;
    if (op.kind !== "var" || !(kind === "ndarray" || kind === "number" || kind === "unknown" || kind === undefined)) return false;
    for (let k = at + 1; k < root; k++) if (!tree.absorbed.has(k) && writesOfDeep(block[k]).has(op.name)) return false;
  }
  return true;
}

/** The fused statement's expression: the chain's steps in order, its operands the distinct variables it reads. */
function fusedExpr(fn: IRFunction, root: NpAssign, block: Stmt[], tree: Tree, taken: Set<string>): NpExpr {
  const args: Operand[] = [];
  const constants: string[] = [];
  type Ref = { kind: "arg" | "constant" | "step"; k: number };
  const steps: { op: string; refs: Ref[]; name: string }[] = [];
  // Post-order: a step's operands come before it.
  const refOf = (op: Operand, at: number): Ref => {
    const j = op.kind === "var" ? indexOf(block, op.name, at) : -1;
    if (tree.absorbed.has(j)) return { kind: "step", k: visit(block[j] as NpAssign, j) };
    if (op.kind === "var") {
      const k = args.findIndex((a) => a.kind === "var" && a.name === op.name);
      return { kind: "arg", k: k < 0 ? args.push(op) - 1 : k };
    }
    const code = op.kind === "const" ? op.code : op.name;
    return { kind: "constant", k: constants.push(/^[\w.]+$/.test(code) ? code : `(${code})`) - 1 };
  };
  function visit(s: NpAssign, at: number): number {
    const refs = (fusibleReduction(s.expr.rule!) ? s.expr.args.slice(0, 1) : s.expr.args).map((a) => refOf(a, at));
    return steps.push({ op: s.expr.rule!, refs, name: s.target }) - 1;
  }
  visit(root, block.indexOf(root));
  const index = (r: Ref) => (r.kind === "arg" ? r.k : r.kind === "constant" ? args.length + r.k : args.length + constants.length + r.k);
  const ordered = steps.map((s) => ({ ...s, refs: s.refs.map(index) }));
  const name = freshName(`${fn.key.replace(/Target\d*$/, "")}$${chainName(ordered)}`, taken);
  const fused: FusedChain = { name, steps: ordered, constants, text: render(ordered, args, constants) };
  return { kind: "np", rule: FUSED_RULE, args, render: (codes) => `${name}(${codes.join(", ")})`, result: "ndarray", fused };
}

/** Index of the statement defining `name` before `at`. */
function indexOf(block: Stmt[], name: string, at: number): number {
  for (let k = at - 1; k >= 0; k--) {
    const s = block[k];
    if (s.kind === "assign" && s.target === name) return k;
  }
  return -1;
}

/** `sumTanhMul`: the operations from the result inwards, at most four. */
function chainName(steps: FusedChain["steps"]): string {
  const ops = steps.map((s) => s.op).reverse();
  const shown = ops.slice(0, 4).map((op, k) => (k === 0 ? op : op[0].toUpperCase() + op.slice(1)));
  return shown.join("") + (ops.length > 4 ? `${ops.length - 4}More` : "");
}

function freshName(base: string, taken: Set<string>, first = 2): string {
  let name = first === 2 ? base : `${base}${first}`;
  for (let k = first + 1; taken.has(name); k++) name = `${base}${k}`;
  taken.add(name);
  return name;
}

/** The chain as np calls, for the comment above its functions. */
function render(steps: FusedChain["steps"], args: Operand[], constants: string[]): string {
  const values: string[] = [...args.map((a) => (a.kind === "var" ? a.name : "")), ...constants];
  for (const s of steps) values.push(`np.${s.op}(${s.refs.map((r) => values[r]).join(", ")})`);
  return values.at(-1)!;
}

/** Shape stand-ins of arrays fused away, which their one reader no longer reads. */
function dropUnreadShapes(body: Stmt[], result: string, removed: Set<string>): Stmt[] {
  const read = new Set<string>([result]);
  forEachStmt(body, (s) => {
    for (const name of readsOfDeep(s)) read.add(name);
  });
  const drop = (block: Stmt[]): Stmt[] =>
    block.flatMap((s): Stmt[] => {
      if (s.kind === "assign" && s.expr.kind === "shape" && s.expr.arg.kind === "var" && removed.has(s.expr.arg.name) && !read.has(s.target)) return [];
      if (s.kind === "if") return [{ ...s, then: drop(s.then), else: drop(s.else) }];
      if (s.kind === "loop") return [{ ...s, pre: drop(s.pre), body: drop(s.body) }];
      return [s];
    });
  return drop(body);
}

function pruneLocals(locals: IRFunction["locals"], body: Stmt[]): IRFunction["locals"] {
  const seen = new Set<string>();
  forEachStmt(body, (s) => {
    for (const name of readsOfDeep(s)) seen.add(name);
    for (const name of writesOf(s)) seen.add(name);
  });
  return new Map([...locals].filter(([name, info]) => !info.temp || seen.has(name)));
}

/** What a statement reads, its reverse sweep's stand-ins included (not nested statements). */
function readsOfDeep(s: Stmt): string[] {
  const e = (s.kind === "assign" || s.kind === "effect") && s.expr.kind === "np" ? s.expr : undefined;
  const standIns = e?.reverseArgs?.filter((op, i) => op !== e.args[i]) ?? [];
  return [...readsOf(s), ...standIns.flatMap((op) => (op.kind === "var" ? [op.name] : []))];
}

/** The variables a statement assigns or writes into (not nested statements). */
function writesOf(s: Stmt): string[] {
  if (s.kind === "assign") return [s.target];
  if (s.kind === "method") return [s.array, ...(s.target ? [s.target] : [])];
  if (s.kind === "store" || s.kind === "fill") return [s.array];
  return [];
}

/** What a statement and those nested in it assign or write into. */
function writesOfDeep(s: Stmt): Set<string> {
  const names = new Set<string>();
  forEachStmt([s], (t) => writesOf(t).forEach((n) => names.add(n)));
  return names;
}
