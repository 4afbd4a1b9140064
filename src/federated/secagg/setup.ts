/**
 * Round parameters of SecAgg+: the server fills in defaults and validates them once
 * ({@link createSecAggSetup}); clients re-validate what they receive ({@link parseSecAggSetup}).
 */
import { ConfigError, ProtocolError } from '../../errors.js';
import { defaultNeighbourCount, defaultThreshold } from './graph.js';
import type { SecAggSetup } from './messages.js';
import { checkRingCapacity, DEFAULT_CLIP_RANGE, DEFAULT_FRACTION_BITS } from './ring.js';
import { secureRandomBytes } from './random.js';

/** Options of {@link createSecAggSetup}; only round, clientIds and vectorLength are required. */
export interface SecAggSetupOptions {
  /** Round index, an integer in [0, 2^32). */
  round: number;
  /** Ids of the clients selected for the round: at least 3 distinct integers in [0, 2^32). */
  clientIds: readonly number[];
  /** d, the update length (≥ 1). */
  vectorLength: number;
  /** k; default {@link defaultNeighbourCount}(n). Even unless ≥ n − 1 (then complete); at most 255. */
  neighbours?: number;
  /** t; default {@link defaultThreshold}(k) = ⌊k/2⌋ + 1. In [2, k]. */
  threshold?: number;
  /** Public graph seed; default fresh random 32 bits. */
  graphSeed?: number;
  /** Default {@link DEFAULT_CLIP_RANGE} (8). */
  clipRange?: number;
  /** Default {@link DEFAULT_FRACTION_BITS} (16). */
  fractionBits?: number;
}

/** Shares use x coordinates 1..255 (GF(2^8)), so a client has at most 255 shareholders. */
export const MAX_NEIGHBOURS = 255;

/** Fills in defaults and validates; throws ConfigError naming the bad field. */
export function createSecAggSetup(o: SecAggSetupOptions): SecAggSetup {
  const clientIds = [...o.clientIds].sort((a, b) => a - b);
  const n = clientIds.length;
  const neighbours = o.neighbours ?? (n >= 2 ? defaultNeighbourCount(n) : 1);
  const graphSeed = o.graphSeed ?? new DataView(secureRandomBytes(4).buffer).getUint32(0);
  const setup: SecAggSetup = {
    type: 'secagg/setup',
    round: o.round,
    clientIds,
    vectorLength: o.vectorLength,
    neighbours,
    threshold: o.threshold ?? defaultThreshold(neighbours),
    graphSeed,
    clipRange: o.clipRange ?? DEFAULT_CLIP_RANGE,
    fractionBits: o.fractionBits ?? DEFAULT_FRACTION_BITS,
  };
  validateSetup(setup);
  return setup;
}

/** Validates a setup (as {@link createSecAggSetup} does); throws ConfigError. */
export function validateSetup(s: SecAggSetup): void {
  const u32 = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 32;
  if (!u32(s.round)) throw new ConfigError('secagg.round', `must be an integer in [0, 2^32), got ${String(s.round)}`);
  if (!u32(s.graphSeed)) throw new ConfigError('secagg.graphSeed', `must be an integer in [0, 2^32), got ${String(s.graphSeed)}`);
  if (!Array.isArray(s.clientIds)) throw new ConfigError('secagg.clientIds', 'must be an array of client ids');
  const n = s.clientIds.length;
  if (n < 3) {
    throw new ConfigError('secagg.clientIds', `secure aggregation needs at least 3 clients, got ${n}`, 'with 2 clients the sum reveals each update to the other; select more clients');
  }
  for (let i = 0; i < n; i++) {
    if (!u32(s.clientIds[i])) throw new ConfigError(`secagg.clientIds.${i}`, `must be an integer in [0, 2^32), got ${String(s.clientIds[i])}`);
    if (i > 0 && !(s.clientIds[i] > s.clientIds[i - 1])) throw new ConfigError('secagg.clientIds', 'must be distinct and sorted ascending');
  }
  if (!(Number.isInteger(s.vectorLength) && s.vectorLength >= 1)) throw new ConfigError('secagg.vectorLength', `must be an integer ≥ 1, got ${String(s.vectorLength)}`);
  const k = s.neighbours;
  if (!(Number.isInteger(k) && k >= 2 && k <= Math.min(n - 1, MAX_NEIGHBOURS))) {
    throw new ConfigError('secagg.neighbours', `must be an integer in [2, ${Math.min(n - 1, MAX_NEIGHBOURS)}] (n − 1 = ${n - 1}; shares are indexed 1..${MAX_NEIGHBOURS}), got ${String(k)}`);
  }
  if (k < n - 1 && k % 2 !== 0) throw new ConfigError('secagg.neighbours', `must be even when below n − 1 = ${n - 1} (Harary graph), got ${k}`, `use ${k + 1} or ${k - 1}`);
  const t = s.threshold;
  if (!(Number.isInteger(t) && t >= 2 && t <= k)) {
    throw new ConfigError('secagg.threshold', `must be an integer in [2, k = ${k}], got ${String(t)}`, 't = 1 would hand each neighbour a client\'s secrets outright');
  }
  checkRingCapacity(n, { clipRange: s.clipRange, fractionBits: s.fractionBits });
}

/** Validates a setup received off the wire; throws ProtocolError (with the ConfigError's reason). */
export function parseSecAggSetup(msg: unknown): SecAggSetup {
  if (msg === null || typeof msg !== 'object' || (msg as { type?: unknown }).type !== 'secagg/setup') {
    throw new ProtocolError('expected a secagg/setup message');
  }
  const s = msg as SecAggSetup;
  try {
    validateSetup(s);
  } catch (err) {
    throw new ProtocolError(`invalid secagg/setup: ${(err as Error).message}`);
  }
  return { ...s, clientIds: [...s.clientIds] };
}
