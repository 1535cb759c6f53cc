// Elementwise operations with NumPy broadcasting, and their adjoints beside them.
import { allocate, checkCast, floatOf, promote, type DType } from "./dtype.js";
import { backend } from "./backend/index.js";
import { dtypeCode, iterate, kernelFor, type Arity, type Kernel, type Operand } from "./kernels.js";
import { NDArray, operand, type ArrayOrScalar } from "./ndarray.js";
import { broadcastShapes, broadcastStrides, formatShape, sameShape, sizeOf } from "./shape.js";
import {
  addInto, disown, fresh, isOwned, rule, tangentType, unbroadcast, withJvp, type AdjointRule, type ArrayMeta, type Jvp, type Tangent,
} from "./vjp.js";

type Scalar = (...x: number[]) => number;

const dtypeOfOperand = (x: ArrayOrScalar): DType | number => (typeof x === "number" ? x : x.dtype);

/** Applies scalar function `f` elementwise over the broadcast of `inputs`, into a new
 * array of `dtype` or into `out` (which must have the broadcast shape). */
export function elementwise(op: string, f: Scalar, inputs: readonly ArrayOrScalar[], dtype: DType, out?: NDArray): NDArray {
  return sameShapeOperands(inputs, out) ? flatElementwise(op, f, inputs, dtype, out, undefined) : broadcastElementwise(op, f, inputs, dtype, out);
}

/** An operation's last kernel and its key: most calls of an operation see the same types. */
interface LastKernel {
  key: number;
  kernel: Kernel | undefined;
}

/** `elementwise`, for an operation that keeps its last kernel in `last`. */
function elementwiseOp(op: string, f: Scalar, inputs: readonly ArrayOrScalar[], dtype: DType, out: NDArray | undefined, last: LastKernel): NDArray {
  return sameShapeOperands(inputs, out) ? flatElementwise(op, f, inputs, dtype, out, last) : broadcastElementwise(op, f, inputs, dtype, out);
}

/** Whether every array operand (and `out`) is contiguous with one shape, and the rest are
 * numbers or 0-d arrays: the common case, run without broadcasting or building 0-d arrays. */
function sameShapeOperands(inputs: readonly ArrayOrScalar[], out: NDArray | undefined): boolean {
  const n = inputs.length;
  if (n > 3) return false;
  let shape: readonly number[] | undefined = out?.shape;
  if (out !== undefined && !out.isContiguous) return false;
  let arrays = 0;
  for (let i = 0; i < n; i++) {
    const x = inputs[i];
    if (x instanceof NDArray) {
      if (x.ndim === 0) continue; // broadcasts to any shape, one element read with stride 0
      if (shape === undefined) shape = x.shape;
      else if (x.shape !== shape && !sameShape(x.shape, shape)) return false;
      if (!x.isContiguous && !uniform(x)) return false;
      arrays++;
    } else if (typeof x !== "number") return false;
  }
  // Numbers alone make a 0-d result: a larger `out` is an error, reported by the general path.
  return arrays > 0 || out === undefined || out.ndim === 0;
}

/** One element repeated (every stride 0: a broadcast number, `sum`'s adjoint): read with stride 0. */
function uniform(x: NDArray): boolean {
  const strides = x.strides;
  for (let d = 0; d < strides.length; d++) if (strides[d] !== 0) return false;
  return x.size > 0;
}

// Numbers as kernel operands: one element read with stride 0, from a buffer per operand
// position and per depth (a scalar function may itself call an operation).
let depth = 0;
const scalars: Float64Array[] = [];
function scalarData(position: number, x: number): Float64Array {
  const k = depth * 3 + position;
  const data = scalars[k] ?? (scalars[k] = new Float64Array(1));
  data[0] = x;
  return data;
}

const ARITIES: readonly Arity[] = ["unary", "binary", "ternary", "quaternary"];

