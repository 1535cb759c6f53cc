// The page: the source editor compiles on every change (debounced) into the generated pane,
// with its diagnostics underlined; Run executes the module and plots f and its derivatives
// beside finite differences. The source, arguments and range live in the URL hash.
import { compile, type Problem } from "./compile.js";
import { generatedEditor, setText, showProblems, sourceEditor } from "./editor.js";
import { type Comparison, worstDisagreement } from "./comparison.js";
import { EXAMPLES } from "./examples.js";
import { type Panel, plot } from "./plot.js";
import type { RunRequest, RunResult } from "./run.js";
import RunWorker from "./run-worker.ts?worker&inline";
import type { RunReply } from "./run-worker.js";
import { decodeState, encodeState, type State } from "./share.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const inputs = { args: $<HTMLInputElement>("args"), from: $<HTMLInputElement>("from"), to: $<HTMLInputElement>("to"), points: $<HTMLInputElement>("points") };
const examples = $<HTMLSelectElement>("examples");

/** Disagreement above this is shown as a failure (the fixtures' checks use 1e-5 relative). */
const TOLERANCE = 1e-5;
const COMPILE_DELAY_MS = 150;
/** A run still going after this is stopped (a loop that never ends, most likely). */
const RUN_LIMIT_MS = 10_000;

let compiled = compile("");
let compileTimer: ReturnType<typeof setTimeout> | undefined;

const generated = generatedEditor($("generated"));
const source = sourceEditor($("source"), "", () => {
  clearTimeout(compileTimer);
  compileTimer = setTimeout(recompile, COMPILE_DELAY_MS);
});

function recompile(): void {
  const text = source.state.doc.toString();
  compiled = compile(text);
  showProblems(source, compiled.problems);
  listProblems(compiled.problems);
  $("compile-status").textContent = compiled.problems.length > 0 ? `(refused: ${compiled.problems.length} problem${compiled.problems.length === 1 ? "" : "s"})` : "(compiled)";
  setText(generated, compiled.problems.length > 0 ? compiled.problems.map((p) => `// ${p.code} (line ${p.line}:${p.column + 1}): ${p.message}\n//   hint: ${p.hint}`).join("\n") : compiled.code);
  saveState();
}

function listProblems(problems: Problem[]): void {
  const list = $("problems");
  list.replaceChildren(
    ...problems.map((p) => {
      const item = document.createElement("li");
      item.dataset.code = p.code;
      item.append(`${p.code} at line ${p.line}:${p.column + 1}: ${p.message}\n`);
      const hint = document.createElement("span");
      hint.className = "hint";
      hint.textContent = `hint: ${p.hint}`;
      item.append(hint);
      return item;
    }),
  );
}

function state(): State {
  return { source: source.state.doc.toString(), args: inputs.args.value, from: inputs.from.value, to: inputs.to.value, points: inputs.points.value };
}

function saveState(): void {
  history.replaceState(null, "", encodeState(state()));
}

function load(s: State): void {
  inputs.args.value = s.args;
  inputs.from.value = s.from;
  inputs.to.value = s.to;
  inputs.points.value = s.points;
  setText(source, s.source);
  // Now, not after the typing delay the change just scheduled.
  clearTimeout(compileTimer);
  recompile();
}

async function run(): Promise<void> {
  clearTimeout(compileTimer);
  recompile();
  const summary = $("summary");
  const log = $("log");
  summary.className = "";
  log.className = "";
  $("plot").replaceChildren();
  if (compiled.problems.length > 0) {
    summary.textContent = "Fix the problems under the editor to run.";
    log.textContent = "";
    return;
  }
  let result: RunResult;
  try {
    summary.textContent = "Running…";
    result = await inWorker({ source: state().source, compiled: compiled.code, args: inputs.args.value, from: Number(inputs.from.value), to: Number(inputs.to.value), points: Math.max(2, Number(inputs.points.value) || 200) });
  } catch (error) {
    if (error instanceof Stopped) {
      summary.textContent = error.message;
      summary.className = "disagree";
      log.textContent = "";
    } else {
      summary.textContent = "The module threw:";
      log.className = "error";
      log.textContent = String(error);
    }
    document.body.dataset.ran = String(Number(document.body.dataset.ran ?? 0) + 1);
    return;
  }
  log.textContent = result.logs.join("\n");
  show(result);
  document.body.dataset.ran = String(Number(document.body.dataset.ran ?? 0) + 1);
}

class Stopped extends Error {}

/** Stops the run in progress, if any. */
let stop = (): void => {};

