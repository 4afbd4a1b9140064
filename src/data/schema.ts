/**
 * The schema of a classification dataset: the shape of a sample, the feature names (when the
 * file has a header) and the class names in a fixed order. Parties that train or use one model
 * must agree on it: a federation's clients, a saved model and the data it is evaluated on. A
 * dataset read on its own numbers its text labels by sorted name, so a file that lacks a class
 * would shift every index after it; `alignToSchema` maps a dataset's labels through the schema's
 * class list and its columns through the schema's feature names instead. Pure and browser-safe.
 */
import { z } from 'zod';
import { DataMalformedError, ShapeMismatchError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { encodedWidth, FeaturePipelineSchema } from './feature-pipeline.js';

/**
 * Validates a {@link DataSchema}: positive sample shape, at least two classes, and class names,
 * feature names and pipeline that agree with the shape and class count.
 */
export const DataSchemaSchema = z
  .object({
    /** Shape of one input sample, e.g. [30] for a table row or [28, 28, 1] for an image. */
    inputShape: z.array(z.number().int().positive()).min(1),
    /** Names of the feature columns in model order (CSV files with a header); absent when unnamed. */
    featureNames: z.array(z.string()).min(1).optional(),
    /** Number of classes. */
    numClasses: z.number().int().min(2),
    /** Class names in class-index order (text labels); absent when labels are integers. */
    classNames: z.array(z.string()).min(2).optional(),
    /**
     * How a raw data file becomes the model's input, exactly as at training: CSV options, feature
     * columns and their encodings, missing values and impute values, and the scaling fitted on the
     * training split (see data/feature-pipeline.ts). Absent in models saved without one (the data
     * is then used as read).
     */
    pipeline: FeaturePipelineSchema.optional(),
  })
  .strict()
  .refine((s) => s.classNames === undefined || s.classNames.length === s.numClasses, { message: 'classNames must have numClasses names', path: ['classNames'] })
  .refine((s) => s.featureNames === undefined || (s.inputShape.length === 1 && s.featureNames.length === s.inputShape[0]), { message: 'featureNames must name every feature of a one-dimensional sample', path: ['featureNames'] })
  .refine((s) => s.classNames === undefined || new Set(s.classNames).size === s.classNames.length, { message: 'class names must be distinct', path: ['classNames'] })
  .refine((s) => s.pipeline?.columns === undefined || (s.inputShape.length === 1 && encodedWidth(s.pipeline.columns) === s.inputShape[0]), { message: 'the pipeline\'s columns must make inputShape features', path: ['pipeline', 'columns'] })
  .refine((s) => s.pipeline?.scaling === undefined || s.pipeline.scaling.offset.length === s.inputShape.reduce((a, b) => a * b, 1), { message: 'the scaling must have one offset and scale per feature', path: ['pipeline', 'scaling'] })
  .refine((s) => s.pipeline?.missing?.impute === undefined || s.pipeline.missing.impute.length === s.inputShape.reduce((a, b) => a * b, 1), { message: 'impute values must have one value per feature', path: ['pipeline', 'missing', 'impute'] });

/**
 * The schema of a classification dataset: sample shape, optional feature and class names, and
 * optionally the feature pipeline that turns a raw file into model input (see {@link DataSchemaSchema}).
 */
export type DataSchema = z.infer<typeof DataSchemaSchema>;

/** The schema a dataset has on its own (its shape, feature names and class names; no pipeline). */
export function schemaOf(ds: Dataset): DataSchema {
  return {
    inputShape: [...ds.sampleShape],
    ...(ds.featureNames === undefined ? {} : { featureNames: [...ds.featureNames] }),
    numClasses: ds.numClasses,
    ...(ds.classNames === undefined ? {} : { classNames: [...ds.classNames] }),
  };
}

/** "a, b, c" or "a, b, c, ... (12 in all)". */
function list(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`).join(', ');
  return names.length > max ? `${shown}, ... (${names.length} in all)` : shown;
}

/**
 * What a party declares about its data without sending it: the sample shape, the feature
 * names, and the labels it uses (the class names present, or the largest integer label).
 */
export interface DataProfile {
  inputShape: number[];
  featureNames?: string[];
  /** Class names that occur in the labels (text labels). */
  classNames?: string[];
  /** The largest label (integer labels). */
  maxLabel?: number;
}

/** The profile of a dataset (only the classes that occur in it count). */
export function profileOf(ds: Dataset): DataProfile {
  const present = new Set(ds.labels);
  let maxLabel = -1;
  for (const y of present) maxLabel = Math.max(maxLabel, y);
  return {
    inputShape: [...ds.sampleShape],
    ...(ds.featureNames === undefined ? {} : { featureNames: [...ds.featureNames] }),
    ...(ds.classNames === undefined ? { maxLabel } : { classNames: ds.classNames.filter((_, k) => present.has(k)) }),
  };
}

/** Options of `alignToSchema` and `checkProfile`: names for the messages. */
export interface AlignOptions {
  /** The data, e.g. a file path or "client 'site-a'". */
  source: string;
  /** Whose schema it is, e.g. "the federation" or "the model". */
  against: string;
}

/**
 * Throws when data of this profile cannot be aligned to the schema: a class the schema does not
 * know, text labels against unnamed classes, a missing or unknown column, another sample shape.
 * DataMalformedError for labels, ShapeMismatchError for features, each with the fix.
 */
export function checkProfile(profile: DataProfile, schema: DataSchema, opts: AlignOptions): void {
  checkFeatures(profile, schema, opts);
  checkLabels(profile, schema, opts);
}

/**
 * The dataset with the schema's class indices and feature order (see `checkProfile` for what
 * is refused):
 * - text labels are mapped through `schema.classNames`; integer labels are class indices;
 * - with feature names on both sides, columns are reordered by name; otherwise the sample shapes
 *   must be equal.
 */
export function alignToSchema(ds: Dataset, schema: DataSchema, opts: AlignOptions): Dataset {
  checkProfile(profileOf(ds), schema, opts);
  const features = alignFeatures(ds, schema);
  let labels = ds.labels;
  if (ds.classNames !== undefined && schema.classNames !== undefined) {
    const index = new Map(schema.classNames.map((name, k) => [name, k]));
    const names = ds.classNames;
    labels = Int32Array.from(ds.labels, (y) => index.get(names[y]) as number);
  }
  return {
    ...ds,
    features,
    labels,
    sampleShape: [...schema.inputShape],
    numClasses: schema.numClasses,
    ...(schema.classNames === undefined ? {} : { classNames: schema.classNames }),
    ...(schema.featureNames === undefined ? {} : { featureNames: schema.featureNames }),
  };
}

function checkLabels(profile: DataProfile, schema: DataSchema, opts: AlignOptions): void {
  const { source, against } = opts;
  if (profile.classNames === undefined) {
    // Integer labels are class indices, whether or not the classes have names.
    const max = profile.maxLabel ?? -1;
    if (max >= schema.numClasses) {
      const named = schema.classNames === undefined ? '' : ` (${list(schema.classNames)})`;
      throw new DataMalformedError(
        `${source}: label ${max} is not a class of ${against}, which has ${schema.numClasses} classes${named}`,
        schema.classNames === undefined ? `use labels 0 to ${schema.numClasses - 1}` : 'write the labels as class names, or as indices into that list',
      );
    }
    return;
  }
  if (schema.classNames === undefined) {
    throw new DataMalformedError(
      `${source}: labels are class names (${list(profile.classNames)}) but ${against} numbers its classes 0 to ${schema.numClasses - 1} without names`,
      'label the data the same way on every side: class indices everywhere, or name the classes (data.classes) where the schema is defined',
    );
  }
  const known = new Set(schema.classNames);
  const unknown = profile.classNames.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new DataMalformedError(
      `${source}: class(es) ${list(unknown)} are not classes of ${against} (${list(schema.classNames)})`,
      `remove those rows, fix the spelling, or add the classes where ${against}'s classes are defined (data.classes)`,
    );
  }
}

