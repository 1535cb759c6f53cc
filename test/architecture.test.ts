// The shape of the source tree: no import cycle in compiler/ and runtime/, no file over 600
// lines (in test/ and bench/ too), the bundler plugins' modules load the engine only on use. Imports are read from each file's TypeScript AST; only those that survive into
// JavaScript count (`import type`, `export type` and imports of types alone are erased).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const MAX_LINES = 600;

function sources(dir: string, pattern = /\.(m|c)?tsx?$/): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path, pattern);
    return pattern.test(entry.name) ? [path] : [];
  });
}

/** Files of `files` over MAX_LINES lines, as "file: n lines". */
function overLong(files: string[]): string[] {
  return files
    .map((f) => ({ f, lines: readFileSync(join(root, f), "utf8").split("\n").length - 1 }))
    .filter(({ lines }) => lines > MAX_LINES)
    .map(({ f, lines }) => `${f}: ${lines} lines`);
}

/** Scripts of test/ and bench/ (bench/results/ holds generated JSON, not scripts). */
const SCRIPTS = /\.(m|c)?[jt]sx?$/;
/** Over the limit: none now. */
const LONG_FOR_NOW = new Set<string>();

/** The relative modules `file` loads statically (value imports), transitively, from `graph`. */
function staticClosure(graph: Map<string, string[]>, file: string): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const next of graph.get(f) ?? []) visit(next);
  };
  visit(file);
  return seen;
}

/** The relative modules `file` imports or re-exports as values, as paths from the root. */
export function valueImports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      const erased =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)));
      if (!erased) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      const clause = statement.exportClause;
      const erased = statement.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      if (!erased) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specifiers
    .filter((s) => s.startsWith("."))
    .map((s) => relative(root, resolve(root, dirname(file), s)).replace(/\.(m|c)?js$/, (ext) => ext.replace("js", "ts")));
}

/** One cycle (the files in import order) per strongly connected component (Tarjan), with all its files. */
export function cycles(graph: Map<string, string[]>): { cycle: string[]; files: string[] }[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: { cycle: string[]; files: string[] }[] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    const selfImport = (graph.get(v) ?? []).includes(v);
    if (component.length > 1 || selfImport) found.push({ cycle: shortestCycle(graph, new Set(component)), files: component.sort() });
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** The shortest cycle through the component's first file, by breadth-first search inside it. */
function shortestCycle(graph: Map<string, string[]>, component: Set<string>): string[] {
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0])!);
        return [...path, start];
      }
      if (component.has(w) && !previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

const files = [...sources("compiler"), ...sources("runtime")].filter((f) => !f.endsWith(".d.ts"));
const graph = new Map(files.map((f) => [f, valueImports(f, readFileSync(join(root, f), "utf8"))]));

describe("architecture", () => {
  it("finds cycles, and ignores type-only imports (the checker itself)", () => {
    const fake = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts", "d.ts"]],
      ["d.ts", []],
    ]);
    expect(cycles(fake)).toEqual([{ cycle: ["a.ts", "b.ts", "c.ts", "a.ts"], files: ["a.ts", "b.ts", "c.ts"] }]);
    const text = `import type { A } from "./a.js";\nimport { type B } from "./b.js";\nexport type { C } from "./c.js";\nimport { d, type D } from "./d.js";\nimport "./e.js";\nexport * from "./f.js";\nimport x from "node:fs";`;
    expect(valueImports("runtime/x.ts", text)).toEqual(["runtime/d.ts", "runtime/e.ts", "runtime/f.ts"]);
  });

  for (const dir of ["compiler", "runtime"]) {
    it(`has no import cycle in ${dir}/ (value imports)`, () => {
      const found = cycles(graph).filter(({ files }) => files.some((f) => f.startsWith(`${dir}/`)));
      const named = ({ cycle, files }: { cycle: string[]; files: string[] }) =>
        `import cycle: ${cycle.join(" -> ")}${files.length > cycle.length - 1 ? ` (one of several among ${files.join(", ")})` : ""}`;
      expect(found.map(named)).toEqual([]);
    });
  }

  it(`has no source file in compiler/ or runtime/ over ${MAX_LINES} lines`, () => {
    expect(overLong([...sources("compiler"), ...sources("runtime")])).toEqual([]);
  });

  it(`has no test or bench script over ${MAX_LINES} lines`, () => {
    const scripts = [...sources("test", SCRIPTS), ...sources("bench", SCRIPTS)];
    expect(scripts.length).toBeGreaterThan(50);
    expect(overLong(scripts.filter((f) => !LONG_FOR_NOW.has(f)))).toEqual([]);
  });

  it("loads the engine in the bundler plugins only when a module uses adjoint (no static import of it)", () => {
    for (const plugin of ["vite", "rollup", "esbuild", "webpack"]) {
      const loaded = [...staticClosure(graph, `compiler/frontends/${plugin}.ts`)];
      expect(loaded).toContain("compiler/frontends/unplugin.ts");
      expect(loaded.filter((f) => f.startsWith("compiler/driver/") || f === "compiler/frontends/splice.ts")).toEqual([]);
    }
  });
});
