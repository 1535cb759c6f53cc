// Node's `assert`, as far as Babel's TypeScript plugin uses it in the browser.
export default function assert(condition: unknown, message?: string): asserts condition {
  if (!condition) throw new Error(message ?? "assertion failed");
}
