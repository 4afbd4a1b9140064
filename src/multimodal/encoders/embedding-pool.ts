/**
 * `embedding-pool`: a bag of embeddings (as fastText's or the "deep averaging network" of Iyyer
 * et al. 2015): token embeddings, masked mean or max pooling over the real tokens, then optional
 * dense layers. Returns the pooled (or dense) vector, and the token embeddings as the sequence
 * (zero at padding) with the padding mask. An empty or missing text pools to zeros.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { RegisteredEncoder } from '../encoder.js';
import { denseLayers, embedTokens, textEncoderCommon, TextLayers, tokenInput } from '../text/encoder-parts.js';
import { MaskedPooling, POOLINGS } from '../text/layers/masked-pooling.js';

export const EmbeddingPoolOptionsSchema = z
  .object({
    ...textEncoderCommon,
    /** `mean` (average of the real tokens' embeddings) or `max` (per dimension, over the real tokens). Default `mean`. */
    pool: z.enum(POOLINGS).default('mean'),
  })
  .strict();
export type EmbeddingPoolOptions = z.infer<typeof EmbeddingPoolOptionsSchema>;

export const embeddingPoolEncoder: RegisteredEncoder<EmbeddingPoolOptions> = {
  name: 'embedding-pool',
  description: 'token embeddings with masked mean or max pooling, then optional dense layers (a bag of embeddings)',
  kinds: ['text'],
  options: EmbeddingPoolOptionsSchema,
  optionNames: Object.keys(EmbeddingPoolOptionsSchema.shape),
  build(options, ctx) {
    const { ids, vocabSize } = tokenInput(ctx, 'embedding-pool');
    const layers = new TextLayers(ctx);
    const { embedded, mask } = embedTokens(layers, ids, vocabSize, options.dim);
    const pooled = new MaskedPooling({ mode: options.pool, name: layers.name(`${options.pool}_pool`) }).apply([embedded, mask]) as tfl.SymbolicTensor;
    return { vector: denseLayers(layers, pooled, options), sequence: embedded, sequenceMask: mask };
  },
};
