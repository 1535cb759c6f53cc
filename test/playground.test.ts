// The playground in a real headless Chromium (the binary @sparticuz/chromium ships inside its
// npm package, driven by playwright-core): built here with Vite's JS API, opened from disk
// (file://, the hardest static host) and over HTTP (vite preview). The page loads with no
// console error, typing updates the generated code, the plotted gradient matches finite
// differences, a refused function shows its diagnostic, and a shared link reopens the source.
// The screenshot goes to .tmp/playground/; UPDATE_SCREENSHOT=1 also writes docs/playground.png.
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import sparticuz from "@sparticuz/chromium";
import { type Browser, chromium, type Page } from "playwright-core";
import { build, preview, type PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { EXAMPLES } from "../playground/src/examples.js";
import { decodeState } from "../playground/src/share.js";
import { playgroundConfig } from "../playground/vite.config.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, ".tmp", "playground", "site");
const screenshot = join(root, ".tmp", "playground", "playground.png");
/** The flags the machine notes give for Chromium here; Playwright adds a fresh profile directory of its own. */
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** How long to wait for the page to compile or run: generous, for a loaded two-core CI machine. */
const POLL = { timeout: 30_000 };

let browser: Browser;
let server: PreviewServer;
beforeAll(async () => {
  const config = { ...playgroundConfig, logLevel: "warn" as const, build: { ...playgroundConfig.build, outDir } };
  await build(config);
  server = await preview({ ...config, preview: { port: 0, host: "127.0.0.1", open: false } });
  browser = await chromium.launch({ executablePath: await sparticuz.executablePath(), args: FLAGS, headless: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A page with every console error and uncaught exception collected. */
async function open(url: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForSelector("body[data-ran]");
  return { page, errors, requests };
}

const fromDisk = pathToFileURL(join(outDir, "index.html")).href;
const generatedText = (page: Page) => page.locator("#generated .cm-content").innerText();
const runs = (page: Page) => page.locator("body").getAttribute("data-ran").then(Number);

/** What a series of the plot draws, read back from its SVG path. */
async function plotted(page: Page, series: string): Promise<{ xs: number[]; values: number[] }> {
  const path = page.locator(`#plot [data-series="${series}"]`);
  return { xs: JSON.parse((await path.getAttribute("data-xs"))!), values: JSON.parse((await path.getAttribute("data-values"))!) };
}

describe("playground in Chromium", () => {
  let sharedHash = "";

  it("bundles adjoint/compiler and the runtime with no Node module left out", () => {
    // Vite stands in for a Node module it cannot bundle with one that throws this when used.
    const scripts = readdirSync(join(outDir, "assets")).filter((name) => name.endsWith(".js"));
    expect(scripts).toHaveLength(1);
    const script = readFileSync(join(outDir, "assets", scripts[0]), "utf8");
    expect(script.includes("externalized for browser compatibility"), "a Node module is missing from the bundle: alias it in playground/vite.config.ts").toBe(false);
  });

  it("loads from disk with no console error, compiling and plotting the first example", async () => {
    const { page, errors, requests } = await open(fromDisk);
    expect(await generatedText(page)).toContain("function f$grad(x)");
    expect(await page.locator("#plot svg").count()).toBe(1);
    expect(errors).toEqual([]);
    // Offline: the page asks for nothing but its own files (and the run worker, from a Blob).
    const site = pathToFileURL(outDir).href;
    expect(requests.filter((url) => !url.startsWith(site) && !/^(data|blob):/.test(url))).toEqual([]);
    await page.close();
  });

  it("typing a function updates the generated code, and its plotted gradient matches finite differences", async () => {
    const { page, errors } = await open(fromDisk);
    await page.locator("#source .cm-content").click();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    await page.keyboard.type('import { grad } from "adjoint";\n\nfunction cube(t: number): number {\nreturn t * t * t - 2 * t;\n}\nexport const dcube = grad(cube);\n');
    await expect.poll(() => generatedText(page), POLL).toContain("function cube$grad(t)");
    // The page's engine is adjoint/compiler's: the same module comes out of transform() in Node.
    const typed = decodeState(new URL(page.url()).hash)!.source;
    expect(await generatedText(page)).toBe(transform(typed, { filename: "playground.ts", sourceMaps: false }).code);
    await page.fill("#args", "x");
    await page.fill("#from", "-2");
    await page.fill("#to", "2");
    await page.fill("#points", "101");
    const before = await runs(page);
    await page.click("#run");
    await expect.poll(() => runs(page), POLL).toBe(before + 1);

    const adjoint = await plotted(page, "f′ adjoint");
    const differences = await plotted(page, "f′ finite differences");
    expect(adjoint.xs).toHaveLength(101);
    expect(adjoint.xs[0]).toBe(-2);
    adjoint.values.forEach((g, i) => {
      const x = adjoint.xs[i];
      expect(Math.abs(g - (3 * x * x - 2))).toBeLessThan(1e-12 * (1 + Math.abs(g)));
      expect(Math.abs(g - differences.values[i])).toBeLessThan(1e-6 * (1 + Math.abs(g)));
    });
    expect(await page.locator("#summary").innerText()).toMatch(/dcube: adjoint and finite differences agree/);

    sharedHash = new URL(page.url()).hash;
    expect(decodeState(sharedHash)?.source).toContain("function cube(t: number): number {");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("plots a second derivative, grad(grad(f)), against finite differences (the screenshot)", async () => {
    const { page, errors } = await open(fromDisk);
    const before = await runs(page);
    await page.selectOption("#examples", "horner");
    await expect.poll(() => runs(page), POLL).toBe(before + 1);
    const f = await plotted(page, "f");
    const second = await plotted(page, "f″ adjoint");
    const differences = await plotted(page, "f″ finite differences");
    // p = 0.5x³ − x² − 2x + 1, so p″ = 3x − 2.
    second.values.forEach((d2, i) => {
      const x = second.xs[i];
      expect(f.values[i]).toBeCloseTo(0.5 * x ** 3 - x ** 2 - 2 * x + 1, 12);
      expect(Math.abs(d2 - (3 * x - 2))).toBeLessThan(1e-10);
      expect(Math.abs(d2 - differences.values[i])).toBeLessThan(1e-5 * (1 + Math.abs(d2)));
    });
    mkdirSync(join(root, ".tmp", "playground"), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(readFileSync(screenshot).subarray(1, 4).toString()).toBe("PNG");
    if (process.env.UPDATE_SCREENSHOT) copyFileSync(screenshot, join(root, "docs", "playground.png"));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a refused function shows its diagnostic: underlined, listed, and in the tooltip with its hint", async () => {
    const { page, errors } = await open(fromDisk);
    await page.selectOption("#examples", "unsupported");
    const problem = page.locator('#problems li[data-code="ADJ001"]');
    await expect.poll(() => problem.count(), POLL).toBe(1);
    expect(await problem.innerText()).toMatch(/ADJ001 at line 5:3: try\/catch\/finally is not differentiable[\s\S]*hint: move the try block/);
    const underline = page.locator("#source .cm-lintRange-error");
    expect(await underline.first().innerText()).toMatch(/^try/);
    await underline.first().hover();
    await expect.poll(() => page.locator(".cm-tooltip-lint").innerText(), POLL).toMatch(/try\/catch\/finally is not differentiable[\s\S]*hint: move the try block/);
    expect(await generatedText(page)).toMatch(/^\/\/ ADJ001/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("runs every example of the menu: no throw, every derivative agreeing with finite differences", async () => {
    const { page, errors } = await open(fromDisk);
    for (const example of EXAMPLES.filter((e) => e.id !== "unsupported")) {
      const before = await runs(page);
      await page.selectOption("#examples", example.id);
      await expect.poll(() => runs(page), POLL).toBe(before + 1);
      const summary = await page.locator("#summary").innerText();
      expect(summary, example.id).not.toMatch(/threw|DISAGREE/);
      expect(await page.locator("#plot [data-series], #log:not(:empty)").count(), example.id).toBeGreaterThan(0);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a loop that never ends runs off the page's thread, and Stop ends it", async () => {
    const { page, errors } = await open(fromDisk);
    await page.locator("#source .cm-content").click();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    await page.keyboard.type("let spins = 0;\nwhile (spins >= 0) spins++;\n");
    await expect.poll(() => generatedText(page), POLL).toContain("while (spins >= 0) spins++;");
    const before = await runs(page);
    await page.click("#run");
    await expect.poll(() => page.locator("#summary").innerText(), POLL).toBe("Running…");
    await page.click("#stop");
    await expect.poll(() => runs(page), POLL).toBe(before + 1);
    expect(await page.locator("#summary").innerText()).toBe("Stopped.");
    expect(await page.locator("#stop").isDisabled()).toBe(true);
    await page.selectOption("#examples", "seed-sin");
    await expect.poll(() => runs(page), POLL).toBe(before + 2);
    expect(await page.locator("#summary").innerText()).toMatch(/df: adjoint and finite differences agree/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a shared link reopens the same source over HTTP, with no console error", async () => {
    expect(sharedHash).not.toBe("");
    const { page, errors } = await open(`${server.resolvedUrls!.local[0]}${sharedHash}`);
    expect(await generatedText(page)).toContain("function cube$grad(t)");
    const reopened = await plotted(page, "f′ adjoint");
    expect([reopened.xs[0], reopened.xs.length]).toEqual([-2, 101]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
