// The seed notebook's computations, with the reverse sweeps written by hand from the
// adjoint rules (as generated code will call them), printed as the notebook shows.
import { describe, expect, it } from "vitest";
import * as np from "adjoint/np";

const { adjoints: A } = np;
const one = np.array(1);
const first = <T>(r: T[]) => r[0] as np.NDArray;

describe("the seed notebook, by hand", () => {
  it("y = 2 x.x has gradient 4x", () => {
    const x = np.arange(4);
    expect(String(x)).toBe("array([0., 1., 2., 3.])");
    expect(String(np.zerosLike(x))).toBe("array([0., 0., 0., 0.])");
    const d = np.dot(x, x);
    const y = np.mul(2, d);
    expect(String(y)).toBe("array(28.)");
    const [, dd] = A.mul.vjp(np.onesLike(y), 2, d, y);
    const [dx1, dx2] = A.dot.vjp(dd as np.NDArray, x, x, d);
    const grad = np.accumulate(np.accumulate(undefined, dx1 as np.NDArray), dx2 as np.NDArray);
    expect(String(grad)).toBe("array([ 0.,  4.,  8., 12.])");
    expect(String(np.equal(grad, np.mul(4, x)))).toBe("array([ True,  True,  True,  True])");
  });

  it("x.sum() and (u*u).sum()", () => {
    const x = np.arange(4);
    expect(String(first(A.sum.vjp(one, x, undefined, undefined, x.sum())).copy())).toBe("array([1., 1., 1., 1.])");
    const u = x.copy();
    const uu = np.mul(u, u);
    const [da, db] = A.mul.vjp(first(A.sum.vjp(one, uu, undefined, undefined, uu.sum())), u, u, uu);
    // u * u: the rule returns the whole adjoint of u once (2 g u) and undefined for the second operand.
    const ugrad = np.accumulate<np.NDArray | undefined>(np.accumulate(undefined, da as np.NDArray), db as undefined)!;
    expect(np.equal(ugrad, np.mul(2, x)).str()).toBe("[ True  True  True  True]");
  });

  it("detach: z = u * x with u = detach(x * x)", () => {
    const x = np.arange(4);
    const u = np.mul(x, x).detach();
    const z = np.mul(u, x);
    const [, dx] = A.mul.vjp(np.onesLike(z), u, x, z, [false, true]);
    expect(np.equal(dx as np.NDArray, u).str()).toBe("[ True  True  True  True]");
    expect((dx as np.NDArray).str()).toBe("[0. 1. 4. 9.]");
  });

  it("control flow on norms and sums, with a 0-d random start", () => {
    np.random.seed(1);
    const a = np.random.normal();
    expect(a.shape).toEqual([]);
    let b = np.mul(a, 2);
    let k = 2;
    while (np.linalg.norm(b).item() < 1000) {
      b = np.mul(b, 2);
      k *= 2;
    }
    const c = b.sum().item() > 0 ? b : np.mul(100, b);
    const slope = b.sum().item() > 0 ? k : 100 * k;
    expect(String(np.equal(np.fullLike(a, slope), np.div(c, a)))).toBe("array(True)");
  });

  it("exercise 3: a (3, 2) normal sample prints in NumPy's layout", () => {
    np.random.seed(3);
    const a = np.random.normal(0, 1, [3, 2], "float32");
    const lines = a.str().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0].startsWith("[[")).toBe(true);
    expect(String(np.equal(a, a))).toBe("array([[ True,  True],\n       [ True,  True],\n       [ True,  True]])");
  });

  it("exercise 5: sin's adjoint is cos", () => {
    const x = np.linspace(0, 10, 200);
    const y = np.sin(x);
    const dx = first(A.sin.vjp(np.onesLike(y), x, y));
    expect(np.max(np.abs(np.sub(dx, np.cos(x)))).item()).toBe(0);
  });

  it("docs/np.md's reverse sweep by hand runs and matches finite differences", () => {
    np.random.seed(5);
    const w = np.random.normal(0, 1, [3, 4]);
    const x = np.random.normal(0, 1, [4, 2]);
    const h = np.matmul(w, x), t = np.tanh(h), y = np.sum(t);
    const [dt] = A.sum.vjp(np.array(1), t, undefined, undefined, y);
    const [dh] = A.tanh.vjp(dt as np.NDArray, h, t);
    const [dw, dx] = A.matmul.vjp(dh as np.NDArray, w, x, h, [true, false]);
    expect(dx).toBeUndefined();
    const loss = (v: np.NDArray) => np.sum(np.tanh(np.matmul(v, x))).item();
    const bumped = (d: number) => w.copy().set([1, 2], w.get(1, 2).item() + d);
    const fd = (loss(bumped(1e-6)) - loss(bumped(-1e-6))) / 2e-6;
    expect((dw as np.NDArray).get(1, 2).item()).toBeCloseTo(fd, 6);
  });
});
