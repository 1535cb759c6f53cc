// Which arrays a record block's narrow variant covers is decided over declarations, not
// names (compiler/analyze/gradient-sources.ts): each autograd fixture, with every variable
// it declares given a fresh name of its own, compiles to blocks of the same shape (as many
// variants, the same `inputs` masks, the same constants).
import babelGenerator from "@babel/generator";
import { parse } from "@babel/parser";
import babelTraverse, { type NodePath } from "@babel/traverse";
import type * as t from "@babel/types";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { transform } from "../compiler/index.js";

// Both are CommonJS: under Node's ESM interop their functions sit on .default.
type Generate = (ast: t.Node) => { code: string };
const generate = ((babelGenerator as unknown as { default?: Generate }).default ?? babelGenerator) as unknown as Generate;
type Traverse = (ast: t.Node, visitors: Record<string, (path: NodePath) => void>) => void;
const traverse = ((babelTraverse as unknown as { default?: Traverse }).default ?? babelTraverse) as unknown as Traverse;

const fixturesDir = resolve(__dirname, "..", "fixtures");
const cases = readdirSync(fixturesDir).filter((name) => name.startsWith("autograd-")).sort();

/** The source with each binding but the imports renamed `v1`, `v2`, ... (Babel's scope.rename). */
function renamed(source: string): string {
  const ast = parse(source, { sourceType: "module", plugins: ["typescript"] });
  let count = 0;
  const seen = new Set<unknown>();
  traverse(ast, {
    Scope(path) {
      for (const [name, binding] of Object.entries(path.scope.bindings)) {
        if (binding.kind === "module" || seen.has(binding)) continue;
        seen.add(binding);
        path.scope.rename(name, `v${++count}`);
      }
    },
  });
  expect(count).toBeGreaterThan(3);
  return generate(ast).code;
}

/** Each record block of the compiled module: its variants' `inputs` and its constants' positions. */
function shape(source: string, filename: string): { inputs: number[][]; constants: number[] }[] {
  const result = transform(source, { filename, sourceMaps: false });
  expect(result.diagnostics).toEqual([]);
  const blocks: { inputs: number[][]; constants: number[] }[] = [];
  const numbers = (node: t.Node | undefined) => (node?.type === "ArrayExpression" ? node.elements.map((e) => (e as t.NumericLiteral).value) : []);
  const property = (node: t.Node | undefined, key: string) =>
    node?.type === "ObjectExpression" ? (node.properties.find((p) => p.type === "ObjectProperty" && p.key.type === "Identifier" && p.key.name === key) as t.ObjectProperty | undefined)?.value : undefined;
  traverse(parse(result.code, { sourceType: "module" }), {
    CallExpression(path) {
      const call = path.node as t.CallExpression;
      if (call.callee.type !== "MemberExpression" || call.callee.property.type !== "Identifier" || call.callee.property.name !== "record") return;
      const [variants, , info] = call.arguments;
      if (variants?.type !== "ArrayExpression") return;
      const constants = property(info, "constants");
      blocks.push({
        inputs: variants.elements.map((v) => numbers(property(v ?? undefined, "inputs"))),
        constants: constants?.type === "ObjectExpression" ? constants.properties.map((p) => ((p as t.ObjectProperty).value as t.NumericLiteral).value) : [],
      });
    },
  });
  return blocks;
}

describe("record blocks' variants do not depend on the spelling of names", () => {
  for (const name of cases) {
    it(name, () => {
      const filename = `fixtures/${name}/input.ts`;
      const source = readFileSync(join(fixturesDir, name, "input.ts"), "utf8");
      const original = shape(source, filename);
      expect(original.length).toBeGreaterThan(0);
      expect(shape(renamed(source), filename)).toEqual(original);
    });
  }
});
