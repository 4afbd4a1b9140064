/**
 * Options of every aggregator, validated by zod, with their defaults in one place. An aggregator
 * spec is `{ name, ...options }`; `AggregatorSpecSchema` is the discriminated union on `name`.
 * The presets of `../options.ts` reuse these fields, so a default is written once.
 */
import { z } from 'zod';

/** f, the number of Byzantine clients a robust aggregator tolerates, ≥ 0. Default 1. */
export const byzantineField = z.number().int().min(0).default(1);

/** β, the fraction cut from each end of every coordinate, in [0, 0.5). Default 0.2 (Flower's). */
export const trimBetaField = z.number().min(0).lt(0.5).default(0.2);

/** m, the number of replies Multi-Krum averages. Default n − f for a round of n replies. */
export const keepField = z.number().int().positive().optional();

/** `mean`: the weighted mean of the replies (FedAvg's, McMahan et al. 2017). */
export const MeanAggregatorSchema = z
  .object({
    name: z.literal('mean'),
    /** How replies weigh: `examples` (by their example counts, FedAvg) or `uniform` (equally, SCAFFOLD). Default `examples`. */
    weighting: z.enum(['examples', 'uniform']).default('examples'),
    /**
     * What is averaged: `parameters` (Σ wᵢyᵢ/Σ wᵢ, so that with a plain server step of η = 1 the new
     * model is exactly this mean, FedAvg's form) or `updates` (Σ wᵢ(yᵢ − x)/Σ wᵢ kept unrounded, so
     * that the server step x + η·mean(yᵢ − x) rounds once, SCAFFOLD's form). Default `parameters`.
     */
    over: z.enum(['parameters', 'updates']).default('parameters'),
  })
  .strict();

/** `median`: the coordinate-wise median, unweighted (Yin et al. 2018; Flower's FedMedian). */
export const MedianAggregatorSchema = z.object({ name: z.literal('median') }).strict();

/** `trimmed-mean`: per coordinate, the mean after cutting ⌊β·n⌋ values from each end (Yin et al. 2018). */
export const TrimmedMeanAggregatorSchema = z.object({ name: z.literal('trimmed-mean'), beta: trimBetaField }).strict();

/** `krum`: the one reply closest to its n − f − 2 nearest others (Blanchard et al. 2017). Needs n > 2f + 2. */
export const KrumAggregatorSchema = z.object({ name: z.literal('krum'), byzantine: byzantineField }).strict();

/** `multikrum`: the uniform mean of the m replies of lowest Krum score (Blanchard et al. 2017). Needs n ≥ max(2f + 3, m). */
export const MultiKrumAggregatorSchema = z.object({ name: z.literal('multikrum'), byzantine: byzantineField, keep: keepField }).strict();

/** `bulyan`: repeated Krum, then a coordinate-wise trimmed mean around the median (El Mhamdi et al. 2018). Needs n ≥ 4f + 3. */
export const BulyanAggregatorSchema = z.object({ name: z.literal('bulyan'), byzantine: byzantineField }).strict();

const AGGREGATOR_SCHEMAS = [MeanAggregatorSchema, MedianAggregatorSchema, TrimmedMeanAggregatorSchema, KrumAggregatorSchema, MultiKrumAggregatorSchema, BulyanAggregatorSchema] as const;

/** The names of the aggregators, in registry order. */
export const AGGREGATOR_NAMES = AGGREGATOR_SCHEMAS.map((s) => s.shape.name.value);

/** `{ name, ...options }` for any aggregator. */
export const AggregatorSpecSchema = z.discriminatedUnion('name', AGGREGATOR_SCHEMAS, {
  error: (issue) => (issue.code === 'invalid_union' ? `unknown aggregator; use one of: ${AGGREGATOR_NAMES.join(', ')}` : undefined),
});

/** A validated aggregator spec, defaults filled. */
export type AggregatorSpec = z.infer<typeof AggregatorSpecSchema>;
/** An aggregator spec as a user writes it. */
export type AggregatorSpecInput = z.input<typeof AggregatorSpecSchema>;
/** The name of an aggregator. */
export type AggregatorName = AggregatorSpec['name'];
/** The validated spec of the aggregator called `N`. */
export type AggregatorSpecOf<N extends AggregatorName> = Extract<AggregatorSpec, { name: N }>;
