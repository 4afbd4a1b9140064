/** The config of a multimodal experiment (the `mode: multimodal` config file), validated by zod. */
import { z } from 'zod';
import { BACKEND_NAMES } from '../engine/backend-registry.js';
import { keyedOptionsSchema, namedOptionsSchema } from '../engine/named-options.js';
import { SeedsSchema } from '../engine/seeds-schema.js';
import { MultimodalDataConfigSchema } from '../data/multimodal/config.js';
import { OutputConfigSchema, TrainingConfigSchema } from '../mutual/config.js';
import { ENCODER_NAMES, findEncoder } from './encoders/registry.js';
import { FUSION_NAMES, findFusion } from './fusions/registry.js';
import { PREPROCESSOR_NAMES, findPreprocessor } from './preprocessors/registry.js';
import { CoTrainingOptionsSchema } from './teaching/co-training.js';
import { CrossModalMutualOptionsSchema } from './teaching/cross-modal-mutual.js';
import { MUTUAL_METHOD_NAMES, findMutualMethod } from '../mutual/registry.js';
import { AlignmentOptionsSchema } from './alignment/run-alignment.js';

const modalityName = z.string().regex(/^[A-Za-z_][\w-]*$/, 'use letters, digits, dash and underscore, starting with a letter or underscore');

/** `{ "type": <encoder>, ...options }`, options checked by the encoder's schema. */
export const EncoderSpecSchema = keyedOptionsSchema('type', 'encoder', ENCODER_NAMES, findEncoder, {});
/** `{ "name": <preprocessor>, ...options }`. */
export const PreprocessSpecSchema = namedOptionsSchema('preprocessor', PREPROCESSOR_NAMES, findPreprocessor, {});
/** `"concat"` or `{ "name": "gmu", ...options }`. */
export const FusionSpecSchema = z.preprocess((v) => (typeof v === 'string' ? { name: v } : v), namedOptionsSchema('fusion', FUSION_NAMES, findFusion, {}));

/**
 * Validates one entry of a multimodal config's `modalities`: the modality's encoder spec and its
 * preprocessor, both optional (the defaults depend on the modality's kind).
 */
export const ModalityConfigSchema = z
  .object({
    /** The encoder spec. Default by kind: image `mlp` (hidden [256, 128]), text `embedding-pool`, tabular `tabular`, signal `signal-conv`. */
    encoder: EncoderSpecSchema.optional(),
    /** How the raw modality becomes the encoder's fields, fitted on the training split. Default by kind: `image`, `text`, `tabular`, `signal`. */
    preprocess: z.preprocess((v) => (typeof v === 'string' ? { name: v } : v), PreprocessSpecSchema).optional(),
  })
  .strict();

/**
 * Validates a multimodal config's `missing` block: what a fused model sees for a missing modality,
 * modality dropout while training, and whether the robustness table is computed.
 */
export const MissingConfigSchema = z
  .object({
    /**
     * What a fused model sees for a missing modality: `zeros` (the zeroed features, through the
     * encoder), or `embedding` (a learned "missing" vector per modality in place of the
     * encoder's output). Default `zeros`.
     */
    handling: z.enum(['zeros', 'embedding']).default('zeros'),
    /**
     * Modality dropout while training fused models: each modality of each training sample is
     * removed with this probability (never every modality of a sample), so the model learns to
     * predict from any subset. Default 0.
     */
    dropout: z.number().min(0).max(0.9).default(0),
    /** Evaluate every fused model with each modality removed in turn (the robustness table). Default true. */
    robustness: z.boolean().default(true),
  })
  .strict();

/**
 * Co-training (Blum & Mitchell 1998) between the modalities, on top of the fused-vs-alone run:
 * every training label but `labelsPerClass` per class is hidden, and each modality's model labels
 * its most confident unlabeled samples for the others; compared with each modality's model trained
 * on the kept labels alone. The other fields are co-training's options (teaching/co-training.ts).
 */
export const CoTrainingConfigSchema = CoTrainingOptionsSchema.omit({ init: true })
  .extend({
    /** Training labels kept per class (seeded per run seed); the rest become co-training's unlabeled pool. Default 10. */
    labelsPerClass: z.number().int().positive().default(10),
  })
  .strict();

/**
 * Cross-modal mutual learning: each modality's model also learns from the others' predictions
 * with a mutual-learning method (e.g. `dml`), compared with the same models trained alone.
 * Training options default to the run's `training`.
 */
