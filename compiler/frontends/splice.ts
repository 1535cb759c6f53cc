// The engine's edits applied to the source text itself, for the bundler plugins: no Babel
// traversal or printing, so a module costs a parse and the engine. The source map is built
// from the same positions the Babel plugin gives its nodes: the user's line for each line of
// generated code, and the original text mapped line by line around the edits.
import { parse } from "@babel/parser";
import { addMapping, GenMapping, setSourceContent, toEncodedMap, type EncodedSourceMap } from "@jridgewell/gen-mapping";
import { AdjointCompileError } from "../diagnostics.js";
import type { PrintedLine } from "../emit/index.js";
import { compileModule, mayUseAdjoint } from "../driver/index.js";

export interface Spliced {
  code: string;
  map: EncodedSourceMap;
}

/**
 * Compiles one module by splicing: undefined when it has nothing for adjoint. Types and
 * everything else the engine does not replace are left as written. Throws
 * AdjointCompileError with every diagnostic.
 */
export function spliceModule(source: string, filename: string): Spliced | undefined {
  if (!mayUseAdjoint(source)) return undefined;
  const plugins: ("typescript" | "jsx")[] = /\.[cm]?tsx?$/.test(filename) ? ["typescript"] : [];
  if (/\.[jt]sx$/.test(filename)) plugins.push("jsx");
  const ast = parse(source, { sourceType: "module", plugins });
  const output = compileModule(ast, source, filename);
  // Columns 0-based, as the bundlers print the error's `loc` beside this message.
  if (output.diagnostics.length > 0) throw new AdjointCompileError(output.diagnostics, source, 0);
  if (output.replacements.length === 0 && !output.appended) return undefined;

  const out = new Output(source, filename);
  if (output.runtimeImport) out.generated(`${output.runtimeImport}\n`, [], null);
  let at = 0;
  for (const replacement of [...output.replacements].sort((a, b) => a.start - b.start)) {
    out.original(at, replacement.start);
    out.generated(replacement.code, replacement.lines, replacement.start);
    at = replacement.end;
  }
  out.original(at, source.length);
  if (output.appended) out.generated(`\n${output.appended.code}\n`, [{ text: "" }, ...output.appended.lines], null);
  return { code: out.code, map: toEncodedMap(out.map) };
}

/** The output text and its source map, written piece by piece. */
class Output {
  code = "";
  readonly map: GenMapping;
  private line = 1;
  private column = 0;
  private lineStarts: number[] = [0];

  constructor(
    private source: string,
    private filename: string,
  ) {
    this.map = new GenMapping({ file: filename });
    setSourceContent(this.map, filename, source);
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** Copies source[from, to), mapped at its start and at the start of each of its lines. */
  original(from: number, to: number): void {
    let position = from;
    while (position < to) {
      const { line, column } = this.positionOf(position);
      this.mapHere(line, column);
      const newline = this.source.indexOf("\n", position);
      const end = newline === -1 || newline >= to ? to : newline + 1;
      this.write(this.source.slice(position, end));
      position = end;
    }
  }

  /** Writes generated text; each line maps to the user's statement it came from, else to `fallback`. */
  generated(text: string, lines: PrintedLine[], fallback: number | null): void {
    const fallbackPosition = fallback === null ? null : this.positionOf(fallback);
    text.split("\n").forEach((piece, i) => {
      if (i > 0) this.write("\n");
      const loc = lines[i]?.loc;
      if (loc) this.mapHere(loc.line, loc.column);
      else if (fallbackPosition) this.mapHere(fallbackPosition.line, fallbackPosition.column);
      this.write(piece);
    });
  }

  private mapHere(line: number, column: number): void {
    addMapping(this.map, { generated: { line: this.line, column: this.column }, source: this.filename, original: { line, column } });
  }

  private write(text: string): void {
    this.code += text;
    const lastNewline = text.lastIndexOf("\n");
    if (lastNewline === -1) {
      this.column += text.length;
    } else {
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.line++;
      this.column = text.length - lastNewline - 1;
    }
  }

  /** 1-based line, 0-based column of an offset in the source. */
  private positionOf(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - this.lineStarts[low] };
  }
}