function checkFeatures(profile: DataProfile, schema: DataSchema, opts: AlignOptions): void {
  const { source, against } = opts;
  const want = schema.featureNames;
  const have = profile.featureNames;
  if (want !== undefined && have !== undefined) {
    const missing = want.filter((name) => !have.includes(name));
    const extra = have.filter((name) => !want.includes(name));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [missing.length > 0 ? `lacks column(s) ${list(missing)}` : '', extra.length > 0 ? `has column(s) ${list(extra)} that ${against} does not` : ''].filter((p) => p !== '');
      throw new ShapeMismatchError(
        `${source}: ${parts.join(' and ')} (${against} has ${want.length} features: ${list(want)})`,
        'give the data the same feature columns (by header name); their order does not matter',
      );
    }
    return;
  }
  if (profile.inputShape.join(',') !== schema.inputShape.join(',')) {
    const flat = profile.inputShape.length === 1 && schema.inputShape.length === 1;
    throw new ShapeMismatchError(
      flat
        ? `${source}: ${profile.inputShape[0]} features per sample but ${against} expects ${schema.inputShape[0]}${want === undefined ? '' : ` (${list(want)})`}`
        : `${source}: samples of shape [${profile.inputShape.join(', ')}] but ${against} expects [${schema.inputShape.join(', ')}]`,
      flat ? 'give the data the same feature columns (check the label column and that no column is missing or extra)' : 'give the data the expected input shape',
    );
  }
}

/** The features in the schema's column order (already checked). */
function alignFeatures(ds: Dataset, schema: DataSchema): Float32Array {
  const want = schema.featureNames;
  const have = ds.featureNames;
  if (want === undefined || have === undefined) return ds.features;
  const at = new Map(have.map((name, j) => [name, j]));
  const order = want.map((name) => at.get(name) as number);
  if (order.every((j, k) => j === k)) return ds.features;
  const width = have.length;
  const n = ds.labels.length;
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < width; k++) out[i * width + k] = ds.features[i * width + order[k]];
  }
  return out;
}
