// Arrays of arrays as data (`xs[k][j]`, `const row = xs[k]`, `for (const [x, y] of points)`):
// a row is read, never differentiated. Lowering gives an element of an element as two loads;
// here each row and each read of it becomes an opaque read, whose value is the primal's and
// which carries no adjoint. One of an array that carries a gradient is refused (activity
// reports an active opaque read, ADJ016), and so is anything but reading a row.
import type * as t from "@babel/types";
import { unwrap, walk } from "../ast.js";
import { diagnostic, type Diagnostic, type Span } from "../diagnostics.js";
import type { ModuleContext } from "../ir/context.js";
import { forEachStmt, v, type Assign, type Expr, type IRFunction, type Operand, type SourceLoc, type Stmt } from "../ir/index.js";

/** Marks an opaque read of an array of arrays (analyze/ refuses it where the function writes an array a row may be). */
export const ROW_READ = "an element of an array of arrays";

export function rowReads(fn: IRFunction, ctx: ModuleContext): IRFunction {
  const { filename, diagnostics } = ctx;
  const rows = rowNames(fn, (key, i) => arrayParams(ctx, key)[i] === true);
  if (rows.size === 0) return fn;
  const nameOf = (op: Operand): string => {
    if (op.kind === "outer") return `'${op.name}'`;
    if (op.kind !== "var") return "the array";
    const info = fn.locals.get(op.name);
    if (!info?.temp) return `'${info?.source ?? op.name}'`;
    const copied = copiedFrom(fn, op.name);
    return copied ? nameOf(copied) : "the array";
  };
  const refuse = (loc: SourceLoc | Span | undefined, detail: string) => {
    if (loc) diagnostics.push(diagnostic("ADJ016", filename, spanOfLoc(loc), detail));
  };
  // An array declared of numbers has numbers for elements: one indexed again is a mistake, not a row.
  const ofNumbers = (op: Operand, depth = 0): boolean => {
    if (op.kind !== "var") return false;
    const info = fn.locals.get(op.name);
    if (!info?.temp) return info?.declared === "array";
    const copied = copiedFrom(fn, op.name, "copy");
    return copied !== undefined && depth < 8 && ofNumbers(copied, depth + 1);
  };
  for (const s of loadsOf(fn.body)) {
    if (!rows.has(s.target) || s.expr.kind !== "load" || !ofNumbers(s.expr.array)) continue;
    refuse(s.loc, `${nameOf(s.expr.array)} is declared an array of numbers: its element is a number, which cannot be indexed or taken apart`);
    return fn;
  }
  const isRow = (op: Operand) => op.kind === "var" && rows.has(op.name);
  const rewrite = (stmts: Stmt[]): Stmt[] =>
    stmts.map((s) => {
      if (s.kind === "if") return { ...s, then: rewrite(s.then), else: rewrite(s.else) };
      if (s.kind === "loop") return { ...s, pre: rewrite(s.pre), body: rewrite(s.body) };
      if (s.kind === "assign" || s.kind === "effect") {
        const expr = rowExpr(s.expr, s.kind === "assign" ? s.target : undefined, s.loc, isRow, nameOf);
        if (expr) return { ...s, expr };
      }
      const misuse = misusedRow(s, isRow);
      if (misuse) refuse("loc" in s ? s.loc : undefined, misusedDetail(misuse));
      return s;
    });
  const misusedDetail = (row: string) => {
    const info = fn.locals.get(row);
    const container = copiedFrom(fn, row);
    const which = info?.temp ? `a row of ${container ? nameOf(container) : "an array"}` : `'${info?.source ?? row}', a row of ${container ? nameOf(container) : "an array"}`;
    return `${which}, written, passed on or returned: adjoint reads an array of arrays as data, the elements and lengths of its rows (keep the rows in one flat Float64Array to write or differentiate them)`;
  };
  const body = rewrite(fn.body);
  if (rows.has(fn.result)) refuse(fn.loc, misusedDetail(fn.result));
  const locals = new Map(fn.locals);
  for (const name of rows) locals.set(name, { ...(locals.get(name) ?? { temp: true }), declared: "other" });
  return { ...fn, body, locals };
}

/**
 * Variables that hold a row: every assignment loads an element of an array (or of a row), or
 * copies another row, and the variable is indexed or its length read. Parameters never are (a
 * caller's array of numbers is the common case, and its kind is the parameter's own).
 */
