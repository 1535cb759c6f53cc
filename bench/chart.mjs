// Draws docs/bench-ratios.svg from the results np.bench.mjs and peers.bench.mjs write
// (bench/results/np.json, peers.json, committed beside the chart): the ratios peer time /
// adjoint time by size, one panel per kind of row, the targets of issue 19 as dashed lines.
// Drawn headless with Vega-Lite and Vega's SVG renderer, as examples/sin-grad-chart.ts does.
// Usage: node bench/chart.mjs [results dir] [output svg]
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as vega from "vega";
import { compile } from "vega-lite";

const root = fileURLToPath(new URL("..", import.meta.url));
const resultsDir = process.argv[2] ?? join(root, "bench", "results");
const output = process.argv[3] ?? join(root, "docs", "bench-ratios.svg");
const npResults = JSON.parse(readFileSync(join(resultsDir, "np.json"), "utf8"));
const peerResults = JSON.parse(readFileSync(join(resultsDir, "peers.json"), "utf8"));
// The Wasm backend's ratios once the bench measured one, else the JavaScript backend's.
const backend = npResults.backends.at(-1);
const peerBackend = peerResults.backends.at(-1);

const WIDTH = 300;
const HEIGHT = 190;

const ELEMENT_TICKS = [1e3, 1e4, 1e5, 1e6];

/** One panel: a line per series ({ size, ratio, series }) over size (log x), ratio on a log y, dashed target lines. */
function panel(title, points, { xTitle = "elements", ticks = ELEMENT_TICKS, format = "~s", width = WIDTH, targets = [{ y: 2, label: "target 2x" }] } = {}) {
  const rules = [{ y: 1, label: "parity" }, ...targets];
  const sizes = points.map((p) => p.size);
  const scheme = new Set(points.map((p) => p.series)).size > 10 ? "tableau20" : "tableau10";
  return {
    title,
    width,
    height: HEIGHT,
    layer: [
      {
        data: { values: points },
        mark: { type: "line", point: true, strokeWidth: 1.5 },
        encoding: {
          x: {
            field: "size",
            type: "quantitative",
            scale: { type: "log", domain: [Math.min(...sizes), Math.max(...sizes)], nice: false },
            axis: { title: xTitle, format, values: ticks },
          },
          y: { field: "ratio", type: "quantitative", scale: { type: "log" }, axis: { title: "peer time / adjoint time" } },
          color: { field: "series", type: "nominal", scale: { scheme }, legend: { title: null, labelLimit: 220 } },
        },
      },
      {
        data: { values: rules },
        mark: { type: "rule", strokeDash: [4, 3], color: "#555" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
      {
        data: { values: rules },
        mark: { type: "text", align: "right", dx: -3, dy: -5, fontSize: 9, color: "#555" },
        encoding: { y: { field: "y", type: "quantitative" }, x: { value: width }, text: { field: "label" } },
      },
    ],
    resolve: { scale: { color: "independent" } },
  };
}

const cpuRatio = (row) => row.ratios[`tfjs-cpu / ${backend} f32`];
const npPoints = (filter, series) => npResults.rows.filter(filter).map((row) => ({ size: row.size, ratio: cpuRatio(row), series: series(row) }));
const elementwise = npPoints((r) => r.group === "elementwise" || r.group === "broadcast", (r) => r.op);
// One panel per input range (log's inputs are (0, hi]: its row of [-hi, hi]'s panel).
const transcendental = [0.5, 5, 20].map((hi) => npPoints((r) => r.group === "transcendental" && r.range[1] === hi, (r) => r.op.split(" ")[0]));
const reductions = npPoints((r) => r.group === "reduction", (r) => r.op);

const peers = ["tfjs-cpu", "tfjs-wasm", "jax-js"];
const gradPoints = peerResults.rows
  .filter((r) => r.table === "grad" && r.program === "tanhProduct")
  .flatMap((r) => peers.map((peer) => ({ size: r.size, ratio: r.ratios[`${peer} / ${peerBackend} f32`], series: peer })));
const mlp = peerResults.rows.find((r) => r.program === "mlpLoss");
const matmulPoints = peerResults.rows
  .filter((r) => r.table === "matmul")
  .flatMap((r) => peers.map((peer) => ({ size: r.size, ratio: r.ratios[`${peer} / ${peerBackend}`], series: `${peer}, ${r.dtype}` })))
  .filter((p) => Number.isFinite(p.ratio));

const loads = (results) => `${results.env.load[0]}-${results.end.load[0]}`;
const adjointName = (b) => `adjoint/np (${b === "js" ? "JavaScript" : b} backend)`;
const spec = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  background: "white",
  padding: 8,
  title: {
    text: "Peer time / adjoint time by size (above 1: adjoint faster)",
    subtitle: [
      `${npResults.env.date.slice(0, 10)}, ${npResults.env.machine}, one run of each bench (load average ${loads(npResults)} and ${loads(peerResults)}: shared, noisy);`,
      `${adjointName(backend)}${npResults.env.threads > 1 ? ` on ${npResults.env.threads} threads` : ""}, float32; dashed: the targets of issue 19`,
    ],
  },
  vconcat: [
    {
      hconcat: [panel("elementwise and broadcast, inputs in [-0.5, 0.5], against tfjs-cpu", elementwise, { width: 2 * WIDTH })],
    },
    {
      hconcat: [0.5, 5, 20].map((hi, k) =>
        panel(`transcendentals on [-${hi}, ${hi}] (log: (0, ${hi}]), against tfjs-cpu`, transcendental[k], { width: (2 * WIDTH) / 3 }),
      ),
    },
    {
      hconcat: [
        panel("reductions, against tfjs-cpu", reductions),
        panel(
          `grad(sum(tanh(x * w))) against each peer (MLP gradient: ${peers.map((p) => `${p} ${mlp.ratios[`${p} / ${peerBackend} f32`].toFixed(2)}`).join(", ")})`,
          gradPoints,
          { targets: [{ y: 2, label: "tfjs-cpu target 2x" }, { y: 1.5, label: "jax-js target 1.5x (n >= 1e5)" }] },
        ),
      ],
    },
    {
      hconcat: [
        panel("matmul n x n against each peer", matmulPoints, {
          xTitle: "n",
          ticks: [256, 512, 1024],
          format: "d",
          targets: [{ y: 2, label: "tfjs-cpu target 2x" }, { y: 1.5, label: "jax-js target 1.5x" }],
        }),
      ],
    },
  ],
  config: { font: "DejaVu Sans, sans-serif", title: { fontSize: 11, fontWeight: "normal" }, axis: { labelFontSize: 9, titleFontSize: 10 } },
};

const { spec: vegaSpec } = compile(spec);
const view = new vega.View(vega.parse(vegaSpec), { renderer: "none", logLevel: vega.Error });
try {
  vega.resetSVGDefIds();
  writeFileSync(output, await view.toSVG());
} finally {
  view.finalize();
}
console.log(`wrote ${output}`);
