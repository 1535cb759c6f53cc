// Adjacent counted loops over the same trip count, fused into one before analysis, so their
// reverse sweeps are one loop too (a cumulative sum's running total and its squares): one
// pass over memory each way, and no trip counter or loop overhead twice. The program keeps
// its meaning, so the gradient of the fused loop is the gradient of the two.
//
// Two loops fuse where
// - each is `c = s; loop { pre: t = c < B (pure); body; c = c + k }` with the same start, step
//   and test (B read, never written, by either), no break, no call, method, allocation or
//   np operation or inner loop inside, and its counter read nowhere else;
// - what lies between them is plain assignments neither loop reads or writes (`let total = 0`),
//   moved before the first;
// - neither writes a number the other reads or writes, and each element an iteration of one
//   writes the other reads or writes only at that same iteration: both index it by the counter
//   itself (an array made in the function is apart from every other name; the rest may alias).
// Anything else keeps its loops: the lever is refused, never the program.
import { exprArgs, forEachStmt, readsOf, type Assign, type Expr, type IRFunction, type Loop, type Operand, type Stmt } from "../ir/index.js";
import { renameAll } from "./aliases.js";

/** fn with its fusible loops fused (fn itself where there are none); `ADJOINT_LOOP_FUSION=off` turns it off. */
export function fuseLoops(fn: IRFunction): IRFunction {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.ADJOINT_LOOP_FUSION === "off" || fn.outputs) return fn;
  // One pair at a time, the function's facts found again after each (a fused loop may fuse with the next).
  for (let fusedAny = false; ; fusedAny = true) {
    const facts = functionFacts(fn);
    const dropped: string[] = [];
    const block = (stmts: Stmt[]): Stmt[] | null => {
      for (let at = 1; at < stmts.length; at++) {
        const fused = fuseAt(stmts, at, facts);
        if (fused) {
          dropped.push(...fused.dropped);
          return fused.stmts;
        }
      }
      for (let at = 0; at < stmts.length; at++) {
        const s = stmts[at];
        const inner = s.kind === "if" ? ([["then", s.then], ["else", s.else]] as const) : s.kind === "loop" ? ([["body", s.body]] as const) : [];
        for (const [key, list] of inner) {
          const next = block(list);
          if (next) return [...stmts.slice(0, at), { ...s, [key]: next } as Stmt, ...stmts.slice(at + 1)];
        }
      }
      return null;
    };
    const body = block(fn.body);
    if (!body) return fusedAny ? dropUnreadStores(fn) : fn;
    fn = { ...fn, body, locals: new Map([...fn.locals].filter(([name]) => !dropped.includes(name))) };
  }
}

interface Counted {
  loop: Loop;
  counter: string;
  init: Assign;
  step: Assign;
}

interface Facts {
  /** How often each name is assigned, and read, in the whole function. */
  assigned: Map<string, number>;
  reads: Map<string, number>;
  /** Arrays made once by an allocation and used only through loads, stores and their length: apart from every other name. */
  apart: Set<string>;
  /** Each array's one allocation. */
  allocs: Map<string, Extract<Expr, { kind: "alloc" }>>;
  /** Variables assigned once, by an array's length: that array. */
  lengthOf: Map<string, string>;
  /** Arrays stored into or changed by a method. */
  written: Set<string>;
}

function functionFacts(fn: IRFunction): Facts {
  const assigned = new Map<string, number>();
  const reads = new Map<string, number>();
  const allocated = new Map<string, number>();
  const allocs = new Map<string, Extract<Expr, { kind: "alloc" }>>();
  const lengthOf = new Map<string, string>();
  const written = new Set<string>();
  const otherUse = new Set<string>(fn.params);
  forEachStmt(fn.body, (s) => {
    const target = s.kind === "assign" || s.kind === "method" ? s.target : undefined;
    if (target) assigned.set(target, (assigned.get(target) ?? 0) + 1);
    if (s.kind === "assign" && s.expr.kind === "alloc") {
      allocated.set(s.target, (allocated.get(s.target) ?? 0) + 1);
      allocs.set(s.target, s.expr);
    }
    else if (target) otherUse.add(target);
    for (const name of readsOf(s)) reads.set(name, (reads.get(name) ?? 0) + 1);
    if (s.kind === "assign" && s.expr.kind === "prim" && s.expr.op === "length" && s.expr.args[0]?.kind === "var") lengthOf.set(s.target, s.expr.args[0].name);
    if (s.kind === "store" || s.kind === "fill" || s.kind === "method") written.add(s.array);
    // Any use but as the array of a load or store, or a length read, may hand the array on.
    const handed: Operand[] =
      s.kind === "assign" || s.kind === "effect"
        ? s.expr.kind === "load"
          ? [s.expr.index]
          : s.expr.kind === "prim" && s.expr.op === "length"
            ? []
            : exprArgs(s.expr)
        : s.kind === "store"
          ? [s.index, s.value]
          : s.kind === "fill" || s.kind === "method"
            ? [{ kind: "var", name: s.array }, ...(s.kind === "fill" ? [s.value] : s.args)]
            : [];
    for (const op of handed) if (op.kind === "var") otherUse.add(op.name);
  });
  otherUse.add(fn.result);
  const apart = new Set([...allocated].filter(([name, n]) => n === 1 && assigned.get(name) === 1 && !otherUse.has(name)).map(([name]) => name));
  for (const name of [...lengthOf.keys()]) if (assigned.get(name) !== 1) lengthOf.delete(name);
  return { assigned, reads, apart, allocs, lengthOf, written };
}

