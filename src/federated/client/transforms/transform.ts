/**
 * An update transform: a step on the client, after local training and the client algorithm, that
 * changes what the reply carries (DP-FedAvg's clipping and noise; compression). Transforms are
 * switched on by round-config entries, run in registry order, and see the global parameters and
 * the trained ones as flat Float32Arrays. Browser-safe: no Node imports, no tfjs.
 */
import type { ParsedClientTrainConfig } from '../../client-config.js';
import type { Vectors } from '../../strategy.js';

/** What a transform is given. */
export interface TransformInput {
  clientId: string;
  config: ParsedClientTrainConfig;
  /** x: the round's global parameters (do not modify). */
  global: Float32Array;
  /** y: the parameters the reply would carry so far (do not modify; return new ones). */
  params: Float32Array;
  /** The transform's per-client state from earlier rounds (its `stateNames`; empty at first). */
  state: Vectors;
}

/** What a transform returns: the parameters to send instead, and extras to add to the reply. */
export interface TransformOutput {
  /** The parameters as the server will read them (for a compressed update: x + decode(bytes)). */
  params: Float32Array;
  extras: Vectors;
  /** New per-client state entries (replacing those of the same names). */
  state?: Vectors;
  /** The encoded update the reply carries instead of the parameters (compression). */
  encoded?: Uint8Array;
}

/** One update transform. */
export interface UpdateTransform {
  /** Registry name, e.g. `dp`. */
  readonly name: string;
  /** Names of its per-client state vectors (unique among transforms and client algorithms). */
  readonly stateNames: readonly string[];
  /** Whether the round config switches it on. */
  active(config: ParsedClientTrainConfig): boolean;
  /** Transforms one reply's parameters; throws a typed error when the config cannot be followed. */
  apply(input: TransformInput): TransformOutput;
}
