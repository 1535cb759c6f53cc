import { autograd } from "adjoint";
import * as np from "adjoint/np";

// Trained the MXNet way: attachGrad, record the loss, backward, step.
np.random.seed(7);
const X = np.random.normal(0, 1, [64, 3]);
const trueW = np.array([[1.5], [-2], [0.5]]);
const labels = np.where(np.greater(np.dot(X, trueW), 0), 1, -1);

function loss(w: np.NDArray, b: np.NDArray): np.NDArray {
  const margins = np.mul(labels, np.add(np.dot(X, w), b));
  return np.mean(np.log1p(np.exp(np.neg(margins))));
}

let w = np.zeros([3, 1]);
let b = np.zeros([1]);
for (let step = 0; step <= 100; step++) {
  w.attachGrad();
  b.attachGrad();
  let l!: np.NDArray;
  autograd.record(() => {
    l = loss(w, b);
  });
  l.backward();
  if (step % 20 === 0) console.log("step", step, "loss", l.item().toFixed(4));
  w = np.sub(w, np.mul(0.5, w.grad));
  b = np.sub(b, np.mul(0.5, b.grad));
}
console.log("w =", w.str());
