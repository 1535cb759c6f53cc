// Element types: what storage an NDArray has and what an operation's result gets.

export type DType = "float64" | "float32" | "int32" | "bool";

export type TypedArray = Float64Array | Float32Array | Int32Array | Uint8Array;

const constructors = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && Object.prototype.hasOwnProperty.call(constructors, x);
}

export function checkDType(op: string, dtype: unknown): DType {
  if (dtype === undefined) return "float64";
  if (!isDType(dtype)) {
    throw new Error(`${op}: unknown dtype ${JSON.stringify(dtype)}; use 'float64', 'float32', 'int32' or 'bool'`);
  }
  return dtype;
}

export function allocate(dtype: DType, size: number): TypedArray {
  // One `new` per type: each site stays monomorphic (V8 inlines small allocations).
  if (dtype === "float64") return new Float64Array(size);
  if (dtype === "float32") return new Float32Array(size);
  if (dtype === "int32") return new Int32Array(size);
  if (dtype === "bool") return new Uint8Array(size);
  return new (constructors as unknown as Record<string, new (n: number) => TypedArray>)[dtype](size); // an unknown dtype: throws as before
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint8Array) return "bool";
  const name = (data as object)?.constructor?.name ?? typeof data;
  throw new Error(`NDArray: storage must be a Float64Array, Float32Array, Int32Array or Uint8Array (bool), got ${name}`);
}

/** NumPy's "same kind" rule for writing into an existing array: no float into an
 * integer or bool array, no integer into a bool array. */
export function checkCast(op: string, from: DType, to: DType): void {
  const rank = { bool: 0, int32: 1, float32: 2, float64: 2 } as const;
  if (rank[from] > rank[to]) throw new Error(`${op}: cannot write ${from} values into an array of ${to}`);
}

export const isFloat = (d: DType): boolean => d === "float64" || d === "float32";

/** The result type of arithmetic on two operands (NumPy 2 rules, with JS numbers as
 * "weak" scalars that never widen a float32 array; an int32/bool array meeting a
 * non-integral number becomes float64). */
export function promote(a: DType | number, b: DType | number): DType {
  if (typeof a === "number" && typeof b === "number") return "float64";
  if (typeof a === "number") return promote(b, a);
  if (typeof b === "number") {
    if (isFloat(a)) return a;
    return Number.isInteger(b) ? "int32" : "float64";
  }
  if (a === "float64" || b === "float64") return "float64";
  if (a === "float32" || b === "float32") return isFloat(a) && isFloat(b) ? "float32" : "float64";
  return "int32";
}

/** The result type of a transcendental function of `a` (always a float). */
export const floatOf = (a: DType | number): DType => (a === "float32" ? "float32" : "float64");
