/**
 * Options of every federated strategy, validated by zod, with their defaults in one place. A
 * strategy spec is `{ name, ...options }`; `StrategySpecSchema` is the discriminated union on
 * `name`. Where Flower has the same strategy, the defaults are Flower's (flwr 1.x,
 * `flwr.serverapp.strategy`), except where a comment says otherwise.
 */
import { z } from 'zod';

/** Options every strategy has: what each sampled client does locally. */
const common = {
  /** Passes over the client's local data per round. Default 1. */
  localEpochs: z.number().int().positive().default(1),
  /** Samples per local step. Default 32. */
  batchSize: z.number().int().positive().default(32),
};

/** f, the number of Byzantine clients a robust strategy tolerates. Default 1. */
const byzantine = z.number().int().min(0).default(1);

/** FedAvg (McMahan et al. 2017): the example-weighted mean of the client parameters. */
export const FedAvgOptionsSchema = z.object({ name: z.literal('fedavg'), ...common }).strict();

/** FedAvgM (Hsu et al. 2019): FedAvg's average taken as a server SGD step with momentum. */
export const FedAvgMOptionsSchema = z
  .object({
    name: z.literal('fedavgm'),
    ...common,
    /** η, the server learning rate. Default 1 (Flower's). */
    serverLearningRate: z.number().positive().default(1),
    /**
     * β, the server momentum, in [0, 1). Default 0.9, as in Hsu et al.'s experiments (Flower's
     * default is 0, which makes FedAvgM plain FedAvg).
     */
    serverMomentum: z.number().min(0).lt(1).default(0.9),
  })
  .strict();

/** FedProx (Li et al. 2020): FedAvg's aggregation; clients add (μ/2)·||w − w_global||² to their loss. */
export const FedProxOptionsSchema = z
  .object({
    name: z.literal('fedprox'),
    ...common,
    /**
     * μ, the weight of the clients' proximal term, > 0. Default 0.01 (Flower has no default; Li
     * et al. tune μ in {0.001, 0.01, 0.1, 1}).
     */
    proximalMu: z.number().positive().default(0.01),
  })
  .strict();

/** Options shared by FedAdam, FedYogi and FedAdagrad (Reddi et al. 2021). */
const fedOpt = {
  ...common,
  /** β₁, the first-moment (momentum) decay, in [0, 1). Default 0.9. */
  beta1: z.number().min(0).lt(1).default(0.9),
  /** β₂, the second-moment decay, in [0, 1). Default 0.99. */
  beta2: z.number().min(0).lt(1).default(0.99),
  /** τ, added to √v: the smaller, the more adaptive. Default 1e-3 (Flower's and the paper's). */
  tau: z.number().positive().default(1e-3),
};
// Flower's eta_l (the client learning rate) is not a strategy option here: the client's own
// optimizer config sets it.

/** FedAdam: server Adam on the round's pseudo-gradient. */
export const FedAdamOptionsSchema = z
  .object({
    name: z.literal('fedadam'),
    ...fedOpt,
    /** η, the server learning rate. Default 0.1 (Flower's). */
    serverLearningRate: z.number().positive().default(0.1),
    /**
     * Scale η by Adam's bias correction √(1 − β₂ᵗ)/(1 − β₁ᵗ) at server step t. Default false:
     * Reddi et al.'s Algorithm 2 has none. (Flower always applies it, with t = round + 1.)
     */
    biasCorrection: z.boolean().default(false),
  })
  .strict();

/** FedYogi: server Yogi (a second moment that grows or shrinks additively). */
export const FedYogiOptionsSchema = z
  .object({
    name: z.literal('fedyogi'),
    ...fedOpt,
    /** η, the server learning rate. Default 0.01 (Flower's). */
    serverLearningRate: z.number().positive().default(1e-2),
  })
  .strict();

/** FedAdagrad: server Adagrad (the second moment accumulates Δ²). */
export const FedAdagradOptionsSchema = z
  .object({
    name: z.literal('fedadagrad'),
    ...fedOpt,
    /** β₁, the momentum, in [0, 1). Default 0: Flower's FedAdagrad has no momentum (the paper allows it). */
    beta1: z.number().min(0).lt(1).default(0),
    /** η, the server learning rate. Default 0.1 (Flower's). */
    serverLearningRate: z.number().positive().default(0.1),
  })
  .strict();

/** SCAFFOLD (Karimireddy et al. 2020): control variates correct the clients' drift. Not in Flower. */
export const ScaffoldOptionsSchema = z
  .object({
    name: z.literal('scaffold'),
    ...common,
    /** η_g, the server (global) learning rate. Default 1 (the paper's experiments). */
    serverLearningRate: z.number().positive().default(1),
  })
  .strict();

/** FedMedian (Yin et al. 2018): the coordinate-wise median. */
export const FedMedianOptionsSchema = z.object({ name: z.literal('fedmedian'), ...common }).strict();

/** FedTrimmedAvg (Yin et al. 2018): the coordinate-wise β-trimmed mean. */
export const FedTrimmedAvgOptionsSchema = z
  .object({
    name: z.literal('fedtrimmedavg'),
    ...common,
    /** β, the fraction cut from each end of every coordinate, in [0, 0.5). Default 0.2 (Flower's). */
    beta: z.number().min(0).lt(0.5).default(0.2),
  })
  .strict();

/** Krum (Blanchard et al. 2017): the one reply closest to its n − f − 2 nearest neighbours. */
export const KrumOptionsSchema = z
  .object({
    name: z.literal('krum'),
    ...common,
    /** f, the number of Byzantine clients tolerated. Default 1. */
    byzantine,
  })
  .strict();

/** Multi-Krum (Blanchard et al. 2017): the mean of the m replies of lowest Krum score. */
export const MultiKrumOptionsSchema = z
  .object({
    name: z.literal('multikrum'),
    ...common,
    /** f, the number of Byzantine clients tolerated. Default 1. */
    byzantine,
    /** m, the number of replies averaged. Default n − f for a round of n replies. */
    keep: z.number().int().positive().optional(),
  })
  .strict();

/** Bulyan (El Mhamdi et al. 2018): repeated Krum, then a coordinate-wise trimmed mean around the median. */
export const BulyanOptionsSchema = z
  .object({
    name: z.literal('bulyan'),
    ...common,
    /** f, the number of Byzantine clients tolerated. Default 1. */
    byzantine,
  })
  .strict();

/** `{ name, ...options }` for any strategy. */
export const StrategySpecSchema = z.discriminatedUnion('name', [
  FedAvgOptionsSchema,
  FedAvgMOptionsSchema,
  FedProxOptionsSchema,
  FedAdamOptionsSchema,
  FedYogiOptionsSchema,
  FedAdagradOptionsSchema,
  ScaffoldOptionsSchema,
  FedMedianOptionsSchema,
  FedTrimmedAvgOptionsSchema,
  KrumOptionsSchema,
  MultiKrumOptionsSchema,
  BulyanOptionsSchema,
]);

/** A validated strategy spec, defaults filled. */
export type StrategySpec = z.infer<typeof StrategySpecSchema>;
/** A strategy spec as a user writes it (options may be omitted). */
export type StrategySpecInput = z.input<typeof StrategySpecSchema>;
/** The validated options of the strategy called `N`. */
export type StrategyOptions<N extends StrategySpec['name']> = Extract<StrategySpec, { name: N }>;
/** The options every strategy has. */
export type CommonOptions = Pick<StrategySpec, 'localEpochs' | 'batchSize'>;
