// What a module imports and declares, read once before any marker is compiled: the
// markers by their import binding from "adjoint" (ES modules and CommonJS), adjoint/np's
// names, the module's own functions and the functions that carry a vjp at run time.
import type * as t from "@babel/types";
import { unwrap, walk } from "../ast.js";
import { markerNames, type MarkerName, type ModuleContext, type ModuleFunction } from "../ir/context.js";

export function moduleContext(program: t.Program, source: string, filename: string): ModuleContext {
  const ctx: ModuleContext = {
    filename,
    source,
    functions: new Map(),
    attached: new Set(),
    npNamespaces: new Set(),
    typeAliases: new Map(),
    npImports: new Map(),
    markers: new Map(),
    autograd: new Set(),
    namespaces: new Set(),
    reserved: new Set(),
    diagnostics: [],
  };
  walk(program, (node) => {
    if (node.type === "Identifier") ctx.reserved.add(node.name);
  });
  for (const stmt of program.body) {
    if (stmt.type === "ImportDeclaration") {
      if (stmt.importKind === "type") continue;
      for (const spec of stmt.specifiers) {
        if (stmt.source.value === "adjoint/np") {
          if (spec.type === "ImportNamespaceSpecifier") ctx.npNamespaces.add(spec.local.name);
          else if (spec.type === "ImportSpecifier") ctx.npImports.set(spec.local.name, spec.imported.type === "Identifier" ? spec.imported.name : spec.imported.value);
        } else if (stmt.source.value === "adjoint") {
          if (spec.type === "ImportNamespaceSpecifier") ctx.namespaces.add(spec.local.name);
          else if (spec.type === "ImportSpecifier") {
            const imported = spec.imported.type === "Identifier" ? spec.imported.name : spec.imported.value;
            if ((markerNames as readonly string[]).includes(imported)) ctx.markers.set(spec.local.name, imported as MarkerName);
            if (imported === "autograd") ctx.autograd.add(spec.local.name);
          }
        } else if (!(spec.type === "ImportSpecifier" && spec.importKind === "type")) {
          ctx.attached.add(spec.local.name);
        }
      }
    } else if (stmt.type === "VariableDeclaration") {
      // CommonJS: `const { grad } = require("adjoint")`, `const ad = require("adjoint")`.
      for (const decl of stmt.declarations) {
        const from = requiredModule(decl.init);
        if (from === "adjoint" && decl.id.type === "Identifier") ctx.namespaces.add(decl.id.name);
        else if (from === "adjoint/np" && decl.id.type === "Identifier") ctx.npNamespaces.add(decl.id.name);
        else if ((from === "adjoint" || from === "adjoint/np") && decl.id.type === "ObjectPattern") {
          for (const prop of decl.id.properties) {
            if (prop.type !== "ObjectProperty" || prop.key.type !== "Identifier" || prop.value.type !== "Identifier") continue;
            if (from === "adjoint/np") ctx.npImports.set(prop.value.name, prop.key.name);
            else if ((markerNames as readonly string[]).includes(prop.key.name)) ctx.markers.set(prop.value.name, prop.key.name as MarkerName);
            else if (prop.key.name === "autograd") ctx.autograd.add(prop.value.name);
          }
        } else if (from !== null) {
          if (decl.id.type === "Identifier") ctx.attached.add(decl.id.name);
        }
      }
    }
  }
  const markerOf = (node: t.Node | null | undefined): MarkerName | undefined => {
    if (node?.type !== "CallExpression") return undefined;
    return calleeMarker(node.callee, ctx);
  };
  for (const top of program.body) {
    const stmt = top.type === "ExportNamedDeclaration" || top.type === "ExportDefaultDeclaration" ? top.declaration : top;
    if (stmt?.type === "TSTypeAliasDeclaration" && !stmt.typeParameters) ctx.typeAliases.set(stmt.id.name, stmt.typeAnnotation);
    // An interface of fields is a record's type, as the literal type it spells.
    if (stmt?.type === "TSInterfaceDeclaration" && !stmt.typeParameters && !stmt.extends) ctx.typeAliases.set(stmt.id.name, { type: "TSTypeLiteral", members: stmt.body.body } as t.TSTypeLiteral);
    if (stmt?.type === "FunctionDeclaration" && stmt.id) {
      ctx.functions.set(stmt.id.name, { key: stmt.id.name, node: stmt, exported: false });
    } else if (stmt?.type === "VariableDeclaration") {
      for (const decl of stmt.declarations) {
        if (decl.id.type !== "Identifier" || !decl.init) continue;
        const name = decl.id.name;
        const init = unwrap(decl.init);
        if (init.type === "ArrowFunctionExpression" || init.type === "FunctionExpression") {
          ctx.functions.set(name, { key: name, node: init, exported: false });
        } else if (markerOf(init) === "differentiable") {
          const arg = (init as t.CallExpression).arguments[0];
          if (arg && (arg.type === "ArrowFunctionExpression" || arg.type === "FunctionExpression")) {
            ctx.functions.set(name, { key: name, node: arg, exported: true });
          }
        } else if (markerOf(init) === "customGrad") {
          ctx.attached.add(name);
        } else if (stmt.kind === "const" && ["grad", "valueAndGrad", "jvp"].includes(markerOf(init) ?? "")) {
          // `const df = grad(f)`: called inside differentiated code, it is grad(f) nested.
          (ctx.derivativeBindings ??= new Map()).set(name, init as t.CallExpression);
        }
      }
    }
  }
  return ctx;
}

