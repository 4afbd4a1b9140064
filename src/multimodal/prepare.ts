/**
 * Preparing multimodal data for training: each configured modality's preprocessor is fitted on
 * the training split only (its statistics never see the test set) and turns every split into
 * engine fields; each modality also gets its presence field, and the labels become the `label`
 * target (unlabeled samples, label -1, are masked). The fitted preprocessors and their JSON
 * states are what a saved model needs to preprocess new samples the same way.
 */
import { ConfigError, DataMalformedError } from '../errors.js';
import { makeFieldDataset, type Field, type FieldDataset } from '../data/fields.js';
import { findEncoder, getEncoder } from './encoders/registry.js';
import type { MultimodalConfig } from './config.js';
import type { EncoderSpec } from './config.js';
import { LABEL_FIELD, isPresent, presenceField, type ModalityKind, type MultimodalDataset } from './modality.js';
import type { FittedPreprocessor, ModalityInfo } from './preprocessor.js';
import { defaultPreprocessor, getPreprocessor } from './preprocessors/registry.js';

/** Each modality kind's default encoder spec (the name must be registered when it is used). */
export const DEFAULT_ENCODERS: Readonly<Record<ModalityKind, { type: string }>> = {
  image: { type: 'mlp' },
  text: { type: 'embedding-pool' },
  tabular: { type: 'tabular' },
  signal: { type: 'signal-conv' },
};

/** One modality as the model builders take it. */
export interface PreparedModality {
  readonly name: string;
  readonly kind: ModalityKind;
  readonly info: ModalityInfo;
  readonly encoder: { readonly type: string; readonly options: unknown };
  readonly preprocessor: { readonly name: string; readonly state: unknown };
  readonly fitted: FittedPreprocessor;
}

/**
 * What {@link prepareMultimodal} returns: each modality's fitted preprocessing and encoder spec,
 * the training and test splits as engine fields (with the presence fields and the `label` target),
 * and the classes.
 */
export interface PreparedData {
  readonly modalities: readonly PreparedModality[];
  readonly train: FieldDataset;
  readonly test: FieldDataset;
  readonly numClasses: number;
  readonly classNames?: readonly string[];
}

/** The encoder of a modality: the configured spec, or its kind's default, parsed by the encoder's own schema. */
function encoderOf(name: string, kind: ModalityKind, spec: EncoderSpec | undefined): { type: string; options: unknown } {
  const type = spec?.type ?? DEFAULT_ENCODERS[kind].type;
  const entry = findEncoder(type);
  if (entry === undefined) {
    throw new ConfigError(`modalities.${name}.encoder`, `no encoder '${type}' for ${kind} modality '${name}'`, 'give the modality an encoder of its kind (see `jointly info`)');
  }
  if (!entry.kinds.includes(kind)) {
    throw new ConfigError(`modalities.${name}.encoder.type`, `encoder '${type}' reads ${entry.kinds.join(' or ')} data, and modality '${name}' is ${kind}`, `use an encoder for ${kind} data (see \`jointly info\`)`);
  }
  return { type, options: getEncoder(type).options.parse(spec?.options ?? {}) };
}

/** Turns one split into fields with the fitted preprocessors (`names` in config order). */
function toFields(ds: MultimodalDataset, prepared: readonly PreparedModality[], source: string): FieldDataset {
  const fields: Record<string, Field> = {};
  for (const m of prepared) {
    const data = ds.modalities[m.name];
    if (data === undefined) {
      throw new ConfigError(`modalities.${m.name}`, `${source} has no modality '${m.name}' (it has ${Object.keys(ds.modalities).join(', ')})`, 'give every split the same modalities');
    }
    const present = ds.present?.[m.name];
    Object.assign(fields, m.fitted.transform(data, m.name, present));
    const p = new Float32Array(ds.length);
    for (let i = 0; i < ds.length; i++) p[i] = present === undefined ? 1 : present[i];
    fields[presenceField(m.name)] = { kind: 'float', values: p, shape: [1] };
  }
  const unlabeled = ds.labels.some((y) => y < 0);
  const labels = Int32Array.from(ds.labels, (y) => Math.max(y, 0));
  fields[LABEL_FIELD] = {
    kind: 'classes',
    labels,
    numClasses: ds.numClasses,
    ...(ds.classNames === undefined ? {} : { classNames: ds.classNames }),
    ...(unlabeled ? { mask: Uint8Array.from(ds.labels, (y) => (y < 0 ? 0 : 1)) } : {}),
  };
  return makeFieldDataset(fields, source);
}

