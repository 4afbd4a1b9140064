/**
 * The builders of a multimodal run's models: the fused model (every modality's encoder, the
 * missing-modality handling, a registered fusion, one head `label` of logits) and the
 * single-modality model of each modality (its encoder and a dense head), so that joint and alone
 * can be compared from the same start.
 *
 * Seeding rule: modality m's encoder draws its weights from `deriveSeed(seed, 'encoder/' + m)` and
 * its layers are named `encoder/<m>/...` in both builders, whatever the fusion or the model's name,
 * so a single-modality model starts with exactly the encoder weights that modality has in every
 * fused model of the same seed (and saved encoder weights match by name across them). The fusion
 * draws from `deriveSeed(seed, 'fusion')` (layers `fusion/<name>/...`), the single-modality head
 * from `deriveSeed(seed, 'alone-head/' + m)` (layers `alone-head/<m>/...`), a missing embedding
 * from `deriveSeed(seed, 'missing/' + m)` (layer `missing/<m>`).
 *
 * Inputs of the fused model: every field of each modality (in plan order, each modality's fields
 * in its `info.fields` order; int32 for token fields, float32 otherwise), then the presence field
 * `presenceField(m)` (float [1]) of each modality. Fusions that read sequences (cross-attention)
 * take a modality whose encoder gives only a vector as a length-1 sequence of that vector, so no
 * encoder is refused for lacking a sequence.
 *
 * Every input stays connected to the output (presence-layers.ts's KeepInputs), so a saved model
 * takes the same inputs when it is loaded again, even if its fusion never reads the presences.
 *
 * Everything that can be checked before weights exist is checked first (names, kinds, counts,
 * options); if building fails later (an encoder refusing its fields, unequal widths for a fusion
 * that needs equal ones, a fusion refusing its options), the weights made so far are freed before
 * the error is thrown.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, ShapeMismatchError } from '../errors.js';
import { nameModel, type NamedModel } from '../engine/member.js';
import { lastWidth, LayerContext } from '../engine/model-spec.js';
import type { OptionsOwner } from '../engine/named-options.js';
import { deriveSeed } from '../engine/random.js';
import type { EncodedModality, RegisteredEncoder } from './encoder.js';
import { getEncoder, listEncoders } from './encoders/registry.js';
import type { FusionInput, RegisteredFusion } from './fusion.js';
import { FUSION_NAMES, getFusion, listFusions } from './fusions/registry.js';
import { LABEL_FIELD, presenceField } from './modality.js';
import type { ModalityInfo } from './preprocessor.js';
import { KeepInputs, MissingEmbedding } from './presence-layers.js';

export type InitKind = 'glorot' | 'torch';

/** One modality of a model: its name, its fitted preprocessing, and its encoder spec. */
export interface ModalityPlan {
  readonly name: string;
  readonly info: ModalityInfo;
  /** A registered encoder `type` and its options (parsed again here by the encoder's schema; undefined means {}). */
  readonly encoder: { readonly type: string; readonly options?: unknown };
}

/**
 * What {@link buildFusedModel} builds: the modalities with their encoders, one registered fusion,
 * the number of classes, the seed, the model's name, the initial weights and the missing-modality
 * handling.
 */
export interface FusedModelPlan {
  /** The modalities, in the order the fusion gets them. */
  readonly modalities: readonly ModalityPlan[];
  /** A registered fusion and its options (parsed again here by the fusion's schema; undefined means {}). */
  readonly fusion: { readonly name: string; readonly options?: unknown };
  /** Number of classes: the logits' width. */
  readonly units: number;
  readonly seed: number;
  /** The model's name. */
  readonly name: string;
  /** Initial weights of the heads, fusions and missing embeddings (and of encoders that read the context's init). */
  readonly init: InitKind;
  /**
   * 'zeros': a missing modality's features are zeros (what the data gives) and nothing else;
   * 'embedding': a learned "missing" embedding replaces the encoder's vector where presence is 0
   * (per modality, one trainable vector of the encoder's width, starting at small seeded values).
   */
  readonly missing: 'zeros' | 'embedding';
}

/**
 * What {@link buildAloneModel} builds: one modality's encoder and a dense `label` head of `units`
 * logits, seeded so that the encoder starts with the weights it has in every fused model of the
 * same seed.
 */
