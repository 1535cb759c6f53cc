// Type-level tests of the markers: checked by `tsc` in test/types.test.ts (never run).
import { customGrad, grad, valueAndGrad, vjp } from "adjoint";

function f(x: number, flag: boolean, label: string): number {
  return flag ? x * x : label.length * x;
}
function g(x: number, y: number): number {
  return x * y;
}

const d0: (x: number, flag: boolean, label: string) => number = grad(f);
const d1: number = grad(g, { wrt: 1 })(1, 2);
const both: [number, number] = grad(g, { wrt: [0, 1] })(1, 2);
const [value, gradient]: [number, number] = valueAndGrad(g)(1, 2);
const [, pullback] = vjp(g, { wrt: [1, 0] })(1, 2);
const swapped: [number, number] = pullback(1);

// @ts-expect-error g has two parameters: wrt 2 does not exist
grad(g, { wrt: 2 });
// @ts-expect-error wrt entries must be parameter positions
grad(g, { wrt: [0, 5] });
// @ts-expect-error the gradient of g takes g's parameters
grad(g)("1", 2);
// @ts-expect-error a single wrt gives a number, not an array
const wrong: [number, number] = grad(g, { wrt: 0 })(1, 2);

// out: true keeps the gradient's type; vjp has no out.
const reused: [number, number] = grad(g, { wrt: [0, 1], out: true })(1, 2);
const reusedPair: [number, number] = valueAndGrad(g, { out: true })(1, 2);
// @ts-expect-error vjp's pullback makes its results: it takes no out
vjp(g, { out: true });

const lse = customGrad(
  (a: number, b: number) => Math.log(Math.exp(a) + Math.exp(b)),
  ([a, b], value, dvalue) => [dvalue * Math.exp(a - value), dvalue * Math.exp(b - value)],
);
const lseValue: number = lse(1, 2);

export { d0, d1, both, value, gradient, swapped, wrong, lseValue, reused, reusedPair };
