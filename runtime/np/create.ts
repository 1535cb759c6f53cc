// Creating arrays: from nested JS arrays, filled, ranges, identity.
import { allocate, checkDType, type DType, type TypedArray } from "./dtype.js";
import { astype, copy } from "./elementwise.js";
import { NDArray } from "./ndarray.js";
import { checkShape, sizeOf, type Shape } from "./shape.js";
import { stack } from "./shapeops.js";

type Nested = number | boolean | NDArray | readonly Nested[];
/** Typed arrays `array` accepts; the other integer ones are converted to float64. */
type AnyTypedArray = TypedArray | Int8Array | Int16Array | Uint16Array | Uint32Array | Uint8ClampedArray;

/** An NDArray from nested JS arrays (booleans give a bool array), a typed array
 * (1-D, sharing nothing), an NDArray (copied) or a number (0-d). */
export function array(value: Nested | NDArray | AnyTypedArray, dtype?: DType): NDArray {
  if (value instanceof NDArray) return dtype === undefined || dtype === value.dtype ? copy(value) : astype(value, dtype);
  if (ArrayBuffer.isView(value)) {
    if (!(value instanceof Float64Array || value instanceof Float32Array || value instanceof Int32Array || value instanceof Uint8Array)) {
      return array(Array.from(value), dtype);
    }
    const out = new NDArray(value.slice(), [value.length]);
    return dtype === undefined || dtype === out.dtype ? out : astype(out, dtype);
  }
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof NDArray)) {
    return astype(stack(value as unknown as NDArray[]), dtype ?? (value[0] as NDArray).dtype);
  }
  const shape: number[] = [];
  for (let v: Nested = value; Array.isArray(v); v = (v as readonly Nested[])[0]) shape.push(v.length);
  const flat: (number | boolean)[] = [];
  let sawBool = false;
  const walk = (v: Nested, d: number): void => {
    if (d === shape.length) {
      if (typeof v === "boolean") sawBool = true;
      else if (typeof v !== "number") throw new Error(`array: elements must be numbers or booleans, got ${typeof v}`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d]) {
      throw new Error(`array: ragged nested list; expected a list of length ${shape[d]} at depth ${d}`);
    }
    for (const x of v) walk(x, d + 1);
  };
  walk(value, 0);
  const data = allocate(checkDType("array", dtype ?? (sawBool ? "bool" : "float64")), flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = Number(flat[i]);
  return new NDArray(data, shape);
}

/** `x` itself when it is an NDArray, else `array(x)`. */
export function asarray(x: Nested | NDArray | AnyTypedArray, dtype?: DType): NDArray {
  return x instanceof NDArray && (dtype === undefined || dtype === x.dtype) ? x : array(x, dtype);
}

function filled(op: string, shape: number | Shape, value: number | boolean, dtype?: DType): NDArray {
  const s = checkShape(op, shape);
  const d = checkDType(op, dtype ?? (typeof value === "boolean" ? "bool" : "float64"));
  const data = allocate(d, sizeOf(s));
  if (value !== 0 && value !== false) data.fill(Number(value));
  return new NDArray(data, s);
}
export const full = (shape: number | Shape, value: number | boolean, dtype?: DType): NDArray => filled("full", shape, value, dtype);
export const zeros = (shape: number | Shape, dtype?: DType): NDArray => filled("zeros", shape, 0, dtype);
export const ones = (shape: number | Shape, dtype?: DType): NDArray => filled("ones", shape, 1, dtype);
/** NumPy's `empty`; here it is zero-filled (typed arrays always are). */
export const empty = zeros;

export const fullLike = (x: NDArray, value: number | boolean, dtype?: DType): NDArray =>
  filled("fullLike", x.shape, value, dtype ?? x.dtype);
export const zerosLike = (x: NDArray, dtype?: DType): NDArray => filled("zerosLike", x.shape, 0, dtype ?? x.dtype);
export const onesLike = (x: NDArray, dtype?: DType): NDArray => filled("onesLike", x.shape, 1, dtype ?? x.dtype);
export const emptyLike = zerosLike;

function finite(op: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${op}: ${name} must be a finite number, got ${v}`);
  }
}

/** `arange(stop)`, `arange(start, stop, step = 1)`: float64 unless asked (as MXNet). */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): NDArray {
  if (stop === undefined) [start, stop] = [0, start];
  finite("arange", { start, stop, step });
  if (step === 0) throw new Error("arange: step must not be zero");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocate(checkDType("arange", dtype), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new NDArray(data, [n]);
}

/** `num` evenly spaced values from `start` to `stop` (included unless `endpoint` is false). */
export function linspace(start: number, stop: number, num = 50, endpoint = true, dtype?: DType): NDArray {
  finite("linspace", { start, stop });
  if (!Number.isInteger(num) || num < 0) throw new Error(`linspace: num must be a non-negative integer, got ${num}`);
  const data = allocate(checkDType("linspace", dtype), num);
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (endpoint && num > 1) data[num - 1] = stop;
  return new NDArray(data, [num]);
}

/** An `n` x `m` array with ones on diagonal `k`. */
export function eye(n: number, m = n, k = 0, dtype?: DType): NDArray {
  const out = zeros([n, m], dtype);
  for (let i = Math.max(0, -k); i < n && i + k < m; i++) out.data[i * m + i + k] = 1;
  return out;
}
