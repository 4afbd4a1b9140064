/** Summary statistics over seeds (pure). */

export interface Summary {
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  std: number;
  n: number;
  values: number[];
}

/** Mean and sample standard deviation of `values`. */
export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, n: 0, values: [] };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), n, values: [...values] };
}

/** `85.3 ± 0.2` (percent) or `85.3` for one value. */
export function formatPercent(s: Summary, digits = 1): string {
  if (s.n === 0) return '—';
  const m = (s.mean * 100).toFixed(digits);
  return s.n > 1 ? `${m} ± ${(s.std * 100).toFixed(digits)}` : m;
}

/** Signed percentage points: `+3.4` or `-0.2 ± 0.5`. */
export function formatDelta(s: Summary, digits = 1): string {
  if (s.n === 0) return '—';
  // Round first, so that a tiny negative mean prints as +0.0, not -0.0.
  const m = Number((s.mean * 100).toFixed(digits)) || 0;
  const sign = m >= 0 ? '+' : '';
  return s.n > 1 ? `${sign}${m.toFixed(digits)} ± ${(s.std * 100).toFixed(digits)}` : `${sign}${m.toFixed(digits)}`;
}
