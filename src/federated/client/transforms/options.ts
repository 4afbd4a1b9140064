/**
 * The round-config entries the client's update transforms read, with their "off" values, and the
 * extra vectors they return. A transform runs on the client after local training and the client
 * algorithm, on what the reply will carry (`registry.ts`). Browser-safe.
 */
import { z } from 'zod';

/** DP-FedAvg's client-side entries (`noise: 'clients'`); all off (0 / false / −1) unless a privacy part sets them. */
export const DP_ROUND_CONFIG = {
  /** C: clip the update ‖y − x‖ to this L2 norm; 0 switches the transform off. */
  dpClip: z.number().min(0).default(0),
  /** Standard deviation of the Gaussian noise the client adds to its clipped update (its share: zC/√m). */
  dpNoiseStd: z.number().min(0).default(0),
  /** Adaptive clipping: return `dpBelowClip` = 1[‖Δ‖ ≤ C] − ½ plus N(0, dpCountNoiseStd²). */
  dpAdaptive: z.boolean().default(false),
  /** Standard deviation of the client's share of the count noise (σ_b/√m). */
  dpCountNoiseStd: z.number().min(0).default(0),
  /** Seed of the client's noise for reproducible simulations; −1 (the default): the cryptographic generator. */
  dpNoiseSeed: z.number().int().min(-1).default(-1),
};

/** Update compression's client-side entries (`strategy.compression`); `none` unless the strategy compresses. */
export const COMPRESSION_ROUND_CONFIG = {
  /** The codec of the update y − x: `none`, `float16`, `q8` (8-bit stochastic) or `topk` (largest magnitudes). */
  compression: z.enum(['none', 'float16', 'q8', 'topk']).default('none'),
  /** topk: the fraction of the update's entries sent, in (0, 1]. */
  compressionFraction: z.number().gt(0).max(1).default(0.01),
  /** q8: values per block sharing a min and max. */
  compressionBlock: z.number().int().min(1).max(1 << 20).default(256),
  /** Error feedback: what compression dropped is added to the next round's update (Karimireddy et al. 2019). */
  compressionErrorFeedback: z.boolean().default(false),
};

/** The round-config entries of every transform, switched off (the base of every round config). */
export const TRANSFORMS_CONFIG_OFF = {
  dpClip: 0,
  dpNoiseStd: 0,
  dpAdaptive: false,
  dpCountNoiseStd: 0,
  dpNoiseSeed: -1,
  compression: 'none',
  compressionFraction: 0.01,
  compressionBlock: 256,
  compressionErrorFeedback: false,
};

/** Error feedback's per-client state vector: what compression has not sent yet. */
export const COMPRESSION_RESIDUAL = 'compressionResidual';

/** Adaptive clipping's extra vector in every reply (length 1): the client's noised bᵢ − ½. */
export const DP_BELOW_CLIP = 'dpBelowClip';
