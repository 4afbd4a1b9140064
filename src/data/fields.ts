/**
 * Datasets of many named fields: the general form of jointly's data. A field is one typed column
 * of equal length across samples: float features of any shape or int32 token ids (inputs), or a
 * target (class ids, binary or multi-label 0/1 values, regression values) with an optional
 * presence mask for missing labels. The classification `Dataset` of the loaders is the case of
 * one float input `x` and one class target `y` (see `toFields`). Pure data, no tfjs.
 */
import { DataMalformedError } from '../errors.js';
import { sampleSize, type Dataset } from './dataset.js';

/** Float32 features, `length * prod(shape)` values, row-major. */
export interface FloatField {
  readonly kind: 'float';
  readonly values: Float32Array;
  /** Shape of one sample, e.g. [28, 28, 1]. */
  readonly shape: readonly number[];
}

/** Token ids, `length * maxLength` int32 values; positions at or after a sample's length hold 0 (padding). */
export interface TokensField {
  readonly kind: 'tokens';
  readonly ids: Int32Array;
  /** Tokens per sample (padded length). */
  readonly maxLength: number;
  /** Number of real tokens of each sample, in [0, maxLength]. */
  readonly lengths: Int32Array;
  /** Ids are in [0, vocabSize); 0 is the padding id. */
  readonly vocabSize: number;
}

/** What target fields have in common: which samples carry a label. */
interface MaskedTarget {
  /** 1 where the sample has this label, 0 where it is missing; absent when every sample has it. */
  readonly mask?: Uint8Array;
}

/** One class per sample (multi-class classification). */
export interface ClassesField extends MaskedTarget {
  readonly kind: 'classes';
  /** Class index of each sample, in [0, numClasses) where labelled (anything, e.g. 0, where not). */
  readonly labels: Int32Array;
  readonly numClasses: number;
  /** Optional class names, numClasses long. */
  readonly classNames?: readonly string[];
}

/** A 0/1 label per sample (binary classification). */
export interface BinaryField extends MaskedTarget {
  readonly kind: 'binary';
  readonly values: Float32Array;
}

/** `width` independent 0/1 labels per sample (multi-label classification). */
export interface MultiLabelField extends MaskedTarget {
  readonly kind: 'multilabel';
  readonly values: Float32Array;
  readonly width: number;
  /** Optional label names, width long. */
  readonly labelNames?: readonly string[];
}

/** `width` real values per sample (regression). */
export interface RegressionField extends MaskedTarget {
  readonly kind: 'regression';
  readonly values: Float32Array;
  readonly width: number;
}

/** A field a model reads: float features or token ids. */
export type InputField = FloatField | TokensField;
/** A field a model predicts: class ids, binary, multi-label or regression values, each with an optional presence mask. */
export type TargetField = ClassesField | BinaryField | MultiLabelField | RegressionField;
/** Any field of a {@link FieldDataset}: an input or a target. */
export type Field = InputField | TargetField;
/** The `kind` tag of a field: `float`, `tokens`, `classes`, `binary`, `multilabel` or `regression`. */
export type FieldKind = Field['kind'];
/** The `kind` tag of a target field: `classes`, `binary`, `multilabel` or `regression`. */
export type TargetKind = TargetField['kind'];

/** The kinds of input fields, `float` and `tokens`. */
export const INPUT_KINDS: readonly FieldKind[] = ['float', 'tokens'];
/** The kinds of target fields, `classes`, `binary`, `multilabel` and `regression`; {@link isTarget} tests against this list. */
export const TARGET_KINDS: readonly TargetKind[] = ['classes', 'binary', 'multilabel', 'regression'];

/** Named fields of equal length. */
export interface FieldDataset {
  /** Number of samples. */
  readonly length: number;
  readonly fields: Readonly<Record<string, Field>>;
}

/** A field without its arrays: what models and metrics need to know about it. */
export type FieldInfo =
  | { readonly kind: 'float'; readonly shape: readonly number[]; readonly masked: false }
  | { readonly kind: 'tokens'; readonly maxLength: number; readonly vocabSize: number; readonly masked: false }
  | { readonly kind: 'classes'; readonly numClasses: number; readonly classNames?: readonly string[]; readonly masked: boolean }
  | { readonly kind: 'binary'; readonly masked: boolean }
  | { readonly kind: 'multilabel'; readonly width: number; readonly labelNames?: readonly string[]; readonly masked: boolean }
  | { readonly kind: 'regression'; readonly width: number; readonly masked: boolean };