function rowNames(fn: IRFunction, arrayParam: (key: string, index: number) => boolean): Set<string> {
  const assigned = new Map<string, Expr[]>();
  const indexed = new Set<string>();
  forEachStmt(fn.body, (s) => {
    // Written (`X[k][j] = v`, `X[k].reverse()`): used as an array, so a row, whose writes are refused.
    if ((s.kind === "store" || s.kind === "fill" || s.kind === "method") && s.array) indexed.add(s.array);
    if ((s.kind === "assign" || s.kind === "effect") && s.expr.kind === "opaque" && s.expr.writesReceiver && s.expr.args[0]?.kind === "var") indexed.add(s.expr.args[0].name);
    if (s.kind !== "assign" && s.kind !== "effect") return;
    if (s.kind === "assign") assigned.set(s.target, [...(assigned.get(s.target) ?? []), s.expr]);
    // Indexed, its length read, copied whole (`X[k].slice()`) or viewed: used as an array.
    const e = s.expr;
    const array = e.kind === "load" ? e.array : e.kind === "prim" && e.op === "length" ? e.args[0] : (e.kind === "alloc" && (e.ctor === "same" || e.from)) || e.kind === "view" ? e.arg : undefined;
    if (array?.kind === "var") indexed.add(array.name);
    // Given to a module function that uses that parameter as an array: the value is one.
    if (s.expr.kind === "call" && s.expr.callee.kind === "local") {
      const key = s.expr.callee.key;
      s.expr.args.forEach((arg, i) => {
        if (arg.kind === "var" && arrayParam(key, i)) indexed.add(arg.name);
      });
    }
  });
  // Copied into a variable used as an array (for…of's array of a row): used as one too.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, exprs] of assigned) {
      if (!indexed.has(name)) continue;
      for (const e of exprs) {
        if (e.kind !== "copy" || e.arg.kind !== "var" || indexed.has(e.arg.name)) continue;
        indexed.add(e.arg.name);
        changed = true;
      }
    }
  }
  const rows = new Set<string>();
  // Copies carry rowness forward (an inlined callee's parameter, for…of's array): to a fixed point.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, exprs] of assigned) {
      if (rows.has(name) || fn.params.includes(name)) continue;
      // `undefined` where none was found (`X.find(…)`), else loaded: a row or nothing.
      const none = (e: Expr) => e.kind === "copy" && e.arg.kind === "const" && e.arg.code === "undefined";
      const loads = exprs.some((e) => e.kind === "load") && exprs.every((e) => none(e) || (e.kind === "load" && (e.array.kind === "var" || e.array.kind === "outer")));
      const copies = exprs.every((e) => none(e) || e.kind === "load" || (e.kind === "copy" && e.arg.kind === "var" && rows.has(e.arg.name)));
      if ((indexed.has(name) && loads) || (exprs.some((e) => e.kind === "copy" && e.arg.kind === "var") && copies)) {
        rows.add(name);
        changed = true;
      }
    }
  }
  return rows;
}

/** A row's load, a read of its element or length, as an opaque read; undefined for anything else. */
function rowExpr(expr: Expr, target: string | undefined, loc: SourceLoc | undefined, isRow: (op: Operand) => boolean, nameOf: (op: Operand) => string): Expr | undefined {
  const at = loc ? spanOfLoc(loc) : { start: 0, end: 0, line: 0, column: 0 };
  const opaque = (args: Operand[], render: (args: string[]) => string, describe: string, row: boolean): Expr => ({
    kind: "opaque",
    describe,
    diagnostic: "ADJ016",
    render,
    args,
    at,
    result: row ? "other" : "number",
    row: true,
  });
  if (expr.kind === "load" && target !== undefined && isRow(v(target))) {
    return opaque([expr.array, expr.index], ([x, k]) => `${x}[${k}]`, `a row of ${nameOf(expr.array)}, an array of arrays that carries a gradient: adjoint differentiates arrays of numbers (keep the rows in one flat Float64Array and index rows[k * n + j])`, true);
  }
  if (expr.kind === "load" && isRow(expr.array)) return opaque([expr.array, expr.index], ([r, j]) => `${r}[${j}]`, ROW_READ, false);
  if (expr.kind === "prim" && expr.op === "length" && isRow(expr.args[0])) return opaque([expr.args[0]], ([r]) => `${r}.length`, ROW_READ, false);
  return undefined;
}

/** A row used otherwise than read: written, passed to a call, returned, made an array of. */
function misusedRow(s: Stmt, isRow: (op: Operand) => boolean): string | undefined {
  const row = (op: Operand | string | undefined) => {
    const operand = typeof op === "string" ? v(op) : op;
    return operand && isRow(operand) && operand.kind === "var" ? operand.name : undefined;
  };
  switch (s.kind) {
    case "store":
      return row(s.array) ?? row(s.value);
    case "fill":
      return row(s.array);
    case "method":
      return row(s.array) ?? s.args.map(row).find((name) => name !== undefined);
    case "throw":
      return undefined;
    case "assign":
    case "effect": {
      const e = s.expr;
      // Loads of the array of arrays are the rows themselves; copies pass one on to another row.
      if (e.kind === "load" || (e.kind === "copy" && s.kind === "assign")) return undefined;
      if (e.kind === "opaque" && !e.writesReceiver) return undefined;
      // A copy of a row (`row.slice()`, what `row.map(…)` fills) is a new array of numbers.
      if (e.kind === "alloc") return undefined;
      // A module function may read a row it is given; analyze/ refuses one that writes or returns it.
      if (e.kind === "call" && e.callee.kind === "local") return undefined;
      // An attached callee (customGrad, differentiable) gets the row as data: the adjoint its rule gives for it goes nowhere.
      if (e.kind === "call" && e.callee.kind === "attached") return undefined;
      const args: Operand[] = e.kind === "copy" || e.kind === "stop" || e.kind === "leaf" || e.kind === "shape" ? [e.arg] : e.kind === "view" ? [e.arg, ...e.args] : e.args;
      return args.map(row).find((name) => name !== undefined);
    }
    default:
      return undefined;
  }
}