function flatElementwise(op: string, f: Scalar, inputs: readonly ArrayOrScalar[], dtype: DType, out: NDArray | undefined, last: LastKernel | undefined): NDArray {
  const n = inputs.length;
  if (out === undefined) {
    let shape: readonly number[] = [];
    for (let i = 0; i < n; i++) {
      const x = inputs[i];
      if (typeof x !== "number" && x.ndim > 0) {
        shape = x.shape;
        break;
      }
    }
    out = new NDArray(allocate(dtype, sizeOf(shape)), shape);
  } else checkCast(op, dtype, out.dtype);
  // The key of the kernel: the storage types of out and of each operand (a number is float64).
  let key = 4 + dtypeCode[out.dtype];
  for (let i = 0; i < n; i++) {
    const x = inputs[i];
    key = key * 4 + (typeof x === "number" ? 0 : dtypeCode[x.dtype]);
  }
  let kernel: Kernel;
  if (last !== undefined && last.key === key) kernel = last.kernel!;
  else {
    kernel = kernelFor(ARITIES[n - 1], f, key);
    if (last !== undefined) [last.key, last.kernel] = [key, kernel];
  }
  depth++;
  try {
    const size = out.size;
    const a = inputs[0];
    const ad = typeof a === "number" ? scalarData(0, a) : a.data;
    const ao = typeof a === "number" ? 0 : a.offset;
    const as = typeof a === "number" || size === 1 || a.ndim === 0 || !a.isContiguous ? 0 : 1;
    if (n === 1) {
      kernel(size, out.data, out.offset, 1, ad, ao, as);
      return out;
    }
    const b = inputs[1];
    const bd = typeof b === "number" ? scalarData(1, b) : b.data;
    const bo = typeof b === "number" ? 0 : b.offset;
    const bs = typeof b === "number" || size === 1 || b.ndim === 0 || !b.isContiguous ? 0 : 1;
    if (n === 2) {
      kernel(size, out.data, out.offset, 1, ad, ao, as, bd, bo, bs);
      return out;
    }
    const c = inputs[2];
    const cd = typeof c === "number" ? scalarData(2, c) : c.data;
    const co = typeof c === "number" ? 0 : c.offset;
    const cs = typeof c === "number" || size === 1 || c.ndim === 0 || !c.isContiguous ? 0 : 1;
    kernel(size, out.data, out.offset, 1, ad, ao, as, bd, bo, bs, cd, co, cs);
    return out;
  } finally {
    depth--;
  }
}

function broadcastElementwise(op: string, f: Scalar, inputs: readonly ArrayOrScalar[], dtype: DType, out?: NDArray): NDArray {
  const arrays = inputs.map((x) => operand(op, x));
  const shape = broadcastShapes(op, ...arrays.map((a) => a.shape));
  if (out === undefined) out = new NDArray(allocate(dtype, sizeOf(shape)), shape);
  else {
    if (!sameShape(out.shape, shape)) {
      throw new Error(`${op}: out has shape ${formatShape(out.shape)} but the result has shape ${formatShape(shape)}`);
    }
    checkCast(op, dtype, out.dtype);
  }
  let key = 4 + dtypeCode[out.dtype];
  for (let i = 0; i < arrays.length; i++) key = key * 4 + dtypeCode[arrays[i].dtype];
  const kernel = kernelFor(ARITIES[arrays.length - 1], f, key);
  // Fast path: every operand contiguous, of the full shape or a single element.
  const flat = out.isContiguous && arrays.every((a) => a.size === 1 || (a.isContiguous && sameShape(a.shape, shape)));
  if (flat) {
    const args: unknown[] = [out.size, out.data, out.offset, 1];
    for (const a of arrays) args.push(a.data, a.offset, a.size === 1 ? 0 : 1);
    (kernel as (...a: unknown[]) => void)(...args);
    return out;
  }
  iterate(kernel, shape, [out, ...arrays].map((a) => ({
    data: a.data,
    offset: a.offset,
    strides: broadcastStrides(a.shape, a.strides, shape),
  })));
  return out;
}

const sameType = (x: ArrayOrScalar): DType => {
  const d = dtypeOfOperand(x);
  return typeof d === "number" ? "float64" : d === "bool" ? "int32" : d;
};
const floatType = (x: ArrayOrScalar): DType => floatOf(dtypeOfOperand(x));

function unary(name: string, f: (a: number) => number, type: (x: ArrayOrScalar) => DType = floatType) {
  const last: LastKernel = { key: -1, kernel: undefined };
  return (x: ArrayOrScalar, out?: NDArray): NDArray => {
    const dtype = type(x);
    return (large(x) && onBackend(name, [x], dtype, out)) || elementwiseOp(name, f, [x], dtype, out, last);
  };
}
function binary(name: string, f: (a: number, b: number) => number, type: (a: ArrayOrScalar, b: ArrayOrScalar) => DType) {
  const last: LastKernel = { key: -1, kernel: undefined };
  return (a: ArrayOrScalar, b: ArrayOrScalar, out?: NDArray): NDArray => {
    const dtype = type(a, b);
    return ((large(a) || large(b)) && onBackend(name, [a, b], dtype, out)) || elementwiseOp(name, f, [a, b], dtype, out, last);
  };
}

