// The fenced code blocks of README.md and docs/*.md, for test/docs.test.ts: where each one
// is (file, heading, first line), the files a block holds (`// model.ts` headers), the
// expectations its comments state (`x.grad; // array([ 0.,  4.,  8., 12.])`) and the
// relative links of a page.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface Block {
  /** The page, relative to the repository: `README.md`, `docs/np.md`. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The fence's info string: `ts`, `js`, `json`, `sh`, `html`, or "" for none. */
  readonly lang: string;
  /** The nearest heading above the block, without its `#`s. */
  readonly heading: string;
  /** The block's first non-empty line, trimmed. */
  readonly firstLine: string;
  /** The block's text, ending in a newline. */
  readonly text: string;
  /** What the test's table of decisions keys the block by: `file § heading › first line`. */
  readonly id: string;
}

/** The pages whose blocks are checked: README.md and every docs/*.md. */
export function documentationPages(root: string): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

/** Every fenced block of a page (``` or ~~~ fences, indented ones inside list items too, their indentation removed). */
export function extractBlocks(root: string, file: string): Block[] {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const blocks: Block[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(```+|~~~+)\s*([\w-]*)/.exec(lines[i]);
    if (!open) {
      const title = /^#{1,6}\s+(.*)$/.exec(lines[i]);
      if (title) heading = title[1].trim();
      continue;
    }
    const [, indent, fence, lang] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith(indent + fence); i++) body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i]);
    if (i === lines.length) throw new Error(`${file}:${start + 1}: a code fence is never closed`);
    const firstLine = body.find((line) => line.trim() !== "")?.trim() ?? "";
    blocks.push({ file, line: start + 1, lang, heading, firstLine, text: `${body.join("\n")}\n`, id: `${file} § ${heading} › ${firstLine}` });
  }
  return blocks;
}

/**
 * A block that holds several files, each after a comment line naming it (`// model.ts`,
 * `// vite.config.js, for a Node script`): name -> text. A block without such a first line
 * is one file, `fallback`.
 */
export function splitFiles(text: string, fallback: string): Map<string, string> {
  const files = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (name !== undefined) files.set(name, `${body.join("\n").trim()}\n`);
  };
  for (const line of text.split("\n")) {
    const header = /^\/\/ ([\w./-]+\.(?:ts|mts|js|mjs|cjs|json))\b/.exec(line);
    if (header) {
      flush();
      name = header[1];
      body = [];
      continue;
    }
    if (name === undefined && line.trim() !== "") name = fallback;
    body.push(line);
  }
  flush();
  return files;
}

/** What a comment says a value prints as: `array([0., 1.])`, `6`, `≈ 12.68`, `[ 1, 2 ]`, `true`. */
const VALUE = /^(?:≈\s*)?(?:array\(|-?\d|\[|true\b|false\b|"|NaN\b|-?Infinity\b)/;

export interface Expectation {
  /** 1-based line in the file the expectation is in. */
  readonly line: number;
  /** The comment's text: what the value prints as, optionally followed by prose after `,` or `:`. */
  readonly expected: string;
}

/**
 * A program with each expectation comment turned into a print: `EXPR; // VALUE` becomes
 * `print(EXPR)` (`console.log(EXPR);`), `const NAME = EXPR; // VALUE` gets `print(NAME)` after it.
 * Comments that are prose (`// x.grad: zeros of x's shape`) are left alone.
 */
export function withPrints(code: string, print = (expression: string) => `console.log(${expression});`): { code: string; expectations: Expectation[] } {
  const expectations: Expectation[] = [];
  const lines = code.split("\n").map((line, index) => {
    const match = /^(\s*)(.*?);\s*\/\/\s*(.*)$/.exec(line);
    if (!match || !VALUE.test(match[3])) return line;
    const [, indent, statement, expected] = match;
    expectations.push({ line: index + 1, expected });
    const declaration = /^(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=/.exec(statement);
    if (declaration) return `${line}\n${indent}${print(declaration[1])}`;
    return `${indent}${print(statement)}`;
  });
  return { code: lines.join("\n"), expectations };
}

const NUMBER = /-?\d+(?:\.\d*)?(?:e[-+]?\d+)?/g;
const squash = (text: string) => text.replace(/\s+/g, "");

/**
 * Whether `printed` (what Node printed for the value) is what the comment `expected` says.
 * Whitespace is not compared. The comment may go on in prose after the value (`0.73, the
 * sigmoid of 1`). `≈ 12.68` (also `≈ [6.22, -6.70]`) compares numbers to the digits shown.
 */
export function matchesExpectation(printed: string, expected: string): boolean {
  if (expected.startsWith("≈")) {
    const shown = expected.slice(1).trim();
    const numbers = [...printed.matchAll(NUMBER)].map((m) => m[0]);
    const wanted = [...shown.matchAll(NUMBER)].map((m) => m[0]);
    const skeleton = (text: string) => squash(text.replace(NUMBER, "#"));
    if (numbers.length !== wanted.length || !skeleton(shown).startsWith(skeleton(printed))) return false;
    return wanted.every((value, i) => {
      const decimals = value.split(".")[1]?.length ?? 0;
      return Math.abs(Number(numbers[i]) - Number(value)) <= 0.5 * 10 ** -decimals * (1 + 1e-9);
    });
  }
  const actual = squash(printed);
  const said = squash(expected);
  return said === actual || (said.startsWith(actual) && /^[,:;(]/.test(said.slice(actual.length)));
}

/** The relative links of a Markdown page, `[text](target)` and `![alt](target)`, without `#anchor`s. */
export function relativeLinks(root: string, file: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  let inFence = false;
  readFileSync(join(root, file), "utf8")
    .split("\n")
    .forEach((text, index) => {
      if (/^(```|~~~)/.test(text)) inFence = !inFence;
      if (inFence) return;
      for (const match of text.replace(/`[^`]*`/g, "").matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = match[1].split("#")[0];
        if (target === "" || /^[a-z][a-z+.-]*:/i.test(target)) continue;
        links.push({ target, line: index + 1 });
      }
    });
  return links;
}
