import { grad, valueAndGrad } from "adjoint";

// The seed notebook's control-flow example (In [15]-[17]), over numbers for now:
// the loop's trip count and the branch depend on a, and d f / d a = f(a) / a.
function f(a: number): number {
  let b = a * 2;
  while (Math.abs(b) < 1000) b = b * 2;
  let c: number;
  if (b > 0) c = b;
  else c = 100 * b;
  return c;
}

const df = grad(f);
const fAndDf = valueAndGrad(f);

for (const a of [0.7740038, -1.0434403, 0.15302546]) {
  const [d, dd] = fAndDf(a);
  console.log(`a = ${a}: f(a) = ${d}, f'(a) = ${df(a)}, f'(a) == f(a) / a: ${dd === d / a}`);
}
