// Type-level tests of the imperative API (checked by tsc in the marker tests, never run).
import { autograd } from "adjoint";
import * as np from "adjoint/np";

const x = np.arange(4);
x.attachGrad();
x.attachGrad("add");
// @ts-expect-error grad requests are "write" or "add"
x.attachGrad("null");
let y!: np.NDArray;
const nothing: void = autograd.record(() => {
  y = np.mul(x, x);
});
const loss: np.NDArray = autograd.record(() => np.sum(x));
const predicted: np.NDArray = autograd.record({ trainMode: false }, () => np.sum(x));
const alsoPredicted: np.NDArray = autograd.record(() => np.sum(x), { trainMode: false });
y.backward();
y.backward(np.ones(4));
y.backward(2);
y.backward({ retainGraph: true });
y.backward(np.ones(4), { retainGraph: true });
// @ts-expect-error the head gradient is an NDArray or a number
y.backward("ones");
const g: np.NDArray = x.grad;
const training: boolean = autograd.isTraining();
const recording: boolean = autograd.isRecording();
const paused: number = autograd.pause(() => 1);
const inTraining: number = autograd.trainMode(() => 1);
const inPrediction: number = autograd.predictMode(() => 1);
// @ts-expect-error record's block takes no parameters
autograd.record((a: number) => a);

export { nothing, loss, predicted, alsoPredicted, g, training, recording, paused, inTraining, inPrediction };

autograd.backward([y, loss], [np.ones(4), undefined], { retainGraph: true });
autograd.backward(loss);
const [dx]: np.NDArray[] = autograd.grad(loss, [x]);
export { dx };
