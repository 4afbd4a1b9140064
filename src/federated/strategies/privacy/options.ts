/**
 * Options of the privacy parts of a composed strategy, validated by zod, with their defaults in
 * one place. A privacy spec is `{ name, ...options }`; `PrivacySpecSchema` is the discriminated
 * union on `name`. Both parts are DP-FedAvg (McMahan, Ramage, Talwar & Zhang, ICLR 2018): each
 * client's update is clipped to an L2 norm C, the clipped updates are summed with equal weights,
 * and Gaussian noise of standard deviation z·C is added to the sum, by the server (`server`,
 * central DP) or in shares by the clients (`clients`, distributed DP).
 */
import { z } from 'zod';
import { MAX_SEED } from '../../../engine/random.js';

const common = {
  /** z: the noise standard deviation over the clip norm, in (0, 1000]. Required: it sets the privacy. */
  noiseMultiplier: z.number().positive().max(1000),
  /** δ of the reported (ε, δ) guarantee, in (0, 1); keep it below 1/N for N clients. Default 1e-5. */
  delta: z.number().gt(0).lt(1).default(1e-5),
  /**
   * Who adds the noise: `server` (central DP: the server clips each update and noises the sum; it
   * sees the updates) or `clients` (distributed DP: each of the m sampled clients clips its own
   * update and adds N(0, (zC)²/m), so the sum carries the full noise; pair it with secure
   * aggregation so that the server never sees one update). Default `server`.
   */
  noise: z.enum(['server', 'clients']).default('server'),
  /** ε budget: training stops before a round that would take ε (at `delta`) past it. Default: no budget. */
  budget: z.number().positive().optional(),
  /**
   * Seed of the noise, for reproducible simulations only: noise from a known seed can be
   * subtracted and protects nothing. Default: the cryptographic generator (not reproducible).
   */
  noiseSeed: z.number().int().min(0).max(MAX_SEED).optional(),
};

/** `fixed-clip`: DP-FedAvg with a fixed clip norm C (McMahan et al. 2018). */
export const FixedClipPrivacySchema = z
  .object({
    name: z.literal('fixed-clip'),
    /** C: the L2 norm each client's update ‖y − x‖ is clipped to, > 0. Required (it depends on the model; log `updateNorms` of a non-private run to choose it). */
    clip: z.number().positive(),
    ...common,
  })
  .strict();

/** `adaptive-clip`: DP-FedAvg whose clip follows a quantile of the update norms, itself estimated privately (Andrew et al. 2021). */
export const AdaptiveClipPrivacySchema = z
  .object({
    name: z.literal('adaptive-clip'),
    /** C₀: the clip of the first round, > 0. Default 0.1 (TensorFlow Federated's `gaussian_adaptive`). */
    initialClip: z.number().positive().default(0.1),
    /** γ: the quantile of update norms the clip tracks, in (0, 1). Default 0.5 (the median). */
    targetQuantile: z.number().gt(0).lt(1).default(0.5),
    /** η: the step of the geometric clip update C ← C·exp(−η(b̄ − γ)), > 0. Default 0.2 (the paper's and TFF's). */
    clipLearningRate: z.number().positive().default(0.2),
    /** σ_b over the clients per round m: the noise on the count of updates within the clip is N(0, (fraction·m)²). Default 0.05 (TFF's). */
    countNoiseFraction: z.number().positive().default(0.05),
    ...common,
  })
  .strict();

const PRIVACY_SCHEMAS = [FixedClipPrivacySchema, AdaptiveClipPrivacySchema] as const;

/** The names of the privacy parts, in registry order. */
export const PRIVACY_NAMES = PRIVACY_SCHEMAS.map((s) => s.shape.name.value);

/** `{ name, ...options }` for any privacy part. */
export const PrivacySpecSchema = z.discriminatedUnion('name', PRIVACY_SCHEMAS, {
  error: (issue) => (issue.code === 'invalid_union' ? `unknown privacy part; use one of: ${PRIVACY_NAMES.join(', ')}` : undefined),
});

/** A validated privacy spec, defaults filled. */
export type PrivacySpec = z.infer<typeof PrivacySpecSchema>;
/** A privacy spec as a user writes it. */
export type PrivacySpecInput = z.input<typeof PrivacySpecSchema>;
/** The name of a privacy part. */
export type PrivacyName = PrivacySpec['name'];
/** The validated spec of the privacy part called `N`. */
export type PrivacySpecOf<N extends PrivacyName> = Extract<PrivacySpec, { name: N }>;
