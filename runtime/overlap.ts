// Whether arrays share memory: the adjoint plumbing and the kept arrays of `out: true` ask it,
// since a typed array argument may be a view (subarray) of another array.

/** Whether two arrays share elements: one array, or typed arrays over overlapping memory. */
export function overlap(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
