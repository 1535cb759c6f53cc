// The seed notebook (Dive into Deep Learning's autograd chapter, MXNet), every cell, in
// TypeScript. `autograd.record` blocks are compiled: each becomes generated forward code
// and one generated pullback, which `backward()` calls. Nothing is taped at run time.
//
// Run: `npm run demo` (builds this file with tspc, runs it, writes docs/sin-grad.svg).
import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import { autograd, grad, hessian } from "adjoint";
import * as np from "adjoint/np";
import { renderSinGradSvg } from "./sin-grad-chart.js";

/** Python's spelling of a value: NumPy's repr for arrays, True/False for booleans. */
const python = (v: unknown, str = false) => (v instanceof np.NDArray ? (str ? v.str() : String(v)) : typeof v === "boolean" ? (v ? "True" : "False") : String(v));
/** What Jupyter shows for a cell's last expression (a tuple for several values). */
function show(...values: unknown[]): void {
  const shown = values.map((v) => python(v));
  console.log(shown.length > 1 ? `(${shown.join(", ")})` : shown[0]);
}
/** A cell's header, its output, and the blank line after it. */
function cell(n: number, output: () => void): void {
  console.log(`In [${n}]:`);
  output();
  console.log();
}
/** Python's print(): NumPy's str of each array. */
function print(...values: unknown[]): void {
  console.log(values.map((v) => python(v, true)).join(" "));
}
// The notebook's random draws are MXNet's; these are adjoint's, seeded. With seed 3, In [16]'s
// a is negative, so f takes the 100 * b branch.
np.random.seed(3);

// ## Simple example
let x = np.arange(4);
cell(2, () => show(x));

// Allocate memory for the gradient of x: x.grad, zeros to begin with.
x.attachGrad();
cell(4, () => show(x.grad));

// ## Building the gradient graph on the fly: y = 2 x.x, dy/dx = 4x
let y!: np.NDArray;
autograd.record(() => {
  y = np.mul(2, np.dot(x, x));
});
cell(6, () => show(y));

y.backward();
cell(8, () => show(x.grad)); // dy/dx
cell(9, () => show(np.equal(x.grad, np.mul(4, x))));

// A second gradient overwrites x.grad.
autograd.record(() => {
  y = x.sum();
});
y.backward();
cell(10, () => show(x.grad));

// ## Backward for non-scalar variables: the head gradient is ones (the gradient of the sum).
autograd.record(() => {
  y = np.mul(x, x); // y is a vector
});
y.backward();

const u0 = x.copy();
u0.attachGrad();
let v!: np.NDArray;
autograd.record(() => {
  v = np.mul(u0, u0).sum(); // v is a scalar
});
v.backward();
cell(11, () => show(np.equal(x.grad, u0.grad)));

// ## Detaching computation
let u!: np.NDArray;
let z!: np.NDArray;
autograd.record(() => {
  y = np.mul(x, x);
  u = y.detach(); // u is a constant
  z = np.mul(u, x);
});
z.backward(); // dz/dx = u
cell(12, () => {
  print(np.equal(x.grad, u));
  print(x.grad);
});

// z's backward used only the detached copy of y: y's own gradient is still there.
y.backward(); // dy/dx = 2x
cell(13, () => {
  print(np.equal(x.grad, np.mul(2, x)));
  print(x.grad);
});

// Attaching a gradient to u inside the block implicitly detaches it: u = u.detach().
y = np.mul(np.ones(4), 2);
y.attachGrad();
autograd.record(() => {
  u = np.mul(x, y);
  u.attachGrad();
  z = np.sub(np.mul(5, u), x);
});
z.backward(); // dz/du = 5, dz/dx = -1, dz/dy = 0: y only reaches z through u
cell(14, () => show(x.grad, u.grad, y.grad));

// ## The gradient of control flow
function f(a: np.NDArray): np.NDArray {
  let b = np.mul(a, 2);
  while (np.linalg.norm(b).item() < 1000) {
    b = np.mul(b, 2);
  }
  let c: np.NDArray;
  if (b.sum().item() > 0) {
    c = b;
  } else {
    c = np.mul(100, b);
  }
  return c;
}

const a = np.random.normal();
a.attachGrad(); // f(a) = k * a, so df/da = k = f(a) / a
let d!: np.NDArray;
autograd.record(() => {
  d = f(a);
});
d.backward();
// The gradient is exactly k; d / a is rounded, so with other draws this exact == can print False.
cell(17, () => show(np.equal(a.grad, np.div(d, a))));

// ## Training mode and prediction mode
cell(18, () => {
  print(autograd.isTraining());
  autograd.record(() => {
    print(autograd.isTraining());
  });
});

