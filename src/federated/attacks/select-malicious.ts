/** Which clients are malicious: exactly round(fraction · n) of them, seeded, the same in every round. */
import { createRng, deriveSeed, permutation } from '../../engine/random.js';
import { ConfigError } from '../../errors.js';

/** Number of malicious clients among `numClients`: round(fraction · numClients), halves rounded up. */
export function maliciousCount(numClients: number, fraction: number): number {
  if (!Number.isInteger(numClients) || numClients < 0) throw new ConfigError('numClients', `must be a non-negative integer, got ${numClients}`);
  if (!(fraction >= 0 && fraction <= 1)) throw new ConfigError('attack.fraction', `must be in [0, 1], got ${fraction}`);
  // The small epsilon keeps products like 0.29 · 50 = 14.499999999999998 rounding as written (to 15).
  return Math.min(numClients, Math.round(fraction * numClients + 1e-9));
}

/** Options of `selectMaliciousIndices`. */
export interface SelectMaliciousOptions {
  /** Number of clients, indexed 0..numClients − 1. */
  numClients: number;
  /** Fraction of them that are malicious, in [0, 1]. */
  fraction: number;
  /** Run seed; the same seed gives the same clients. */
  seed: number;
}

/** Indices of the malicious clients, sorted ascending: a seeded choice of exactly `maliciousCount` of them. */
export function selectMaliciousIndices(opts: SelectMaliciousOptions): Int32Array {
  const count = maliciousCount(opts.numClients, opts.fraction);
  const order = permutation(opts.numClients, createRng(deriveSeed(opts.seed, 'malicious')));
  return order.slice(0, count).sort();
}

/** Options of `selectMaliciousIds`. */
export interface SelectMaliciousIdsOptions {
  /** Ids of all clients (distinct); their order does not matter. */
  clientIds: readonly string[];
  /** Fraction of them that are malicious, in [0, 1]. */
  fraction: number;
  /** Run seed; the same seed and ids give the same clients. */
  seed: number;
}

/**
 * Ids of the malicious clients. Depends only on the set of ids, the fraction and the seed (ids
 * are sorted first), so it is stable across rounds as long as the population is.
 */
export function selectMaliciousIds(opts: SelectMaliciousIdsOptions): Set<string> {
  const ids = [...opts.clientIds].sort();
  const repeated = ids.find((id, i) => i > 0 && ids[i - 1] === id);
  if (repeated !== undefined) throw new ConfigError('clientIds', `client id '${repeated}' is listed more than once`);
  const chosen = selectMaliciousIndices({ numClients: ids.length, fraction: opts.fraction, seed: opts.seed });
  return new Set(Array.from(chosen, (i) => ids[i]));
}
