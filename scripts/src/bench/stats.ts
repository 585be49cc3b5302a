/** Percentiles over a sample, nearest-rank; the sample is not modified. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summary(sample: readonly number[]): { n: number; p50: number; p95: number; max: number } {
  return {
    n: sample.length,
    p50: percentile(sample, 50),
    p95: percentile(sample, 95),
    max: sample.length ? Math.max(...sample) : Number.NaN,
  };
}

export const ms = (v: number) => `${v.toFixed(1)} ms`;