/** The variables holding arrays of arrays: what a row is loaded from. Not arrays of numbers, whatever `.length` says. */
export function rowContainers(fn: IRFunction): Set<string> {
  const containers = new Set<string>();
  const copies: [string, string][] = [];
  forEachStmt(fn.body, (s) => {
    if (s.kind === "assign" && s.expr.kind === "opaque" && s.expr.row && s.expr.result === "other" && s.expr.args[0]?.kind === "var") containers.add(s.expr.args[0].name);
    if (s.kind === "assign" && s.expr.kind === "copy" && s.expr.arg.kind === "var") copies.push([s.target, s.expr.arg.name]);
  });
  // What a container was copied from (for…of's array of a parameter) holds the same rows.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [into, from] of copies) {
      if (containers.has(into) && !containers.has(from)) {
        containers.add(from);
        changed = true;
      }
    }
  }
  return containers;
}

/** Methods whose receiver is an array (of numbers, for a row): callbacks over it and copies of it. */
const ARRAY_METHODS = new Set(["map", "reduce", "reduceRight", "forEach", "every", "some", "filter", "find", "findIndex", "slice", "at", "indexOf"]);

const ARRAY_PARAMS = new WeakMap<ModuleContext, Map<string, boolean[]>>();

/**
 * Which parameters a module function uses as arrays, read from its source: indexed, its
 * `.length` read, walked by for…of, taken apart by a pattern, spread, the receiver of a
 * callback or copying method (`row.reduce(…)`), declared an array, or passed on to another
 * function that does.
 */
function arrayParams(ctx: ModuleContext, key: string, depth = 0): boolean[] {
  const known = ARRAY_PARAMS.get(ctx) ?? new Map<string, boolean[]>();
  ARRAY_PARAMS.set(ctx, known);
  const cached = known.get(key);
  if (cached) return cached;
  const node = ctx.functions.get(key)?.node;
  if (!node || depth > 8) return [];
  known.set(key, []); // recursion: what is known so far
  const names = node.params.map((p) => {
    const id = p.type === "AssignmentPattern" ? p.left : p;
    return id.type === "Identifier" ? id : undefined;
  });
  const used = names.map((id) => id?.typeAnnotation?.type === "TSTypeAnnotation" && (id.typeAnnotation.typeAnnotation.type === "TSArrayType" || /^(Float64Array|Float32Array|Array)$/.test((id.typeAnnotation.typeAnnotation as { typeName?: { name?: string } }).typeName?.name ?? "")));
  const position = (expr: t.Node | null | undefined) => {
    if (!expr || expr.type !== "Identifier") return -1;
    return names.findIndex((id) => id?.name === (expr as t.Identifier).name);
  };
  walk(node.body, (n) => {
    let at = -1;
    if (n.type === "MemberExpression" && (n.computed || (n.property.type === "Identifier" && n.property.name === "length"))) at = position(unwrap(n.object as t.Expression));
    else if (n.type === "ForOfStatement") at = position(unwrap(n.right));
    else if (n.type === "VariableDeclarator" && n.id.type === "ArrayPattern" && n.init) at = position(unwrap(n.init));
    else if (n.type === "SpreadElement") at = position(unwrap(n.argument));
    else if (n.type === "CallExpression" && n.callee.type === "MemberExpression" && n.callee.property.type === "Identifier" && ARRAY_METHODS.has(n.callee.property.name)) at = position(unwrap(n.callee.object as t.Expression));
    else if (n.type === "CallExpression" && n.callee.type === "Identifier" && ctx.functions.has(n.callee.name)) {
      const inner = arrayParams(ctx, n.callee.name, depth + 1);
      n.arguments.forEach((arg, i) => {
        const p = position(arg);
        if (p >= 0 && inner[i]) used[p] = true;
      });
    }
    if (at >= 0) used[at] = true;
  });
  known.set(key, used);
  return used;
}

function loadsOf(stmts: Stmt[]): Assign[] {
  const loads: Assign[] = [];
  forEachStmt(stmts, (s) => {
    if (s.kind === "assign" && s.expr.kind === "load") loads.push(s);
  });
  return loads;
}

/** What a variable is copied (or, unless `only` says copies, loaded) from: its first such assignment. */
function copiedFrom(fn: IRFunction, name: string, only?: "copy"): Operand | undefined {
  let source: Operand | undefined;
  forEachStmt(fn.body, (s) => {
    if (!source && s.kind === "assign" && s.target === name && (s.expr.kind === "copy" || (s.expr.kind === "load" && !only))) source = s.expr.kind === "copy" ? s.expr.arg : s.expr.array;
  });
  return source;
}

function spanOfLoc(loc: SourceLoc | Span): Span {
  return { start: loc.start ?? 0, end: loc.end ?? 0, line: loc.line, column: loc.column };
}
