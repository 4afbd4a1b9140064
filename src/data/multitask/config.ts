/** The `data` section of a multi-task config: which dataset, how to split, subset and unlabel it. */
import { z } from 'zod';
import { TABULAR_TARGET_KINDS } from './multi-target-tabular.js';

/** Datasets `loadMultitaskData` builds. */
export const MULTITASK_DATASET_NAMES = ['multi-fashion', 'multi-mnist', 'multi-fashion-mnist', 'fashion-mnist-tasks', 'mmoe-synthetic', 'csv', 'jsonl'] as const;

/** One label column of a csv/jsonl dataset. */
export const MultitaskTargetSchema = z
  .object({
    /** CSV header name or JSONL key of the labels. */
    column: z.string().min(1),
    /** `classes`, `binary` or `regression`. Default: detected (text → classes, only 0/1 → binary, other numbers → regression). */
    kind: z.enum(TABULAR_TARGET_KINDS).optional(),
    /** Task name (and field name). Default: the column name. */
    name: z.string().min(1).optional(),
  })
  .strict();

/** The MMoE synthetic benchmark (Ma et al. 2018, section 4.1). */
export const MmoeSyntheticConfigSchema = z
  .object({
    /** Task correlation p in [−1, 1]. Default 0.5. */
    correlation: z.number().min(-1).max(1).default(0.5),
    /**
     * Samples drawn in all (train + validation + test, split by testFraction and
     * validationFraction). Default 12,000 (the text of the paper available to us does not state
     * a count; 12,000 with testFraction 0.2 gives 9,600 + 2,400).
     */
    samples: z.number().int().min(10).default(12000),
    /** Input dimension d. Default 100 (the paper). */
    dimension: z.number().int().min(2).default(100),
    /** Scale c of the weight vectors. Default 1. */
    scale: z.number().positive().default(1),
    /** Number m of sinusoids. Default 10. */
    sinusoids: z.number().int().min(0).default(10),
  })
  .strict();

/**
 * Validates the `data` section of a multi-task config (dataset, csv/jsonl files and columns,
 * splits, subsets and removed labels) and fills in its defaults; the parsed type is {@link MultitaskDataConfig}.
 * csv and jsonl need `train` and `targets`; the file options are refused for the built-in datasets.
 */
export const MultitaskDataConfigSchema = z
  .object({
    /**
     * `multi-fashion` (default), `multi-mnist`, `multi-fashion-mnist` (overlaid pairs, tasks
     * topLeft and bottomRight), `fashion-mnist-tasks` (tasks class, category, footwear),
     * `mmoe-synthetic` (tasks y1, y2), or a multi-target `csv`/`jsonl` file.
     */
    dataset: z.enum(MULTITASK_DATASET_NAMES).default('multi-fashion'),
    /** Folder of the Fashion-MNIST IDX files. Default /usr/share/datasets/fashion-mnist. */
    dataDir: z.string().min(1).optional(),
    /** Training file (csv/jsonl). */
    train: z.string().min(1).optional(),
    /** Test file (csv/jsonl); without it a test split of testFraction is held out of the training file. */
    test: z.string().min(1).optional(),
    /** Label columns of a csv/jsonl file, one task each. */
    targets: z.array(MultitaskTargetSchema).min(1).optional(),
    /** Feature columns of a csv/jsonl file, in the order of the input `x`. Default: every column that is not a target. */
    features: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Standardize the input features of a csv/jsonl file: (v − mean) / std per column, with the
     * mean and std of the training split only (applied unchanged to validation and test). Raw
     * tabular features on different scales train badly. Default true for csv/jsonl.
     */
    standardize: z.boolean().optional(),
    /** CSV: lines before the header to skip (e.g. 1 for scikit-learn's CSVs, whose first line holds counts). Default 0. */
    skipLines: z.number().int().min(0).optional(),
    /** CSV delimiter, one character. Default ','. */
    delimiter: z.string().length(1).optional(),
    /** The MMoE synthetic benchmark's parameters (`mmoe-synthetic` only). */
    synthetic: MmoeSyntheticConfigSchema.prefault({}),
    /** Fraction held out as the test set when the dataset has no test split (csv/jsonl without a test file, mmoe-synthetic). Default 0.2. */
    testFraction: z.number().gt(0).lt(1).default(0.2),
    /** Fraction of the training data held out for validation (0: none). Default 0.1. */
    validationFraction: z.number().min(0).lt(1).default(0.1),
    /** Use at most this many training samples (seeded subset, after the validation split; validation is then cut in proportion). */
    maxTrainSamples: z.number().int().positive().optional(),
    /** Use at most this many test samples (seeded subset). */
    maxTestSamples: z.number().int().positive().optional(),
    /** Missing-label experiments: task name → fraction of its training labels removed, in [0, 1) (training split only). Default none. */
    missingLabels: z.record(z.string().min(1), z.number().min(0).lt(1)).default({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const tabular = cfg.dataset === 'csv' || cfg.dataset === 'jsonl';
    if (tabular && cfg.train === undefined) ctx.addIssue({ code: 'custom', path: ['train'], message: `the ${cfg.dataset} dataset needs a training file` });
    if (tabular && cfg.targets === undefined) ctx.addIssue({ code: 'custom', path: ['targets'], message: `the ${cfg.dataset} dataset needs its label columns, e.g. targets: [{ column: "label" }]` });
    if (!tabular) {
      for (const key of ['train', 'test', 'targets', 'features', 'delimiter', 'standardize', 'skipLines'] as const) {
        if (cfg[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only csv and jsonl datasets read ${key}; ${cfg.dataset} does not` });
      }
    }
    if (cfg.delimiter !== undefined && cfg.dataset === 'jsonl') ctx.addIssue({ code: 'custom', path: ['delimiter'], message: 'only csv datasets have a delimiter' });
    if (cfg.skipLines !== undefined && cfg.dataset === 'jsonl') ctx.addIssue({ code: 'custom', path: ['skipLines'], message: 'only csv datasets skip lines before a header' });
  });

/** The parsed `data` section of a multi-task config, with defaults filled in (see {@link MultitaskDataConfigSchema}). */
export type MultitaskDataConfig = z.infer<typeof MultitaskDataConfigSchema>;
/** The `data` section of a multi-task config as written, before defaults are applied. */
export type MultitaskDataConfigInput = z.input<typeof MultitaskDataConfigSchema>;
