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

/** `x` (a fraction) in percent, rounded to `digits` decimals as `formatPercent` prints it: 0.79149 -> 79.1. */
export function roundedPercent(x: number, digits = 1): number {
  return Number((x * 100).toFixed(digits));
}

/** `85.3 ± 0.2` (percent) or `85.3` for one value. */
export function formatPercent(s: Summary, digits = 1): string {
  if (s.n === 0) return '—';
  const m = (s.mean * 100).toFixed(digits);
  return s.n > 1 ? `${m} ± ${(s.std * 100).toFixed(digits)}` : m;
}

/** A fraction as signed percentage points: 0.034 -> `+3.4`, -0.002 -> `-0.2`. */
export function formatPoints(x: number, digits = 1): string {
  // Round first, so that a tiny negative value prints as +0.0, not -0.0 (-0 === 0; NaN stays NaN).
  const rounded = Number((x * 100).toFixed(digits));
  const m = rounded === 0 ? 0 : rounded;
  return `${m >= 0 ? '+' : ''}${m.toFixed(digits)}`;
}

/** Signed percentage points: `+3.4` or `-0.2 ± 0.5`. */
export function formatDelta(s: Summary, digits = 1): string {
  if (s.n === 0) return '—';
  const m = formatPoints(s.mean, digits);
  return s.n > 1 ? `${m} ± ${(s.std * 100).toFixed(digits)}` : m;
}

/**
 * Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (t_{0.975, df}), to the
 * three decimals of the usual tables.
 */
const T_975: readonly number[] = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093,
  2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
/** The normal quantile z_{0.975}, used beyond 30 degrees of freedom. */
const Z_975 = 1.96;

/**
 * The two-sided Student t quantile for `df` degrees of freedom: the `t` with
 * P(|T| <= t) = `level`. Only `level` 0.95 is supported (from a table for df 1..30, 1.960 beyond).
 */
export function tQuantile(df: number, level = 0.95): number {
  if (level !== 0.95) throw new Error(`tQuantile: only the 95% level is supported, got ${level}`);
  if (!Number.isInteger(df) || df < 1) throw new Error(`tQuantile: degrees of freedom must be a positive integer, got ${df}`);
  return df <= T_975.length ? T_975[df - 1] : Z_975;
}

/** A confidence interval for the mean of paired differences. */
export interface PairedInterval {
  /** Mean of the differences. */
  mean: number;
  /** Sample standard deviation (n - 1); 0 for one difference, NaN for none. */
  std: number;
  n: number;
  /** t_{df = n-1} x std / sqrt(n); NaN when n < 2 (one difference says nothing about noise). */
  halfWidth: number;
  /** mean - halfWidth and mean + halfWidth; NaN when n < 2. */
  low: number;
  high: number;
}

/**
 * The paired (Student t) confidence interval for the mean of `deltas`, e.g. joint minus alone
 * accuracy per seed: mean ± t_{n-1} x std / sqrt(n). Only `level` 0.95 is supported.
 */
export function pairedInterval(deltas: readonly number[], level = 0.95): PairedInterval {
  if (level !== 0.95) throw new Error(`pairedInterval: only the 95% level is supported, got ${level}`);
  const { mean, std, n } = summarize(deltas);
  if (n < 2) return { mean, std, n, halfWidth: Number.NaN, low: Number.NaN, high: Number.NaN };
  const halfWidth = (tQuantile(n - 1, level) * std) / Math.sqrt(n);
  return { mean, std, n, halfWidth, low: mean - halfWidth, high: mean + halfWidth };
}
