/**
 * The `multimodal` model spec of a federated task: a model that reads one flat float vector per
 * sample (the modalities side by side, as the federated data path carries them), cuts it into
 * its modalities, encodes each with an `mlp` or `cnn` body, fuses the embeddings and classifies.
 *
 *   { "type": "multimodal",
 *     "modalities": {
 *       "image":  { "slice": [0, 256],   "shape": [16, 16, 1], "encoder": { "type": "cnn", ... } },
 *       "record": { "slice": [256, 264], "encoder": { "type": "mlp", "hidden": [16] } } },
 *     "use": ["image", "record"],
 *     "fusion": { "type": "concat", "hidden": [] } }
 *
 * `use` picks the modalities the model reads (default: all), so the same spec gives the
 * single-modality models (`"use": ["image"]`) and the fused one; a modality's encoder weights are
 * seeded by its name, so they start the same in every variant. Fusion `concat` is early fusion
 * (concatenated embeddings, optional hidden layers, one output layer; with one modality, the
 * encoder plus a head); `late` gives every modality its own output layer and averages the logits.
 *
 * Built from tfjs-layers' own layers only (a slice is a Reshape to [1, width, 1], a Cropping2D
 * and a Reshape to the modality's shape), so the model travels to clients as JSON, is rebuilt on
 * any party, and its saved form loads with plain `tf.loadLayersModel`: no custom layer needs
 * registering anywhere.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import { ACTIVATIONS, buildBody, CnnSpecSchema, lastWidth, LayerContext, MlpSpecSchema, type BuildModelOptions } from '../../engine/model-spec.js';
import { deriveSeed } from '../../engine/random.js';
import { SeededDropout } from '../../engine/layers/seeded-dropout.js';

/** A modality's encoder: the body of an `mlp` or `cnn` model spec (its last hidden layer is the embedding). */
export const ModalityEncoderSpecSchema = z.discriminatedUnion('type', [MlpSpecSchema.omit({ name: true }), CnnSpecSchema.omit({ name: true })]);

const index = z.number().int('must be an integer').min(0, 'must be ≥ 0');

export const ModalitySliceSpecSchema = z
  .object({
    /** [start, end): the positions of the sample's flat vector this modality reads (0-based, end exclusive). */
    slice: z.tuple([index, index]).refine(([a, b]) => b > a, 'end must be greater than start'),
    /** Shape of the modality's values, e.g. [16, 16, 1] for a cnn. Default [end − start]. */
    shape: z.array(z.number().int().positive()).min(1).optional(),
    encoder: ModalityEncoderSpecSchema,
  })
  .strict();

export const FusionSpecSchema = z
  .object({
    /** `concat` (early fusion: concatenated embeddings → hidden → logits) or `late` (per-modality logits, averaged). Default `concat`. */
    type: z.enum(['concat', 'late']).default('concat'),
    /** Hidden dense layers after the concatenation (`concat` only). Default none. */
    hidden: z.array(z.number().int().positive()).default([]),
    /** Activation of the hidden layers. Default `relu`. */
    activation: z.enum(ACTIVATIONS).default('relu'),
    /** Dropout after each hidden layer, in [0, 0.95]. Default 0. */
    dropout: z.number().min(0).max(0.95).default(0),
  })
  .strict();

const modalityName = z.string().regex(/^[A-Za-z][\w-]*$/, 'use letters, digits, dash and underscore, starting with a letter');

/**
 * Validates the `multimodal` model spec of a federated task: the modalities as slices of the flat
 * sample vector with their `mlp` or `cnn` encoders, `use`, the fusion and `init`. It refuses `use`
 * entries that are not modalities or that repeat.
 */
export const MultimodalTaskModelSpecSchema = z
  .object({
    type: z.literal('multimodal'),
    /** Display name; layer names are prefixed with it. */
    name: z.string().min(1).optional(),
    /** The modalities of a sample, by name: where each sits in the flat vector and how it is encoded. */
    modalities: z.record(modalityName, ModalitySliceSpecSchema).refine((m) => Object.keys(m).length > 0, 'name at least one modality'),
    /** The modalities this model reads, in fusion order. Default: all, in the order of `modalities`. */
    use: z.array(modalityName).min(1).optional(),
    fusion: FusionSpecSchema.prefault({}),
    /** Initial weights of the fusion's layers and the output layer: `glorot` or `torch`. Default `glorot`. */
    init: z.enum(['glorot', 'torch']).default('glorot'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const names = spec.use ?? [];
    names.forEach((n, i) => {
      if (!(n in spec.modalities)) ctx.addIssue({ code: 'custom', path: ['use', i], message: `'${n}' is not one of the modalities (${Object.keys(spec.modalities).join(', ')})` });
    });
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['use'], message: 'lists a modality twice' });
  });

