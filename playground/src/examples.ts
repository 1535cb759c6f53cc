// The examples menu: the seed notebook's cells, then functions a newcomer writes first.
// Each is a TypeScript file of examples/ (type-checked with the rest of the repository),
// read as text. `args` is the Arguments field (JavaScript, with `x` the value swept over
// from…to and `np` in scope).
import seedSin from "../examples/seed-sin.ts?raw";
import seedRecord from "../examples/seed-record.ts?raw";
import seedControlFlow from "../examples/seed-control-flow.ts?raw";
import horner from "../examples/horner.ts?raw";
import heat from "../examples/heat.ts?raw";
import training from "../examples/training.ts?raw";
import outParameter from "../examples/out-parameter.ts?raw";
import hessian from "../examples/hessian.ts?raw";
import unsupported from "../examples/unsupported.ts?raw";

export interface Example {
  id: string;
  title: string;
  source: string;
  args: string;
  from: number;
  to: number;
}

export const EXAMPLES: Example[] = [
  { id: "seed-sin", title: "Seed notebook: the gradient of sin is cos (exercise 5)", source: seedSin, args: "x", from: 0, to: 10 },
  { id: "seed-record", title: "Seed notebook: y = 2 x·x, record and backward", source: seedRecord, args: "x", from: 0, to: 1 },
  { id: "seed-control-flow", title: "Seed notebook: the gradient of control flow", source: seedControlFlow, args: "np.array([0.3, -1.2, 0.5])", from: 0, to: 1 },
  { id: "horner", title: "Horner's rule: a polynomial and its first two derivatives", source: horner, args: "x, [0.5, -1, -2, 1]", from: -2.5, to: 3 },
  { id: "heat", title: "The heat equation: fitting the diffusion rate", source: heat, args: "x, new Float64Array([0, 0.02, 0.06, 0.11, 0.14, 0.11, 0.06, 0.02, 0])", from: 0.01, to: 0.5 },
  { id: "training", title: "A training loop, record style: logistic regression", source: training, args: "x", from: 0, to: 1 },
  { id: "out-parameter", title: "An out-parameter helper: axpy writes into the array it is given", source: outParameter, args: "x, new Float64Array([1, -2, 0.5])", from: -1.5, to: 1.5 },
  { id: "hessian", title: "An array input: the gradient and Hessian of Rosenbrock's function", source: hessian, args: "new Float64Array([-1.2, 1, 0.5])", from: 0, to: 1 },
  { id: "unsupported", title: "Not differentiable: try/catch, and the diagnostic it gets", source: unsupported, args: "x", from: 0.1, to: 3 },
];
