// Line and point plots drawn as SVG by hand: a few axes and paths need no chart library
// (Vega-Lite and Vega would add 600-800 kB of script to the page), and each series keeps
// the numbers it draws in `data-values`, so a test reads back exactly what is plotted.
const SVG = "http://www.w3.org/2000/svg";

export interface Series {
  name: string;
  values: number[];
  color: string;
  /** A line, or a mark at each point (finite differences, drawn over the line they check). */
  style: "line" | "points";
}

export interface Panel {
  title: string;
  xs: number[];
  series: Series[];
  /** The x values are indices: no ticks between them. */
  indices?: boolean;
}

const WIDTH = 640;
const PANEL_HEIGHT = 200;
const MARGIN = { left: 56, right: 16, top: 24, bottom: 28 };
const LEGEND_WIDTH = 150;

/** Panels stacked vertically, sharing the x axis's range. */
export function plot(panels: Panel[]): SVGSVGElement {
  const height = panels.length * PANEL_HEIGHT;
  const svg = element("svg", { viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height, role: "img", "aria-label": panels.map((p) => p.title).join("; ") });
  panels.forEach((panel, k) => svg.append(drawPanel(panel, k * PANEL_HEIGHT)));
  return svg;
}

function drawPanel(panel: Panel, top: number): SVGGElement {
  const g = element("g", { transform: `translate(0 ${top})` });
  const [x0, x1] = extent(panel.xs);
  const [y0, y1] = extent(panel.series.flatMap((s) => s.values));
  const xTicks = ticks(x0, x1, 8).filter((t) => !panel.indices || Number.isInteger(t));
  const yTicks = ticks(y0, y1, 5);
  const [xLo, xHi] = [Math.min(x0, xTicks[0]), Math.max(x1, xTicks[xTicks.length - 1])];
  const [yLo, yHi] = [Math.min(y0, yTicks[0]), Math.max(y1, yTicks[yTicks.length - 1])];
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((x - xLo) / (xHi - xLo || 1)) * innerWidth;
  const sy = (y: number) => MARGIN.top + innerHeight - ((y - yLo) / (yHi - yLo || 1)) * innerHeight;

  g.append(text(MARGIN.left, 16, panel.title, { "font-weight": "600" }));
  for (const t of yTicks) {
    g.append(element("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: sy(t), y2: sy(t), stroke: "#e5e7eb" }));
    g.append(text(MARGIN.left - 6, sy(t) + 4, format(t), { "text-anchor": "end" }));
  }
  for (const t of xTicks) {
    g.append(element("line", { x1: sx(t), x2: sx(t), y1: MARGIN.top, y2: MARGIN.top + innerHeight, stroke: "#f3f4f6" }));
    g.append(text(sx(t), PANEL_HEIGHT - 10, format(t), { "text-anchor": "middle" }));
  }
  g.append(element("rect", { x: MARGIN.left, y: MARGIN.top, width: innerWidth, height: innerHeight, fill: "none", stroke: "#9ca3af" }));

  panel.series.forEach((s, i) => {
    const attributes = { "data-series": s.name, "data-values": JSON.stringify(s.values), "data-xs": JSON.stringify(panel.xs) };
    if (s.style === "line") {
      g.append(element("path", { ...attributes, d: linePath(panel.xs, s.values, sx, sy), fill: "none", stroke: s.color, "stroke-width": 2 }));
    } else {
      // Every few points, so the line under the marks stays visible.
      const every = Math.max(1, Math.round(panel.xs.length / 40));
      const marks = panel.xs.flatMap((x, j) => (j % every === 0 && Number.isFinite(s.values[j]) ? [`M${sx(x) - 3},${sy(s.values[j])}h6m-3,-3v6`] : []));
      g.append(element("path", { ...attributes, d: marks.join(""), stroke: s.color, "stroke-width": 1.5 }));
    }
    // The legend on the title's line, right of it, clear of the curves.
    const legendX = WIDTH - MARGIN.right - (panel.series.length - i) * LEGEND_WIDTH;
    g.append(element("rect", { x: legendX, y: 7, width: 10, height: 10, fill: s.color }));
    g.append(text(legendX + 14, 16, s.name, {}));
  });
  return g;
}

/** A path through the finite points; a NaN or infinity breaks the line. */
function linePath(xs: number[], ys: number[], sx: (x: number) => number, sy: (y: number) => number): string {
  let d = "";
  let pen = false;
  xs.forEach((x, i) => {
    if (!Number.isFinite(ys[i])) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${sx(x).toFixed(2)},${sy(ys[i]).toFixed(2)}`;
    pen = true;
  });
  return d;
}

function extent(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/** Round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
export function ticks(lo: number, hi: number, count: number): number[] {
  const rough = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const first = Math.floor(lo / step);
  const last = Math.ceil(hi / step);
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}

function format(value: number): string {
  return Math.abs(value) >= 1e5 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(1) : String(Number(value.toPrecision(6)));
}

function text(x: number, y: number, content: string, attributes: Record<string, string>): SVGTextElement {
  const node = element("text", { x, y, "font-size": 11, fill: "#374151", ...attributes });
  node.textContent = content;
  return node;
}

function element<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}
