// What generated code calls (imported as `adjoint/runtime`). Users never import this.
import { ValueStack } from "./stack.js";

export { ValueStack };

/** A function's vector-Jacobian product: `(...args) => [value, pullback]`, where
 * `pullback(dvalue)` returns one adjoint per parameter. */
export type Vjp = (...args: any[]) => [unknown, (dvalue: any) => unknown[]];

/** Where a `differentiable` or `customGrad` function keeps its vjp. */
export const VJP: unique symbol = Symbol.for("adjoint.vjp") as never;

type WithVjp = { [VJP]?: Vjp };

/** Attaches the generated vjp to a function marked `differentiable` and returns it. */
export function withVjp<F extends (...args: any[]) => any>(fn: F, vjp: Vjp): F {
  Object.defineProperty(fn, VJP, { value: vjp, enumerable: false });
  return fn;
}

/** The vjp of a function defined in another module; throws if it has none. */
export function vjpOf(fn: unknown, name: string): Vjp {
  const vjp = typeof fn === "function" ? (fn as WithVjp)[VJP] : undefined;
  if (vjp === undefined) {
    throw new Error(
      `adjoint: cannot differentiate through '${name}': it is not marked differentiable. ` +
        `Wrap it as differentiable(${name}) in the module that defines it (and compile that module with adjoint), ` +
        `or give it a hand-written rule with customGrad.`,
    );
  }
  return vjp;
}

/** The head gradient a scalar output is seeded with. */
function seedFor(value: unknown, what: string): number {
  if (typeof value === "number") return 1;
  throw new Error(`adjoint: ${what}: the differentiated function returned ${describe(value)}, not a number`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** `pick` is the position of the one wanted adjoint, or the positions of several. */
export type Pick = number | readonly number[];

function picked(adjoints: unknown[], pick: Pick): unknown {
  return typeof pick === "number" ? adjoints[pick] : pick.map((i) => adjoints[i]);
}

export function gradOf(vjp: Vjp, pick: Pick) {
  return (...args: unknown[]) => {
    const [value, pullback] = vjp(...args);
    return picked(pullback(seedFor(value, "grad")), pick);
  };
}

export function valueAndGradOf(vjp: Vjp, pick: Pick) {
  return (...args: unknown[]) => {
    const [value, pullback] = vjp(...args);
    return [value, picked(pullback(seedFor(value, "valueAndGrad")), pick)];
  };
}

export function vjpWith(vjp: Vjp, pick: Pick) {
  return (...args: unknown[]) => {
    const [value, pullback] = vjp(...args);
    return [value, (dvalue: unknown) => picked(pullback(dvalue), pick)];
  };
}
