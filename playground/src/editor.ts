// The two CodeMirror 6 editors: the user's TypeScript, and the generated JavaScript (read-only).
// A small set of extensions rather than basicSetup: no autocompletion or bracket closing,
// which would rewrite what is typed.
import { history, defaultKeymap, historyKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorState, type Extension } from "@codemirror/state";
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import type { Problem } from "./compile.js";

const common: Extension[] = [lineNumbers(), syntaxHighlighting(defaultHighlightStyle), drawSelection(), EditorView.lineWrapping];

export function sourceEditor(parent: HTMLElement, text: string, onChange: (text: string) => void): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        ...common,
        javascript({ typescript: true }),
        history(),
        highlightActiveLine(),
        highlightActiveLineGutter(),
        bracketMatching(),
        indentOnInput(),
        lintGutter(),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
}

export function generatedEditor(parent: HTMLElement): EditorView {
  return new EditorView({ parent, state: EditorState.create({ extensions: [...common, javascript(), EditorState.readOnly.of(true), EditorView.editable.of(false)] }) });
}

export function setText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

/** Underlines each problem at its range, with the catalogue's message and hint in the tooltip. */
export function showProblems(view: EditorView, problems: Problem[]): void {
  const length = view.state.doc.length;
  const diagnostics: Diagnostic[] = problems.map((p) => ({
    from: Math.min(p.from, length),
    to: Math.min(p.to, length),
    severity: "error",
    source: p.code,
    message: `${p.message}\nhint: ${p.hint}`,
  }));
  view.dispatch(setDiagnostics(view.state, diagnostics));
}