/** The block with the loop at `at` fused into the counted loop before it, or null where they may not fuse. */
function fuseAt(stmts: Stmt[], at: number, facts: Facts): { stmts: Stmt[]; dropped: string[] } | null {
  const second = stmts[at];
  if (second.kind !== "loop") return null;
  // The first loop: the nearest loop before, with plain assignments between.
  let first = at - 1;
  while (first >= 0 && stmts[first].kind === "assign") first--;
  if (first < 1 || stmts[first].kind !== "loop") return null;
  const a = counted(stmts, first, facts);
  const b = counted(stmts, at, facts, first + 1);
  if (!a || !b) return null;
  const gap = stmts.slice(first + 1, at).filter((s) => s !== b.init) as Assign[];
  // The tests alike, the counter of the second renamed to the first's, and its test's temporaries to the first's.
  const renames = sameTest(a, b);
  if (!renames) return null;
  if (!sameInit(a.init, b.init) || !sameStep(a.step, b.step)) return null;
  const bodyA = a.loop.body.slice(0, -1);
  const bodyB = renameAll(b.loop.body.slice(0, -1), renames);
  const touchedA = touched(bodyA);
  const touchedB = touched(bodyB);
  const test = touched(a.loop.pre);
  if (!touchedA || !touchedB || !test) return null;
  // A loop holding a loop saves by pushes, not at slots: a value fusion keeps in a register for
  // the other half would cost a push where that half read memory (a moving average, 1.08x slower).
  if ([...bodyA, ...bodyB].some(holdsLoop)) return null;
  // The test reads nothing either body writes (the second's trip count is the first's), and its temporaries are its own.
  for (const name of [...test.reads, ...test.writes]) if (name !== a.counter && (touchedA.writes.has(name) || touchedB.writes.has(name))) return null;
  const stores = [...touchedA.elements, ...touchedB.elements].filter((e) => e.write);
  if (!elementsApart(test.elements, stores, "", facts)) return null;
  // The moved assignments are arithmetic (no call, load or allocation) that reads and writes nothing of the first loop.
  for (const s of gap) {
    if (!pureTest(s.expr)) return null;
    if (touchedA.writes.has(s.target) || touchedA.reads.has(s.target)) return null;
    if (readsOf(s).some((name) => touchedA.writes.has(name))) return null;
  }
  const gapLengths = touched(gap);
  if (!gapLengths || !elementsApart(gapLengths.elements, touchedA.elements.filter((e) => e.write), "", facts)) return null;
  for (const name of touchedA.writes) if (name !== a.counter && (touchedB.writes.has(name) || touchedB.reads.has(name))) return null;
  for (const name of touchedB.writes) if (touchedA.reads.has(name)) return null;
  if (!elementsApart(touchedA.elements, touchedB.elements, a.counter, facts)) return null;
  const propagated: string[] = [];
  const loop: Loop = { ...a.loop, body: [...forwardStores([...bodyA, ...bodyB], a, facts, propagated), a.step] };
  const fused = [...stmts.slice(0, first - 1), ...gap, a.init, loop, ...stmts.slice(at + 1)];
  return { stmts: fused, dropped: [b.counter, ...[...renames.keys()].filter((name) => name !== b.counter), ...propagated] };
}

