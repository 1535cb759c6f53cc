// One press of Run: the compiled module executed, its derivatives found in the source, and
// each evaluated against finite differences where the Arguments field says.
import * as np from "adjoint/np";
import { type ArrayRun, type Derivatives, evaluateArray, evaluateScalar, type ScalarRun } from "./evaluate.js";
import { runModule } from "./module-runner.js";
import { derivativeSites } from "./sites.js";

export interface RunRequest {
  /** The user's TypeScript, read for its derivative sites. */
  source: string;
  /** What the engine compiled it to. */
  compiled: string;
  /** The Arguments field: JavaScript expressions, `x` the value swept, `np` in scope. */
  args: string;
  from: number;
  to: number;
  points: number;
}

export interface RunResult {
  /** What the module printed with console.log. */
  logs: string[];
  /** The function differentiated, and the bindings of its derivatives. */
  target?: { name: string; first?: string; second?: string };
  evaluation?: ScalarRun | ArrayRun;
}

export async function runPlayground(request: RunRequest): Promise<RunResult> {
  const logs: string[] = [];
  const print = (...values: unknown[]) => logs.push(values.map((v) => (typeof v === "string" ? v : String(v))).join(" "));
  const bindings = await runModule(request.compiled, { log: print, warn: print, error: print });
  const sites = derivativeSites(request.source);
  const [site] = sites;
  if (!site) return { logs };
  const first = sites.find((s) => s.of === site.of && s.wrt === site.wrt && s.order === 1);
  const second = sites.find((s) => s.of === site.of && s.wrt === site.wrt && s.order === 2);
  const fn = (name: string) => {
    const value = bindings[name];
    if (typeof value !== "function") throw new Error(`${name} is not a function after compiling`);
    return value as (...args: unknown[]) => unknown;
  };
  const derivatives: Derivatives = { f: fn(site.of), wrt: site.wrt };
  if (first) derivatives.first = { fn: fn(first.name), pair: first.pair };
  if (second) derivatives.second = fn(second.name);
  const argsAt = argumentsOf(request.args, derivatives.f);
  if (site.wrt >= argsAt(request.from).length) throw new Error(`${site.of} is differentiated with respect to argument ${site.wrt}: give it in Arguments`);
  const target = { name: site.of, first: first?.name, second: second?.name };
  const evaluation =
    typeof argsAt(request.from)[site.wrt] === "number"
      ? evaluateScalar(derivatives, argsAt, request.from, request.to, request.points)
      : evaluateArray(derivatives, () => argsAt(request.from));
  return { logs, target, evaluation };
}

/** The Arguments field as a function of x, building fresh arguments at each call. */
function argumentsOf(text: string, f: (...args: unknown[]) => unknown): (x: number) => unknown[] {
  let build: (x: number, ndarray: typeof np) => unknown[];
  try {
    build = new Function("x", "np", `"use strict"; return [${text}];`) as typeof build;
  } catch (error) {
    throw new Error(`Arguments: ${(error as Error).message}`);
  }
  return (x) => {
    const args = build(x, np);
    if (args.length < f.length) throw new Error(`Arguments: ${f.name || "the function"} takes ${f.length} arguments, ${args.length} given`);
    return args;
  };
}