/** Which modalities a run uses: the configured ones (checked against the data), or all of the data's. */
export function selectedModalities(config: Pick<MultimodalConfig, 'modalities'>, train: MultimodalDataset): string[] {
  const available = Object.keys(train.modalities);
  if (config.modalities === undefined) return available;
  const names = Object.keys(config.modalities);
  for (const name of names) {
    if (!available.includes(name)) {
      throw new ConfigError(`modalities.${name}`, `modality '${name}' is named in the config but the data has no such modality (it has ${available.join(', ')})`, `use the data's modality names: ${available.join(', ')}`);
    }
  }
  return names;
}

/** Refuses a sample that has none of the run's modalities (it could only be predicted from nothing), and a test split whose classes differ from training's. */
function checkSplit(ds: MultimodalDataset, names: readonly string[], train: MultimodalDataset, source: string): void {
  for (let i = 0; i < ds.length; i++) {
    if (!names.some((n) => isPresent(ds, n, i))) {
      throw new DataMalformedError(`${source}: sample ${i} has none of the run's modalities (${names.join(', ')})`, 'drop the samples that have none of them, or add one of their modalities to config.modalities');
    }
  }
  if (ds.numClasses !== train.numClasses || JSON.stringify(ds.classNames ?? null) !== JSON.stringify(train.classNames ?? null)) {
    throw new DataMalformedError(`${source} has ${ds.numClasses} classes${ds.classNames === undefined ? '' : ` (${ds.classNames.join(', ')})`}, the training split ${train.numClasses}${train.classNames === undefined ? '' : ` (${train.classNames.join(', ')})`}`, 'give both splits the same classes in the same order');
  }
}

/** Fits every modality's preprocessor on `train` and prepares both splits. */
export function prepareMultimodal(config: Pick<MultimodalConfig, 'modalities'>, train: MultimodalDataset, test: MultimodalDataset): PreparedData {
  const names = selectedModalities(config, train);
  checkSplit(train, names, train, 'the training split');
  checkSplit(test, names, train, 'the test split');
  const prepared: PreparedModality[] = names.map((name) => {
    const data = train.modalities[name];
    const spec = config.modalities?.[name];
    const entry = spec?.preprocess === undefined ? defaultPreprocessor(data.kind) : getPreprocessor(spec.preprocess.name);
    if (entry === undefined) throw new ConfigError(`modalities.${name}.preprocess`, `no preprocessor is registered for ${data.kind} data (modality '${name}')`);
    if (entry.kind !== data.kind) {
      throw new ConfigError(`modalities.${name}.preprocess.name`, `preprocessor '${entry.name}' is for ${entry.kind} data, and modality '${name}' is ${data.kind}`, `use a ${data.kind} preprocessor`);
    }
    const options = entry.options.parse(spec?.preprocess?.options ?? {});
    const fitted = entry.fit(data, name, options, train.present?.[name]);
    return { name, kind: data.kind, info: fitted.info, encoder: encoderOf(name, data.kind, spec?.encoder), preprocessor: { name: entry.name, state: fitted.state() }, fitted };
  });
  return {
    modalities: prepared,
    train: toFields(train, prepared, 'the training split'),
    test: toFields(test, prepared, 'the test split'),
    numClasses: train.numClasses,
    ...(train.classNames === undefined ? {} : { classNames: train.classNames }),
  };
}
