// How a derivative from adjoint is compared with finite differences: apart from evaluate.ts,
// so the page's own script does not bundle the runtime the run worker uses.
/** A derivative from adjoint beside the same from finite differences, point by point. */
export interface Comparison {
  adjoint: number[];
  finiteDifferences: number[];
}

/** The largest disagreement, |adjoint − differences| / (1 + |differences|), ignoring points where both are not finite. */
export function worstDisagreement(c: Comparison): number {
  let worst = 0;
  c.adjoint.forEach((a, i) => {
    const fd = c.finiteDifferences[i];
    if (!Number.isFinite(a) && !Number.isFinite(fd)) return;
    const error = Math.abs(a - fd) / (1 + Math.abs(fd));
    worst = Math.max(worst, Number.isNaN(error) ? Infinity : error);
  });
  return worst;
}