function holdsLoop(s: Stmt): boolean {
  let found = false;
  forEachStmt([s], (inner) => void (found ||= inner.kind === "loop"));
  return found;
}

/** The loop at `at` as a counted loop: its counter's initialization just before it (or, `from`, anywhere from there), its step last. */
function counted(stmts: Stmt[], at: number, facts: Facts, from = at): Counted | null {
  const loop = stmts[at];
  if (loop.kind !== "loop" || loop.checkpoint || loop.body.length === 0) return null;
  const step = loop.body[loop.body.length - 1];
  if (step.kind !== "assign" || step.expr.kind !== "prim" || (step.expr.op !== "add" && step.expr.op !== "sub")) return null;
  const counter = step.target;
  const [self, by] = step.expr.args;
  if (self.kind !== "var" || self.name !== counter || by.kind !== "const") return null;
  const candidates = from === at ? [stmts[at - 1]] : stmts.slice(from, at);
  const init = candidates.find((s): s is Assign => s?.kind === "assign" && s.target === counter);
  if (!init || init.expr.kind !== "copy" || init.expr.arg.kind !== "const") return null;
  // Assigned only there and by its step; read only in its loop.
  if (facts.assigned.get(counter) !== 2) return null;
  let readsInLoop = 0;
  forEachStmt([...loop.pre, ...loop.body], (s) => {
    readsInLoop += readsOf(s).filter((name) => name === counter).length;
  });
  if (readsInLoop !== facts.reads.get(counter)) return null;
  return { loop, counter, init, step };
}

/** The renames making b's test a's (b's counter and temporaries to a's), or null if the tests differ. */
function sameTest(a: Counted, b: Counted): Map<string, string> | null {
  const { pre: preA, cond: condA } = a.loop;
  const { pre: preB, cond: condB } = b.loop;
  if (preA.length !== preB.length || preA.length === 0) return null;
  const renames = new Map([[b.counter, a.counter]]);
  const same = (x: Operand, y: Operand) =>
    x.kind === "var" ? y.kind === "var" && (renames.get(y.name) ?? y.name) === x.name : x.kind === "const" ? y.kind === "const" && x.code === y.code : y.kind === "outer" && x.name === y.name;
  for (let i = 0; i < preA.length; i++) {
    const [x, y] = [preA[i], preB[i]];
    if (x.kind !== "assign" || y.kind !== "assign" || !pureTest(x.expr) || !sameExpr(x.expr, y.expr, same)) return null;
    renames.set(y.target, x.target);
  }
  return same(condA, condB) ? renames : null;
}

/** A test's expression: arithmetic and comparisons of numbers, and array lengths. */
function pureTest(expr: Expr): boolean {
  return expr.kind === "copy" || (expr.kind === "prim" && !expr.op.startsWith("Math.random"));
}

function sameExpr(x: Expr, y: Expr, same: (x: Operand, y: Operand) => boolean): boolean {
  if (x.kind !== y.kind) return false;
  if (x.kind === "prim" && (y.kind !== "prim" || x.op !== y.op)) return false;
  const [xs, ys] = [exprArgs(x), exprArgs(y)];
  return xs.length === ys.length && xs.every((op, i) => same(op, ys[i]));
}

function sameInit(a: Assign, b: Assign): boolean {
  return a.expr.kind === "copy" && b.expr.kind === "copy" && a.expr.arg.kind === "const" && b.expr.arg.kind === "const" && a.expr.arg.code === b.expr.arg.code;
}

function sameStep(a: Assign, b: Assign): boolean {
  if (a.expr.kind !== "prim" || b.expr.kind !== "prim" || a.expr.op !== b.expr.op) return false;
  const [x, y] = [a.expr.args[1], b.expr.args[1]];
  return x.kind === "const" && y.kind === "const" && x.code === y.code;
}

const LENGTH: Operand = { kind: "const", code: "length" };

interface Element {
  array: string;
  index: Operand;
  write: boolean;
}