/** Whether a field is a target (has labels) rather than an input. */
export function isTarget(field: Field | FieldInfo): field is TargetField & FieldInfo {
  return (TARGET_KINDS as readonly string[]).includes(field.kind);
}

/** Values per sample of a target (classes: one-hot width), or undefined for an input. */
export function targetWidth(field: Field | FieldInfo): number | undefined {
  switch (field.kind) {
    case 'classes':
      return field.numClasses;
    case 'binary':
      return 1;
    case 'multilabel':
    case 'regression':
      return field.width;
    default:
      return undefined;
  }
}

/** Shape of one sample of an input field (tokens: [maxLength]), or undefined for a target. */
export function fieldSampleShape(field: Field | FieldInfo): readonly number[] | undefined {
  if (field.kind === 'float') return field.shape;
  if (field.kind === 'tokens') return [field.maxLength];
  return undefined;
}

/** The description of one field. */
export function fieldInfo(field: Field): FieldInfo {
  switch (field.kind) {
    case 'float':
      return { kind: 'float', shape: [...field.shape], masked: false };
    case 'tokens':
      return { kind: 'tokens', maxLength: field.maxLength, vocabSize: field.vocabSize, masked: false };
    case 'classes':
      return { kind: 'classes', numClasses: field.numClasses, ...(field.classNames === undefined ? {} : { classNames: field.classNames }), masked: field.mask !== undefined };
    case 'binary':
      return { kind: 'binary', masked: field.mask !== undefined };
    case 'multilabel':
      return { kind: 'multilabel', width: field.width, ...(field.labelNames === undefined ? {} : { labelNames: field.labelNames }), masked: field.mask !== undefined };
    case 'regression':
      return { kind: 'regression', width: field.width, masked: field.mask !== undefined };
  }
}

/** The description of every field, by name. */
export function describeFields(ds: FieldDataset): Record<string, FieldInfo> {
  const out: Record<string, FieldInfo> = {};
  for (const [name, field] of Object.entries(ds.fields)) out[name] = fieldInfo(field);
  return out;
}

/** Number of samples a field holds, from its arrays. */
function fieldLength(field: Field): number {
  switch (field.kind) {
    case 'float':
      return field.values.length / sampleSize(field.shape);
    case 'tokens':
      return field.lengths.length;
    case 'classes':
      return field.labels.length;
    case 'binary':
      return field.values.length;
    case 'multilabel':
    case 'regression':
      return field.values.length / field.width;
  }
}

/** Whether sample i of a target is labelled. */
export function isLabelled(field: TargetField, i: number): boolean {
  return field.mask === undefined || field.mask[i] === 1;
}

/** Number of labelled samples of a target. */
export function labelledCount(field: TargetField, length: number): number {
  if (field.mask === undefined) return length;
  let n = 0;
  for (let i = 0; i < length; i++) n += field.mask[i];
  return n;
}

function checkPositiveShape(shape: readonly number[], where: string): void {
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new DataMalformedError(`${where}: sample shape [${shape.join(', ')}] must be one or more positive integers`);
  }
}