/** Whether `x` is an array large enough for the active backend's kernels. */
const large = (x: ArrayOrScalar): boolean => typeof x !== "number" && x.size >= backend().minSize;

/** `op` by the active backend (see backend/index.ts), or undefined where it has no kernel
 * for it: the backend takes float arrays of the result's type, and numbers. */
function onBackend(op: string, inputs: readonly ArrayOrScalar[], dtype: DType, out: NDArray | undefined): NDArray | undefined {
  const b = backend();
  if ((dtype !== "float64" && dtype !== "float32") || !b.has(op)) return undefined;
  for (const x of inputs) if (typeof x !== "number" && x.dtype !== dtype) return undefined;
  const shape = inputs.length === 1 ? (inputs[0] as NDArray).shape : broadcastShapes(op, ...inputs.map((x) => (typeof x === "number" ? [] : x.shape)));
  if (out !== undefined && (out.dtype !== dtype || !sameShape(out.shape, shape))) return undefined; // the JS path reports it
  out ??= new NDArray(allocate(dtype, sizeOf(shape)), shape);
  const target = { data: out.data, offset: out.offset, strides: out.strides };
  const operands = inputs.map((x) => (typeof x === "number" ? x : { data: x.data, offset: x.offset, strides: broadcastStrides(x.shape, x.strides, shape) }));
  const done = operands.length === 1 ? b.unary(op, shape, target, operands[0] as Operand) : b.binary(op, shape, target, operands[0], operands[1]);
  return done ? out : undefined;
}

const promoted = (a: ArrayOrScalar, b: ArrayOrScalar) => promote(dtypeOfOperand(a), dtypeOfOperand(b));
const promotedFloat = (a: ArrayOrScalar, b: ArrayOrScalar) => floatOf(promoted(a, b));
const boolType = () => "bool" as const;

// Every unary and binary operation takes an optional `out` array to write into.
export const neg = unary("neg", (a) => -a, sameType);
export const abs = unary("abs", (a) => Math.abs(a), sameType);
export const sign = unary("sign", (a) => (a > 0 ? 1 : a < 0 ? -1 : a), sameType);
export const square = unary("square", (a) => a * a, sameType);
export const relu = unary("relu", (a) => (a > 0 ? a : a !== a ? a : 0), sameType);
export const exp = unary("exp", (a) => Math.exp(a));
export const log = unary("log", (a) => Math.log(a));
export const log1p = unary("log1p", (a) => Math.log1p(a));
export const expm1 = unary("expm1", (a) => Math.expm1(a));
export const sqrt = unary("sqrt", (a) => Math.sqrt(a));
export const sin = unary("sin", (a) => Math.sin(a));
export const cos = unary("cos", (a) => Math.cos(a));
export const tan = unary("tan", (a) => Math.tan(a));
export const tanh = unary("tanh", (a) => Math.tanh(a));
export const sinh = unary("sinh", (a) => Math.sinh(a));
export const cosh = unary("cosh", (a) => Math.cosh(a));
export const asin = unary("asin", (a) => Math.asin(a));
export const acos = unary("acos", (a) => Math.acos(a));
export const atan = unary("atan", (a) => Math.atan(a));
export const log2 = unary("log2", (a) => Math.log2(a));
export const log10 = unary("log10", (a) => Math.log10(a));
/** log(1 + e^x), as x + log1p(e^-x) for x > 0 so that large x does not overflow. */
export const softplus = unary("softplus", (a) => (a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a))));
export const sigmoid = unary("sigmoid", (a) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))));
export const floor = unary("floor", (a) => Math.floor(a), sameType);
export const ceil = unary("ceil", (a) => Math.ceil(a), sameType);
export const round = unary("round", (a) => a - Math.floor(a) === 0.5 ? 2 * Math.round(a / 2) : Math.round(a), sameType);
export const logicalNot = unary("logicalNot", (a) => (a === 0 ? 1 : 0), boolType);

