// A fused elementwise chain (compiler/optimize/fuse.ts) run as one pass over memory: an
// interpreter of a small register program (runtime/np/fused-program.ts writes it). The
// elements go by blocks of `block`; each instruction runs one SIMD loop over a block, so the
// dispatch is paid per block, and a block's temporaries stay in cache (XNNPACK's and jax-js's
// fused elementwise kernels work the same way). All memory, scratch included, is the caller's:
// nothing static, so threads may run it too.
//
// code: 5 i32 per instruction, [op, dst, a, b, c] (register numbers; SUM: dst is a sum slot).
// regs: 4 i32 per register, [kind, addr, period, tile]:
//   TEMP  a block's values in `tile`;
//   STREAM n elements at `addr` (an operand read, or a result written, a block at a time);
//   SPLAT one element at `addr`, spread over `tile` once;
//   ROW   `period` elements at `addr` repeated (a bias row over a batch), copied into `tile` per block.
// Tiles and streams have 16 bytes after them: the last vector of a block may run past n.
// ptrs: one usize per register (scratch). sums: float64 slots the SUM instructions add into.

import { cos_f32, cos_f64, exp_f32, exp_f64, expm1_f32, expm1_f64, log_f32, log_f64, log1p_f32, log1p_f64 } from "./math";
import { sigmoid_f32, sigmoid_f64, sin_f32, sin_f64, tanh_f32, tanh_f64 } from "./math";

const TEMP = 0, STREAM = 1, SPLAT = 2, ROW = 3;
// Opcodes: runtime/np/fused-program.ts names them.
const ADD = 1, SUB = 2, MUL = 3, DIV = 4, MAX = 5, MIN = 6;
const NEG = 10, ABS = 11, SQUARE = 12, RELU = 13, SQRT = 14, EXP = 15, LOG = 16, TANH = 17, SIGMOID = 18, SIN = 19, COS = 20, COPY = 21;
const LOG1P = 22, EXPM1 = 23;
// Adjoints that select: abs' (g, a), relu' (g, a); maximum's and minimum's (g, a, b) for a and b.
const ABS_D = 30, RELU_D = 31, MAX_DA = 32, MAX_DB = 33, MIN_DA = 34, MIN_DB = 35;
const SUM = 40;

// @ts-ignore: decorator
@inline function zero<T>(): v128 { return v128.splat<T>(<T>0); }

// maximum/minimum as elementwise.ts: `x` where it wins or is NaN.
// @ts-ignore: decorator
@inline function binary<T>(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return v128.add<T>(x, y);
  if (op == SUB) return v128.sub<T>(x, y);
  if (op == MUL) return v128.mul<T>(x, y);
  if (op == DIV) return v128.div<T>(x, y);
  if (op == MAX) return v128.bitselect(x, y, v128.or(v128.gt<T>(x, y), v128.ne<T>(x, x)));
  if (op == MIN) return v128.bitselect(x, y, v128.or(v128.lt<T>(x, y), v128.ne<T>(x, x)));
  // Adjoints: x the output's adjoint g, y the operand a.
  if (op == RELU_D) return v128.and(x, v128.gt<T>(y, zero<T>()));
  return v128.bitselect(x, v128.and(v128.neg<T>(x), v128.lt<T>(y, zero<T>())), v128.gt<T>(y, zero<T>())); // ABS_D
}

// @ts-ignore: decorator
@inline function unary<T>(op: i32, x: v128): v128 {
  if (op == NEG) return v128.neg<T>(x);
  if (op == ABS) return v128.abs<T>(x);
  if (op == SQUARE) return v128.mul<T>(x, x);
  if (op == RELU) return v128.max<T>(x, zero<T>());
  if (op == SQRT) return v128.sqrt<T>(x);
  return x; // COPY
}

