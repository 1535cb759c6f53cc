// Seeded, reproducible random numbers: xoshiro128** seeded through splitmix32,
// 53-bit uniforms, normals by the Box-Muller transform.
import { allocate, checkDType, type DType } from "./dtype.js";
import { NDArray } from "./ndarray.js";
import { checkShape, sizeOf, type Shape } from "./shape.js";

const state = new Uint32Array(4);
let spare: number | undefined;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Reseeds the generator; the same seed gives the same numbers on every platform. */
export function seed(n: number): void {
  if (typeof n !== "number" || !Number.isFinite(n) || !Number.isInteger(n)) {
    throw new Error(`random.seed: the seed must be a finite integer, got ${n}`);
  }
  const next = splitmix32((n >>> 0) ^ Math.floor(n / 2 ** 32));
  for (let i = 0; i < 4; i++) state[i] = next();
  spare = undefined;
}
seed(0);

function next32(): number {
  const s = state;
  const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
  const t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}
const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** A uniform double in [0, 1) with 53 random bits. */
export function random(): number {
  return ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
}

function standardNormal(): number {
  if (spare !== undefined) {
    const v = spare;
    spare = undefined;
    return v;
  }
  let u = 0;
  while (u === 0) u = random();
  const r = Math.sqrt(-2 * Math.log(u));
  const theta = 2 * Math.PI * random();
  spare = r * Math.sin(theta);
  return r * Math.cos(theta);
}

function fill(op: string, size: number | Shape | undefined, dtype: DType | undefined, draw: () => number): NDArray {
  const shape = size === undefined ? [] : checkShape(`random.${op}`, size);
  const type = checkDType(`random.${op}`, dtype);
  if (op !== "randint" && type !== "float64" && type !== "float32") {
    throw new Error(`random.${op}: dtype must be 'float64' or 'float32', got '${type}'`);
  }
  const data = allocate(type, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw();
  return new NDArray(data, shape);
}

function checkParams(op: string, params: Record<string, number>): void {
  for (const [name, v] of Object.entries(params)) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`random.${op}: ${name} must be a finite number, got ${v}`);
  }
}

/** Normal samples of the given shape (a 0-d array when `size` is omitted). */
export function normal(loc = 0, scale = 1, size?: number | Shape, dtype?: DType): NDArray {
  checkParams("normal", { loc, scale });
  if (scale < 0) throw new Error(`random.normal: scale must be non-negative, got ${scale}`);
  return fill("normal", size, dtype, () => loc + scale * standardNormal());
}

/** Uniform samples in [low, high). */
export function uniform(low = 0, high = 1, size?: number | Shape, dtype?: DType): NDArray {
  checkParams("uniform", { low, high });
  return fill("uniform", size, dtype, () => low + (high - low) * random());
}

/** `rand(2, 3)`: uniform [0, 1) samples of shape (2, 3). */
export const rand = (...shape: number[]): NDArray => uniform(0, 1, shape);
/** `randn(2, 3)`: standard normal samples of shape (2, 3). */
export const randn = (...shape: number[]): NDArray => normal(0, 1, shape);

/** Integers in [low, high) (int32). */
export function randint(low: number, high?: number, size?: number | Shape): NDArray {
  if (high === undefined) [low, high] = [0, low];
  checkParams("randint", { low, high });
  if (high <= low) throw new Error(`random.randint: low ${low} must be less than high ${high}`);
  return fill("randint", size, "int32", () => low + Math.floor((high! - low) * random()));
}