/** Checks one field's own consistency (length checked by the caller). */
function checkField(name: string, field: Field, n: number, source: string): void {
  const where = `${source}: field '${name}'`;
  const labelled = (i: number): boolean => !isTarget(field) || isLabelled(field as TargetField, i);
  if (isTarget(field)) {
    const mask = (field as TargetField).mask;
    if (mask !== undefined) {
      if (mask.length !== n) throw new DataMalformedError(`${where}: the mask has ${mask.length} entries for ${n} samples`, 'give one mask entry (1 labelled, 0 missing) per sample');
      const bad = mask.findIndex((m) => m !== 0 && m !== 1);
      if (bad >= 0) throw new DataMalformedError(`${where}: mask entry ${bad} is ${mask[bad]}, not 0 or 1`);
    }
  }
  switch (field.kind) {
    case 'float': {
      checkPositiveShape(field.shape, where);
      const size = sampleSize(field.shape);
      const bad = field.values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new DataMalformedError(`${where}: value ${bad % size} of sample ${Math.floor(bad / size)} is ${field.values[bad]}`, 'remove or impute missing values before loading');
      }
      return;
    }
    case 'tokens': {
      if (!Number.isInteger(field.maxLength) || field.maxLength <= 0) throw new DataMalformedError(`${where}: maxLength must be a positive integer, got ${field.maxLength}`);
      if (!Number.isInteger(field.vocabSize) || field.vocabSize < 2) throw new DataMalformedError(`${where}: vocabSize must be an integer of at least 2 (id 0 is padding), got ${field.vocabSize}`);
      if (field.ids.length !== n * field.maxLength) throw new DataMalformedError(`${where}: ${field.ids.length} token ids do not make ${n} samples of ${field.maxLength} tokens`);
      for (let i = 0; i < n; i++) {
        const len = field.lengths[i];
        if (!(len >= 0 && len <= field.maxLength)) throw new DataMalformedError(`${where}: sample ${i} has length ${len}, outside [0, ${field.maxLength}]`);
        for (let t = 0; t < field.maxLength; t++) {
          const id = field.ids[i * field.maxLength + t];
          if (t >= len && id !== 0) throw new DataMalformedError(`${where}: sample ${i} has token id ${id} at position ${t}, after its length ${len}`, 'pad every sequence with id 0 after its last token');
          if (id < 0 || id >= field.vocabSize) throw new DataMalformedError(`${where}: token id ${id} of sample ${i} is outside [0, ${field.vocabSize})`, 'set vocabSize above the largest id');
        }
      }
      return;
    }
    case 'classes': {
      if (!Number.isInteger(field.numClasses) || field.numClasses < 2) throw new DataMalformedError(`${where}: a classes target needs at least 2 classes, found ${field.numClasses}`);
      if (field.classNames !== undefined && field.classNames.length !== field.numClasses) {
        throw new DataMalformedError(`${where}: ${field.classNames.length} class names for ${field.numClasses} classes`);
      }
      for (let i = 0; i < n; i++) {
        const y = field.labels[i];
        if (labelled(i) && !(y >= 0 && y < field.numClasses)) throw new DataMalformedError(`${where}: label ${y} of sample ${i} is outside [0, ${field.numClasses})`);
      }
      return;
    }
    case 'binary':
    case 'multilabel': {
      const width = field.kind === 'binary' ? 1 : field.width;
      if (field.kind === 'multilabel' && field.labelNames !== undefined && field.labelNames.length !== width) {
        throw new DataMalformedError(`${where}: ${field.labelNames.length} label names for ${width} labels`);
      }
      for (let k = 0; k < field.values.length; k++) {
        const v = field.values[k];
        if (labelled(Math.floor(k / width)) && v !== 0 && v !== 1) {
          throw new DataMalformedError(`${where}: value ${v} of sample ${Math.floor(k / width)} is not 0 or 1`, `${field.kind} targets hold 0/1 labels; mask missing ones`);
        }
      }
      return;
    }
    case 'regression': {
      for (let k = 0; k < field.values.length; k++) {
        if (labelled(Math.floor(k / field.width)) && !Number.isFinite(field.values[k])) {
          throw new DataMalformedError(`${where}: value ${field.values[k]} of sample ${Math.floor(k / field.width)} is not finite`, 'mask missing targets instead of writing NaN');
        }
      }
      return;
    }
  }
}

/** Builds a dataset of named fields and checks that they agree; `source` names it in messages. */
export function makeFieldDataset(fields: Readonly<Record<string, Field>>, source: string): FieldDataset {
  const names = Object.keys(fields);
  if (names.length === 0) throw new DataMalformedError(`${source}: a dataset needs at least one field`);
  let length: number | undefined;
  let first = '';
  for (const name of names) {
    if (name.trim() === '') throw new DataMalformedError(`${source}: a field has an empty name`);
    const field = fields[name];
    if (field.kind === 'multilabel' || field.kind === 'regression') {
      if (!Number.isInteger(field.width) || field.width <= 0) throw new DataMalformedError(`${source}: field '${name}': width must be a positive integer, got ${field.width}`);
    }
    if (field.kind === 'float') checkPositiveShape(field.shape, `${source}: field '${name}'`);
    const n = fieldLength(field);
    if (!Number.isInteger(n)) throw new DataMalformedError(`${source}: field '${name}' has a number of values that is not a whole number of samples`);
    if (length === undefined) {
      length = n;
      first = name;
    } else if (n !== length) {
      throw new DataMalformedError(`${source}: field '${name}' has ${n} samples but field '${first}' has ${length}`, 'every field needs one entry per sample');
    }
    checkField(name, field, n, source);
  }
  return { length: length ?? 0, fields };
}

