// Counting effect programs per category and per ingredient (property-effects.test.ts), and
// the table it prints.

export interface Tally {
  programs: number;
  compiled: number;
  refused: number;
  /** Refused with a diagnostic located in a statement of this category. */
  blamed: number;
  wrong: number;
  /** Codes of the diagnostics located in a statement of this category. */
  codes: Map<string, number>;
  /** Codes of every diagnostic of the programs refused. */
  allCodes: Map<string, number>;
}
export const newTally = (): Tally => ({ programs: 0, compiled: 0, refused: 0, blamed: 0, wrong: 0, codes: new Map(), allCodes: new Map() });

/** One line per key of `order`; `supported` keys are marked with a star. */
export function table(title: string, rows: Map<string, Tally>, order: readonly string[], supported: ReadonlySet<string>, all = false): string {
  const lines = [title, `${"".padEnd(22)} ${"programs".padStart(8)} ${"compiled".padStart(8)} ${"refused".padStart(8)} ${"blamed".padStart(7)} ${"wrong".padStart(6)}  ${all ? "codes of the refused programs" : "codes located in it"}`];
  for (const key of order) {
    const t = rows.get(key);
    if (!t) continue;
    const codes = [...(all ? t.allCodes : t.codes)].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code}×${n}`).join(" ");
    const mark = supported.has(key) ? "*" : " ";
    lines.push(`${mark}${key.padEnd(21)} ${String(t.programs).padStart(8)} ${String(t.compiled).padStart(8)} ${String(t.refused).padStart(8)} ${String(t.blamed).padStart(7)} ${String(t.wrong).padStart(6)}  ${codes}`);
  }
  return lines.join("\n");
}
