/**
 * Strategy specs, validated by zod, with their defaults in one place (here and in the parts'
 * options files). A strategy spec is either composed from parts,
 * `{ aggregator, serverOptimizer, client, localEpochs, batchSize }`, or a named preset,
 * `{ name, ...options }`; `StrategySpecSchema` accepts both (a discriminated union on `name`,
 * absent for a composed spec). The twelve presets map to parts (see each preset's file); their
 * options reuse the parts' fields, so each default is written once. Where Flower has the same
 * strategy, the defaults are Flower's (flwr 1.x, `flwr.serverapp.strategy`), except where a
 * comment says otherwise.
 */
import { z } from 'zod';
import { ClientAlgorithmSpecSchema, proximalMuField } from '../client/algorithms/options.js';
import { AggregatorSpecSchema, byzantineField, keepField, trimBetaField } from './aggregators/options.js';
import { PrivacySpecSchema } from './privacy/options.js';
import { SecureAggregationSpecSchema } from './secure/options.js';
import { CompressionSpecSchema } from './compression/options.js';
import { AdagradOptimizerSchema, AdamOptimizerSchema, MomentumOptimizerSchema, PlainOptimizerSchema, ServerOptimizerSpecSchema, YogiOptimizerSchema } from './server-optimizers/options.js';

/** Options every strategy has: what each sampled client does locally. */
const common = {
  /** Passes over the client's local data per round. Default 1. */
  localEpochs: z.number().int().positive().default(1),
  /** Samples per local step. Default 32. */
  batchSize: z.number().int().positive().default(32),
};

/** A part's fields without its `name`. */
function fieldsOf<S extends z.ZodRawShape & { name: z.ZodType }>(shape: S): Omit<S, 'name'> {
  const { name: _name, ...fields } = shape;
  return fields;
}

/**
 * A strategy composed from parts. `aggregator` is required; `serverOptimizer` defaults to
 * `{ name: 'plain' }` (x ← aggregate) and `client` to `{ name: 'plain' }` (local training only).
 */
export const ComposedStrategySpecSchema = z
  .object({
    /** Absent: a composed spec names its parts, not a preset. */
    name: z.undefined().optional(),
    /** How the replies are combined (`strategies/aggregators/options.ts`). */
    aggregator: AggregatorSpecSchema,
    /** The server's step to the new global model (`strategies/server-optimizers/options.ts`). Default `plain`. */
    serverOptimizer: ServerOptimizerSpecSchema.prefault({ name: 'plain' }),
    /** What clients do besides local training (`client/algorithms/options.ts`). Default `plain`. */
    client: ClientAlgorithmSpecSchema.prefault({ name: 'plain' }),
    /** Differential privacy of the aggregate (`strategies/privacy/options.ts`): DP-FedAvg with a fixed or adaptive clip. Default: none. */
    privacy: PrivacySpecSchema.optional(),
    /** Secure aggregation (`strategies/secure/options.ts`): the server learns only the sum of the updates. Default: none. */
    secureAggregation: SecureAggregationSpecSchema.optional(),
    /** Compression of the clients' updates (`strategies/compression/options.ts`): float16, q8 or topk. Default: none. */
    compression: CompressionSpecSchema.optional(),
    ...common,
  })
  .strict();

/** The fields of a composed spec, in order. */
export const COMPOSED_FIELDS = Object.keys(ComposedStrategySpecSchema.shape).filter((k) => k !== 'name');
/** The part fields of a composed spec. */
export const PART_FIELDS = ['aggregator', 'serverOptimizer', 'client', 'privacy', 'secureAggregation', 'compression'] as const;

/** Preset `fedavg` (McMahan et al. 2017): mean by example count + plain step + plain clients. */
export const FedAvgOptionsSchema = z.object({ name: z.literal('fedavg'), ...common }).strict();

/** Preset `fedavgm` (Hsu et al. 2019): mean by example count + server momentum + plain clients. */
export const FedAvgMOptionsSchema = z.object({ name: z.literal('fedavgm'), ...common, ...fieldsOf(MomentumOptimizerSchema.shape) }).strict();

/** Preset `fedprox` (Li et al. 2020): mean by example count + plain step + FedProx clients. */
export const FedProxOptionsSchema = z.object({ name: z.literal('fedprox'), ...common, proximalMu: proximalMuField }).strict();

/** Preset `fedadam` (Reddi et al. 2021): mean by example count + server Adam + plain clients. */
export const FedAdamOptionsSchema = z.object({ name: z.literal('fedadam'), ...common, ...fieldsOf(AdamOptimizerSchema.shape) }).strict();