/** The numbers a loop reads and writes and the elements it touches; null where it holds what fusion leaves alone. */
function touched(stmts: Stmt[]): { reads: Set<string>; writes: Set<string>; elements: Element[] } | null {
  const reads = new Set<string>();
  const writes = new Set<string>();
  const elements: Element[] = [];
  let plain = true;
  forEachStmt(stmts, (s) => {
    for (const name of readsOf(s)) reads.add(name);
    if (s.kind === "assign") {
      if (!["copy", "prim", "load", "stop"].includes(s.expr.kind)) plain = false;
      if (s.expr.kind === "prim" && s.expr.op.startsWith("Math.random")) plain = false;
      writes.add(s.target);
      // A number[]'s length changes where a store lands past its end: a length read is an element read.
      if (s.expr.kind === "prim" && s.expr.op === "length" && s.expr.args[0]?.kind === "var") elements.push({ array: s.expr.args[0].name, index: LENGTH, write: false });
      if (s.expr.kind === "load") {
        const array = s.expr.array;
        if (array.kind === "const") plain = false;
        else elements.push({ array: array.kind === "outer" ? `outer ${array.name}` : array.name, index: s.expr.index, write: false });
      }
    } else if (s.kind === "store") {
      elements.push({ array: s.array, index: s.index, write: true });
    } else if (s.kind !== "if" && s.kind !== "loop") {
      plain = false;
    }
  });
  return plain ? { reads, writes, elements } : null;
}

/** Every pair of one loop's element and the other's that may be one array, one a write: both at the counter itself. */
function elementsApart(a: Element[], b: Element[], counter: string, facts: Facts): boolean {
  const mayAlias = (x: string, y: string) => x === y || (!facts.apart.has(x) && !facts.apart.has(y));
  const atCounter = (e: Element) => e.index.kind === "var" && e.index.name === counter;
  return a.every((x) => b.every((y) => !(x.write || y.write) || !mayAlias(x.array, y.array) || (atCounter(x) && atCounter(y))));
}

/**
 * The fused body with each load of an element stored earlier in the same iteration (`out[i] =
 * running; … t = out[i]`) reading the stored value instead, where the array is apart and
 * nothing between writes it, the value or the index, and the store certainly lands: a
 * number[], or a Float64Array made with the length the counter stays below (`new
 * Float64Array(n)`, `i` from 0 while `i < n`, n assigned once). What is left of such an array
 * then may be only stores (fuseLoops drops them).
 */
function forwardStores(body: Stmt[], loop: Counted, facts: Facts, dropped: string[]): Stmt[] {
  const counter = loop.counter;
  const renames = new Map<string, string>();
  const bound = testBound(loop);
  const lands = (array: string) => {
    const alloc = facts.allocs.get(array);
    if (!alloc || !facts.apart.has(array)) return false;
    if (alloc.ctor === "Array") return true;
    if (alloc.ctor !== "Float64Array" || !bound) return false;
    if (bound.kind === "const") return alloc.arg.kind === "const" && alloc.arg.code === bound.code;
    return bound.kind === "var" && alloc.arg.kind === "var" && sameLength(alloc.arg.name, bound.name, facts);
  };
  /** Per array, the value its element at the counter holds, the store that put it there, and whether anything may have read it since. */
  const stored = new Map<string, { value: Operand; at: number; read: boolean }>();
  const out: (Stmt | null)[] = [];
  for (const original of body) {
    const renamed = renames.size > 0 ? renameAll([original], renames) : [original];
    if (renamed.length === 0) continue;
    const s = renamed[0];
    if (s.kind === "store") {
      const earlier = stored.get(s.array);
      stored.delete(s.array);
      if (s.index.kind === "var" && s.index.name === counter && lands(s.array)) {
        // The element stored again, unread since: the earlier store is dead.
        if (earlier && !earlier.read) out[earlier.at] = null;
        stored.set(s.array, { value: s.value, at: out.length, read: false });
      }
      out.push(s);
      continue;
    }
    if (s.kind !== "assign" || !["copy", "prim", "load", "stop"].includes(s.expr.kind)) {
      stored.clear();
      out.push(s);
      continue;
    }
    const load = s.expr.kind === "load" && s.expr.array.kind === "var" ? s.expr : null;
    const entry = load ? stored.get((load.array as { name: string }).name) : undefined;
    const forwarded = entry && load!.index.kind === "var" && load!.index.name === counter ? entry.value : undefined;
    if (entry && !forwarded) entry.read = true;
    if (s.kind === "assign" && s.expr.kind === "prim" && s.expr.op === "length") for (const e of stored.values()) e.read = true;
    // What this assigns: stores read through it no longer hold.
    for (const [array, held] of stored) if (array === s.target || s.target === counter || (held.value.kind === "var" && held.value.name === s.target)) stored.delete(array);
    if (!forwarded) {
      out.push(s);
      continue;
    }
    // The copy propagated where its readers all follow in this iteration and the value stays: no temporary to save.
    const rest = body.slice(body.indexOf(original) + 1);
    if (forwarded.kind === "var" && facts.assigned.get(s.target) === 1 && countReads(rest, s.target) === facts.reads.get(s.target) && !assigns(rest, forwarded.name)) {
      renames.set(s.target, forwarded.name);
      dropped.push(s.target);
      continue;
    }
    out.push({ ...s, expr: { kind: "copy", arg: forwarded } });
  }
  return out.filter((s): s is Stmt => s !== null);
}

