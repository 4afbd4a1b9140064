/**
 * The config of the federated healthcare example (`mode: federated-healthcare`): synthetic
 * hospital sites (data/multimodal/healthcare-sites.ts), the encoders of the two modalities and
 * their fusion, and the federated settings, which are those of a `mode: federated` config
 * (config.ts in src/federated) with the same defaults, except where noted. The run trains three
 * model variants through the federated simulation: image-only, record-only and fused.
 */
import { z } from 'zod';
import { MAX_SEED } from '../../engine/random.js';
import { ConfigError } from '../../errors.js';
import { FederatedConfigSchema, SamplingConfigSchema } from '../../federated/config.js';
import { FusionSpecSchema, ModalityEncoderSpecSchema } from './multimodal-model.js';

export const HealthcareDataSchema = z
  .object({
    /** Number of hospital sites (the federation's clients). Default 4. */
    sites: z.number().int().min(2).max(64).default(4),
    /** Patients per site: one number for every site, or one per site. Default round(400 · 0.75^s): 400, 300, 225, 169. */
    patientsPerSite: z.union([z.number().int().min(4), z.array(z.number().int().min(4)).min(2)]).optional(),
    /** New patients of every site in the shared test set. Default 100. */
    testPatientsPerSite: z.number().int().min(1).default(100),
    /** Side of the square scans. Default 16. */
    imageSize: z.number().int().min(8).max(64).default(16),
    /** Standard deviation of the diagnosis noise. Default 0.4. */
    noise: z.number().min(0).max(10).default(0.4),
    /** Seed of the generator. Default: the run's seed. */
    seed: z.number().int().min(0).max(MAX_SEED).optional(),
  })
  .strict()
  .refine((d) => !Array.isArray(d.patientsPerSite) || d.patientsPerSite.length === d.sites, { message: 'give one size per site', path: ['patientsPerSite'] });

export const HealthcareModelSchema = z
  .object({
    /** Encoder of the scan ([S, S, 1]): an `mlp` or `cnn` body. Default a cnn with one 8-filter block and a 32-unit dense layer. */
    image: ModalityEncoderSpecSchema.prefault({ type: 'cnn', conv: [{ filters: 8, kernelSize: 3, pool: 'max', poolSize: 2 }], dense: [32] }),
    /** Encoder of the record (8 scaled values): an `mlp` body. Default one 16-unit hidden layer. */
    record: ModalityEncoderSpecSchema.prefault({ type: 'mlp', hidden: [16] }),
    /** How the fused variant combines them. Default `concat` (early fusion) with no hidden layer. */
    fusion: FusionSpecSchema.prefault({}),
    /** Initial weights of the fusion and output layers. Default `glorot`. */
    init: z.enum(['glorot', 'torch']).default('glorot'),
  })
  .strict();

/** The three variants, the modalities each reads. */
export const HEALTHCARE_VARIANTS = { 'image-only': ['image'], 'record-only': ['record'], fused: ['image', 'record'] } as const;
export type HealthcareVariant = keyof typeof HEALTHCARE_VARIANTS;
export const HEALTHCARE_VARIANT_NAMES = Object.keys(HEALTHCARE_VARIANTS) as HealthcareVariant[];

/** The fields shared with a `mode: federated` config (same schemas, same defaults). */
const f = FederatedConfigSchema.shape;

/**
 * Validates a `mode: federated-healthcare` config and fills in its defaults: the synthetic sites,
 * the model, the federated settings and the simulation. It also refuses a `sampling.evaluateEvery`
 * that does not divide `rounds`.
 */
export const FederatedHealthcareConfigSchema = z
  .object({
    mode: z.literal('federated-healthcare'),
    /** Run name. Default `federated-healthcare`. */
    name: z.string().regex(/^[\w.-]+$/, 'use letters, digits, dot, dash and underscore').default('federated-healthcare'),
    /** Seed of the data (unless data.seed), the initial models, the held-out split, the sampling and the shuffling. Default 0. */
    seed: z.number().int().min(0).max(MAX_SEED).default(0),
    /** Tensor backend. Default `auto`. */
    backend: f.backend,
    data: HealthcareDataSchema.prefault({}),
    model: HealthcareModelSchema.prefault({}),
    optimizer: f.optimizer,
    strategy: f.strategy,
    rounds: f.rounds,
    /** As in a federated config, without evaluateFraction (every site evaluates); evaluateEvery must divide rounds (0: the last round only). */
    sampling: SamplingConfigSchema.omit({ evaluateFraction: true }).prefault({}),
    simulation: z
      .object({
        /** Worker threads. Default: one per core. */
        workers: z.number().int().min(1).optional(),
        /** Fraction of each site's patients held out as that site's own test set. Default 0.5 (large held-out sets: per-site scores that are not all noise). */
        clientTestFraction: z.number().gt(0).lt(1).default(0.5),
      })
      .strict()
      .prefault({}),
    /** Which variants also train the alone (each site by itself) and pooled baselines: `all`, or `fused` only. Default `all`. */
    baselines: z.enum(['all', 'fused']).default('all'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const every = c.sampling.evaluateEvery;
    if (every > 0 && c.rounds % every !== 0) {
      ctx.addIssue({ code: 'custom', path: ['sampling', 'evaluateEvery'], message: `must divide rounds (${c.rounds}), so that the sites evaluate the final model` });
    }
  });

export type FederatedHealthcareConfig = z.infer<typeof FederatedHealthcareConfigSchema>;
export type FederatedHealthcareConfigInput = z.input<typeof FederatedHealthcareConfigSchema>;

/** Validates a healthcare config; the first bad field becomes a ConfigError naming it. */
export function parseHealthcareConfig(raw: unknown, source = 'the config'): FederatedHealthcareConfig {
  const parsed = FederatedHealthcareConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const [first, ...rest] = parsed.error.issues;
  const path = first.path.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.').replace(/\.\[/g, '[');
  const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
  throw new ConfigError(path || '(config)', `${first.message}${more}`, `fix the field in ${source}; configs/federated-healthcare.json has every section`);
}
