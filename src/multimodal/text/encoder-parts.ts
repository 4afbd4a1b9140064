/**
 * What the text encoders (embedding-pool, text-conv, transformer in ../encoders/) share: reading
 * the modality's token ids, embedding them with a padding mask, the optional dense layers after
 * pooling, the layer names and seeds, and their common options.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ShapeMismatchError } from '../../errors.js';
import { ACTIVATIONS, LayerContext, lastWidth } from '../../engine/model-spec.js';
import { SeededDropout } from '../../engine/layers/seeded-dropout.js';
import type { EncoderContext } from '../encoder.js';
import { ApplyMask } from './layers/apply-mask.js';
import { PaddingMask } from './layers/padding-mask.js';
import { TokenEmbedding } from './layers/token-embedding.js';

/** Options every text encoder has. */
export const textEncoderCommon = {
  /** Width of the token embeddings. Default 64. */
  dim: z.number().int().positive().max(4096).default(64),
  /** Widths of dense layers after the pooling (the last one is the embedding). Default none: the pooled vector is the embedding. */
  dense: z.array(z.number().int().positive()).default([]),
  /** Activation of those dense layers. Default `relu`. */
  activation: z.enum(ACTIVATIONS).default('relu'),
  /** Dropout rate, in [0, 0.95], after the pooling and after each dense layer (transformer: also inside its blocks). Default 0. */
  dropout: z.number().min(0).max(0.95).default(0),
};

export interface TextEncoderCommon {
  dim: number;
  dense: number[];
  activation: (typeof ACTIVATIONS)[number];
  dropout: number;
}

/** Seeds (in the order layers are made, from the encoder's seed) and unique names `<prefix>/<kind>_<n>`. */
export class TextLayers {
  readonly context: LayerContext;
  private count = 0;

  constructor(readonly ctx: EncoderContext) {
    this.context = new LayerContext(ctx.seed, ctx.prefix, ctx.init);
  }

  name(kind: string): string {
    return `${this.ctx.prefix}/${kind}_${this.count++}`;
  }

  seed(): number {
    return this.context.nextSeed();
  }

  /** Kernel and bias initializers of a dense or convolution layer with `fanIn` inputs per output (the context's `init`). */
  init(fanIn: number): ReturnType<LayerContext['init']> {
    return this.context.init(fanIn);
  }

  /** A seeded dropout layer applied to x, or x itself when the rate is 0. */
  dropout(x: tfl.SymbolicTensor, rate: number): tfl.SymbolicTensor {
    if (rate === 0) return x;
    return new SeededDropout({ rate, seed: this.seed(), name: this.name('dropout') }).apply(x) as tfl.SymbolicTensor;
  }
}

/** The modality's token ids, with its vocabulary size and padded length; a ShapeMismatchError when it is not tokens. */
export function tokenInput(ctx: EncoderContext, encoder: string): { ids: tfl.SymbolicTensor; vocabSize: number; maxLength: number } {
  const field = ctx.info.fields[0];
  const vocabSize = ctx.info.vocabSizes?.[field];
  const ids = ctx.inputs[field];
  const shape = ctx.info.shapes[field];
  if (vocabSize === undefined || shape === undefined || shape.length !== 1) {
    throw new ShapeMismatchError(`the '${encoder}' encoder reads token ids, but modality '${ctx.modality}' (${ctx.info.kind}) gives float features of shape [${(shape ?? []).join(', ')}]`, `use an encoder for ${ctx.info.kind} data (e.g. mlp or cnn) for it, or preprocess it as text`);
  }
  if (ids === undefined) throw new ShapeMismatchError(`the '${encoder}' encoder of modality '${ctx.modality}' has no input for its field '${field}'`, 'build the encoder on the inputs of every field the preprocessor made');
  return { ids, vocabSize, maxLength: shape[0] };
}

/** Token embeddings [batch, steps, dim], zero at padding steps, and the padding mask [batch, steps]. */
export function embedTokens(layers: TextLayers, ids: tfl.SymbolicTensor, vocabSize: number, dim: number): { embedded: tfl.SymbolicTensor; mask: tfl.SymbolicTensor } {
  const mask = new PaddingMask({ name: layers.name('mask') }).apply(ids) as tfl.SymbolicTensor;
  const table = new TokenEmbedding({ vocabSize, dim, seed: layers.seed(), init: layers.ctx.init, name: layers.name('embedding') });
  const embedded = new ApplyMask({ name: layers.name('mask_embedding') }).apply([table.apply(ids) as tfl.SymbolicTensor, mask]) as tfl.SymbolicTensor;
  return { embedded, mask };
}

/** The dense layers after pooling (each with its activation, then dropout), after a dropout of the pooled vector. */
export function denseLayers(layers: TextLayers, pooled: tfl.SymbolicTensor, options: TextEncoderCommon): tfl.SymbolicTensor {
  let h = layers.dropout(pooled, options.dropout);
  for (const units of options.dense) {
    h = tfl.layers.dense({ units, activation: options.activation, ...layers.init(lastWidth(h)), name: layers.name('dense') }).apply(h) as tfl.SymbolicTensor;
    h = layers.dropout(h, options.dropout);
  }
  return h;
}
