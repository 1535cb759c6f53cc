// The main job: examples/seed-notebook.ts, every cell of the seed notebook, built by each
// front end a user would pick and run by Node. Both must print the golden transcript and
// draw the same picture as the one the README shows.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs build script
import { buildNotebook } from "../examples/build-notebook.mjs";

const root = join(import.meta.dirname, "..");
const expected = readFileSync(join(root, "examples", "seed-notebook.expected.txt"), "utf8");

describe.each(["tspc", "babel"])("the seed notebook built with %s", (tool) => {
  const dir = mkdtempSync(join(tmpdir(), `adjoint-notebook-${tool}-`));
  const svg = join(dir, "sin-grad.svg");
  let transcript = "";

  it("builds and runs", async () => {
    const notebook: string = await buildNotebook(tool);
    transcript = execFileSync(process.execPath, [notebook, "--svg", svg], { encoding: "utf8" });
  }, 60_000);

  it("prints every cell as examples/seed-notebook.expected.txt", () => {
    expect(transcript).toBe(expected);
  });

  it("keeps the user's comments where they were, none inside generated code", () => {
    const built = readFileSync(join(root, "examples", ".build", tool, "seed-notebook.js"), "utf8");
    const headings = readFileSync(join(root, "examples", "seed-notebook.ts"), "utf8").match(/^\/\/ #.*$/gm)!;
    expect(headings.length).toBeGreaterThan(5);
    for (const heading of headings) expect(built.split(heading).length - 1, heading).toBe(1);
  });

  it("draws docs/sin-grad.svg (the README's picture) exactly", () => {
    expect(readFileSync(svg, "utf8")).toBe(readFileSync(join(root, "docs", "sin-grad.svg"), "utf8"));
  });
});

describe("the transcript says what the notebook says", () => {
  const cells = new Map<string, string>();
  for (const block of expected.trim().split(/\n\n(?=In \[)/)) {
    const [header, ...output] = block.split("\n");
    cells.set(header.slice(4, -2), output.join("\n").trim());
  }
  // The notebook's own outputs, where they do not depend on random draws.
  const notebook: Record<string, string> = {
    "2": "array([0., 1., 2., 3.])",
    "4": "array([0., 0., 0., 0.])",
    "6": "array(28.)",
    "8": "array([ 0.,  4.,  8., 12.])",
    "9": "array([ True,  True,  True,  True])",
    "10": "array([1., 1., 1., 1.])",
    "11": "array([ True,  True,  True,  True])",
    "12": "[ True  True  True  True]\n[0. 1. 4. 9.]",
    "13": "[ True  True  True  True]\n[0. 2. 4. 6.]",
    "14": "(array([-1., -1., -1., -1.]), array([5., 5., 5., 5.]), array([0., 0., 0., 0.]))",
    "17": "array(True)",
    "18": "False\nTrue",
    "23": "array([ 0., 16., 32., 48.])",
    "24": "array([28., 28., 28., 28.])",
    "25": "array([ 0., 16., 32., 48.])",
    "26": "array(112.)",
  };
  it.each(Object.entries(notebook))("In [%s]", (n, output) => {
    expect(cells.get(n)).toBe(output);
  });

  it("In [19]: backward twice with retainGraph, then a third time is refused", () => {
    const [first, second, third] = cells.get("19")!.split("\n");
    expect([first, second]).toEqual(["[3. 3. 3. 3.]", "[3. 3. 3. 3.]"]);
    expect(third).toMatch(/released by an earlier backward\(\).*retainGraph: true/);
  });

  it("In [20]: the (3, 2) exercise's gradient is f(a) / a everywhere", () => {
    expect(cells.get("20")).toMatch(/array\(\[\[ True, {2}True\],\n {7}\[ True, {2}True\],\n {7}\[ True, {2}True\]\]\)$/);
  });
});
