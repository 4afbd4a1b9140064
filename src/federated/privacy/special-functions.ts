/**
 * The special functions the privacy accountant needs, in float64 and in log space where the
 * values underflow: log Γ (Lanczos, with the reflection formula for negative arguments), log of a
 * binomial coefficient with a real upper argument, log erfc (series, then a continued fraction),
 * and log-space addition. Pure: no tfjs, no I/O.
 */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** log |Γ(x)| for real x that is not a non-positive integer (where Γ has poles: +∞). */
export function logGamma(x: number): number {
  if (Number.isInteger(x) && x <= 0) return Number.POSITIVE_INFINITY;
  if (x < 0.5) return Math.log(Math.PI) - Math.log(Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0];
  const t = y + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i] / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** log |C(n, k)| = log|Γ(n+1)| − log Γ(k+1) − log|Γ(n−k+1)|, for real n and integer k ≥ 0. */
export function logBinomial(n: number, k: number): number {
  if (Number.isInteger(n) && n >= 0 && k >= 0 && k <= n) {
    // Exact integers: sum of logs avoids Lanczos' rounding for the common case.
    let s = 0;
    const m = Math.min(k, n - k);
    for (let i = 1; i <= m; i++) s += Math.log((n - m + i) / i);
    return s;
  }
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** log(eˣ + eʸ) without overflow; −∞ stands for 0. */
export function logAdd(x: number, y: number): number {
  const a = Math.min(x, y);
  const b = Math.max(x, y);
  if (a === Number.NEGATIVE_INFINITY) return b;
  return Math.log1p(Math.exp(a - b)) + b;
}

/** erf(x) by its Taylor series, for |x| ≤ 2.5 (relative error below 1e-15 there). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * log(√π · eˣ² · erfc(x)) for x ≥ 2, by the continued fraction
 * erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated with Lentz's method.
 */
function logScaledErfcLarge(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -Math.log(f);
}

/** log erfc(x), to about 1e-13 relative (worst just below 2, where 1 − erf cancels), far into the tail as well (x up to 1e150). */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 2) return -x * x - 0.5 * Math.log(Math.PI) + logScaledErfcLarge(x);
  if (x > -2) return Math.log1p(-erfSeries(x));
  // erfc(x) = 2 − erfc(−x) ∈ (1.995, 2]
  return Math.log(2 - Math.exp(logErfc(-x)));
}
