/**
 * How many neighbours each client needs so that a SecAgg+ round survives a given fraction of its
 * clients vanishing (Bell et al. 2020 size k from the dropout rate the same way). With D = ⌊δ·n⌋
 * clients gone, a client's k neighbours, drawn among the n − 1 others by the random graph, hold X
 * of them, X ~ Hypergeometric(n − 1, D, k); its secrets are recovered while X ≤ k − t. The smallest
 * even k (or the complete graph) is chosen for which the union bound over the n clients,
 * n·P(X > k − t), is at most `failure`. Pure.
 */
import { logBinomial } from '../privacy/special-functions.js';
import { defaultNeighbourCount, defaultThreshold } from './graph.js';

/** P(X > tolerance) for X ~ Hypergeometric(population, successes, draws). */
export function hypergeometricTail(population: number, successes: number, draws: number, tolerance: number): number {
  const logTotal = logBinomial(population, draws);
  let p = 0;
  for (let x = Math.max(0, tolerance + 1); x <= Math.min(successes, draws); x++) {
    if (draws - x > population - successes) continue;
    p += Math.exp(logBinomial(successes, x) + logBinomial(population - successes, draws - x) - logTotal);
  }
  return Math.min(1, p);
}

/** The largest neighbour count the protocol allows (GF(2^8) share coordinates 1..255). */
const MAX_K = 254;

/**
 * k for n clients to survive a dropout fraction δ with failure probability at most `failure`
 * (default 1e-6), with t = ⌊k/2⌋ + 1. δ = 0 gives the O(log n) default of `graph.ts`. When no k
 * up to 254 suffices, the largest allowed (n − 1 when n ≤ 255, else 254) is returned.
 */
export function neighboursForDropout(n: number, dropout: number, failure = 1e-6): number {
  const base = defaultNeighbourCount(n);
  if (dropout <= 0 || n <= 3) return base;
  const dropped = Math.floor(dropout * n);
  const complete = n - 1;
  const candidates: number[] = [];
  for (let k = base % 2 === 0 ? base : base + 1; k < Math.min(complete, MAX_K + 1); k += 2) candidates.push(k);
  if (complete <= MAX_K + 1) candidates.push(complete);
  for (const k of candidates) {
    const tolerance = k - defaultThreshold(k);
    if (n * hypergeometricTail(n - 1, dropped, k, tolerance) <= failure) return k;
  }
  return candidates.length > 0 ? candidates[candidates.length - 1] : base;
}
