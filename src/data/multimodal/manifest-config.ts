/**
 * The config of a manifest dataset (manifest.ts), validated by zod: which file, which of its
 * columns form which modality, which column is the label. Pure, so that configs can embed it
 * (`data: { type: 'manifest', ... }` is `ManifestDataConfigSchema`).
 *
 * Example: `{ path: 'data/manifest.csv', label: 'label', modalities: { image: { kind: 'image',
 * column: 'image', shape: [28, 28, 1] }, caption: { kind: 'text', column: 'caption' }, record:
 * { kind: 'tabular', numeric: ['age', 'bp'], categorical: ['sex'] } }, missing: ['', 'NA', '?'] }`.
 */
import { z } from 'zod';
import { ConfigError } from '../../errors.js';

const columnName = z.string().min(1, 'a column name must not be empty');
const modalityName = z.string().regex(/^[A-Za-z_][\w-]*$/, 'use letters, digits, dash and underscore, starting with a letter or underscore');

export const ManifestImageModalitySchema = z
  .object({
    kind: z.literal('image'),
    /** The column holding each sample's image file: a PNG (8-bit grey, grey + alpha, RGB, RGBA) or PGM (P2/P5), relative to the manifest. */
    column: columnName,
    /** [height, width, channels] every image must have; default: the first image's shape. */
    shape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).optional(),
  })
  .strict();

export const ManifestTextModalitySchema = z
  .object({
    kind: z.literal('text'),
    /** The column holding the text itself, or with `file`, a path to a UTF-8 text file relative to the manifest. */
    column: columnName,
    /** Whether the column holds paths of text files instead of the text; default false. */
    file: z.boolean().default(false),
  })
  .strict();

export const ManifestTabularModalitySchema = z
  .object({
    kind: z.literal('tabular'),
    /** Numeric columns (a missing cell becomes NaN). */
    numeric: z.array(columnName).default([]),
    /** Categorical columns (a missing cell becomes ''). */
    categorical: z.array(columnName).default([]),
  })
  .strict();

export const ManifestModalitySchema = z.discriminatedUnion('kind', [ManifestImageModalitySchema, ManifestTextModalitySchema, ManifestTabularModalitySchema]);
export type ManifestModalityConfig = z.infer<typeof ManifestModalitySchema>;

const manifestShape = {
  /** The manifest file: CSV with a header row, or JSON lines (one object per line). */
  path: z.string().min(1),
  /** Default: 'jsonl' for a path ending in .jsonl or .ndjson, else 'csv'. */
  format: z.enum(['csv', 'jsonl']).optional(),
  /** The CSV field delimiter, one character; default ','. */
  delimiter: z.string().length(1).default(','),
  /** The label column; default 'label'. */
  label: columnName.default('label'),
  /** The class names in class order; a label outside them is an error. Default: the sorted distinct labels (integers 0..k-1 as they are). */
  classes: z.array(z.string().min(1)).min(2).optional(),
  /** The modalities by name, each from its columns. */
  modalities: z.record(modalityName, ManifestModalitySchema),
  /** Cell values (after trimming) that mean "missing"; a sample whose every cell of a modality is missing lacks that modality. Default ['', 'NA', '?']. */
  missing: z.array(z.string()).default(['', 'NA', '?']),
  /** A second manifest with the same columns as the test split; without it, `testFraction` of `path` is split off (seeded, stratified). */
  testPath: z.string().min(1).optional(),
  /** Fraction of each class split off as the test set when there is no testPath, in (0, 1); default 0.2. */
  testFraction: z.number().gt(0).lt(1).default(0.2),
  /** Seed of that split; default 0. */
  seed: z.number().int().nonnegative().default(0),
};

/** Checks what a field-by-field schema cannot: at least one modality, columns not reused in a way that makes no sense. */
function checkManifestConfig(config: { label: string; modalities: Record<string, ManifestModalityConfig> }, ctx: z.RefinementCtx): void {
  const names = Object.keys(config.modalities);
  if (names.length === 0) ctx.addIssue({ code: 'custom', path: ['modalities'], message: 'give at least one modality, e.g. { "image": { "kind": "image", "column": "image" } }' });
  for (const [name, m] of Object.entries(config.modalities)) {
    const columns = m.kind === 'tabular' ? [...m.numeric, ...m.categorical] : [m.column];
    if (m.kind === 'tabular' && columns.length === 0) ctx.addIssue({ code: 'custom', path: ['modalities', name], message: 'a tabular modality needs at least one numeric or categorical column' });
    columns.forEach((c, k) => {
      if (c === config.label) ctx.addIssue({ code: 'custom', path: ['modalities', name], message: `column '${c}' is the label column: a modality holding the label would leak it` });
      if (columns.indexOf(c) !== k) ctx.addIssue({ code: 'custom', path: ['modalities', name], message: `column '${c}' is listed twice` });
    });
  }
}

/** A manifest dataset's config. */
export const ManifestConfigSchema = z.object(manifestShape).strict().superRefine(checkManifestConfig);
export type ManifestConfig = z.infer<typeof ManifestConfigSchema>;
export type ManifestConfigInput = z.input<typeof ManifestConfigSchema>;

/** The same as the `data` block of a multimodal config: `{ type: 'manifest', ... }`. */
export const ManifestDataConfigSchema = z
  .object({ type: z.literal('manifest'), ...manifestShape })
  .strict()
  .superRefine(checkManifestConfig);
export type ManifestDataConfig = z.infer<typeof ManifestDataConfigSchema>;

/** Validates a manifest config; the first problem becomes a ConfigError naming its field (under `prefix`, e.g. 'data'). */
export function parseManifestConfig(input: unknown, prefix = ''): ManifestConfig {
  const parsed = ManifestConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
  throw new ConfigError(path, issue.message, 'see ManifestConfigSchema in src/data/multimodal/manifest-config.ts for the fields');
}