export interface AloneModelPlan {
  readonly modality: ModalityPlan;
  readonly units: number;
  readonly seed: number;
  readonly name: string;
  readonly init: InitKind;
}

export const MISSING_HANDLINGS = ['zeros', 'embedding'] as const;

/** Prefix of modality m's encoder layers (the same in every model). */
export function encoderPrefix(modality: string): string {
  return `encoder/${modality}`;
}

/** Seed of modality m's encoder weights (the same in every model of a seed). */
export function encoderSeed(seed: number, modality: string): number {
  return deriveSeed(seed, `encoder/${modality}`);
}

/** What a modality name may hold (it becomes part of layer names). */
const MODALITY_NAME = /^[\w-]+$/;

/** Name of the input layer of a field (or presence field). */
function inputLayerName(field: string): string {
  return `input/${field}`;
}

interface ResolvedModality {
  readonly plan: ModalityPlan;
  readonly encoder: RegisteredEncoder;
  readonly options: unknown;
}

/** Parses a registry entry's options, as a ConfigError at `path` naming the entry's options. */
function parseOptions(owner: OptionsOwner, value: unknown, path: string, kind: string): unknown {
  const parsed = owner.options.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = [path, ...issue.path.map(String)].join('.');
  const message = issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} for ${kind} '${owner.name}'` : issue.message;
  throw new ConfigError(where, message, `${kind} '${owner.name}' takes ${owner.optionNames.length === 0 ? 'no options' : `the options ${owner.optionNames.join(', ')}`}`);
}

function checkCommon(units: number, seed: number, name: string): void {
  if (!Number.isInteger(units) || units < 1) throw new ConfigError('units', `the model needs a positive whole number of output units (classes), got ${units}`, 'give the number of classes of the data');
  if (!Number.isInteger(seed) || seed < 0) throw new ConfigError('seed', `seed must be a non-negative integer, got ${seed}`);
  if (typeof name !== 'string' || name.length === 0) throw new ConfigError('name', 'the model needs a name');
}

/** The encoder of a modality, checked against the modality's kind and fields, with its options parsed. */
function resolveModality(plan: ModalityPlan, path: string): ResolvedModality {
  const { name, info } = plan;
  if (typeof name !== 'string' || !MODALITY_NAME.test(name)) {
    throw new ConfigError(path, `modality name '${String(name)}' cannot name model layers`, 'use letters, digits, dash and underscore');
  }
  if (info.fields.length === 0) throw new ShapeMismatchError(`modality '${name}' has no fields`, 'fit the modality\'s preprocessor on data that has it');
  for (const field of info.fields) {
    const shape = info.shapes[field];
    if (shape === undefined || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ShapeMismatchError(`modality '${name}' lists field '${field}' with ${shape === undefined ? 'no shape' : `shape [${shape.join(', ')}]`}`, 'fit the modality\'s preprocessor again: every field needs a shape of positive sizes');
    }
  }
  const encoder = getEncoder(plan.encoder.type);
  if (!encoder.kinds.includes(info.kind)) {
    const fitting = listEncoders().filter((e) => e.kinds.includes(info.kind)).map((e) => e.name);
    throw new ConfigError(
      `${path}.encoder.type`,
      `the '${encoder.name}' encoder reads ${encoder.kinds.join(' or ')} data, and modality '${name}' is ${info.kind}`,
      fitting.length > 0 ? `use an encoder for ${info.kind} data: ${fitting.join(', ')}` : `no registered encoder reads ${info.kind} data`,
    );
  }
  return { plan, encoder, options: parseOptions(encoder, plan.encoder.options, `${path}.encoder`, 'encoder') };
}

/** The input layers of a modality's fields, by field name. */
function fieldInputs(info: ModalityInfo): Record<string, tfl.SymbolicTensor> {
  const inputs: Record<string, tfl.SymbolicTensor> = {};
  for (const field of info.fields) {
    const dtype = info.vocabSizes?.[field] !== undefined ? 'int32' : 'float32';
    inputs[field] = tfl.input({ shape: [...info.shapes[field]], dtype, name: inputLayerName(field) });
  }
  return inputs;
}

/** Builds a modality's encoder on its inputs (the seeding rule) and checks what it returns. */
function encode(m: ResolvedModality, inputs: Record<string, tfl.SymbolicTensor>, seed: number, init: InitKind): EncodedModality {
  const { name, info } = m.plan;
  const out = m.encoder.build(m.options, { modality: name, info, inputs, seed: encoderSeed(seed, name), prefix: encoderPrefix(name), init });
  const what = `the '${m.encoder.name}' encoder of modality '${name}'`;
  if (out.vector.shape.length !== 2) throw new ShapeMismatchError(`${what} returned a vector of shape [${out.vector.shape.join(', ')}], not [batch, width]`, 'use an encoder whose vector is one embedding per sample');
  if (out.sequence !== undefined && out.sequence.shape.length !== 3) throw new ShapeMismatchError(`${what} returned a sequence of shape [${out.sequence.shape.join(', ')}], not [batch, steps, width]`);
  if (out.sequenceMask !== undefined) {
    const steps = out.sequence?.shape[1];
    if (out.sequence === undefined || out.sequenceMask.shape.length !== 2 || out.sequenceMask.shape[1] !== steps) {
      throw new ShapeMismatchError(`${what} returned a sequence mask of shape [${out.sequenceMask.shape.join(', ')}] for a sequence of ${steps ?? 'no'} steps`);
    }
  }
  return out;
}

/**
 * Runs a build; if it throws, frees every variable it made (encoder, missing-embedding and fusion
 * weights of a model that will never exist) before rethrowing. Building is synchronous, so the
 * variables registered meanwhile are exactly this build's.
 */
function freeingOnError<T>(build: () => T): T {
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    return build();
  } catch (err) {
    for (const [name, variable] of Object.entries(tf.engine().registeredVariables)) {
      if (!before.has(name)) variable.dispose();
    }
    throw err;
  }
}

function checkUniqueInputs(names: readonly string[]): void {
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new ConfigError('modalities', `two inputs of the model are both named '${repeated}'`, 'give every modality its own name and fields');
  if (names.includes(LABEL_FIELD)) throw new ConfigError('modalities', `an input is named '${LABEL_FIELD}', the name of the model's head`, `rename the modality (the class target is '${LABEL_FIELD}')`);
}

