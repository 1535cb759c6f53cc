// Which derivatives the module defines, read from the user's source: each top-level
// `const df = grad(f)`, `grad(grad(f))`, `grad(df)`, `valueAndGrad(f)` or `hessian(f)`
// whose function is a top-level function of the module. The page evaluates these by name
// and checks each against finite differences of f.
import { parse } from "@babel/parser";
import type * as t from "@babel/types";

export interface DerivativeSite {
  /** The binding the derivative is assigned to. */
  name: string;
  /** The top-level function it differentiates. */
  of: string;
  order: 1 | 2;
  /** The parameter it differentiates with respect to. */
  wrt: number;
  /** valueAndGrad: the result is [value, gradient]. */
  pair: boolean;
}

const MARKERS = ["grad", "valueAndGrad", "hessian"] as const;
type Marker = (typeof MARKERS)[number];

/** The module's derivative sites, in source order; a source that does not parse has none. */
export function derivativeSites(source: string): DerivativeSite[] {
  let program: t.Program;
  try {
    program = parse(source, { sourceType: "module", plugins: ["typescript"], errorRecovery: true }).program;
  } catch {
    return [];
  }
  const markers = new Map<string, Marker>();
  const functions = new Set<string>();
  const declarators: t.VariableDeclarator[] = [];
  for (const node of program.body) {
    const statement = node.type === "ExportNamedDeclaration" && node.declaration ? node.declaration : node;
    if (statement.type === "ImportDeclaration" && statement.source.value === "adjoint") {
      for (const s of statement.specifiers) {
        const imported = s.type === "ImportSpecifier" && s.imported.type === "Identifier" ? s.imported.name : "";
        if ((MARKERS as readonly string[]).includes(imported)) markers.set(s.local.name, imported as Marker);
      }
    } else if (statement.type === "FunctionDeclaration" && statement.id) {
      functions.add(statement.id.name);
    } else if (statement.type === "VariableDeclaration") {
      for (const d of statement.declarations) {
        if (d.id.type !== "Identifier") continue;
        if (d.init?.type === "ArrowFunctionExpression" || d.init?.type === "FunctionExpression") functions.add(d.id.name);
        else if (d.init?.type === "CallExpression") declarators.push(d);
      }
    }
  }
  const sites = new Map<string, DerivativeSite>();
  /** What a marker call differentiates, or undefined for anything the page cannot evaluate. */
  const siteOf = (call: t.CallExpression): Omit<DerivativeSite, "name"> | undefined => {
    const marker = call.callee.type === "Identifier" ? markers.get(call.callee.name) : undefined;
    const [target, options] = call.arguments;
    const wrt = wrtOption(options);
    if (!marker || !target || wrt === undefined) return undefined;
    const inner = target.type === "CallExpression" ? siteOf(target) : target.type === "Identifier" ? sites.get(target.name) : undefined;
    if (target.type === "Identifier" && functions.has(target.name)) return { of: target.name, order: marker === "hessian" ? 2 : 1, wrt, pair: marker === "valueAndGrad" };
    // grad of a first derivative (of the same parameter) is the second.
    if (marker === "grad" && inner && inner.order === 1 && !inner.pair && inner.wrt === wrt) return { of: inner.of, order: 2, wrt, pair: false };
    return undefined;
  };
  for (const d of declarators) {
    const site = siteOf(d.init as t.CallExpression);
    if (site) sites.set((d.id as t.Identifier).name, { name: (d.id as t.Identifier).name, ...site });
  }
  return [...sites.values()];
}

/** `{ wrt: k }` as k (0 without options); undefined for a list of parameters or anything else. */
function wrtOption(options: t.CallExpression["arguments"][number] | undefined): number | undefined {
  if (!options) return 0;
  if (options.type !== "ObjectExpression") return undefined;
  const property = options.properties.find((p): p is t.ObjectProperty => p.type === "ObjectProperty" && p.key.type === "Identifier" && p.key.name === "wrt");
  if (!property) return 0;
  return property.value.type === "NumericLiteral" ? property.value.value : undefined;
}
