// What lowering needs to know about the module around a function.
import type * as t from "@babel/types";
import type { Diagnostic } from "./diagnostics.js";

export type MarkerName = "grad" | "valueAndGrad" | "vjp" | "differentiable" | "customGrad" | "stopGradient";
export const markerNames: readonly MarkerName[] = ["grad", "valueAndGrad", "vjp", "differentiable", "customGrad", "stopGradient"];

export type FunctionNode = t.FunctionDeclaration | t.FunctionExpression | t.ArrowFunctionExpression;

export interface ModuleFunction {
  key: string;
  node: FunctionNode;
  /** `differentiable(...)`: its full vjp is attached where it is defined. */
  exported: boolean;
}

export interface ModuleContext {
  filename: string;
  source: string;
  /** Functions of this module the compiler can read, by name. */
  functions: Map<string, ModuleFunction>;
  /** Bindings whose vjp is attached at run time: imports, `customGrad(...)` results. */
  attached: Set<string>;
  /** Local names of the markers (`import { grad as g }` maps g -> grad). */
  markers: Map<string, MarkerName>;
  /** Namespace imports of "adjoint" (`import * as ad`). */
  namespaces: Set<string>;
  /** Namespace imports of "adjoint/np" (`import * as np`). */
  npNamespaces: Set<string>;
  /** Named imports of "adjoint/np": local name -> exported name. */
  npImports: Map<string, string>;
  /** Every identifier in the module: generated names avoid them. */
  reserved: Set<string>;
  diagnostics: Diagnostic[];
}
