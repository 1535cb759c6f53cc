import { grad } from "adjoint";

// A rod with its ends held at 0, a hot spot in the middle, diffusing at rate kappa:
// u_t = kappa u_xx by explicit Euler (stable for kappa <= 0.5 in these units). How far
// the final profile is from a measured one; its slope in kappa is what a fit descends.
function misfit(kappa: number, measured: Float64Array): number {
  const n = measured.length;
  let u = new Float64Array(n);
  u[Math.floor(n / 2)] = 1;
  for (let t = 0; t < 60; t++) {
    const stepped = new Float64Array(n);
    for (let i = 1; i + 1 < n; i++) {
      stepped[i] = u[i] + kappa * (u[i - 1] - 2 * u[i] + u[i + 1]);
    }
    u = stepped;
  }
  let squared = 0;
  for (let i = 0; i < n; i++) squared += (u[i] - measured[i]) ** 2;
  return squared;
}

export const dmisfit = grad(misfit);
