// Checkpointing changes memory and time, never the gradient: every numeric fixture is compiled
// again with `checkpoint: { snapshots: 2 }` added to each grad/valueAndGrad/vjp call (the most
// recomputation revolve does short of one snapshot), and every check's gradient must equal the
// plain build's bit for bit. A fixture whose loop cannot be replayed must be refused (ADJ030).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";
import { NDArray } from "../runtime/np/index.js";

const root = resolve(__dirname, "..");
const outDir = join(root, ".tmp", "checkpoint-fixtures");

/** The source with checkpointing asked of every derivative of a named function. */
export function withCheckpointOption(source: string, option = "{ snapshots: 2 }"): string {
  return source.replace(/\b(grad|valueAndGrad|vjp)\(([A-Za-z_$][\w$]*)\s*(\)|,\s*\{)/g, (_, marker, fn, rest) => (rest === ")" ? `${marker}(${fn}, { checkpoint: ${option} })` : `${marker}(${fn}, { checkpoint: ${option}, `));
}

/** A result as a flat list of numbers (records by key, NDArrays by element). */
export function flat(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (value instanceof NDArray) return flat(value.toArray());
  if (value instanceof Float64Array || value instanceof Float32Array) return Array.from(value);
  if (Array.isArray(value)) return value.flatMap(flat);
  if (typeof value === "object" && value !== null) return Object.keys(value).sort().flatMap((k) => flat((value as Record<string, unknown>)[k]));
  return [NaN];
}

const clone = (arg: unknown): unknown => (arg instanceof NDArray ? arg.copy() : arg instanceof Float64Array || arg instanceof Float32Array || Array.isArray(arg) ? arg.slice() : typeof arg === "object" && arg !== null ? Object.fromEntries(Object.entries(arg).map(([k, x]) => [k, clone(x)])) : arg);

interface Check {
  grad?: (...args: unknown[]) => unknown;
  valueAndGrad?: (...args: unknown[]) => unknown;
  vjp?: (...args: unknown[]) => [unknown, (d: unknown) => unknown];
  points: unknown[][];
  dvalue?: unknown;
}

/** Every derivative a fixture's checks export, at every point. */
function results(checks: Check[]): number[][] {
  return checks.flatMap((check) =>
    check.points.flatMap((point) => {
      const out: number[][] = [];
      if (check.grad) out.push(flat(check.grad(...point.map(clone))));
      if (check.valueAndGrad) out.push(flat(check.valueAndGrad(...point.map(clone))));
      if (check.vjp) {
        const [value, pullback] = check.vjp(...point.map(clone));
        out.push([...flat(value), ...flat(pullback(check.dvalue ?? (typeof value === "number" ? 1 : undefined)))]);
      }
      return out;
    }),
  );
}

let count = 0;
async function load(code: string): Promise<{ checks?: Check[] }> {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `module${++count}.mjs`);
  writeFileSync(file, code);
  return import(pathToFileURL(file).href);
}

const cases = readdirSync(join(root, "fixtures"))
  // marker-alias-import has a function of its own named grad, which the rewrite would take for the marker.
  .filter((name) => !name.startsWith("error-") && !name.startsWith("autograd-") && name !== "marker-alias-import" && existsSync(join(root, "fixtures", name, "input.ts")))
  .sort();

describe("checkpointing every fixture's loops", () => {
  const exercised: string[] = [];
  const refused: string[] = [];
  for (const name of cases) {
    it(`${name}: the same gradient, bit for bit`, async () => {
      const filename = `fixtures/${name}/input.ts`;
      const source = readFileSync(join(root, filename), "utf8");
      const changed = withCheckpointOption(source);
      if (changed === source) return;
      const checkpointed = transform(changed, { filename, sourceMaps: false });
      // Refused, where a loop cannot be replayed; never anything else.
      if (checkpointed.diagnostics.length > 0) {
        expect(checkpointed.diagnostics.map((d) => d.code).filter((c) => c !== "ADJ030" && c !== "ADJ023")).toEqual([]);
        refused.push(`${name}: ${checkpointed.diagnostics[0].message}`);
        return;
      }
      if (!checkpointed.code.includes(".Checkpoints(")) return;
      exercised.push(name);
      // Checkpointed loops are never fused (optimize/fuse-loops.ts): the same arithmetic is the plain build's without loop fusion.
      const fusion = process.env.ADJOINT_LOOP_FUSION;
      process.env.ADJOINT_LOOP_FUSION = "off";
      const plainCode = transform(source, { filename, sourceMaps: false }).code;
      if (fusion === undefined) delete process.env.ADJOINT_LOOP_FUSION;
      else process.env.ADJOINT_LOOP_FUSION = fusion;
      const plain = await load(plainCode);
      const replayed = await load(checkpointed.code);
      if (!plain.checks) return;
      expect(results(replayed.checks!)).toEqual(results(plain.checks));
    });
  }
  it("exercises checkpointed loops in many fixtures", () => {
    expect(exercised.length).toBeGreaterThanOrEqual(20);
    if (process.env.SHOW_REFUSED) console.log(`${exercised.length} checkpointed; refused:\n${refused.join("\n")}`);
  });
});
