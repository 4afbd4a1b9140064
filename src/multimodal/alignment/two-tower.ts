/**
 * The two-tower model of an alignment run (CLIP's architecture, Radford et al. 2021, Figure 3):
 * for each of two modalities, its registered encoder followed by a linear projection (no bias,
 * as CLIP's W_i and W_t) into a shared space of width `dim`; built as ONE tfjs model whose inputs
 * are tower a's fields then tower b's and whose two outputs are the heads `a` and `b` (output
 * kind `value`: embeddings, not logits). Each tower is also a model of its own (sharing the
 * layers), whose outputs are the encoder's vector and the projection, for embedding one modality
 * alone (prompts, probe features).
 *
 * Seeds follow the fused-model builder's rule: the encoder of modality m draws its weights from
 * `deriveSeed(seed, 'encoder/' + m)`, so an aligned encoder starts from the same weights as that
 * modality's encoder in a fused or single-modality model of the same seed; the projection of m
 * from `deriveSeed(seed, 'projection/' + m)`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import { LayerContext, lastWidth } from '../../engine/model-spec.js';
import { deriveSeed } from '../../engine/random.js';
import type { NamedModel } from '../../engine/member.js';
import { getEncoder } from '../encoders/registry.js';
import type { ModalityInfo } from '../preprocessor.js';

/** The two towers, by their head names. */
export const TOWERS = ['a', 'b'] as const;
export type TowerName = (typeof TOWERS)[number];

/** One modality of an alignment run, as `prepareMultimodal` describes it. */
export interface AlignmentTower {
  /** The modality's name (its main field's name). */
  readonly name: string;
  /** Its fitted preprocessing: field names, shapes, vocabularies. */
  readonly info: ModalityInfo;
  /** Its encoder: a registered `type` and that encoder's options (parsed by its schema here; default {}). */
  readonly encoder: { readonly type: string; readonly options?: unknown };
}

export interface TwoTowerOptions {
  /** Width of the shared space. */
  readonly dim: number;
  /** Seed of every weight. */
  readonly seed: number;
  /** Initial weights of the projections (and of encoders that have no `init` of their own). */
  readonly init: 'glorot' | 'torch';
  /** Prefix of the layer names. Default `align`. */
  readonly name?: string;
}

/** One tower alone: its inputs (field names) and a model whose outputs are [encoder vector, projection]. */
export interface TowerModel {
  readonly modality: string;
  readonly fields: readonly string[];
  readonly model: tfl.LayersModel;
  /** Width of the encoder's vector. */
  readonly width: number;
}

export interface TwoTowerModel extends NamedModel {
  readonly towers: Readonly<Record<TowerName, TowerModel>>;
}

function parseEncoderOptions(tower: AlignmentTower, key: TowerName): { type: string; options: unknown } {
  const entry = getEncoder(tower.encoder.type);
  if (!entry.kinds.includes(tower.info.kind)) {
    throw new ConfigError(`towers.${key}.encoder.type`, `encoder '${entry.name}' reads ${entry.kinds.join(' or ')} data, and modality '${tower.name}' is ${tower.info.kind}`, `use an encoder for ${tower.info.kind} data (see \`jointly info\`)`);
  }
  const parsed = entry.options.safeParse(tower.encoder.options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const message = issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')} for encoder '${entry.name}'; its options are ${entry.optionNames.join(', ') || 'none'}` : issue.message;
    throw new ConfigError(['towers', key, 'encoder', ...issue.path.map(String)].join('.'), message, 'fix the encoder\'s options');
  }
  return { type: entry.name, options: parsed.data };
}

/**
 * Builds the two-tower model. Throws a ConfigError or ShapeMismatchError naming the tower when an
 * encoder does not fit its modality; the weights of layers already made are then freed.
 */
export function buildTwoTowerModel(towers: Readonly<Record<TowerName, AlignmentTower>>, opts: TwoTowerOptions): TwoTowerModel {
  const existing = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    return build(towers, opts);
  } catch (err) {
    for (const [name, v] of Object.entries(tf.engine().registeredVariables)) if (!existing.has(name)) v.dispose();
    throw err;
  }
}

function build(towers: Readonly<Record<TowerName, AlignmentTower>>, opts: TwoTowerOptions): TwoTowerModel {
  const prefix = opts.name ?? 'align';
  if (!Number.isInteger(opts.dim) || opts.dim <= 0) throw new ConfigError('dim', `the shared width must be a positive integer, got ${opts.dim}`);
  if (towers.a.name === towers.b.name) {
    throw new ConfigError('towers', `both towers read modality '${towers.a.name}'`, 'align two different modalities (for two views of one kind, give each view its own modality)');
  }
  const shared = towers.a.info.fields.find((f) => towers.b.info.fields.includes(f));
  if (shared !== undefined) throw new ConfigError('towers', `field '${shared}' belongs to both towers' modalities`, 'give each modality its own fields');
  const allInputs: tfl.SymbolicTensor[] = [];
  const outputs: tfl.SymbolicTensor[] = [];
  const built = {} as Record<TowerName, TowerModel>;
  for (const key of TOWERS) {
    const tower = towers[key];
    const { type, options } = parseEncoderOptions(tower, key);
    const inputs: Record<string, tfl.SymbolicTensor> = {};
    for (const field of tower.info.fields) {
      const shape = tower.info.shapes[field];
      if (shape === undefined) throw new ShapeMismatchError(`modality '${tower.name}' lists field '${field}' but gives no shape for it`, 'fit the modality\'s preprocessor again');
      const dtype = tower.info.vocabSizes?.[field] !== undefined ? 'int32' : 'float32';
      inputs[field] = tfl.input({ shape: [...shape], dtype, name: `${prefix}/input/${field}` });
    }
    const encoded = getEncoder(type).build(options, {
      modality: tower.name,
      info: tower.info,
      inputs,
      seed: deriveSeed(opts.seed, `encoder/${tower.name}`),
      prefix: `${prefix}/${tower.name}`,
      init: opts.init,
    });
    const vector = encoded.vector;
    if (vector.shape.length !== 2) {
      throw new ShapeMismatchError(`the '${type}' encoder of modality '${tower.name}' returned a vector of shape [${vector.shape.join(', ')}], not [batch, width]`, 'use an encoder whose vector is one embedding per sample');
    }
    const ctx = new LayerContext(deriveSeed(opts.seed, `projection/${tower.name}`), `${prefix}/${tower.name}/projection`, opts.init);
    const projection = tfl.layers.dense({ units: opts.dim, useBias: false, ...ctx.init(lastWidth(vector)), name: ctx.name('dense') }).apply(vector) as tfl.SymbolicTensor;
    const fieldInputs = tower.info.fields.map((f) => inputs[f]);
    allInputs.push(...fieldInputs);
    outputs.push(projection);
    built[key] = {
      modality: tower.name,
      fields: [...tower.info.fields],
      model: tfl.model({ inputs: fieldInputs, outputs: [vector, projection], name: `${prefix}/${tower.name}/tower` }),
      width: lastWidth(vector),
    };
  }
  const model = tfl.model({ inputs: allInputs, outputs, name: prefix });
  return {
    model,
    inputs: [...towers.a.info.fields, ...towers.b.info.fields],
    heads: [...TOWERS],
    outputs: { a: 'value', b: 'value' },
    towers: built,
  };
}