/** Preset `fedyogi` (Reddi et al. 2021): mean by example count + server Yogi + plain clients. */
export const FedYogiOptionsSchema = z.object({ name: z.literal('fedyogi'), ...common, ...fieldsOf(YogiOptimizerSchema.shape) }).strict();

/** Preset `fedadagrad` (Reddi et al. 2021): mean by example count + server Adagrad + plain clients. */
export const FedAdagradOptionsSchema = z.object({ name: z.literal('fedadagrad'), ...common, ...fieldsOf(AdagradOptimizerSchema.shape) }).strict();

/**
 * Preset `scaffold` (Karimireddy et al. 2020; not in Flower): uniform mean of the updates + plain
 * step with η = η_g (`serverLearningRate`, default 1, the paper's experiments) + SCAFFOLD clients.
 */
export const ScaffoldOptionsSchema = z.object({ name: z.literal('scaffold'), ...common, ...fieldsOf(PlainOptimizerSchema.shape) }).strict();

/** Preset `fedmedian` (Yin et al. 2018): coordinate-wise median + plain step + plain clients. */
export const FedMedianOptionsSchema = z.object({ name: z.literal('fedmedian'), ...common }).strict();

/** Preset `fedtrimmedavg` (Yin et al. 2018): trimmed mean (`beta`) + plain step + plain clients. */
export const FedTrimmedAvgOptionsSchema = z.object({ name: z.literal('fedtrimmedavg'), ...common, beta: trimBetaField }).strict();

/** Preset `krum` (Blanchard et al. 2017): Krum (`byzantine`) + plain step + plain clients. */
export const KrumOptionsSchema = z.object({ name: z.literal('krum'), ...common, byzantine: byzantineField }).strict();

/** Preset `multikrum` (Blanchard et al. 2017): Multi-Krum (`byzantine`, `keep`) + plain step + plain clients. */
export const MultiKrumOptionsSchema = z.object({ name: z.literal('multikrum'), ...common, byzantine: byzantineField, keep: keepField }).strict();

/** Preset `bulyan` (El Mhamdi et al. 2018): Bulyan (`byzantine`) + plain step + plain clients. */
export const BulyanOptionsSchema = z.object({ name: z.literal('bulyan'), ...common, byzantine: byzantineField }).strict();

const PRESET_SCHEMAS = [
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
] as const;

/** The preset names, in registry order. */
export const PRESET_NAMES = PRESET_SCHEMAS.map((s) => s.shape.name.value);

/** `{ name, ...options }` for any preset. */
export const PresetSpecSchema = z.discriminatedUnion('name', PRESET_SCHEMAS);

/** A composed spec or a preset. */
export const StrategySpecSchema = z.discriminatedUnion('name', [...PRESET_SCHEMAS, ComposedStrategySpecSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' ? `unknown strategy; use a preset (${PRESET_NAMES.join(', ')}) or, without a name, compose one from ${PART_FIELDS.join(', ')}` : undefined,
});

/** A validated strategy spec (composed or preset), defaults filled. */
export type StrategySpec = z.infer<typeof StrategySpecSchema>;
/** A strategy spec as a user writes it (options may be omitted). */
export type StrategySpecInput = z.input<typeof StrategySpecSchema>;
/** A validated composed spec, defaults filled. */
export type ComposedStrategySpec = z.infer<typeof ComposedStrategySpecSchema>;
/** A composed spec as a user writes it. */
export type ComposedStrategySpecInput = z.input<typeof ComposedStrategySpecSchema>;
/** A validated preset spec. */
export type PresetSpec = z.infer<typeof PresetSpecSchema>;
/** The name of a preset. */
export type PresetName = PresetSpec['name'];
/** The validated options of the preset called `N`. */
export type StrategyOptions<N extends PresetName> = Extract<PresetSpec, { name: N }>;

/** The registry name of a spec's strategy: the preset's name, or `<aggregator>+<serverOptimizer>+<client>[+<privacy>]` (e.g. `krum+adam+fedprox`, `mean+plain+plain+fixed-clip`). */
export function strategyName(spec: StrategySpec): string {
  if (spec.name !== undefined) return spec.name;
  const privacy = spec.privacy === undefined ? '' : `+${spec.privacy.name}`;
  const secure = spec.secureAggregation === undefined ? '' : `+${spec.secureAggregation.name}`;
  const compression = spec.compression === undefined ? '' : `+${spec.compression.name}`;
  return `${spec.aggregator.name}+${spec.serverOptimizer.name}+${spec.client.name}${privacy}${secure}${compression}`;
}
