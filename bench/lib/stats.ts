/** Small statistics for benchmark samples: nearest-rank percentiles, rounded to 0.1 ms. */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return round(sorted[rank]!);
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export function round(ms: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(ms * f) / f;
}

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    min: round(Math.min(...samples)),
    max: round(Math.max(...samples)),
  };
}

/** Milliseconds since `since` (a performance.now() reading). */
export const elapsed = (since: number): number => performance.now() - since;

/** `a / b` to two decimals (the figure to read on a noisy machine). */
export const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