/** maximum's and minimum's adjoints: g where the operand won (a on a tie or NaN), else 0. */
// @ts-ignore: decorator
@inline function select<T>(op: i32, g: v128, a: v128, b: v128): v128 {
  const aWins = op == MAX_DA || op == MAX_DB ? v128.or(v128.ge<T>(a, b), v128.ne<T>(a, a)) : v128.or(v128.le<T>(a, b), v128.ne<T>(a, a));
  return op == MAX_DA || op == MIN_DA ? v128.and(g, aWins) : v128.andnot(g, aWins);
}

// One instruction over `bytes` of a block (a multiple of 16). The op is a constant at each
// call, so each case of `run` inlines one loop with one operation in it.
// @ts-ignore: decorator
@inline function loop1<T>(op: i32, d: usize, a: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i += 16) v128.store(d + i, unary<T>(op, v128.load(a + i)));
}
// @ts-ignore: decorator
@inline function loop2<T>(op: i32, d: usize, a: usize, b: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i += 16) v128.store(d + i, binary<T>(op, v128.load(a + i), v128.load(b + i)));
}
// @ts-ignore: decorator
@inline function loop3<T>(op: i32, d: usize, a: usize, b: usize, c: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i += 16) v128.store(d + i, select<T>(op, v128.load(a + i), v128.load(b + i), v128.load(c + i)));
}

/** The sum of `count` elements at `a`, in float64. */
// @ts-ignore: decorator
@inline function total<T>(a: usize, count: i32): f64 {
  let acc = f64x2.splat(0);
  let acc2 = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 8) {
    for (; i + 2 <= count; i += 2) acc = f64x2.add(acc, v128.load(a + (<usize>i << 3)));
    let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; i < count; i++) s += load<f64>(a + (<usize>i << 3));
    return s;
  }
  for (; i + 4 <= count; i += 4) {
    const v = v128.load(a + (<usize>i << 2));
    acc = f64x2.add(acc, f64x2.promote_low_f32x4(v));
    acc2 = f64x2.add(acc2, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
  }
  acc = f64x2.add(acc, acc2);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < count; i++) s += <f64>load<f32>(a + (<usize>i << 2));
  return s;
}

// @ts-ignore: decorator
@inline function ptr(ptrs: usize, r: i32): usize {
  return load<usize>(ptrs + (<usize>r << alignof<usize>()));
}

