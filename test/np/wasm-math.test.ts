// wasm/math.ts's SIMD transcendentals (issue 19) against Math.*: the ulp error over the whole
// range (log-spaced magnitudes of both signs, dense sweeps where each function bends, random
// bit patterns), the edges, odd lengths and src === dst. The bounds are docs/BENCHMARKS.md's.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { compileMath, instantiateMath, type MathModule } from "../../bench/wasm-math-build.mjs";

const OPS = ["exp", "log", "tanh", "sigmoid", "sin", "cos", "softplus", "log1p", "expm1"] as const;
type Op = (typeof OPS)[number];
type DTypeName = "f64" | "f32";

const reference: Record<Op, (x: number) => number> = {
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
  // sigmoid as runtime/np/elementwise.ts defines it, softplus in its stable form: float64
  // expressions with no overflow anywhere.
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  log1p: Math.log1p,
  expm1: Math.expm1,
};

/** Largest error allowed, in ulps of the result's type (float32: against Math.fround(Math.*(x))). */
const BOUND: Record<DTypeName, Record<Op, number>> = {
  f64: { exp: 1, log: 1, tanh: 2, sigmoid: 1, sin: 1, cos: 1, softplus: 2, log1p: 1, expm1: 2 },
  f32: { exp: 1, log: 1, tanh: 1, sigmoid: 2, sin: 2, cos: 2, softplus: 2, log1p: 1, expm1: 2 },
};

const CAPACITY = 1 << 18; // elements per array
let binary: Uint8Array<ArrayBuffer>;
let math: MathModule;

beforeAll(async () => {
  binary = await compileMath();
  math = await instantiateMath(binary, 2 * 8 * CAPACITY);
}, 60_000); // asc with binaryen -O3 takes seconds, more on a loaded machine

function arrays(dtype: DTypeName): { src: Float64Array | Float32Array; dst: Float64Array | Float32Array; bytes: number } {
  const Type = dtype === "f64" ? Float64Array : Float32Array;
  return { src: new Type(math.memory.buffer, math.base, CAPACITY), dst: new Type(math.memory.buffer, math.base + 8 * CAPACITY, CAPACITY), bytes: Type.BYTES_PER_ELEMENT };
}

/** The kernel's results for `xs` (out of place, or in place when `inPlace`). */
function run(op: Op, dtype: DTypeName, xs: ArrayLike<number>, inPlace = false): number[] {
  const { src, dst } = arrays(dtype);
  const out = inPlace ? src : dst;
  src.set(xs);
  math.exports[`${op}_${dtype}`](math.base, inPlace ? math.base : math.base + 8 * CAPACITY, xs.length);
  return Array.from(out.subarray(0, xs.length));
}

const bits64 = new Float64Array(1);
const words = new Int32Array(bits64.buffer);
const bits32 = new Float32Array(1);
const word32 = new Int32Array(bits32.buffer);

/** How many values of the type lie between a and b (NaN only matches NaN, −0 only −0). */
function ulps(a: number, b: number, dtype: DTypeName): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return Object.is(a, b) ? 0 : Infinity;
  if (dtype === "f32") return Math.abs(ordered32(a) - ordered32(b));
  const [highA, lowA] = ordered64(a);
  const [highB, lowB] = ordered64(b);
  return Math.abs((highA - highB) * 4294967296 + (lowA - lowB));
}

function ordered64(x: number): [number, number] {
  bits64[0] = x;
  const high = words[1];
  const low = words[0] >>> 0;
  return high < 0 ? [-(high & 0x7fffffff), -low] : [high, low];
}

function ordered32(x: number): number {
  bits32[0] = x;
  const w = word32[0];
  return w < 0 ? -(w & 0x7fffffff) : w;
}

/** Beyond the Cody–Waite range float64 sin and cos take AssemblyScript's Math.sin/cos (musl's),
 * which can be 2 ulps from V8's. */
const REDUCTION_LIMIT = 1.6e6;

