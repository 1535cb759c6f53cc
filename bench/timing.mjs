// The timer the compiler benches share: the median of repeated runs after a warm-up, so
// one pause of a shared machine (GC, another process) does not decide a row.

/** Median milliseconds of `fn` over at least `minMs` and at least 5 runs, after 3 warm-up runs. */
export function time(fn, minMs = 300) {
  for (let i = 0; i < 3; i++) fn();
  const samples = [];
  const start = performance.now();
  while (performance.now() - start < minMs || samples.length < 5) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** n numbers in [-0.5, 0.5) from a fixed linear congruential sequence: the same inputs every run. */
export function random(n, seed) {
  const out = new Float64Array(n);
  let state = seed;
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = state / 2147483648 - 0.5;
  }
  return out;
}