/** The classification dataset as fields: its features as float input `input` and its labels as class target `target` (no copy). */
export function toFields(ds: Dataset, names: { input?: string; target?: string } = {}): FieldDataset {
  const input = names.input ?? 'x';
  const target = names.target ?? 'y';
  if (input === target) throw new DataMalformedError(`the input and the target cannot both be named '${input}'`);
  const classes: ClassesField = { kind: 'classes', labels: ds.labels, numClasses: ds.numClasses, ...(ds.classNames === undefined ? {} : { classNames: ds.classNames }) };
  return { length: ds.labels.length, fields: { [input]: { kind: 'float', values: ds.features, shape: ds.sampleShape }, [target]: classes } };
}

/** The rows `indices` of a typed array with `width` values per row, in a new array of the same type. */
export function gatherRows<T extends Float32Array | Int32Array | Uint8Array>(values: T, width: number, indices: ArrayLike<number>): T {
  return gatherRowsInto(values, width, indices, new (values.constructor as new (length: number) => T)(indices.length * width));
}

/** The rows `indices` of a typed array with `width` values per row, written into `out` (`indices.length * width` long), which is returned. */
export function gatherRowsInto<T extends Float32Array | Int32Array | Uint8Array>(values: T, width: number, indices: ArrayLike<number>, out: T): T {
  if (out.length !== indices.length * width) throw new RangeError(`gatherRowsInto: ${indices.length} rows of ${width} need ${indices.length * width} values, the output has ${out.length}`);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    if (width === 1) out[i] = values[j];
    else out.set(values.subarray(j * width, (j + 1) * width), i * width);
  }
  return out;
}

/** One field restricted to the samples at `indices`, in that order. */
export function selectFieldRows(field: Field, indices: ArrayLike<number>): Field {
  const mask = isTarget(field) && (field as TargetField).mask !== undefined ? { mask: gatherRows((field as TargetField).mask as Uint8Array, 1, indices) } : {};
  switch (field.kind) {
    case 'float':
      return { ...field, values: gatherRows(field.values, sampleSize(field.shape), indices) };
    case 'tokens':
      return { ...field, ids: gatherRows(field.ids, field.maxLength, indices), lengths: gatherRows(field.lengths, 1, indices) };
    case 'classes':
      return { ...field, labels: gatherRows(field.labels, 1, indices), ...mask };
    case 'binary':
      return { ...field, values: gatherRows(field.values, 1, indices), ...mask };
    case 'multilabel':
    case 'regression':
      return { ...field, values: gatherRows(field.values, field.width, indices), ...mask };
  }
}

/** The samples at `indices`, in that order, with every field. */
export function selectRows(ds: FieldDataset, indices: ArrayLike<number>): FieldDataset {
  const fields: Record<string, Field> = {};
  for (const [name, field] of Object.entries(ds.fields)) fields[name] = selectFieldRows(field, indices);
  return { length: indices.length, fields };
}

/**
 * Groups for stratifying on a target: class ids (classes), 0/1 (binary), with unlabelled samples
 * in a group of their own (the last). Multi-label and regression targets cannot be stratified on.
 */
export function strata(ds: FieldDataset, target: string): { groups: Int32Array; count: number } {
  const field = ds.fields[target];
  if (field === undefined) throw new DataMalformedError(`cannot stratify on '${target}': the data has no such field (fields: ${Object.keys(ds.fields).join(', ')})`);
  if (field.kind !== 'classes' && field.kind !== 'binary') {
    throw new DataMalformedError(`cannot stratify on '${target}': it is a ${field.kind} field`, 'stratify on a classes or binary target');
  }
  const classes = field.kind === 'classes' ? field.numClasses : 2;
  const groups = new Int32Array(ds.length);
  for (let i = 0; i < ds.length; i++) {
    if (!isLabelled(field, i)) groups[i] = classes;
    else groups[i] = field.kind === 'classes' ? field.labels[i] : field.values[i];
  }
  return { groups, count: field.mask === undefined ? classes : classes + 1 };
}