function boundAt(op: Op, dtype: DTypeName, x: number): number {
  const scalar = dtype === "f64" && (op === "sin" || op === "cos") && !(Math.abs(x) <= REDUCTION_LIMIT);
  return scalar ? 2 : BOUND[dtype][op];
}

function want(op: Op, dtype: DTypeName, x: number): number {
  return dtype === "f64" ? reference[op](x) : Math.fround(reference[op](x));
}

/** The worst error of the kernel over `xs` beyond what the bound allows there (≤ 0 when within). */
function worst(op: Op, dtype: DTypeName, xs: ArrayLike<number>): { excess: number; error: number; x: number; got: number; want: number } {
  let result = { excess: -Infinity, error: 0, x: NaN, got: NaN, want: NaN };
  for (let start = 0; start < xs.length; start += CAPACITY) {
    const chunk = Array.prototype.slice.call(xs, start, start + CAPACITY) as number[];
    const got = run(op, dtype, chunk);
    for (let i = 0; i < chunk.length; i++) {
      const x = dtype === "f64" ? chunk[i] : Math.fround(chunk[i]);
      const error = ulps(got[i], want(op, dtype, x), dtype);
      const excess = error - boundAt(op, dtype, x);
      if (!(excess <= result.excess)) result = { excess, error, x, got: got[i], want: want(op, dtype, x) };
    }
  }
  return result;
}

function expectWithinBound(op: Op, dtype: DTypeName, xs: ArrayLike<number>): void {
  const w = worst(op, dtype, xs);
  expect(w.error, `${op}_${dtype}(${w.x}) = ${w.got}, Math gives ${w.want}`).toBeLessThanOrEqual(boundAt(op, dtype, w.x));
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Magnitudes 2^e·m, e uniform in [minExponent, maxExponent], m in [1, 2), half of them negative. */
function logSpaced(count: number, minExponent: number, maxExponent: number, seed: number): Float64Array {
  const next = random(seed);
  const xs = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const magnitude = (1 + next()) * 2 ** (minExponent + (maxExponent - minExponent) * next());
    xs[i] = i % 2 === 0 ? magnitude : -magnitude;
  }
  return xs;
}

function linear(count: number, lo: number, hi: number, seed: number): Float64Array {
  const next = random(seed);
  return Float64Array.from({ length: count }, () => lo + (hi - lo) * next());
}

/** Where each function bends, densely: the reductions' boundaries and the thresholds included. */
const DENSE: Record<Op, [number, number][]> = {
  exp: [[-746, 710], [-1, 1]],
  log: [[0, 4], [0, 1e6]],
  tanh: [[-25, 25], [-1, 1]],
  sigmoid: [[-760, 760], [-40, 40]],
  sin: [[-10, 10], [-1.7e6, 1.7e6], [-0.8, 0.8]], // the last: both sides of the unreduced path's 0.78
  cos: [[-10, 10], [-1.7e6, 1.7e6], [-0.8, 0.8]],
  softplus: [[-760, 760], [-40, 40]],
  log1p: [[-1, 1], [-1e-6, 1e-6]],
  expm1: [[-50, 710], [-1, 1]],
};

function nextUp(x: number, steps: number): number {
  bits64[0] = x;
  const big = new BigInt64Array(bits64.buffer);
  big[0] += BigInt(x >= 0 ? steps : -steps);
  return bits64[0];
}

/** Doubles within a few ulps of k·π/2: where a short reduction loses its digits. */
function nearQuadrants(count: number, seed: number): number[] {
  const next = random(seed);
  const xs: number[] = [];
  for (let i = 0; i < count; i++) {
    const k = Math.floor(next() * 2 ** (i % 2 === 0 ? 8 : 20));
    for (const steps of [-2, -1, 0, 1, 2]) xs.push(nextUp((k * Math.PI) / 2, steps));
  }
  return xs;
}

