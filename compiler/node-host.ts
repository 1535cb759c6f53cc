// Node's built-in modules, reached through `process` rather than imported by name, so the
// engine also bundles for a browser (the playground), where there is no Node and this is undefined.
interface NodeBuiltins {
  "node:module": typeof import("node:module");
  "node:path": typeof import("node:path");
}

export function nodeBuiltin<ID extends keyof NodeBuiltins>(id: ID): NodeBuiltins[ID] | undefined {
  const host = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  return host?.getBuiltinModule?.(id) as NodeBuiltins[ID] | undefined;
}
