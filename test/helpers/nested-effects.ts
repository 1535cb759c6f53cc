// Second order on programs with effects (property-effects.test.ts): the program's hvp(f) over
// x (forward over the gradient generated in the differentiable subset) against central
// differences of its own compiled gradient along v, at each point; and the caller's x left as
// the primal leaves it. Nesting may refuse a program (what its gradient would need the
// runtime for): then only where and how it says so is checked.
import type { Diagnostic } from "../../compiler/index.js";

type ArrayInput = Float64Array | number[];
export type Hvp = (x: ArrayInput, c: number, v: ArrayInput) => ArrayLike<number>;

/**
 * Codes nesting refuses with: what the inner gradient would need the runtime for (ADJ016); a
 * helper returning an array on one path and a number on another (ADJ026, ADJ027), which the
 * nested gradient inlines into one variable where a split callee keeps a variant per kind.
 */
const NESTING_CODES = new Set(["ADJ016", "ADJ026", "ADJ027"]);

export interface NestedOutcome {
  h?: Hvp;
  /** Refused by nesting, with located diagnostics of the expected codes: their messages. */
  refused?: string[];
  problem?: string;
}

/** Reads the outcome of compiling `hvp(f)` beside the program. */
export async function nestedOutcome(outcome: { status: string; code?: string; diagnostics?: Diagnostic[]; error?: string }, source: string, load: (code: string) => Promise<Record<string, unknown>>): Promise<NestedOutcome> {
  if (outcome.status === "crashed") return { problem: `hvp: the compiler crashed: ${outcome.error?.split("\n").slice(0, 6).join("\n")}` };
  if (outcome.status === "refused") {
    const bad = outcome.diagnostics!.filter((d) => !NESTING_CODES.has(d.code) || !(d.line >= 1 && d.start >= 0 && d.end >= d.start && d.end <= source.length));
    return bad.length > 0 ? { problem: `hvp refused what vjp compiles, unexpectedly: ${bad.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`).join("; ")}` } : { refused: outcome.diagnostics!.map((d) => `${d.code} ${d.message.replace(/'[^']*'/g, "'…'")}`) };
  }
  try {
    return { h: (await load(outcome.code!)).h as Hvp };
  } catch (error) {
    return { problem: `importing the hvp module: ${(error as Error)?.stack ?? error}` };
  }
}

/** Second-order tolerance: the reference is a difference of compiled gradients at step 1e-5, checked against 1e-4 for smoothness. */
const TOLERANCE = { rtol: 1e-4, atol: 1e-5 };

/**
 * H v at a point against (grad(x + h v) - grad(x - h v)) / 2h, component by component where
 * the difference is smooth (the same at h and 10 h), with x left as the primal leaves it. Returns the
 * problems, and how many components were compared.
 */
export function hvpAgrees(
  h: Hvp,
  gradient: (x: ArrayInput, c: number) => ArrayLike<number>,
  make: (values: readonly number[]) => ArrayInput,
  x: number[],
  c: number,
  after: ArrayLike<number>,
): { problems: string[]; compared: number } {
  const problems: string[] = [];
  const v = x.map((_, k) => Math.cos(3.1 * k + c));
  const input = make(x);
  let hv: ArrayLike<number>;
  try {
    hv = h(input, c, make(v));
  } catch (error) {
    return { problems: [`the hvp threw ${String((error as Error)?.stack ?? error).split("\n").slice(0, 3).join("\n")}`], compared: 0 };
  }
  // The caller's x ends as the primal leaves it: the gradient puts back what it restores, and its jvp writes as it does.
  if (Array.from(input).some((value, k) => value !== after[k] && !(Number.isNaN(value) && Number.isNaN(after[k])))) {
    problems.push(`x after the hvp is [${Array.from(input).join(", ")}], after the primal [${Array.from(after).join(", ")}]`);
  }
  const along = (s: number) => Array.from(gradient(make(x.map((xi, k) => xi + s * v[k])), c));
  let compared = 0;
  try {
    const [p, m, p10, m10] = [along(1e-5), along(-1e-5), along(1e-4), along(-1e-4)];
    for (let k = 0; k < x.length; k++) {
      const fine = (p[k] - m[k]) / 2e-5;
      const coarse = (p10[k] - m10[k]) / 2e-4;
      if (!Number.isFinite(fine) || Math.abs(fine - coarse) > 1e-3 * (1 + Math.abs(fine))) continue; // a kink near the point
      compared++;
      if (Math.abs(hv[k] - fine) > TOLERANCE.atol + TOLERANCE.rtol * Math.abs(fine)) problems.push(`(H v)[${k}] is ${hv[k]}, differences of the gradient give ${fine}`);
    }
  } catch {
    // The gradient threw at a moved point (a guard): nothing to compare there.
  }
  return { problems, compared };
}