/** The fusion's range of modalities, in words. */
function modalityRange(fusion: RegisteredFusion): string {
  if (fusion.maxModalities === fusion.minModalities) return `exactly ${fusion.minModalities}`;
  return fusion.maxModalities === undefined ? `${fusion.minModalities} or more` : `${fusion.minModalities} to ${fusion.maxModalities}`;
}

/** Checks the fusion against the number of modalities, before any weight exists. */
function checkModalityCount(fusion: RegisteredFusion, names: readonly string[]): void {
  const n = names.length;
  const tooFew = n < fusion.minModalities;
  const tooMany = fusion.maxModalities !== undefined && n > fusion.maxModalities;
  if (!tooFew && !tooMany) return;
  const others = listFusions().filter((f) => n >= f.minModalities && (f.maxModalities === undefined || n <= f.maxModalities)).map((f) => f.name);
  throw new ConfigError(
    'fusion.name',
    `the '${fusion.name}' fusion takes ${modalityRange(fusion)} modalities, and the model has ${n} (${names.join(', ') || 'none'})`,
    tooFew ? (n === 1 ? 'add a modality, or train this modality alone: fusing needs two or more' : `add modalities, or use a fusion for ${n}: ${others.join(', ')}`) : `use a fusion that takes ${n} modalities (${others.join(', ')}), or give this one ${modalityRange(fusion)}`,
  );
}

/** Checks equal widths for the fusions that need them (after the encoders are built: only they know their widths). */
function checkEqualWidths(fusion: RegisteredFusion, names: readonly string[], encoded: readonly EncodedModality[]): void {
  if (!fusion.equalWidths) return;
  const widths = encoded.map((e) => lastWidth(e.vector));
  if (widths.every((w) => w === widths[0])) return;
  const projecting = FUSION_NAMES.filter((n) => !getFusion(n).equalWidths);
  throw new ShapeMismatchError(
    `the '${fusion.name}' fusion needs embeddings of equal sizes, and the encoders give ${names.map((n, i) => `${n} ${widths[i]}`).join(', ')}`,
    `give the encoders the same width (the same last hidden size), or use a fusion that projects the embeddings: ${projecting.join(', ')}`,
  );
}