export const add = binary("add", (a, b) => a + b, promoted);
export const sub = binary("sub", (a, b) => a - b, promoted);
export const mul = binary("mul", (a, b) => a * b, promoted);
export const div = binary("div", (a, b) => a / b, promotedFloat);
export const pow = binary("pow", (a, b) => Math.pow(a, b), promoted);
/** NumPy's name for `pow`. */
export const power = pow;
/** The angle of the point (x, y): NumPy's `arctan2(y, x)`. */
export const arctan2 = binary("arctan2", (y, x) => Math.atan2(y, x), promotedFloat);
/** Elementwise maximum; NaN wins, as in NumPy. */
export const maximum = binary("maximum", (a, b) => (a > b || a !== a ? a : b), promoted);
export const minimum = binary("minimum", (a, b) => (a < b || a !== a ? a : b), promoted);
export const equal = binary("equal", (a, b) => (a === b ? 1 : 0), boolType);
export const notEqual = binary("notEqual", (a, b) => (a !== b ? 1 : 0), boolType);
export const less = binary("less", (a, b) => (a < b ? 1 : 0), boolType);
export const lessEqual = binary("lessEqual", (a, b) => (a <= b ? 1 : 0), boolType);
export const greater = binary("greater", (a, b) => (a > b ? 1 : 0), boolType);
export const greaterEqual = binary("greaterEqual", (a, b) => (a >= b ? 1 : 0), boolType);
export const logicalAnd = binary("logicalAnd", (a, b) => (a !== 0 && b !== 0 ? 1 : 0), boolType);
export const logicalOr = binary("logicalOr", (a, b) => (a !== 0 || b !== 0 ? 1 : 0), boolType);

const pick = (c: number, a: number, b: number) => (c !== 0 ? a : b);
/** `x` where `condition` is true (non-zero), else `y`. */
export function where(condition: ArrayOrScalar, x: ArrayOrScalar, y: ArrayOrScalar): NDArray {
  return elementwise("where", pick, [condition, x, y], promoted(x, y));
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);
/** `minimum(maximum(x, min), max)`; `null` leaves that side open. */
export function clip(x: ArrayOrScalar, min: ArrayOrScalar | null, max: ArrayOrScalar | null): NDArray {
  if (min === null && max === null) throw new Error("clip: one of min and max must be given");
  const type = promote(promoted(x, min ?? x), dtypeOfOperand(max ?? x));
  return elementwise("clip", clamp, [x, min ?? -Infinity, max ?? Infinity], type);
}

const identity = (a: number) => a;
const truthy = (a: number) => (a !== 0 ? 1 : 0);
/** A contiguous copy of `x` (into `out` if given). */
export const copy = (x: NDArray, out?: NDArray): NDArray => elementwise("copy", identity, [x], x.dtype, out);
/** A copy converted to `dtype` (to bool: non-zero is true). */
export const astype = (x: NDArray, dtype: DType): NDArray =>
  elementwise("astype", dtype === "bool" ? truthy : identity, [x], dtype);

