// docs/bench-ratios.svg is what bench/chart.mjs draws from the committed bench/results/ (so the
// chart in docs/BENCHMARKS.md shows the tables' run), and the script draws the Wasm backend's
// ratios once the results have them. (Without node-canvas, Vega estimates text widths, so the
// SVG depends on the data alone.)
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "..");
const dir = join(root, ".tmp", "bench-chart");
mkdirSync(dir, { recursive: true });

function draw(resultsDir: string, name: string): string {
  const out = join(dir, name);
  execFileSync(process.execPath, [join(root, "bench", "chart.mjs"), resultsDir, out], { encoding: "utf8" });
  return readFileSync(out, "utf8");
}

describe("bench/chart.mjs", () => {
  it("draws docs/bench-ratios.svg from bench/results/, byte for byte", () => {
    const svg = draw(join(root, "bench", "results"), "committed.svg");
    expect(svg.startsWith("<svg")).toBe(true);
    for (const title of ["against tfjs-cpu", "grad(sum(tanh(x * w))) against each peer", "matmul n x n against each peer"]) {
      expect(svg).toContain(title);
    }
    expect(svg).toContain("wasm backend"); // the documented run: the Wasm backend, the default
    expect(svg).toBe(readFileSync(join(root, "docs", "bench-ratios.svg"), "utf8"));
  });

  it("draws the wasm backend's ratios when the results have that backend", () => {
    const results = join(dir, "two-backends");
    mkdirSync(results, { recursive: true });
    for (const file of ["np.json", "peers.json"]) {
      const data = JSON.parse(readFileSync(join(root, "bench", "results", file), "utf8"));
      data.backends = ["js", "wasm"];
      for (const row of data.rows) {
        for (const [key, ratio] of Object.entries(row.ratios as Record<string, number>)) row.ratios[key.replace(/ js\b/, " wasm")] = 2 * ratio;
      }
      writeFileSync(join(results, file), JSON.stringify(data));
    }
    const svg = draw(results, "two-backends.svg");
    expect(svg).toContain("wasm backend");
    expect(svg).not.toBe(readFileSync(join(root, "docs", "bench-ratios.svg"), "utf8"));
  });
});