/** Runs the module in a fresh worker, stopped by the Stop button or after RUN_LIMIT_MS. */
function inWorker(request: RunRequest): Promise<RunResult> {
  stop();
  const worker = new RunWorker();
  const button = $<HTMLButtonElement>("stop");
  return new Promise<RunResult>((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(limit);
      worker.terminate();
      button.disabled = true;
      stop = () => {};
      settle();
    };
    const limit = setTimeout(() => finish(() => reject(new Stopped(`Stopped after ${RUN_LIMIT_MS / 1000} s: does a loop never end?`))), RUN_LIMIT_MS);
    stop = () => finish(() => reject(new Stopped("Stopped.")));
    button.disabled = false;
    worker.onmessage = (event: MessageEvent<RunReply>) => finish(() => ("result" in event.data ? resolve(event.data.result) : reject(new Error(event.data.error))));
    worker.onerror = (event) => finish(() => reject(new Error(event.message)));
    worker.postMessage(request);
  });
}

function show(result: RunResult): void {
  const summary = $("summary");
  const { target, evaluation } = result;
  if (!target || !evaluation) {
    summary.textContent = "No top-level `const df = grad(f)` (or grad(grad(f)), valueAndGrad, hessian) to plot: the module ran; what it printed is below.";
    return;
  }
  const lines: string[] = [];
  let disagrees = false;
  const compare = (label: string, name: string | undefined, c: Comparison | undefined) => {
    if (!c || !name) return;
    const worst = worstDisagreement(c);
    disagrees ||= !(worst <= TOLERANCE);
    lines.push(`${label} ${name}: adjoint and finite differences ${worst <= TOLERANCE ? "agree" : "DISAGREE"}: max |adjoint − FD| / (1 + |FD|) = ${worst.toExponential(2)} over ${c.adjoint.length} values`);
  };
  compare("f′", target.first, evaluation.first);
  compare("f″", target.second, evaluation.second);
  if (evaluation.kind === "array") lines.unshift(`${target.name}(…) = ${evaluation.value} at the given arguments (${evaluation.size} elements differentiated)`);
  summary.textContent = lines.join("\n");
  summary.className = disagrees ? "disagree" : "";

  const panels: Panel[] = [];
  const derivativePanel = (title: string, prime: string, xs: number[], c: Comparison | undefined) => {
    if (!c) return;
    panels.push({
      title,
      xs,
      series: [
        { name: `${prime} adjoint`, values: c.adjoint, color: "#d62728", style: "line" },
        { name: `${prime} finite differences`, values: c.finiteDifferences, color: "#111827", style: "points" },
      ],
    });
  };
  if (evaluation.kind === "scalar") {
    panels.push({ title: `f = ${target.name}, over x`, xs: evaluation.xs, series: [{ name: "f", values: evaluation.f, color: "#1f77b4", style: "line" }] });
    derivativePanel(`f′ = ${target.first}`, "f′", evaluation.xs, evaluation.first);
    derivativePanel(`f″ = ${target.second}`, "f″", evaluation.xs, evaluation.second);
  } else {
    const indices = (n: number) => Array.from({ length: n }, (_, i) => i);
    derivativePanel(`gradient ${target.first}, element by element`, "f′", indices(evaluation.size), evaluation.first);
    derivativePanel(`Hessian ${target.second}, row by row`, "f″", indices(evaluation.size ** 2), evaluation.second);
    for (const panel of panels) panel.indices = true;
  }
  if (panels.length > 0) $("plot").append(plot(panels));
  if (evaluation.kind === "array") $("plot").append(...[evaluation.first, evaluation.second].flatMap((c, k) => (c ? [table(k === 0 ? "f′" : "f″", c)] : [])));
}

/** The numbers of an array input's derivative, element by element. */
function table(prime: string, c: Comparison): HTMLTableElement {
  const element = document.createElement("table");
  const row = (cells: string[], tag: "th" | "td") => {
    const tr = element.insertRow();
    for (const text of cells) tr.append(Object.assign(document.createElement(tag), { textContent: text }));
  };
  row(["element", `${prime} adjoint`, `${prime} finite differences`, "|difference|"], "th");
  c.adjoint.forEach((a, i) => row([String(i), String(a), String(c.finiteDifferences[i]), Math.abs(a - c.finiteDifferences[i]).toExponential(1)], "td"));
  return element;
}

examples.append(...EXAMPLES.map((e) => new Option(e.title, e.id)));
examples.addEventListener("change", () => {
  const example = EXAMPLES.find((e) => e.id === examples.value);
  if (!example) return;
  load({ source: example.source, args: example.args, from: String(example.from), to: String(example.to), points: inputs.points.value });
  void run();
});
$("run").addEventListener("click", () => void run());
$("stop").addEventListener("click", () => stop());
for (const input of Object.values(inputs)) input.addEventListener("change", saveState);
$("share").addEventListener("click", () => {
  saveState();
  void navigator.clipboard?.writeText(location.href).catch(() => {});
});

const shared = decodeState(location.hash);
if (shared) {
  examples.value = "";
  load(shared);
} else {
  const [first] = EXAMPLES;
  load({ source: first.source, args: first.args, from: String(first.from), to: String(first.to), points: inputs.points.value });
}
void run();
