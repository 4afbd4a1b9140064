/**
 * Malicious client behaviours, used to test the robust strategies. An attack is pure: it
 * poisons a client's training labels before local training, or replaces the parameters the
 * client sends after it. One attack per file, found by `type` in `registry.ts`; which clients
 * are malicious is decided by `selectMalicious`.
 */
import { z } from 'zod';
import { createRng, deriveSeed, type Rng } from '../../engine/random.js';

/** Fraction of clients that are malicious, in [0, 1]. Default 0.2. */
const fraction = z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').default(0.2);

/** `type: label-flip`: malicious clients train on labels y → numClasses − 1 − y. */
export const LabelFlipSpecSchema = z.object({ type: z.literal('label-flip'), fraction }).strict();

/** `type: sign-flip`: malicious clients send g − scale · (w − g). */
export const SignFlipSpecSchema = z
  .object({
    type: z.literal('sign-flip'),
    fraction,
    /** How far to push against the honest update (s in g − s·(w − g)), ≥ 0. Default 1. */
    scale: z.number().min(0, 'must be ≥ 0').finite().default(1),
  })
  .strict();

/** `type: gaussian-noise`: malicious clients send g + N(0, sigma²) per coordinate instead of their update. */
export const GaussianNoiseSpecSchema = z
  .object({
    type: z.literal('gaussian-noise'),
    fraction,
    /** Standard deviation of the noise, ≥ 0. Default 1. */
    sigma: z.number().min(0, 'must be ≥ 0').finite().default(1),
  })
  .strict();

/** `type: scale`: malicious clients send g + factor · (w − g) (a boosted update). */
export const ScaleSpecSchema = z
  .object({
    type: z.literal('scale'),
    fraction,
    /** The boost λ in g + λ·(w − g). Default 10. */
    factor: z.number().finite().default(10),
  })
  .strict();

/** An attack and its settings: a discriminated union on `type`. */
export const AttackSpecSchema = z.discriminatedUnion('type', [LabelFlipSpecSchema, SignFlipSpecSchema, GaussianNoiseSpecSchema, ScaleSpecSchema]);

/** A validated attack spec, defaults filled in. */
export type AttackSpec = z.infer<typeof AttackSpecSchema>;
/** An attack spec as written in a config (defaults optional). */
export type AttackSpecInput = z.input<typeof AttackSpecSchema>;
/** The name of an attack. */
export type AttackType = AttackSpec['type'];
/** The validated spec of one attack. */
export type AttackSpecOf<T extends AttackType> = Extract<AttackSpec, { type: T }>;

/** A malicious client behaviour. Implements one or both hooks; neither modifies its inputs. */
export interface Attack {
  /** Registry name, the value of `type` in the spec. */
  readonly name: AttackType;
  /** The validated spec it was built from (for reports). */
  readonly spec: AttackSpec;
  /** Poisoned copy of a malicious client's training labels, applied before local training. */
  poisonLabels?(labels: Int32Array, numClasses: number): Int32Array;
  /**
   * The parameters a malicious client sends instead of its trained `params`, given the round's
   * `global` parameters (same length). A new array. `rng` is the only randomness it may use.
   */
  poisonUpdate?(global: Float32Array, params: Float32Array, rng: Rng): Float32Array;
}

/** Where an attacking client's randomness comes from. */
export interface AttackRngOptions {
  /** The run seed. */
  seed: number;
  /** The attacking client's id. */
  clientId: string;
  /** 1-based round number. */
  round: number;
}

/**
 * The generator a malicious client passes to `poisonUpdate` in a round: derived from the run
 * seed, client and round, so that results do not depend on the order clients are trained in.
 */
export function attackRng(opts: AttackRngOptions): Rng {
  return createRng(deriveSeed(opts.seed, `attack:${opts.clientId}:${opts.round}`));
}
