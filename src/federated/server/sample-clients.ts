/**
 * Which clients take part in a round: a seeded sample of the available ones, so that a resumed
 * run samples exactly what the interrupted one would have. Pure, no I/O.
 */
import { createRng, deriveSeed, permutation } from '../../engine/random.js';

/** How {@link sampleClients} picks a round's clients. */
export interface SampleOptions {
  /** Fraction of the available clients to sample, in (0, 1]. */
  fraction: number;
  /** Sample at least this many (when that many are available). */
  min: number;
  /** Run seed; mixed with the round number. */
  seed: number;
  /** Round number; each round draws its own sample from the same seed. */
  round: number;
}

/** Number of clients a round samples out of `available`: ceil(fraction·n), at least `min`, at most n. */
export function sampleSize(available: number, fraction: number, min: number): number {
  return Math.min(available, Math.max(min, Math.ceil(fraction * available)));
}

/** A seeded sample of the clients, returned sorted by id. The input order does not matter. */
export function sampleClients(available: readonly string[], opts: SampleOptions): string[] {
  const ids = [...available].sort();
  const k = sampleSize(ids.length, opts.fraction, opts.min);
  const order = permutation(ids.length, createRng(deriveSeed(opts.seed, `sample/round-${opts.round}`)));
  return Array.from(order.subarray(0, k), (i) => ids[i]).sort();
}
