/**
 * `tabular`: the tabular model of fastai (Howard & Gugger 2020, `TabularModel`): each
 * categorical column through a learned embedding (tabular-layers/categorical-embeddings.ts),
 * concatenated with the standardized numeric features (and missing indicators) of the tabular
 * preprocessor, then hidden dense layers; the last hidden layer is the embedding of the record.
 *
 * Embedding width per column: `embeddingDim`, or with `auto` (default) fastai's rule
 * round(1.6·n^0.56) for a column of n ids (unknown and missing included), capped at 16 instead of
 * fastai's 600 for small CPU models. Deviations from fastai: no batch normalization of the
 * numeric inputs (the preprocessor standardizes them already) and none in the hidden layers
 * unless `batchNorm`; dropout after each hidden layer (`dropout`) and on the embeddings
 * (`embeddingDropout`) as fastai's ps and embed_p. Initial embeddings: ±0.05 uniform for the
 * `glorot` init, N(0, 1) (nn.Embedding) for `torch`.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ShapeMismatchError } from '../../errors.js';
import { ACTIVATIONS, buildBody, LayerContext } from '../../engine/model-spec.js';
import { SeededDropout } from '../../engine/layers/seeded-dropout.js';
import type { EncodedModality, EncoderContext, RegisteredEncoder } from '../encoder.js';
import { CategoricalEmbeddings } from './tabular-layers/categorical-embeddings.js';

export const TabularEncoderOptionsSchema = z
  .object({
    /** Widths of the hidden dense layers. Default [64, 32]. */
    hidden: z.array(z.number().int().positive()).default([64, 32]),
    /** Hidden-layer activation. Default `relu`. */
    activation: z.enum(ACTIVATIONS).default('relu'),
    /** Dropout after each hidden layer, in [0, 0.95]. Default 0. */
    dropout: z.number().min(0).max(0.95).default(0),
    /** Batch normalization after each hidden layer (before the activation). Default false. */
    batchNorm: z.boolean().default(false),
    /** Embedding width of every categorical column, or `auto`: min(16, round(1.6·n^0.56)) for a column of n ids. Default `auto`. */
    embeddingDim: z.union([z.literal('auto'), z.number().int().positive()]).default('auto'),
    /** Dropout on the concatenated embeddings, in [0, 0.95]. Default 0. */
    embeddingDropout: z.number().min(0).max(0.95).default(0),
  })
  .strict();
export type TabularEncoderOptions = z.infer<typeof TabularEncoderOptionsSchema>;

/** fastai's embedding-size rule, capped at 16: min(16, round(1.6·n^0.56)), at least 1. */
export function autoEmbeddingDim(categories: number): number {
  return Math.max(1, Math.min(16, Math.round(1.6 * Math.pow(categories, 0.56))));
}

/** The numeric (float) and categorical (token) fields of a tabular modality, checked against the info. */
function tabularFields(ctx: EncoderContext): { numeric?: string; categorical?: { field: string; sizes: readonly number[] } } {
  const { info, modality } = ctx;
  if (info.kind !== 'tabular') throw new ShapeMismatchError(`the tabular encoder reads tabular modalities, and '${modality}' is ${info.kind}`, `use an encoder for ${info.kind} data`);
  const tokens = info.fields.filter((f) => info.vocabSizes?.[f] !== undefined);
  const floats = info.fields.filter((f) => info.vocabSizes?.[f] === undefined);
  if (tokens.length > 1 || floats.length > 1 || tokens.length + floats.length === 0) {
    throw new ShapeMismatchError(`tabular modality '${modality}' has fields [${info.fields.join(', ')}]; the tabular encoder reads one float field and one field of categorical ids`, "preprocess the modality with the 'tabular' preprocessor");
  }
  let categorical: { field: string; sizes: readonly number[] } | undefined;
  if (tokens.length === 1) {
    const field = tokens[0];
    const columns = info.shapes[field]?.[0];
    const sizes = info.categorySizes;
    if (sizes === undefined || sizes.length !== columns || info.shapes[field].length !== 1 || !sizes.every((k) => Number.isInteger(k) && k >= 1)) {
      throw new ShapeMismatchError(`the categorical ids '${field}' of '${modality}' (shape [${(info.shapes[field] ?? []).join(', ')}]) do not come with one category size per column (got ${sizes === undefined ? 'none' : sizes.length})`, "preprocess the modality with the 'tabular' preprocessor");
    }
    categorical = { field, sizes };
  }
  return { ...(floats.length === 1 ? { numeric: floats[0] } : {}), ...(categorical === undefined ? {} : { categorical }) };
}

function buildTabular(options: TabularEncoderOptions, ctx: EncoderContext): EncodedModality {
  const { numeric, categorical } = tabularFields(ctx);
  const layers = new LayerContext(ctx.seed, ctx.prefix, ctx.init);
  const parts: tfl.SymbolicTensor[] = [];
  if (numeric !== undefined) {
    let x = ctx.inputs[numeric];
    if (x.shape.length > 2) x = tfl.layers.flatten({ name: layers.name('flatten') }).apply(x) as tfl.SymbolicTensor;
    parts.push(x);
  }
  if (categorical !== undefined) {
    const dims = categorical.sizes.map((n) => (options.embeddingDim === 'auto' ? autoEmbeddingDim(n) : options.embeddingDim));
    const embedded = new CategoricalEmbeddings({ sizes: [...categorical.sizes], dims, init: ctx.init === 'torch' ? 'normal' : 'uniform', seed: layers.nextSeed(), name: layers.name('embed') }).apply(ctx.inputs[categorical.field]) as tfl.SymbolicTensor;
    const dropped =
      options.embeddingDropout > 0 ? (new SeededDropout({ rate: options.embeddingDropout, seed: layers.nextSeed(), name: layers.name('embed_dropout') }).apply(embedded) as tfl.SymbolicTensor) : embedded;
    // Numbers first, then embeddings (fastai concatenates embeddings first; the order is immaterial to a dense layer).
    parts.push(dropped);
  }
  const joined = parts.length === 1 ? parts[0] : (tfl.layers.concatenate({ axis: -1, name: layers.name('concat') }).apply(parts) as tfl.SymbolicTensor);
  const vector = buildBody({ type: 'mlp', hidden: options.hidden, activation: options.activation, dropout: options.dropout, batchNorm: options.batchNorm, init: ctx.init }, joined, layers);
  return { vector };
}

export const tabularEncoder: RegisteredEncoder<TabularEncoderOptions> = {
  name: 'tabular',
  description: 'embeddings of the categorical columns concatenated with the standardized numeric features, then hidden dense layers (fastai TabularModel)',
  kinds: ['tabular'],
  options: TabularEncoderOptionsSchema,
  optionNames: Object.keys(TabularEncoderOptionsSchema.shape),
  build: (options, ctx) => buildTabular(TabularEncoderOptionsSchema.parse(options), ctx),
};