/**
 * The fused model: inputs every modality's fields then each modality's presence field; one head
 * `label` with output `logits`. Throws a ConfigError (unknown option, wrong kind, wrong number of
 * modalities, ...), an UnknownNameError (encoder or fusion) or a ShapeMismatchError (unequal
 * widths for a fusion that needs equal ones, fields an encoder cannot read), each with the fix.
 */
export function buildFusedModel(plan: FusedModelPlan): NamedModel {
  checkCommon(plan.units, plan.seed, plan.name);
  if (!(MISSING_HANDLINGS as readonly string[]).includes(plan.missing)) {
    throw new ConfigError('missing', `unknown missing-modality handling '${String(plan.missing)}'`, `use one of: ${MISSING_HANDLINGS.join(', ')}`);
  }
  const fusion = getFusion(plan.fusion.name);
  const names = plan.modalities.map((m) => m.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new ConfigError('modalities', `modality '${repeated}' is listed twice`, 'list every modality once');
  checkModalityCount(fusion, names);
  const resolved = plan.modalities.map((m) => resolveModality(m, `modalities.${m.name}`));
  const fusionOptions = parseOptions(fusion, plan.fusion.options, 'fusion', 'fusion');
  const fieldNames = plan.modalities.flatMap((m) => m.info.fields);
  const presenceNames = names.map(presenceField);
  checkUniqueInputs([...fieldNames, ...presenceNames]);

  return freeingOnError(() => {
    const inputs = resolved.map((m) => fieldInputs(m.plan.info));
    const presences = names.map((n) => tfl.input({ shape: [1], dtype: 'float32', name: inputLayerName(presenceField(n)) }));
    const encoded = resolved.map((m, i) => encode(m, inputs[i], plan.seed, plan.init));
    checkEqualWidths(fusion, names, encoded);
    const modalities: FusionInput[] = encoded.map((e, i) => {
      const name = names[i];
      const vector =
        plan.missing === 'embedding'
          ? (new MissingEmbedding({ init: 'normal', seed: deriveSeed(plan.seed, `missing/${name}`), name: `missing/${name}` }).apply([e.vector, presences[i]]) as tfl.SymbolicTensor)
          : e.vector;
      return { ...e, name, vector, presence: presences[i] };
    });
    const logits = fusion.build(fusionOptions, { modalities, units: plan.units, seed: deriveSeed(plan.seed, 'fusion'), prefix: `fusion/${fusion.name}`, init: plan.init });
    if (logits.shape.length !== 2 || logits.shape[1] !== plan.units) {
      throw new ShapeMismatchError(`the '${fusion.name}' fusion returned logits of shape [${logits.shape.join(', ')}], expected [batch, ${plan.units}]`, 'report this: a fusion must end in a dense layer of `units`');
    }
    const modelInputs = [...resolved.flatMap((m, i) => m.plan.info.fields.map((f) => inputs[i][f])), ...presences];
    // Every input stays connected to the output, even where the fusion ignores the presences.
    const output = new KeepInputs({ name: 'keep-inputs' }).apply([logits, ...modelInputs]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: modelInputs, outputs: output, name: plan.name });
    return nameModel({ name: plan.name, model, inputs: [...fieldNames, ...presenceNames], heads: [LABEL_FIELD], outputs: { [LABEL_FIELD]: 'logits' } });
  });
}

/** A single-modality model: the modality's encoder (the seeding rule) and a dense head `label` of logits; inputs are the modality's fields only. */
export function buildAloneModel(plan: AloneModelPlan): NamedModel {
  checkCommon(plan.units, plan.seed, plan.name);
  const m = resolveModality(plan.modality, `modalities.${plan.modality.name}`);
  const { name, info } = m.plan;
  checkUniqueInputs(info.fields);
  return freeingOnError(() => {
    const inputs = fieldInputs(info);
    const encoded = encode(m, inputs, plan.seed, plan.init);
    const head = new LayerContext(deriveSeed(plan.seed, `alone-head/${name}`), `alone-head/${name}`, plan.init);
    const logits = tfl.layers.dense({ units: plan.units, ...head.init(lastWidth(encoded.vector)), name: head.name('logits') }).apply(encoded.vector) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: info.fields.map((f) => inputs[f]), outputs: logits, name: plan.name });
    return nameModel({ name: plan.name, model, inputs: [...info.fields], heads: [LABEL_FIELD], outputs: { [LABEL_FIELD]: 'logits' } });
  });
}