export type MultimodalTaskModelSpec = z.infer<typeof MultimodalTaskModelSpecSchema>;
export type MultimodalTaskModelSpecInput = z.input<typeof MultimodalTaskModelSpecSchema>;

/** The modalities a spec's model reads, in order. */
export function usedModalities(spec: MultimodalTaskModelSpec): string[] {
  return spec.use ?? Object.keys(spec.modalities);
}

/** The spec restricted to some of its modalities (`use`), e.g. the image-only variant. */
export function withModalities(spec: MultimodalTaskModelSpecInput, use: readonly string[]): MultimodalTaskModelSpecInput {
  return { ...spec, use: [...use] };
}

/**
 * Builds the model of a `multimodal` spec over flat samples of `opts.inputShape` ([width]).
 * Throws a ShapeMismatchError when the samples are not flat, a slice runs past their end, or a
 * modality's shape does not hold its slice; a ConfigError for a cnn on a shape it cannot read.
 */
export function buildMultimodalTaskModel(specInput: MultimodalTaskModelSpecInput, opts: BuildModelOptions): tfl.LayersModel {
  const spec = MultimodalTaskModelSpecSchema.parse(specInput);
  if (opts.inputShape.length !== 1) {
    throw new ShapeMismatchError(
      `a multimodal federated model reads flat samples (one vector with the modalities side by side), but the data has samples of shape [${opts.inputShape.join(', ')}]`,
      'flatten each sample into one vector and give every modality its slice of it',
    );
  }
  const width = opts.inputShape[0];
  const prefix = opts.name ?? spec.name ?? 'multimodal';
  const input = tfl.input({ shape: [width], name: `${prefix}/input` });
  const row = tfl.layers.reshape({ targetShape: [1, width, 1], name: `${prefix}/row` }).apply(input) as tfl.SymbolicTensor;
  const names = usedModalities(spec);
  const vectors = names.map((name) => {
    const m = spec.modalities[name];
    const [start, end] = m.slice;
    if (end > width) {
      throw new ShapeMismatchError(`modality '${name}' reads positions [${start}, ${end}) but the samples have ${width} values`, `give '${name}' a slice within [0, ${width}]`);
    }
    const shape = m.shape ?? [end - start];
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== end - start) {
      throw new ShapeMismatchError(`modality '${name}' has shape [${shape.join(', ')}] (${size} values) but its slice [${start}, ${end}) holds ${end - start}`, `make the shape's product equal to end − start`);
    }
    const cut = tfl.layers.cropping2D({ cropping: [[0, 0], [start, width - end]], name: `${prefix}/${name}/slice` }).apply(row) as tfl.SymbolicTensor;
    const x = tfl.layers.reshape({ targetShape: shape, name: `${prefix}/${name}/shape` }).apply(cut) as tfl.SymbolicTensor;
    const ctx = new LayerContext(deriveSeed(opts.seed, `modality/${name}`), `${prefix}/${name}`, m.encoder.init);
    try {
      return buildBody(m.encoder, x, ctx);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const message = err.path === '' ? err.message : err.message.slice(err.path.length + 2);
      throw new ConfigError(`model.modalities.${name}.encoder${err.path === '' ? '' : `.${err.path}`}`, message, err.hint);
    }
  });
  const head = new LayerContext(deriveSeed(opts.seed, 'fusion'), `${prefix}/fusion`, spec.init);
  const logits = (h: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor =>
    tfl.layers.dense({ units: opts.numClasses, ...head.init(lastWidth(h)), name: head.name(name) }).apply(h) as tfl.SymbolicTensor;
  let out: tfl.SymbolicTensor;
  if (spec.fusion.type === 'late') {
    const each = vectors.map((v, i) => logits(v, `logits-${names[i]}`));
    out = each.length === 1 ? each[0] : (tfl.layers.average({ name: head.name('average') }).apply(each) as tfl.SymbolicTensor);
  } else {
    let h = vectors.length === 1 ? vectors[0] : (tfl.layers.concatenate({ name: head.name('concat') }).apply(vectors) as tfl.SymbolicTensor);
    for (const units of spec.fusion.hidden) {
      h = tfl.layers.dense({ units, activation: spec.fusion.activation, ...head.init(lastWidth(h)), name: head.name('dense') }).apply(h) as tfl.SymbolicTensor;
      if (spec.fusion.dropout > 0) h = new SeededDropout({ rate: spec.fusion.dropout, seed: head.nextSeed(), name: head.name('dropout') }).apply(h) as tfl.SymbolicTensor;
    }
    out = logits(h, 'logits');
  }
  return tfl.model({ inputs: input, outputs: out, name: prefix });
}
