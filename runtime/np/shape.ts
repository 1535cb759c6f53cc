// Shape arithmetic shared by every operation: sizes, strides, broadcasting, axes.

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export const formatShape = (shape: Shape): string => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(",")})`);

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function checkShape(op: string, shape: unknown): number[] {
  const list = typeof shape === "number" ? [shape] : shape;
  if (!Array.isArray(list) || !list.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${op}: a shape is a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return list.slice();
}

/** NumPy broadcasting of any number of shapes; throws naming the operation. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  let same = true;
  for (let i = 1; i < shapes.length && same; i++) same = sameShape(shapes[i], shapes[0]);
  if (same) return shapes.length ? shapes[0].slice() : [];
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = s[s.length - 1 - i];
      const j = nd - 1 - i;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new Error(
          `${op}: operands could not be broadcast together with shapes ${shapes.map(formatShape).join(" ")}`,
        );
      }
    }
  }
  return out;
}

/** The strides that read an array of `shape`/`strides` as if it had `target` shape. */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : strides[i];
  return out;
}

/** Normalises an axis (negative counts from the end) or throws naming the operation. */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new Error(`${op}: axis ${axis} is out of bounds for an array of dimension ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** `axis` as a sorted list of distinct non-negative axes; `undefined`/`null` is all. */
export function normalizeAxes(op: string, axis: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axis === undefined || axis === null) {
    const all = new Array<number>(ndim);
    for (let i = 0; i < ndim; i++) all[i] = i;
    return all;
  }
  const list = (typeof axis === "number" ? [axis] : axis).map((a) => normalizeAxis(op, a, ndim));
  if (new Set(list).size !== list.length) throw new Error(`${op}: repeated axis in ${JSON.stringify(axis)}`);
  return list.sort((a, b) => a - b);
}

/** `shape` with the `axes` removed, or set to 1 when `keepdims`. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}
