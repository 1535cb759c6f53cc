// Prints generated code: a small tree of lines and blocks, one statement per line, with
// the user's statement as a comment above the code generated for it.
import type { SourceLoc } from "../ir/index.js";

export type Code =
  | { kind: "line"; code: string; loc?: SourceLoc }
  | { kind: "comment"; text: string }
  | { kind: "if"; cond: string; then: Code[]; else: Code[]; loc?: SourceLoc }
  /** `head { body }`, e.g. `while (true)`, `for (...)`, `function f(x)`. */
  | { kind: "block"; head: string; body: Code[]; tail?: string; loc?: SourceLoc };

export const line = (code: string, loc?: SourceLoc): Code => ({ kind: "line", code, loc });

/** One printed line and the source position it maps back to. */
export interface PrintedLine {
  text: string;
  loc?: SourceLoc;
}

export function print(nodes: Code[], indent = 0): PrintedLine[] {
  const out: PrintedLine[] = [];
  const pad = "  ".repeat(indent);
  for (const node of nodes) {
    switch (node.kind) {
      case "line":
        out.push({ text: pad + node.code, loc: node.loc });
        break;
      case "comment":
        out.push({ text: `${pad}// ${node.text}` });
        break;
      case "block":
        out.push({ text: `${pad}${node.head} {`, loc: node.loc });
        out.push(...print(node.body, indent + 1));
        out.push({ text: `${pad}}${node.tail ?? ""}` });
        break;
      case "if":
        printIf(node, pad, indent, out, false);
        break;
    }
  }
  return out;
}

function printIf(node: Extract<Code, { kind: "if" }>, pad: string, indent: number, out: PrintedLine[], chained: boolean): void {
  const head = node.then.length === 0 ? `if (${negate(node.cond)}) {` : `if (${node.cond}) {`;
  const [first, second] = node.then.length === 0 ? [node.else, [] as Code[]] : [node.then, node.else];
  if (chained) out[out.length - 1].text += ` else ${head}`;
  else out.push({ text: pad + head, loc: node.loc });
  out.push(...print(first, indent + 1));
  out.push({ text: `${pad}}` });
  if (second.length === 1 && second[0].kind === "if") {
    printIf(second[0], pad, indent, out, true);
  } else if (second.length > 0) {
    out[out.length - 1].text += " else {";
    out.push(...print(second, indent + 1));
    out.push({ text: `${pad}}` });
  }
}

/** The IR's loop `{ pre; if (!cond) break; body }` as JavaScript: `while (cond)` where nothing comes before the test. */
export function loopBlock(pre: Code[], cond: string, body: Code[], loc?: SourceLoc): Code {
  return pre.length === 0
    ? { kind: "block", head: `while (${cond})`, body, loc }
    : { kind: "block", head: "while (true)", body: [...pre, line(`if (${negate(cond)}) break;`), ...body], loc };
}

/** `!x`, or `!(a < b)`. */
export function negate(cond: string): string {
  if (cond.startsWith("!") && /^![\w$.]+$/.test(cond)) return cond.slice(1);
  return /^[\w$.]+$/.test(cond) ? `!${cond}` : `!(${cond})`;
}

/** Comments naming the user's statement above the code generated for it. */
export function withSourceComments(nodes: Code[], last: { loc?: SourceLoc } = {}): Code[] {
  const out: Code[] = [];
  for (const node of nodes) {
    // A comment of our own ("the reverse sweep") or a pullback starts the naming over, so
    // the reverse sweep's first statement is named even if the forward sweep's last was it.
    if (node.kind === "comment" || (node.kind === "block" && node.head.startsWith("return ["))) last.loc = undefined;
    // A function's own line needs no comment: the header above it names it.
    const loc = node.kind === "comment" || (node.kind === "block" && node.head.startsWith("function")) ? undefined : node.loc;
    if (loc && loc.text && (last.loc?.line !== loc.line || last.loc?.text !== loc.text)) {
      out.push({ kind: "comment", text: `${loc.text.replace(/\s*\{$/, "")}  (line ${loc.line})` });
    }
    if (loc) last.loc = loc;
    if (node.kind === "if") out.push({ ...node, then: withSourceComments(node.then, last), else: withSourceComments(node.else, last) });
    else if (node.kind === "block") out.push({ ...node, body: withSourceComments(node.body, last) });
    else out.push(node);
  }
  return out;
}

/** The names code uses: identifiers outside strings, not property names (`a.b` uses `a`). */
export function identifiersIn(nodes: Code[], into = new Set<string>()): Set<string> {
  const scan = (text: string) => {
    const bare = text.replace(/"(?:[^"\\]|\\.)*"/g, '""').replaceAll("...", " ");
    for (const match of bare.matchAll(/(?<![\w$.])[A-Za-z_$][\w$]*/g)) into.add(match[0]);
  };
  for (const node of nodes) {
    if (node.kind === "line") scan(node.code);
    else if (node.kind === "if") {
      scan(node.cond);
      identifiersIn(node.then, into);
      identifiersIn(node.else, into);
    } else if (node.kind === "block") {
      scan(node.head);
      identifiersIn(node.body, into);
      if (node.tail) scan(node.tail);
    }
  }
  return into;
}
