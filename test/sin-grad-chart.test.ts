import { describe, expect, it } from "vitest";
import { renderSinGradSvg, type SinGradSeries } from "../examples/sin-grad-chart.js";

function series(n: number): SinGradSeries {
  const x = new Float64Array(n);
  const sin = new Float64Array(n);
  const grad = new Float64Array(n);
  const cos = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (10 * i) / (n - 1); // linspace(0, 10, n)
    sin[i] = Math.sin(x[i]!);
    grad[i] = Math.cos(x[i]!); // what grad(sin) gives
    cos[i] = Math.cos(x[i]!);
  }
  return { x, sin, grad, cos };
}

describe("renderSinGradSvg (exercise-5 figure)", () => {
  const data = series(200);

  it("renders one SVG document with three titled line panels", async () => {
    const svg = await renderSinGradSvg(data);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const title of ["sin(x)", "grad sin(x) using autograd", "cos(x)"]) {
      expect(svg).toContain(`>${title}</text>`);
    }
    // One Vega line mark (one <path>) per panel.
    const linePaths = svg.match(/<g class="mark-line[^"]*"[^>]*>\s*<path /g) ?? [];
    expect(linePaths).toHaveLength(3);
    // Each line has one point per sample: a move-to plus 199 line-tos.
    const paths = [...svg.matchAll(/<g class="mark-line[^"]*"[^>]*>\s*<path [^>]*\bd="([^"]+)"/g)].map((m) => m[1]!);
    expect(paths).toHaveLength(3);
    for (const d of paths) expect(d.match(/[ML]/g)).toHaveLength(200);
    // Axes with ticks on every panel (x and y).
    expect((svg.match(/class="mark-rule role-axis-tick"/g) ?? []).length).toBe(6);
    const width = Number(/^<svg[^>]*\bwidth="([\d.]+)"/.exec(svg)?.[1]);
    const height = Number(/^<svg[^>]*\bheight="([\d.]+)"/.exec(svg)?.[1]);
    expect(width).toBeGreaterThan(560);
    expect(width).toBeLessThan(720);
    expect(height).toBeGreaterThan(560);
    expect(height).toBeLessThan(720);
  });

  it("is deterministic: the same data give byte-identical SVG", async () => {
    const a = await renderSinGradSvg(data);
    const b = await renderSinGradSvg(series(200));
    expect(b).toBe(a);
  });

  it("rejects series of different lengths", async () => {
    await expect(renderSinGradSvg({ ...data, cos: [0, 1] })).rejects.toThrow(RangeError);
  });
});