// @ts-ignore: decorator
@inline function run<T>(n: i32, block: i32, nregs: i32, regs: usize, code: usize, ncode: i32, ptrs: usize, sums: usize): void {
  const w = sizeof<T>() == 8;
  const shift: usize = w ? 3 : 2;
  for (let r = 0; r < nregs; r++) {
    const desc = regs + (<usize>r << 4);
    if (load<i32>(desc) == SPLAT) {
      const v = v128.splat<T>(load<T>(load<u32>(desc, 4)));
      const tile = <usize>load<u32>(desc, 12);
      for (let i: usize = 0; i < (<usize>block << shift); i += 16) v128.store(tile + i, v);
    }
  }
  for (let i0 = 0; i0 < n; i0 += block) {
    const count = min(block, n - i0);
    const bytes = ((<usize>count << shift) + 15) & ~15;
    const lanes = <i32>(bytes >> shift); // whole vectors: the math kernels run no scalar tail
    for (let r = 0; r < nregs; r++) {
      const desc = regs + (<usize>r << 4);
      const kind = load<i32>(desc);
      const addr = <usize>load<u32>(desc, 4);
      const tile = <usize>load<u32>(desc, 12);
      let p = tile;
      if (kind == STREAM) p = addr + (<usize>i0 << shift);
      else if (kind == ROW) {
        // Elements i0 .. i0 + count of the row repeated: whole runs of it.
        const period = load<i32>(desc, 8);
        let from = i0 % period;
        for (let done = 0; done < count; ) {
          const len = min(period - from, count - done);
          memory.copy(tile + (<usize>done << shift), addr + (<usize>from << shift), <usize>len << shift);
          done += len;
          from = 0;
        }
      }
      store<usize>(ptrs + (<usize>r << alignof<usize>()), p);
    }
    for (let k = 0; k < ncode; k++) {
      const ins = code + <usize>k * 20;
      const op = load<i32>(ins);
      const d = load<i32>(ins, 4);
      const a = ptr(ptrs, load<i32>(ins, 8));
      if (op == SUM) {
        const slot = sums + (<usize>d << 3);
        store<f64>(slot, load<f64>(slot) + total<T>(a, count));
        continue;
      }
      const o = ptr(ptrs, d);
      if (op < NEG) {
        const b = ptr(ptrs, load<i32>(ins, 12));
        switch (op) {
          case ADD: loop2<T>(ADD, o, a, b, bytes); break;
          case SUB: loop2<T>(SUB, o, a, b, bytes); break;
          case MUL: loop2<T>(MUL, o, a, b, bytes); break;
          case DIV: loop2<T>(DIV, o, a, b, bytes); break;
          case MAX: loop2<T>(MAX, o, a, b, bytes); break;
          default: loop2<T>(MIN, o, a, b, bytes);
        }
        continue;
      }
      switch (op) {
        case NEG: loop1<T>(NEG, o, a, bytes); break;
        case ABS: loop1<T>(ABS, o, a, bytes); break;
        case SQUARE: loop1<T>(SQUARE, o, a, bytes); break;
        case RELU: loop1<T>(RELU, o, a, bytes); break;
        case SQRT: loop1<T>(SQRT, o, a, bytes); break;
        // The transcendentals call math.ts' kernels (a call per block): inlined here, V8 ran
        // the same loop 10-15% slower (docs/BENCHMARKS.md, "Session 11").
        case EXP: if (w) exp_f64(a, o, lanes); else exp_f32(a, o, lanes); break;
        case LOG: if (w) log_f64(a, o, lanes); else log_f32(a, o, lanes); break;
        case TANH: if (w) tanh_f64(a, o, lanes); else tanh_f32(a, o, lanes); break;
        case SIGMOID: if (w) sigmoid_f64(a, o, lanes); else sigmoid_f32(a, o, lanes); break;
        case SIN: if (w) sin_f64(a, o, lanes); else sin_f32(a, o, lanes); break;
        case COS: if (w) cos_f64(a, o, lanes); else cos_f32(a, o, lanes); break;
        case LOG1P: if (w) log1p_f64(a, o, lanes); else log1p_f32(a, o, lanes); break;
        case EXPM1: if (w) expm1_f64(a, o, lanes); else expm1_f32(a, o, lanes); break;
        case COPY: loop1<T>(COPY, o, a, bytes); break;
        case ABS_D: loop2<T>(ABS_D, o, a, ptr(ptrs, load<i32>(ins, 12)), bytes); break;
        case RELU_D: loop2<T>(RELU_D, o, a, ptr(ptrs, load<i32>(ins, 12)), bytes); break;
        case MAX_DA: loop3<T>(MAX_DA, o, a, ptr(ptrs, load<i32>(ins, 12)), ptr(ptrs, load<i32>(ins, 16)), bytes); break;
        case MAX_DB: loop3<T>(MAX_DB, o, a, ptr(ptrs, load<i32>(ins, 12)), ptr(ptrs, load<i32>(ins, 16)), bytes); break;
        case MIN_DA: loop3<T>(MIN_DA, o, a, ptr(ptrs, load<i32>(ins, 12)), ptr(ptrs, load<i32>(ins, 16)), bytes); break;
        default: loop3<T>(MIN_DB, o, a, ptr(ptrs, load<i32>(ins, 12)), ptr(ptrs, load<i32>(ins, 16)), bytes);
      }
    }
  }
}

export function fused_f64(n: i32, block: i32, nregs: i32, regs: usize, code: usize, ncode: i32, ptrs: usize, sums: usize): void {
  run<f64>(n, block, nregs, regs, code, ncode, ptrs, sums);
}
export function fused_f32(n: i32, block: i32, nregs: i32, regs: usize, code: usize, ncode: i32, ptrs: usize, sums: usize): void {
  run<f32>(n, block, nregs, regs, code, ncode, ptrs, sums);
}
