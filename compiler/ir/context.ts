// What lowering needs to know about the module around a function.
import type * as t from "@babel/types";
import type { Diagnostic } from "../diagnostics.js";
import type { ValueType } from "./index.js";

export type MarkerName = "grad" | "valueAndGrad" | "vjp" | "jvp" | "jacfwd" | "differentiable" | "customGrad" | "stopGradient" | "hessian" | "hvp" | "jacrev" | "jacobian" | "checkpoint";
export const markerNames: readonly MarkerName[] = ["grad", "valueAndGrad", "vjp", "jvp", "jacfwd", "differentiable", "customGrad", "stopGradient", "hessian", "hvp", "jacrev", "jacobian", "checkpoint"];

export type FunctionNode = t.FunctionDeclaration | t.FunctionExpression | t.ArrowFunctionExpression;

export interface ModuleFunction {
  key: string;
  node: FunctionNode;
  /** `differentiable(...)`: its full vjp is attached where it is defined. */
  exported: boolean;
  /** The text its node's offsets point into, where that is not the module's (a nested derivative, generated). */
  source?: string;
}

/**
 * What a front end with a type checker (tspc) can tell the engine that the module's text
 * alone cannot. Both are optional: without them the engine reads annotations only.
 */
export interface FrontEndHooks {
  /**
   * The type of the unannotated parameter whose name starts at `start`, if the front end
   * knows it (a contextually typed arrow). Locals are not asked: the engine infers them from
   * their initialisers, and a checker's `any[]` for `new Array(n).fill(0)` would hide a gradient.
   */
  typeAt?: (start: number, end: number) => ValueType | undefined;
  /** Why a call through an imported binding cannot be differentiated (it is not marked), or undefined. */
  importProblem?: (localName: string) => string | undefined;
}

export interface ModuleContext {
  filename: string;
  source: string;
  hooks?: FrontEndHooks;
  /** Functions of this module the compiler can read, by name. */
  functions: Map<string, ModuleFunction>;
  /** Bindings whose vjp is attached at run time: imports, `customGrad(...)` results. */
  attached: Set<string>;
  /** Local names of the markers (`import { grad as g }` maps g -> grad). */
  markers: Map<string, MarkerName>;
  /** Local names of adjoint's `autograd` (`import { autograd } from "adjoint"`). */
  autograd: Set<string>;
  /** Namespace imports of "adjoint" (`import * as ad`). */
  namespaces: Set<string>;
  /** Namespace imports of "adjoint/np" (`import * as np`). */
  npNamespaces: Set<string>;
  /** Named imports of "adjoint/np": local name -> exported name. */
  npImports: Map<string, string>;
  /** The module's type aliases (`type Scalar = number`), so annotations through them are read. */
  typeAliases: Map<string, import("@babel/types").TSType>;
  /** Every identifier in the module: generated names avoid them. */
  reserved: Set<string>;
  diagnostics: Diagnostic[];
  /** The namespace generated code calls the runtime by: a derivative differentiated again reads its calls of it (lower/second-order.ts). */
  runtime?: string;
  /** The module's own text where `source` is a generated function's (a derivative lowered again): what its inlined callees' offsets point into. */
  moduleSource?: string;
  /** Calls of the module's functions are inlined (for a derivative that is differentiated again: its code is one function). */
  inlineModuleCalls?: boolean;
  /** A generated NDArray gradient's vjp calls lowered as np operations where the runtime writes them so (lower/second-order.ts), for reverse mode over it. */
  vjpsAsOps?: boolean;
  /** Calls of these module functions are inlined (small leaf callees, lower/small-callees.ts). */
  inlineCallee?: (name: string) => boolean;
  /**
   * `grad(f)` inside code being differentiated: the name of a module function computing it in
   * the differentiable subset (driver/nested.ts), or null with its problems put in `problems`.
   */
  nestedDerivative?: (marker: import("@babel/types").CallExpression, problems: Diagnostic[], readInside?: "once" | "again") => string | null;
  /** Module consts bound to a derivative (`const df = grad(f)`), by name: the marker call. */
  derivativeBindings?: Map<string, import("@babel/types").CallExpression>;
  /** `vjp(f)` applied inside code being differentiated: f's name, and the module function computing its pullback applied to a cotangent. */
  nestedPullback?: (marker: import("@babel/types").CallExpression, problems: Diagnostic[]) => { primal: string; pullback: string } | null;
}
