// The app every bundler example builds: fits the model of ./model.ts to measurements by
// gradient descent, with the gradient adjoint generates at build time, and prints JSON.
import { grad, valueAndGrad } from "adjoint";
import { curve } from "./model.js";

const SAMPLES = 40;

/** The measurements: the curve at amplitude 2, decay 0.5, plus a deterministic wobble. */
function measured(t: number): number {
  return 2 * Math.exp(-0.5 * t) * Math.cos(3 * t) + 0.01 * Math.sin(17 * t);
}

/** Mean squared error of the model against the measurements. */
export function loss(amplitude: number, decay: number): number {
  let total = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const t = i * 0.1;
    const residual = curve(amplitude, decay, t) - measured(t);
    total += residual * residual;
  }
  return total / SAMPLES;
}

export const lossGrad = grad(loss, { wrt: [0, 1] });
const lossAndGrad = valueAndGrad(loss, { wrt: [0, 1] });

/** Plain gradient descent from a poor first guess. */
export function fit(steps: number, rate: number) {
  let amplitude = 1;
  let decay = 1.5;
  const [initialLoss] = lossAndGrad(amplitude, decay);
  for (let step = 0; step < steps; step++) {
    const [dAmplitude, dDecay] = lossGrad(amplitude, decay);
    amplitude -= rate * dAmplitude;
    decay -= rate * dDecay;
  }
  return { amplitude, decay, initialLoss, finalLoss: loss(amplitude, decay) };
}

console.log(JSON.stringify(fit(2000, 0.5)));