// ---------------------------------------------------------------- adjoints
// Fused scalar rules: one pass computes each adjoint (dout * f'(x)).
const gradOf = {
  abs: (g: number, x: number) => (x > 0 ? g : x < 0 ? -g : 0),
  exp: (g: number, out: number) => g * out,
  log: (g: number, x: number) => g / x,
  log1p: (g: number, x: number) => g / (1 + x),
  expm1: (g: number, out: number) => g * (out + 1),
  sqrt: (g: number, out: number) => g / (2 * out),
  sin: (g: number, x: number) => g * Math.cos(x),
  cos: (g: number, x: number) => -g * Math.sin(x),
  tan: (g: number, out: number) => g * (1 + out * out),
  tanh: (g: number, out: number) => g * (1 - out * out),
  sinh: (g: number, x: number) => g * Math.cosh(x),
  cosh: (g: number, x: number) => g * Math.sinh(x),
  asin: (g: number, x: number) => g / Math.sqrt(1 - x * x),
  acos: (g: number, x: number) => -g / Math.sqrt(1 - x * x),
  atan: (g: number, x: number) => g / (1 + x * x),
  sigmoid: (g: number, out: number) => g * out * (1 - out),
  log2: (g: number, x: number) => g / (x * Math.LN2),
  log10: (g: number, x: number) => g / (x * Math.LN10),
  softplus: (g: number, x: number) => g * (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  // atan2(y, x): d/dy = x / (x² + y²), d/dx = -y / (x² + y²); 0/0 (NaN) at the origin, as JAX
  atan2Y: (g: number, y: number, x: number) => (g * x) / (x * x + y * y),
  atan2X: (g: number, y: number, x: number) => (-g * y) / (x * x + y * y),
  relu: (g: number, x: number) => (x > 0 ? g : 0),
  square: (g: number, x: number) => 2 * g * x,
  divB: (g: number, out: number, b: number) => (-g * out) / b,
  // b * a^(b-1) is b * out / a, one division instead of a second pow (except at a = 0)
  powA: (g: number, a: number, b: number, out: number) => (b === 0 ? 0 : a !== 0 ? (g * b * out) / a : g * b * Math.pow(a, b - 1)),
  powB: (g: number, out: number, a: number) => (a === 0 ? 0 : g * out * Math.log(a)),
  maxA: (g: number, a: number, b: number) => (a >= b || a !== a ? g : 0),
  maxB: (g: number, a: number, b: number) => (a >= b || a !== a ? 0 : g),
  minA: (g: number, a: number, b: number) => (a <= b || a !== a ? g : 0),
  minB: (g: number, a: number, b: number) => (a <= b || a !== a ? 0 : g),
  clipX: (g: number, x: number, lo: number, hi: number) => (x >= lo && x <= hi ? g : 0),
  clipLo: (g: number, x: number, lo: number) => (x < lo ? g : 0),
  clipHi: (g: number, x: number, hi: number) => (x > hi ? g : 0),
  whereX: (g: number, c: number) => (c !== 0 ? g : 0),
  whereY: (g: number, c: number) => (c !== 0 ? 0 : g),
};

/** The adjoint of a fused rule, summed back to `target`'s shape (a new array). */
function fused(f: Scalar, inputs: ArrayOrScalar[], dout: NDArray, target: ArrayOrScalar): NDArray | number {
  return fresh(unbroadcast(elementwise("vjp", f, [dout, ...inputs], dout.dtype), target));
}
/** `dout` summed back to `target`'s shape: `dout` itself when the shapes agree, else a new array. */
const passed = (g: NDArray, target: ArrayOrScalar): NDArray | number => {
  const r = unbroadcast(g, target);
  return r === g ? r : fresh(r);
};
/** `dout * other` summed back to `target`'s shape, a new array. */
const product = (g: NDArray, other: ArrayOrScalar, target: ArrayOrScalar): NDArray | number => fresh(unbroadcast(mul(g, other), target));
/** Whether `dout` can take an adjoint in place: it is owned (see vjp.ts: nothing else holds
 * it), contiguous, of the adjoint's shape and storage type, and no input shares its storage. */
function reusable(g: NDArray, inputs: readonly ArrayOrScalar[], target: ArrayOrScalar, dtype: DType): boolean {
  if (!(target instanceof NDArray) || g.dtype !== dtype || !isOwned(g) || !sameShape(target.shape, g.shape) || !g.isContiguous) return false;
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i];
    if (typeof x !== "number" && (x.data === g.data || !sameShape(x.shape, g.shape))) return false;
  }
  return true;
}
const NO_INPUTS: readonly ArrayOrScalar[] = [];
/** `fused`, written into `dout` when it is reusable. */
function fusedInPlace(f: Scalar, inputs: ArrayOrScalar[], g: NDArray, target: ArrayOrScalar): NDArray | number {
  return reusable(g, inputs, target, g.dtype) ? elementwise("vjp", f, [g, ...inputs], g.dtype, g) : fused(f, inputs, g, target);
}
/** `product`, written into `dout` when it is reusable. */
function productInPlace(g: NDArray, other: ArrayOrScalar, target: ArrayOrScalar): NDArray | number {
  if (typeof other === "number" && (g.dtype === "float64" || g.dtype === "float32") && reusable(g, NO_INPUTS, target, g.dtype)) {
    // g *= other, the loop mul's kernel runs, without its dispatch (the common `b = b * 2`)
    const data = g.data;
    for (let i = g.offset, end = g.offset + g.size; i < end; i++) data[i] = data[i] * other;
    return g;
  }
  return reusable(g, [other], target, promoted(g, other)) ? mul(g, other, g) : product(g, other, target);
}
/** Both operands are one array (`x * x`) and both adjoints are wanted. */
const sameArray = (a: ArrayOrScalar, b: ArrayOrScalar, need: Need): a is NDArray =>
  a === b && typeof a !== "number" && needs(need, 0) && needs(need, 1);
type Need = readonly boolean[] | undefined;
const needs = (need: Need, i: number) => need === undefined || need[i] !== false;