// # Exercises
// ## Exercise 2: backward twice. The first keeps what the second needs.
x = np.mul(np.ones(4), 2);
x.attachGrad();
autograd.record(() => {
  y = np.mul(3, x);
});
cell(19, () => {
  y.backward({ retainGraph: true });
  print(x.grad);
  y.backward(); // MXNet's kernel died here; the notebook printed the gradient again
  print(x.grad);
  try {
    y.backward(); // the previous backward released what it needed
  } catch (error) {
    print((error as Error).message);
  }
});

// ## Exercise 3: the control-flow function on a (3, 2) array
const a3 = np.random.normal(0, 1, [3, 2]);
cell(20, () => {
  print(a3);
  a3.attachGrad(); // f(a) = k * a, so df/da = k
  autograd.record(() => {
    d = f(a3);
  });
  d.backward();
  console.log();
  show(np.equal(a3.grad, np.div(d, a3)));
});

// ## Exercise 5: the gradient of sin is cos
const sine = (t: np.NDArray) => np.sin(t);
const cosine = (t: np.NDArray) => np.cos(t);

x = np.linspace(0, 10, 200);
x.attachGrad();
autograd.record(() => {
  y = sine(x); // a vector: backward() seeds it with ones
});
y.backward();
cell(27, () => show(np.allclose(x.grad, cosine(x))));

x = np.linspace(0, 10, 200);
x.attachGrad();
autograd.record(() => {
  y = np.sum(sine(x));
});
y.backward();
cell(29, () => show(np.allclose(x.grad, cosine(x))));

// In [33]: the notebook's three panels, drawn to an SVG file.
const svgPath = process.argv[process.argv.indexOf("--svg") + 1];
if (process.argv.includes("--svg") && svgPath) {
  writeFileSync(svgPath, await renderSinGradSvg({ x: x.toArray() as number[], sin: sine(x).toArray() as number[], grad: x.grad.toArray() as number[], cos: cosine(x).toArray() as number[] }));
  cell(33, () => console.log(`wrote ${basename(svgPath)}: sin(x), the gradient autograd computed, and cos(x), in three panels`));
}

// A broadcast sum: y = 2 x.x + 0 x is a vector of four copies of 28.
x = np.arange(4);
x.attachGrad();
autograd.record(() => {
  y = np.add(np.mul(2, np.dot(x, x)), np.mul(0, x));
});
y.backward();
cell(23, () => show(x.grad));
cell(24, () => show(y));

x = np.arange(4);
x.attachGrad();
autograd.record(() => {
  y = np.sum(np.add(np.mul(2, np.dot(x, x)), np.mul(0, x)));
});
y.backward();
cell(25, () => show(x.grad));
cell(26, () => show(y));

// ## Exercise 1: why is the second derivative more expensive than the first?
// The notebook's f on a number: b doubles until |b| >= 1000, so f(a) = k a, f' = k, f'' = 0.
function controlFlow(a: number): number {
  let b = a * 2;
  while (Math.abs(b) < 1000) b = b * 2;
  return b > 0 ? b : 100 * b;
}
const first = grad(controlFlow);
// grad(grad(f)) differentiates the code grad(f) generates: its forward sweep is that whole
// code (f's forward sweep, which saves each b, then its reverse sweep), and its own reverse
// sweep walks both back, saving what each overwrites: four sweeps to the first's two, and
// twice the saved values. `npm run demo` times both at a = 1e-9 (40 doublings) in In [35].
const second = grad(grad(controlFlow));
cell(34, () => show(first(0.3), second(0.3)));
if (process.argv.includes("--cost")) {
  const time = (g: (a: number) => number) => {
    let sink = 0;
    const start = performance.now();
    for (let i = 0; i < 200_000; i++) sink += g(1e-9 + i * 1e-18);
    return [(performance.now() - start) / 200_000, sink] as const;
  };
  time(first);
  time(second);
  const [t1] = time(first);
  const [t2] = time(second);
  cell(35, () => console.log(`at a = 1e-9, f': ${(t1 * 1e6).toFixed(0)} ns, f'': ${(t2 * 1e6).toFixed(0)} ns a call: the second derivative costs ${(t2 / t1).toFixed(1)}x the first`));
}

// The Hessian of a small loss: logistic regression's on three points, by reverse over reverse.
function logistic(w: Float64Array): number {
  const xs = [0.5, -1.5, 2];
  const ys = [1, 0, 1];
  let loss = 0;
  for (let i = 0; i < xs.length; i++) {
    const z = w[0] + w[1] * xs[i] + w[2] * xs[i] * xs[i];
    const p = 1 / (1 + Math.exp(-z));
    loss -= ys[i] * Math.log(p) + (1 - ys[i]) * Math.log(1 - p);
  }
  return loss;
}
cell(36, () => show(np.array(hessian(logistic)(Float64Array.from([0.1, -0.2, 0.3])).map((row) => Array.from(row)))));

