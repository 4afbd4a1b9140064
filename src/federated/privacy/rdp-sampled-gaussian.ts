/**
 * Rényi differential privacy of the sampled Gaussian mechanism (Mironov, Talwar & Zhang 2019,
 * "Rényi Differential Privacy of the Sampled Gaussian Mechanism", arXiv:1908.10530, Sec. 3.3):
 * each record (or client) is included with probability q, and Gaussian noise of standard
 * deviation z·C is added to a sum whose L2 sensitivity is C. The computation follows
 * dp_accounting's `_compute_rdp_poisson_subsampled_gaussian` term for term (integer orders by the
 * binomial expansion, fractional orders by the two-sided series with log erfc), so that values
 * agree to floating-point rounding. Pure: no tfjs, no I/O.
 */
import { ConfigError } from '../../errors.js';
import { logAdd, logBinomial, logErfc } from './special-functions.js';

/** log A_α for an integer order α (Mironov et al. 2019, Sec. 3.3), 0 < q < 1. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = Number.NEGATIVE_INFINITY;
  const logQ = Math.log(q);
  const log1mq = Math.log1p(-q);
  for (let i = 0; i <= alpha; i++) {
    const s = logBinomial(alpha, i) + i * logQ + (alpha - i) * log1mq + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

/** Iterations after which the fractional series is taken not to converge (dp_accounting's bound). */
const MAX_FRACTIONAL_TERMS = 1000;

/** log A_α for a fractional order α: the integrals over (−∞, z₀] and [z₀, ∞); +∞ when the series does not converge. */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = Number.NEGATIVE_INFINITY;
  let logA1 = Number.NEGATIVE_INFINITY;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const logQ = Math.log(q);
  const log1mq = Math.log1p(-q);
  let lastS0 = Number.NEGATIVE_INFINITY;
  let lastS1 = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < MAX_FRACTIONAL_TERMS; i++) {
    const logCoef = logBinomial(alpha, i);
    const j = alpha - i;
    const logT0 = logCoef + i * logQ + j * log1mq;
    const logT1 = logCoef + j * logQ + i * log1mq;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    logA0 = logAdd(logA0, logS0);
    logA1 = logAdd(logA1, logS1);
    const total = logAdd(logA0, logA1);
    if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < total - 30) return total;
    lastS0 = logS0;
    lastS1 = logS1;
  }
  return Number.POSITIVE_INFINITY;
}

/** Throws ConfigError unless 0 ≤ q ≤ 1 and z ≥ 0, and every order is > 1 (or +∞). */
function checkArguments(q: number, noiseMultiplier: number, orders: readonly number[]): void {
  if (!(q >= 0 && q <= 1)) throw new ConfigError('', `the sampling rate must be in [0, 1], got ${q}`, 'q is the fraction of clients (or records) that take part in a step');
  if (!(noiseMultiplier >= 0)) throw new ConfigError('', `the noise multiplier must be ≥ 0, got ${noiseMultiplier}`, 'the noise multiplier z is the noise standard deviation divided by the clip norm');
  const bad = orders.find((a) => !(a > 1));
  if (bad !== undefined) throw new ConfigError('', `Rényi orders must be > 1, got ${bad}`, 'use DEFAULT_RDP_ORDERS');
}

/**
 * RDP ε_α of one step of the sampled Gaussian mechanism at each order α: sampling rate q, noise
 * multiplier z (noise standard deviation over the L2 sensitivity). 0 when q = 0, +∞ when z = 0;
 * α/(2z²) when q = 1 (the plain Gaussian mechanism). Compositions add: T steps cost T times this.
 */
export function rdpSampledGaussian(q: number, noiseMultiplier: number, orders: readonly number[]): Float64Array {
  checkArguments(q, noiseMultiplier, orders);
  const out = new Float64Array(orders.length);
  orders.forEach((alpha, k) => {
    if (q === 0) out[k] = 0;
    else if (!Number.isFinite(alpha) || noiseMultiplier === 0) out[k] = Number.POSITIVE_INFINITY;
    else if (q === 1) out[k] = alpha / (2 * noiseMultiplier * noiseMultiplier);
    else {
      const logA = Number.isInteger(alpha) ? logAInteger(q, noiseMultiplier, alpha) : logAFractional(q, noiseMultiplier, alpha);
      out[k] = logA / (alpha - 1);
    }
  });
  return out;
}