function countReads(stmts: Stmt[], name: string): number {
  let n = 0;
  forEachStmt(stmts, (s) => {
    n += readsOf(s).filter((r) => r === name).length;
  });
  return n;
}

function assigns(stmts: Stmt[], name: string): boolean {
  let found = false;
  forEachStmt(stmts, (s) => {
    if ((s.kind === "assign" || s.kind === "method") && s.target === name) found = true;
  });
  return found;
}

/** Whether two variables certainly hold one length: the same one, or each the length of one array that keeps it (assigned at most once, never written into or resized). */
function sameLength(x: string, y: string, facts: Facts): boolean {
  if (x === y) return facts.assigned.get(x) === 1;
  const [a, b] = [facts.lengthOf.get(x), facts.lengthOf.get(y)];
  return a !== undefined && a === b && !facts.written.has(a) && (facts.assigned.get(a) ?? 0) <= 1;
}

/** The bound a counted loop's counter stays below from a start of at least 0 by steps of 1 (`i < n`), or null. */
function testBound(loop: Counted): Operand | null {
  const test = loop.loop.pre[loop.loop.pre.length - 1];
  const start = loop.init.expr.kind === "copy" ? loop.init.expr.arg : null;
  const by = loop.step.expr.kind === "prim" ? loop.step.expr.args[1] : null;
  if (test?.kind !== "assign" || test.expr.kind !== "prim" || test.expr.op !== "lt") return null;
  if (loop.loop.cond.kind !== "var" || loop.loop.cond.name !== test.target || loop.step.expr.kind !== "prim" || loop.step.expr.op !== "add") return null;
  if (start?.kind !== "const" || typeof start.value !== "number" || !Number.isInteger(start.value) || start.value < 0 || by?.kind !== "const" || by.value !== 1) return null;
  const [c, bound] = test.expr.args;
  return c.kind === "var" && c.name === loop.counter ? bound : null;
}

/** fn without the stores into arrays nobody reads (apart, never loaded, nor their length read), and their allocations where those cannot throw. */
function dropUnreadStores(fn: IRFunction): IRFunction {
  const facts = functionFacts(fn);
  const loaded = new Set<string>();
  forEachStmt(fn.body, (s) => {
    if (s.kind === "assign" && s.expr.kind === "load" && s.expr.array.kind === "var") loaded.add(s.expr.array.name);
    if (s.kind === "assign" && s.expr.kind === "prim" && s.expr.op === "length" && s.expr.args[0]?.kind === "var") loaded.add(s.expr.args[0].name);
  });
  const unread = new Set([...facts.apart].filter((name) => !loaded.has(name)));
  if (unread.size === 0) return fn;
  // An array's length of another array is a length it can take: that allocation cannot throw.
  const lengths = new Set<string>();
  forEachStmt(fn.body, (s) => {
    if (s.kind === "assign" && s.expr.kind === "prim" && s.expr.op === "length" && facts.assigned.get(s.target) === 1) lengths.add(s.target);
  });
  const safe = (name: string) => {
    const arg = facts.allocs.get(name)!.arg;
    return arg.kind === "const" ? typeof arg.value === "number" && Number.isInteger(arg.value) && arg.value >= 0 : arg.kind === "var" && lengths.has(arg.name);
  };
  const prune = (stmts: Stmt[]): Stmt[] =>
    stmts.flatMap((s): Stmt[] => {
      if (s.kind === "store" && unread.has(s.array)) return [];
      if (s.kind === "assign" && s.expr.kind === "alloc" && unread.has(s.target) && safe(s.target)) return [];
      if (s.kind === "if") return [{ ...s, then: prune(s.then), else: prune(s.else) }];
      if (s.kind === "loop") return [{ ...s, pre: prune(s.pre), body: prune(s.body) }];
      return [s];
    });
  const dropped = [...unread].filter(safe);
  return { ...fn, body: prune(fn.body), locals: new Map([...fn.locals].filter(([name]) => !dropped.includes(name))) };
}
