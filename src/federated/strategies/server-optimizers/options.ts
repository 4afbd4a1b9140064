/**
 * Options of every server optimizer, validated by zod, with their defaults in one place. A server
 * optimizer spec is `{ name, ...options }`; `ServerOptimizerSpecSchema` is the discriminated union
 * on `name`. Where Flower has the same optimizer, the defaults are Flower's (flwr 1.x), except
 * where a comment says otherwise. The presets of `../options.ts` reuse these fields.
 */
import { z } from 'zod';

/** `plain`: x ← a, or x + η·(a − x) for η ≠ 1 (FedAvg's server, and SCAFFOLD's with η = η_g). */
export const PlainOptimizerSchema = z
  .object({
    name: z.literal('plain'),
    /** η, the server learning rate. Default 1 (x ← a). */
    serverLearningRate: z.number().positive().default(1),
  })
  .strict();

/** `momentum` (FedAvgM, Hsu et al. 2019): g = x − a, v ← β·v + g, x ← x − η·v. */
export const MomentumOptimizerSchema = z
  .object({
    name: z.literal('momentum'),
    /** η, the server learning rate. Default 1 (Flower's). */
    serverLearningRate: z.number().positive().default(1),
    /**
     * β, the server momentum, in [0, 1). Default 0.9, as in Hsu et al.'s experiments (Flower's
     * default is 0, which makes it the plain step).
     */
    serverMomentum: z.number().min(0).lt(1).default(0.9),
  })
  .strict();

/** Options shared by the adaptive optimizers of Reddi et al. (2021). */
const adaptive = {
  /** β₁, the first-moment (momentum) decay, in [0, 1). Default 0.9. */
  beta1: z.number().min(0).lt(1).default(0.9),
  /** β₂, the second-moment decay, in [0, 1). Default 0.99. */
  beta2: z.number().min(0).lt(1).default(0.99),
  /** τ, added to √v: the smaller, the more adaptive. Default 1e-3 (Flower's and the paper's). */
  tau: z.number().positive().default(1e-3),
};
// Flower's eta_l (the client learning rate) is not a server option here: the client's own
// optimizer config sets it.

/** `adam` (FedAdam, Reddi et al. 2021): server Adam on the round's pseudo-gradient Δ = a − x. */
export const AdamOptimizerSchema = z
  .object({
    name: z.literal('adam'),
    ...adaptive,
    /** η, the server learning rate. Default 0.1 (Flower's). */
    serverLearningRate: z.number().positive().default(0.1),
    /**
     * Scale η by Adam's bias correction √(1 − β₂ᵗ)/(1 − β₁ᵗ) at server step t. Default false:
     * Reddi et al.'s Algorithm 2 has none. (Flower always applies it, with t = round + 1.)
     */
    biasCorrection: z.boolean().default(false),
  })
  .strict();

/** `yogi` (FedYogi, Reddi et al. 2021): a second moment that grows or shrinks additively. */
export const YogiOptimizerSchema = z
  .object({
    name: z.literal('yogi'),
    ...adaptive,
    /** η, the server learning rate. Default 0.01 (Flower's). */
    serverLearningRate: z.number().positive().default(1e-2),
  })
  .strict();

/** `adagrad` (FedAdagrad, Reddi et al. 2021): the second moment accumulates Δ². */
export const AdagradOptimizerSchema = z
  .object({
    name: z.literal('adagrad'),
    ...adaptive,
    /** β₁, the momentum, in [0, 1). Default 0: Flower's FedAdagrad has no momentum (the paper allows it). */
    beta1: z.number().min(0).lt(1).default(0),
    /** η, the server learning rate. Default 0.1 (Flower's). */
    serverLearningRate: z.number().positive().default(0.1),
  })
  .strict();

const OPTIMIZER_SCHEMAS = [PlainOptimizerSchema, MomentumOptimizerSchema, AdamOptimizerSchema, YogiOptimizerSchema, AdagradOptimizerSchema] as const;

/** The names of the server optimizers, in registry order. */
export const SERVER_OPTIMIZER_NAMES = OPTIMIZER_SCHEMAS.map((s) => s.shape.name.value);

/** `{ name, ...options }` for any server optimizer. */
export const ServerOptimizerSpecSchema = z.discriminatedUnion('name', OPTIMIZER_SCHEMAS, {
  error: (issue) => (issue.code === 'invalid_union' ? `unknown server optimizer; use one of: ${SERVER_OPTIMIZER_NAMES.join(', ')}` : undefined),
});

/** A validated server optimizer spec, defaults filled. */
export type ServerOptimizerSpec = z.infer<typeof ServerOptimizerSpecSchema>;
/** A server optimizer spec as a user writes it. */
export type ServerOptimizerSpecInput = z.input<typeof ServerOptimizerSpecSchema>;
/** The name of a server optimizer. */
export type ServerOptimizerName = ServerOptimizerSpec['name'];
/** The validated spec of the server optimizer called `N`. */
export type ServerOptimizerSpecOf<N extends ServerOptimizerName> = Extract<ServerOptimizerSpec, { name: N }>;