export const CrossModalConfigSchema = CrossModalMutualOptionsSchema.omit({ init: true, epochs: true, batchSize: true, optimizer: true })
  .extend({
    /** Label-noise rate of the training data, when known (co-teaching's default forget rate). Default 0. */
    labelNoise: CrossModalMutualOptionsSchema.shape.labelNoise,
    /** The mutual method, `"dml"` or `{ "name": "dml", ...options }`. Default dml. */
    method: z.preprocess((v) => (typeof v === 'string' ? { name: v } : v), namedOptionsSchema('mutual method', MUTUAL_METHOD_NAMES, findMutualMethod, {})).prefault({ name: 'dml' }),
  })
  .strict();

/**
 * Contrastive alignment of two modalities (CLIP's InfoNCE or SigLIP's sigmoid loss), on top of
 * the fused-vs-alone run: retrieval recall@k both ways, zero-shot classification from the data's
 * class prompts when it has them, and a linear probe of the aligned encoder against the untrained
 * one. The other fields are the alignment's options (alignment/run-alignment.ts).
 */
export const AlignmentConfigSchema = AlignmentOptionsSchema.omit({ init: true })
  .extend({
    /** The two modalities to align, [a, b]; zero-shot prompts are embedded by b. Default: the first two. */
    between: z.tuple([modalityName, modalityName]).optional(),
    /** Zero-shot classification of a's test samples from b's embeddings of the class prompts (needs data with prompts, e.g. image-descriptions). Default true. */
    zeroShot: z.boolean().default(true),
  })
  .strict();

/**
 * Validates a whole `mode: multimodal` config and fills in its defaults; parses to {@link
 * MultimodalConfig}. It also refuses a fusion listed twice with the same options and an empty
 * `modalities`.
 */
export const MultimodalConfigSchema = z
  .object({
    mode: z.literal('multimodal'),
    /** Run name, used for the run folder. Default `multimodal`. */
    name: z.string().regex(/^[\w.-]+$/, 'use letters, digits, dot, dash and underscore').default('multimodal'),
    /** Seeds: each one is a full fused-vs-alone replicate (initial weights, data order, dropout). Default [0]. */
    seeds: SeedsSchema,
    /** Tensor backend. Default `auto`. */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /** The dataset (two-view-noisy, spam-assassin, image-descriptions or a manifest). Needed to run from a config file; a run given its data in code (`loadData`) may leave it out. */
    data: MultimodalDataConfigSchema.optional(),
    /** The modalities used, by the data's names, with their encoders. Default: every modality of the data with its kind's default encoder. */
    modalities: z.record(modalityName, ModalityConfigSchema).optional(),
    /** The fusions, each trained as its own fused model and compared with the single-modality models. Default ["concat"]. */
    fusions: z.array(FusionSpecSchema).min(1).prefault(['concat']),
    missing: MissingConfigSchema.prefault({}),
    /** Also run co-training between the modalities (semi-supervised). Default: not run. */
    coTraining: CoTrainingConfigSchema.optional(),
    /** Also align two modalities contrastively. Default: not run. */
    alignment: AlignmentConfigSchema.optional(),
    /** Also run cross-modal mutual learning (each modality's model learns from the others'). Default: not run. */
    crossModal: CrossModalConfigSchema.optional(),
    /** Initial weights of every encoder, head and fusion: `glorot`, or `torch` (PyTorch's defaults). Default `glorot`. */
    init: z.enum(['glorot', 'torch']).default('glorot'),
    training: TrainingConfigSchema.prefault({}),
    /** Run folder parent and model saving; the first seed's fused models are saved with their preprocessing. */
    output: OutputConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const repeated = cfg.fusions.findIndex((f, i) => cfg.fusions.some((g, j) => j < i && JSON.stringify(g) === JSON.stringify(f)));
    if (repeated >= 0) ctx.addIssue({ code: 'custom', path: ['fusions', repeated], message: `fusion '${cfg.fusions[repeated].name}' is listed twice with the same options` });
    if (cfg.modalities !== undefined && Object.keys(cfg.modalities).length < 1) ctx.addIssue({ code: 'custom', path: ['modalities'], message: 'name at least one modality' });
  });

/** A validated multimodal config with every default filled in (what {@link MultimodalConfigSchema} parses to). */
export type MultimodalConfig = z.infer<typeof MultimodalConfigSchema>;
/** A multimodal config as written, before defaults are applied (the input shape of {@link MultimodalConfigSchema}). */
export type MultimodalConfigInput = z.input<typeof MultimodalConfigSchema>;
export type EncoderSpec = z.infer<typeof EncoderSpecSchema>;
