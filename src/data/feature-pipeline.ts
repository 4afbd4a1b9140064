/**
 * The feature pipeline a saved model carries in its data schema: how its data file was read
 * (CSV options), which columns became which features (numeric, or categorical with their
 * levels), what counts as missing and what replaces it, and the scaling fitted on the training
 * split. Inference replays it to turn a raw file into the model's input exactly as at training
 * (see files/model-input.ts). Zod-validated, pure and browser-safe.
 */
import { z } from 'zod';
import { SCALING_METHODS } from './feature-scaling.js';

/** How missing cells are handled: refused with their line and column, the row dropped, or imputed with the training mean. */
export const MISSING_POLICIES = ['refuse', 'drop', 'impute'] as const;
/** One of `MISSING_POLICIES`. */
export type MissingPolicy = (typeof MISSING_POLICIES)[number];

/** Encodings of a text (categorical) feature column: one 0/1 feature per level, or the level's index as one feature. */
export const CATEGORICAL_ENCODINGS = ['one-hot', 'index'] as const;
/** One of `CATEGORICAL_ENCODINGS`. */
export type CategoricalEncoding = (typeof CATEGORICAL_ENCODINGS)[number];

/** Cells that mean "missing" by default (compared after trimming blanks, case-sensitive). */
export const DEFAULT_MISSING_VALUES: readonly string[] = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?'];

/** A column: its header name, or its 0-based index in a file without a header. */
export const ColumnRefSchema = z.union([z.string().min(1), z.number().int().min(0)]);
/** A column reference (see `ColumnRefSchema`). */
export type ColumnRef = z.infer<typeof ColumnRefSchema>;

/** How the CSV file was read. */
export const CsvReadSchema = z
  .object({
    /** Physical lines skipped before the table (e.g. scikit-learn's count line). */
    skipLines: z.number().int().min(0),
    /** Whether the first line after the skipped ones is a header. */
    header: z.boolean(),
    /** The field delimiter (one character). */
    delimiter: z.string().length(1),
    /** Columns of the training file (label included), to tell whether a headerless file has the label column. */
    width: z.number().int().min(1),
  })
  .strict();
/** How a CSV file was read (see `CsvReadSchema`). */
export type CsvRead = z.infer<typeof CsvReadSchema>;

/** One source column and the feature(s) it becomes, in model order. */
export const ColumnEncodingSchema = z.discriminatedUnion('encoding', [
  z
    .object({
      /** The column, by header name (files with a header) or 0-based index. */
      column: ColumnRefSchema,
      /** A number, as it is: one feature. */
      encoding: z.literal('numeric'),
    })
    .strict(),
  z
    .object({
      /** The column, by header name (files with a header) or 0-based index. */
      column: ColumnRefSchema,
      /** `one-hot`: one 0/1 feature per level (an unknown level is all zeros); `index`: the level's index (an unknown level is an error). */
      encoding: z.enum(CATEGORICAL_ENCODINGS),
      /** The levels in feature order. */
      levels: z.array(z.string()).min(1),
    })
    .strict(),
]);
/** One column's encoding (see `ColumnEncodingSchema`). */
export type ColumnEncoding = z.infer<typeof ColumnEncodingSchema>;

/** The pipeline (see the file comment); every part is optional so that older schemas stay valid. */
export const FeaturePipelineSchema = z
  .object({
    /** How the CSV file was read; absent for other formats. */
    csv: CsvReadSchema.optional(),
    /** The label column, by header name or 0-based index (CSV files). */
    labelColumn: ColumnRefSchema.optional(),
    /** The feature columns in model order and their encodings (CSV files). */
    columns: z.array(ColumnEncodingSchema).min(1).optional(),
    /** Missing cells: which cells count as missing, the policy, and (impute) the training mean of each model feature. */
    missing: z
      .object({
        /** Cells that mean missing (trimmed, case-sensitive). */
        values: z.array(z.string()),
        /** What is done with a row that has a missing cell. */
        policy: z.enum(MISSING_POLICIES),
        /** `impute`: the value of each model feature that replaces a missing one (its training mean). */
        impute: z.array(z.number()).optional(),
      })
      .strict()
      .optional(),
    /** The scaling fitted on the training split, per model feature: `x' = (x - offset) / scale`. */
    scaling: z
      .object({
        /** How it was fitted (`data.preprocess`). */
        method: z.enum(SCALING_METHODS),
        /** Subtracted from each feature. */
        offset: z.array(z.number()),
        /** Divides each feature after the offset (never 0). */
        scale: z.array(z.number().positive()),
      })
      .strict()
      .refine((s) => s.offset.length === s.scale.length, { message: 'offset and scale must have one value per feature', path: ['scale'] })
      .optional(),
  })
  .strict();
/** A model's feature pipeline (see `FeaturePipelineSchema`). */
export type FeaturePipeline = z.infer<typeof FeaturePipelineSchema>;

/** Number of model features the columns make (one per numeric or index column, one per level of a one-hot column). */
export function encodedWidth(columns: readonly ColumnEncoding[]): number {
  return columns.reduce((s, c) => s + (c.encoding === 'one-hot' ? c.levels.length : 1), 0);
}