// ---------------------------------------------------------------- tangents
// Each binary rule's tangent is the sum, over the operands with a tangent t, of the
// function its adjoint applies to dout, applied to t (elementwise, the Jacobian is
// diagonal), or one fused function of all tangents when every operand has one.
const linear = {
  neg: (t: number) => -t,
  scale: (t: number, x: number) => t * x,
  over: (t: number, b: number) => t / b,
  add: (da: number, db: number) => da + db,
  sub: (da: number, db: number) => da - db,
  product: (da: number, db: number, a: number, b: number) => da * b + a * db,
  quotient: (da: number, db: number, out: number, b: number) => (da - db * out) / b,
  max: (da: number, db: number, a: number, b: number) => (a >= b || a !== a ? da : db),
  min: (da: number, db: number, a: number, b: number) => (a <= b || a !== a ? da : db),
};
type Term = readonly [Tangent, Scalar, readonly ArrayOrScalar[]];
const zeroTangent: Jvp = () => undefined;

/** `t` as an operand of `shape` (a stride-0 view where it broadcasts). */
function spread(t: ArrayOrScalar, shape: readonly number[]): ArrayOrScalar {
  if (typeof t === "number") return shape.length === 0 ? t : new NDArray(Float64Array.of(t), shape, shape.map(() => 0));
  if (sameShape(t.shape, shape)) return t;
  return new NDArray(t.data, shape, broadcastStrides(t.shape, t.strides, shape), t.offset);
}

/** The tangent of elementwise output `out`: `f(t, ...inputs)` summed over the terms with a
 * tangent `t`, broadcast to `out`'s shape, in one new array (`all`, of every tangent, when
 * each term has one); `undefined` when none has. */
function pushforward(out: NDArray, terms: readonly Term[], all?: readonly [Scalar, readonly Tangent[]]): NDArray | undefined {
  let result: NDArray | undefined;
  const type = tangentType(out.dtype);
  if (all !== undefined && terms.every(([t]) => t !== undefined)) {
    const [f, inputs] = all;
    return fresh(elementwise("jvp", f, inputs.map((x) => spread(x as ArrayOrScalar, out.shape)), type, new NDArray(allocate(type, out.size), out.shape)));
  }
  for (const [t, f, inputs] of terms) {
    if (t === undefined) continue;
    const operands = [spread(t as ArrayOrScalar, out.shape), ...inputs];
    if (result === undefined) result = elementwise("jvp", f, operands, type, new NDArray(allocate(type, out.size), out.shape));
    else addInto(result, elementwise("jvp", f, operands, type));
  }
  return fresh(result);
}

/** Parameter positions: what a rule reads, or reads only for its shape (see vjp.ts). */
const SHAPE_X = [0] as const;
const SHAPE_AB = [0, 1] as const;

// x is the operand; `usesOut` rules read only the forward output (x may be passed as
// undefined when it is an array: the output has its shape).
// The tangent is `f(dx, x)` (or `f(dx, out)`): the function that gives the adjoint.
const unaryRule = (f: Scalar, usesOut = false, inPlace = false): AdjointRule =>
  withJvp(
    usesOut
      ? rule(["x"], [0], (g, x, out) => [(inPlace ? fusedInPlace : fused)(f, [out], g, x ?? out)], ["out"])
      : rule(["x"], [0], (g, x) => [(inPlace ? fusedInPlace : fused)(f, [x], g, x)], SHAPE_X),
    ([dx], x, out: NDArray) => (dx === undefined ? undefined : fresh(elementwise("jvp", f, [dx as ArrayOrScalar, usesOut ? out : x], tangentType(out.dtype)))),
  );

/** Rules of two operands that never read their output: it need not be kept for them. */
const NOT_OUT2 = [0, 1] as const;

/** `x * y`'s rule; `inPlace`: an owned `dout` takes the last adjoint computed. */
const mulRule = (inPlace: boolean): AdjointRule =>
  withJvp(rule(["a", "b"], [0, 1], (g, a, b, _out, need?: Need) => {
    // x * x: d/dx is 2 g x, one pass and one array, at the first position.
    if (sameArray(a, b, need)) return [(inPlace ? fusedInPlace : fused)(gradOf.square, [a], g, a), undefined];
    const last = inPlace ? productInPlace : product;
    const db = needs(need, 1) ? (needs(need, 0) ? product : last)(g, a, b) : undefined;
    return [needs(need, 0) ? last(g, b, a) : undefined, db];
  }, NOT_OUT2), ([da, db], a, b, out) => pushforward(out, [[da, linear.scale, [b]], [db, linear.scale, [a]]], [linear.product, [da, db, a, b]]));

