// The seed notebook's exercise-5 figure as an SVG string: three line plots stacked
// vertically over x in [0, 10] (matplotlib's subplot(3, 1, k) in an 8x8-inch figure):
// sin(x), the gradient of sin computed by automatic differentiation, and cos(x).
//
// Rendered headless with Vega-Lite (compiled to a Vega spec) and Vega's SVG string
// renderer: pure JavaScript, no canvas, no browser. The output is deterministic: the same
// series give byte-identical SVG (Vega's clip/gradient id counters are reset before each
// render, and nothing in the spec depends on time or randomness).
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface SinGradSeries {
  x: ArrayLike<number>;
  sin: ArrayLike<number>;
  grad: ArrayLike<number>;
  cos: ArrayLike<number>;
}

/** Overall figure size in pixels (about 8x8 inches at 80 dpi). */
const FIGURE_WIDTH = 640;
const FIGURE_HEIGHT = 640;
/** Extra room on the right for the last x tick label ("10"), centred on its tick. */
const PADDING = { left: 8, top: 8, right: 16, bottom: 8 } as const;
/** Width/height of one panel's plotting area; the rest is axes, titles and spacing. */
const PANEL_WIDTH = 568;
const PANEL_HEIGHT = 140;
const PANEL_SPACING = 42;

/** matplotlib's default first line colour ("C0"). */
const LINE_COLOR = "#1f77b4";

const PANELS: ReadonlyArray<{ field: "sin" | "grad" | "cos"; title: string }> = [
  { field: "sin", title: "sin(x)" },
  { field: "grad", title: "grad sin(x) using autograd" },
  { field: "cos", title: "cos(x)" },
];

type Row = { x: number; sin: number; grad: number; cos: number };

function rows(series: SinGradSeries): Row[] {
  const n = series.x.length;
  for (const key of ["sin", "grad", "cos"] as const) {
    if (series[key].length !== n) {
      throw new RangeError(`renderSinGradSvg: series.${key} has ${series[key].length} values, series.x has ${n}`);
    }
  }
  const out: Row[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = { x: series.x[i]!, sin: series.sin[i]!, grad: series.grad[i]!, cos: series.cos[i]! };
  }
  return out;
}

/** The Vega-Lite spec of the figure (exported for inspection and tests). */
export function sinGradSpec(series: SinGradSeries): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    background: "white",
    padding: { ...PADDING },
    data: { values: rows(series) },
    spacing: PANEL_SPACING,
    vconcat: PANELS.map(({ field, title }) => ({
      title,
      width: PANEL_WIDTH,
      height: PANEL_HEIGHT,
      mark: { type: "line", color: LINE_COLOR, strokeWidth: 1.5, clip: true },
      encoding: {
        x: {
          field: "x",
          type: "quantitative",
          scale: { domain: [0, 10], nice: false, zero: false },
          axis: { title: null, tickCount: 6 },
        },
        y: {
          field,
          type: "quantitative",
          scale: { zero: false },
          axis: { title: null, tickCount: 5 },
        },
        order: { field: "x", type: "quantitative" },
      },
    })),
    config: {
      font: "DejaVu Sans, sans-serif",
      view: { stroke: "black", strokeWidth: 0.8 },
      axis: {
        grid: false,
        domain: false,
        ticks: true,
        tickColor: "black",
        tickSize: 4,
        labelColor: "black",
        labelFontSize: 10,
        labelFlush: false, // tick labels centred on their ticks, as matplotlib draws them
      },
      title: { fontSize: 12, fontWeight: "normal", color: "black", anchor: "middle" },
      concat: { spacing: PANEL_SPACING },
    },
  };
}

/** Renders the three-panel sin / grad sin / cos figure as a standalone SVG document. */
export async function renderSinGradSvg(series: SinGradSeries): Promise<string> {
  const { spec } = compile(sinGradSpec(series));
  const view = new vega.View(vega.parse(spec), { renderer: "none", logLevel: vega.Error });
  try {
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Nominal figure size (pixels) the layout above aims at. */
export const SIN_GRAD_FIGURE_SIZE = { width: FIGURE_WIDTH, height: FIGURE_HEIGHT } as const;