const EDGES: number[] = [
  0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 2.2250738585072009e-308, 2.2250738585072014e-308, -2.2250738585072014e-308,
  1.7976931348623157e308, -1.7976931348623157e308, 1e-300, -1e-300, 1, -1, 0.5, -0.5, 0.625, -0.625, 2 ** -28, -(2 ** -28),
  709.782712893384, 709.7827128933841, 710, -708.3964185322641, -708.4, -745.1332191019411, -745.1332191019412, -746, 1e3, -1e3,
  19, 20, 22, 37, -37, 40, 88.72283935546875, 88.72284, -87.33654, -103.97208, -104, 200, -200, 800, -800,
  Math.PI, -Math.PI, Math.PI / 2, Math.PI / 4, 1.6e6, -1.6e6, 1.6000000000000002e6, 1e6, 1e22, -1e22, 2 ** 60, 1e300,
];

it("exports the array kernels and the vector functions fused kernels will call", () => {
  const names = WebAssembly.Module.exports(new WebAssembly.Module(binary)).map((e) => e.name);
  for (const op of OPS) {
    for (const dtype of ["f64", "f32"]) {
      expect(typeof math.exports[`${op}_${dtype}`], `${op}_${dtype}`).toBe("function");
      expect(names, `${op}_v128_${dtype}`).toContain(`${op}_v128_${dtype}`);
    }
  }
});

describe.each(["f64", "f32"] as const)("%s kernels", (dtype) => {
  describe.each(OPS)("%s", (op) => {
    it(`stays within its bound over log-spaced magnitudes of both signs`, () => {
      const [minExponent, maxExponent] = dtype === "f64" ? [-1074, 1023] : [-149, 127];
      expectWithinBound(op, dtype, logSpaced(40_000, minExponent, maxExponent, 1 + op.length));
    });

    it(`stays within its bound where it bends`, () => {
      for (const [k, [lo, hi]] of DENSE[op].entries()) expectWithinBound(op, dtype, linear(40_000, lo, hi, 7 * k + op.length));
      if (op === "sin" || op === "cos") expectWithinBound(op, dtype, nearQuadrants(4000, 3));
    });

    it(`is right on the edges`, () => {
      const xs = [...EDGES, ...EDGES.map((x) => nextUp(x, 1)), ...EDGES.map((x) => nextUp(x, -1))];
      expectWithinBound(op, dtype, xs);
    });

    it(`stays within its bound on random bit patterns`, () => {
      const values = dtype === "f64" ? fc.double() : fc.float();
      fc.assert(
        fc.property(fc.array(values, { minLength: 1, maxLength: 64 }), (xs) => worst(op, dtype, xs).excess <= 0),
        { numRuns: 100, seed: 19 },
      );
    });

    it(`works on arrays at any element address, 16-byte aligned or not`, () => {
      const { src, dst, bytes } = arrays(dtype);
      const xs = Array.from({ length: 37 }, (_, i) => (op === "log" || op === "log1p" ? 0.3 * (i + 1) : 0.7 * i - 12));
      const aligned = run(op, dtype, xs);
      src.set(xs, 1);
      math.exports[`${op}_${dtype}`](math.base + bytes, math.base + 8 * CAPACITY + 3 * bytes, xs.length);
      expect(Array.from(dst.subarray(3, 3 + xs.length))).toEqual(aligned);
    });

    it(`handles any length, in place or not`, () => {
      const { src, dst } = arrays(dtype);
      const next = random(11);
      for (const n of [0, 1, 2, 3, 5, 1001]) {
        const xs = Array.from({ length: n }, () => (op === "log" || op === "log1p" ? 10 * next() : 20 * next() - 10));
        const expected = xs.map((x) => want(op, dtype, dtype === "f64" ? x : Math.fround(x)));
        dst.fill(12345, 0, n + 4);
        src.fill(-4321, n, n + 4);
        const got = run(op, dtype, xs);
        expect(got.every((y, i) => ulps(y, expected[i], dtype) <= boundAt(op, dtype, xs[i]))).toBe(true);
        expect(Array.from(dst.subarray(n, n + 4))).toEqual([12345, 12345, 12345, 12345]); // nothing written past n
        expect(run(op, dtype, xs, true)).toEqual(got);
        expect(Array.from(src.subarray(n, n + 4))).toEqual([-4321, -4321, -4321, -4321]);
      }
    });
  });
});