/** The module a `require("...")` call loads, or null. */
function requiredModule(node: t.Node | null | undefined): string | null {
  if (node?.type !== "CallExpression" || node.callee.type !== "Identifier" || node.callee.name !== "require") return null;
  const [arg] = node.arguments;
  return arg?.type === "StringLiteral" ? arg.value : null;
}

export function calleeMarker(callee: t.Node, ctx: ModuleContext): MarkerName | undefined {
  if (callee.type === "Identifier") return ctx.markers.get(callee.name);
  if (
    callee.type === "MemberExpression" &&
    callee.object.type === "Identifier" &&
    ctx.namespaces.has(callee.object.name) &&
    !callee.computed &&
    callee.property.type === "Identifier" &&
    (markerNames as readonly string[]).includes(callee.property.name)
  ) {
    return callee.property.name as MarkerName;
  }
  return undefined;
}

/**
 * fn as a message names it: by the user's name ('f'), else where it is written (`the arrow
 * function at line 12`); never by its key, which may be generated (lambda1Target).
 */
export function userName(fn: ModuleFunction, parents: Map<t.Node, t.Node> | null, ctx: ModuleContext): string {
  const node = fn.node;
  if (node.type !== "ArrowFunctionExpression" && node.id) return `'${node.id.name}'`;
  let up = parents?.get(node);
  if (up?.type === "CallExpression" && calleeMarker(up.callee, ctx) === "differentiable") up = parents?.get(up);
  if (up?.type === "VariableDeclarator" && up.id.type === "Identifier") return `'${up.id.name}'`;
  return `the ${node.type === "ArrowFunctionExpression" ? "arrow function" : "function"} at line ${node.loc?.start.line ?? 0}`;
}

/** `base`, or `base_1`, `base_2`, …: a name no parameter has (a parameter named v is common). */
export function unusedName(base: string, taken: readonly string[]): string {
  let name = base;
  for (let k = 1; taken.includes(name); k++) name = `${base}_${k}`;
  return name;
}

/** Whether a call may leave some of the function's parameters out: one has a default, or is optional (`m?: number`). */
export function omittable(node: { params: readonly t.Node[] }): boolean {
  return node.params.some((p) => p.type === "AssignmentPattern" || (p.type === "Identifier" && p.optional === true));
}

/**
 * The first statement of a generated entry taking more after f's parameters (tangents, v): a
 * call leaving a defaulted parameter out would shift them into its place, so it must pass all.
 */
export function arityGuard(name: string, params: number, more: number, what: string): string {
  return `if (arguments.length < ${params + more}) throw new TypeError(\`${name} takes ${params} arguments, undefined for one left to its default, then ${what}: got \${arguments.length}\`);`;
}