/** One rule per elementwise primitive: `vjp(dout, ...args, out, need?)`; `need[i] ===
 * false` skips computing adjoint `i` (it is returned as `undefined`). */
export const rules: Record<string, AdjointRule> = {
  neg: withJvp(rule(["x"], [0], (g, x) => [typeof x === "number" ? -sumAll(g) : fresh(neg(g))], [0], SHAPE_X), ([dx], _x, out) => pushforward(out, [[dx, linear.neg, []]])),
  abs: unaryRule(gradOf.abs),
  sign: withJvp(rule(["x"], [0], (g, x) => [zeroAdjoint(x)], [0], SHAPE_X), zeroTangent),
  floor: withJvp(rule(["x"], [0], (g, x) => [zeroAdjoint(x)], [0], SHAPE_X), zeroTangent),
  ceil: withJvp(rule(["x"], [0], (g, x) => [zeroAdjoint(x)], [0], SHAPE_X), zeroTangent),
  round: withJvp(rule(["x"], [0], (g, x) => [zeroAdjoint(x)], [0], SHAPE_X), zeroTangent),
  square: unaryRule(gradOf.square),
  relu: unaryRule(gradOf.relu),
  exp: unaryRule(gradOf.exp, true),
  log: unaryRule(gradOf.log),
  log1p: unaryRule(gradOf.log1p),
  expm1: unaryRule(gradOf.expm1, true),
  sqrt: unaryRule(gradOf.sqrt, true),
  sin: unaryRule(gradOf.sin),
  cos: unaryRule(gradOf.cos),
  tan: unaryRule(gradOf.tan, true),
  tanh: unaryRule(gradOf.tanh, true),
  sinh: unaryRule(gradOf.sinh),
  cosh: unaryRule(gradOf.cosh),
  asin: unaryRule(gradOf.asin),
  acos: unaryRule(gradOf.acos),
  atan: unaryRule(gradOf.atan),
  sigmoid: unaryRule(gradOf.sigmoid, true),
  log2: unaryRule(gradOf.log2),
  log10: unaryRule(gradOf.log10),
  softplus: unaryRule(gradOf.softplus),
  arctan2: withJvp(rule(["y", "x"], [0, 1], (g, y, x, _out, need?: Need) => [
    needs(need, 0) ? fused(gradOf.atan2Y, [y, x], g, y) : undefined,
    needs(need, 1) ? fused(gradOf.atan2X, [y, x], g, x) : undefined,
  ], NOT_OUT2), ([dy, dx], y, x, out) => pushforward(out, [[dy, gradOf.atan2Y, [y, x]], [dx, gradOf.atan2X, [y, x]]])),
  add: withJvp(rule(["a", "b"], [0, 1], (g, a, b, _out, need?: Need) => {
    const da = needs(need, 0) ? passed(g, a) : undefined;
    const db = needs(need, 1) ? passed(g, b) : undefined;
    if (da === db) disown(g); // one array, the adjoint of both operands
    return [da, db];
  }, NOT_OUT2, SHAPE_AB), ([da, db], _a, _b, out) => pushforward(out, [[da, identity, []], [db, identity, []]], [linear.add, [da, db]])),
  sub: withJvp(rule(["a", "b"], [0, 1], (g, a, b, _out, need?: Need) => [
    needs(need, 0) ? passed(g, a) : undefined,
    needs(need, 1) ? fresh(negated(unbroadcast(g, b))) : undefined,
  ], NOT_OUT2, SHAPE_AB), ([da, db], _a, _b, out) => pushforward(out, [[da, identity, []], [db, linear.neg, []]], [linear.sub, [da, db]])),
  mul: mulRule(false),
  div: withJvp(rule(["a", "b"], [0, 1], (g, a, b, out, need?: Need) => [
    needs(need, 0) ? fresh(unbroadcast(div(g, b), a)) : undefined,
    needs(need, 1) ? fused(gradOf.divB, [out, b], g, b) : undefined,
  ], [0, 1, "out"], SHAPE_X), ([da, db], _a, b, out) => pushforward(out, [[da, linear.over, [b]], [db, gradOf.divB, [out, b]]], [linear.quotient, [da, db, out, b]])),
  pow: withJvp(rule(["a", "b"], [0, 1], (g, a, b, out, need?: Need) => [
    needs(need, 0) ? fused(gradOf.powA, [a, b, out], g, a) : undefined,
    needs(need, 1) ? fused(gradOf.powB, [out, a], g, b) : undefined,
  ]), ([da, db], a, b, out) => pushforward(out, [[da, gradOf.powA, [a, b, out]], [db, gradOf.powB, [out, a]]])),
  maximum: withJvp(rule(["a", "b"], [0, 1], (g, a, b, _out, need?: Need) => [
    needs(need, 0) ? fused(gradOf.maxA, [a, b], g, a) : undefined,
    needs(need, 1) ? fused(gradOf.maxB, [a, b], g, b) : undefined,
  ]), ([da, db], a, b, out) => pushforward(out, [[da, gradOf.maxA, [a, b]], [db, gradOf.maxB, [a, b]]], [linear.max, [da, db, a, b]])),
  minimum: withJvp(rule(["a", "b"], [0, 1], (g, a, b, _out, need?: Need) => [
    needs(need, 0) ? fused(gradOf.minA, [a, b], g, a) : undefined,
    needs(need, 1) ? fused(gradOf.minB, [a, b], g, b) : undefined,
  ]), ([da, db], a, b, out) => pushforward(out, [[da, gradOf.minA, [a, b]], [db, gradOf.minB, [a, b]]], [linear.min, [da, db, a, b]])),
  clip: withJvp(rule(["x", "min", "max"], [0, 1, 2], (g, x, lo, hi, _out, need?: Need) => [
    needs(need, 0) ? fused(gradOf.clipX, [x, lo ?? -Infinity, hi ?? Infinity], g, x) : undefined,
    lo !== null && needs(need, 1) ? fused(gradOf.clipLo, [x, lo], g, lo) : undefined,
    hi !== null && needs(need, 2) ? fused(gradOf.clipHi, [x, hi], g, hi) : undefined,
  ]), ([dx, dlo, dhi], x, lo, hi, out) => pushforward(out, [
    [dx, gradOf.clipX, [x, lo ?? -Infinity, hi ?? Infinity]],
    [lo === null ? undefined : dlo, gradOf.clipLo, [x, lo]],
    [hi === null ? undefined : dhi, gradOf.clipHi, [x, hi]],
  ])),
  where: withJvp(rule(["condition", "x", "y"], [1, 2], (g, c, x, y, _out, need?: Need) => [
    undefined,
    needs(need, 1) ? fused(gradOf.whereX, [c], g, x) : undefined,
    needs(need, 2) ? fused(gradOf.whereY, [c], g, y) : undefined,
  ], [0, 1, 2], [1, 2]), ([, dx, dy], c, _x, _y, out) => pushforward(out, [[dx, gradOf.whereX, [c]], [dy, gradOf.whereY, [c]]], [pick, [c, dx, dy]])),
  // The output is a new array: so is the tangent (it may be written, as the output may).
  copy: withJvp(rule(["x"], [0], (g) => [g], []), ([dx], _x, out) => pushforward(out, [[dx, identity, []]])),
  astype: withJvp(rule(["x", "dtype"], [0], (g, x: ArrayMeta) => [g.dtype === x.dtype ? g : fresh(astype(g, x.dtype))], [0, 1], SHAPE_X),
    ([dx], _x, _dtype, out) => pushforward(out, [[dx, identity, []]])),
};

/** @internal The rules generated code calls where they differ from `rules`: an owned `dout`
 * (see vjp.ts; generated code never reads an adjoint again once it has passed it to its
 * rule) is overwritten with the adjoint instead of allocating one. Not for hand-written
 * sweeps, which may read `dout` again. */
export const rulesReusingDout: Record<string, AdjointRule> = {
  mul: mulRule(true),
  ...Object.fromEntries(
    (["abs", "square", "relu", "log", "log1p", "sin", "cos", "sinh", "cosh", "asin", "acos", "atan"] as const).map((name) => [name, unaryRule(gradOf[name], false, true)]),
  ),
  ...Object.fromEntries((["exp", "expm1", "sqrt", "tan", "tanh", "sigmoid"] as const).map((name) => [name, unaryRule(gradOf[name], true, true)])),
};

function sumAll(g: NDArray): number {
  return unbroadcast(g, 0) as number;
}
const negated = (x: NDArray | number) => (typeof x === "number" ? -x : neg(x));
const zeroAdjoint = (x: ArrayMeta | number) =>
  typeof x === "number" ? 0 : fresh(new NDArray(allocate(floatOf(x.dtype), x.size), x.shape));
