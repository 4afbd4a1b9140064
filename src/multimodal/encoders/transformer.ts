/**
 * `transformer`: a small transformer encoder (Vaswani et al., "Attention Is All You Need", NeurIPS
 * 2017): token embeddings (zero at padding) plus learned position embeddings (as BERT; the paper
 * uses sinusoids), then `layers` blocks of multi-head self-attention with the key padding mask
 * (text/layers/multi-head-attention.ts) and a position-wise feed-forward network (dense `ffn`
 * wide with `activation`, then dense back to `dim`), each sublayer with a residual connection and
 * layer normalization, then masked mean pooling over the real tokens (or a learned [CLS] token
 * put first, with `pool: "cls"`, as BERT) and optional dense layers.
 *
 * Normalization: `pre` (the default) normalizes each sublayer's input, x + F(LN(x)), with a final
 * LN after the last block (Xiong et al. 2020, "On Layer Normalization in the Transformer
 * Architecture": trains without learning-rate warm-up, which jointly's trainer does not do);
 * `post` is the paper's LN(x + F(x)). Layer norms use ε = 1e-5 (PyTorch's; text/layers/layer-norm.ts,
 * written with broadcasting because tfjs-layers' one trains slowly). Dropout (`dropout`)
 * on the embeddings and on each sublayer's output before its residual, as in the paper. The
 * paper's √dim scaling of the embeddings (for weights tied with the output layer) is not done.
 *
 * Returns the vector, the last block's output as the sequence ([batch, maxLength, dim], zero at
 * padding; without the [CLS] step) and the padding mask. An empty or missing text gives a finite
 * vector (mean pooling: zeros before the dense layers; CLS: the token attending to itself).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { RegisteredEncoder } from '../encoder.js';
import { denseLayers, embedTokens, textEncoderCommon, TextLayers, tokenInput } from '../text/encoder-parts.js';
import { ApplyMask } from '../text/layers/apply-mask.js';
import { ClsToken } from '../text/layers/cls-token.js';
import { LayerNorm } from '../text/layers/layer-norm.js';
import { MaskedPooling } from '../text/layers/masked-pooling.js';
import { MultiHeadAttention } from '../text/layers/multi-head-attention.js';
import { PositionEmbedding } from '../text/layers/position-embedding.js';
import { SliceSteps } from '../text/layers/slice-steps.js';

/** Layer normalization's ε, PyTorch's default (Keras' is 1e-3). */
const LN_EPSILON = 1e-5;

export const TransformerOptionsSchema = z
  .object({
    ...textEncoderCommon,
    /** Number of encoder blocks (attention + feed-forward). Default 2. */
    layers: z.number().int().positive().max(48).default(2),
    /** Attention heads per block; `dim` must be a multiple. Default 4. */
    heads: z.number().int().positive().default(4),
    /** Width of the feed-forward network's hidden layer. Default 128 (2 × the default dim). */
    ffn: z.number().int().positive().default(128),
    /** Activation of the feed-forward network. Default `relu` (the paper's; `gelu` as BERT). */
    ffnActivation: z.enum(['relu', 'gelu']).default('relu'),
    /** Layer normalization before each sublayer (`pre`, with a final one) or after each residual (`post`, the paper's). Default `pre`. */
    norm: z.enum(['pre', 'post']).default('pre'),
    /** The vector: masked `mean` of the last block's outputs, or the output at a learned `cls` token put first. Default `mean`. */
    pool: z.enum(['mean', 'cls']).default('mean'),
  })
  .strict()
  .refine((o) => o.dim % o.heads === 0, { message: 'dim must be a multiple of heads (each head gets dim / heads values)', path: ['heads'] });
export type TransformerOptions = z.infer<typeof TransformerOptionsSchema>;

export const transformerEncoder: RegisteredEncoder<TransformerOptions> = {
  name: 'transformer',
  description: 'a small transformer encoder: embeddings + learned positions, multi-head self-attention with padding masks, feed-forward, masked mean or CLS pooling (Vaswani et al. 2017)',
  kinds: ['text'],
  options: TransformerOptionsSchema,
  optionNames: Object.keys(TransformerOptionsSchema.shape),
  build(options, ctx) {
    const { ids, vocabSize, maxLength } = tokenInput(ctx, 'transformer');
    const layers = new TextLayers(ctx);
    const { dim } = options;
    const embedded = embedTokens(layers, ids, vocabSize, dim);
    const tokenMask = embedded.mask;
    let mask = tokenMask;
    let x = new PositionEmbedding({ maxLength, seed: layers.seed(), init: ctx.init, name: layers.name('positions') }).apply(embedded.embedded) as tfl.SymbolicTensor;
    if (options.pool === 'cls') {
      [x, mask] = new ClsToken({ seed: layers.seed(), init: ctx.init, name: layers.name('cls') }).apply([x, tokenMask]) as tfl.SymbolicTensor[];
    }
    x = layers.dropout(x, options.dropout);
    const norm = (t: tfl.SymbolicTensor, block: number, which: string): tfl.SymbolicTensor =>
      new LayerNorm({ epsilon: LN_EPSILON, name: layers.name(`block${block}_${which}_norm`) }).apply(t) as tfl.SymbolicTensor;
    const residual = (a: tfl.SymbolicTensor, b: tfl.SymbolicTensor, block: number, which: string): tfl.SymbolicTensor =>
      tfl.layers.add({ name: layers.name(`block${block}_${which}_residual`) }).apply([a, b]) as tfl.SymbolicTensor;
    for (let block = 0; block < options.layers; block++) {
      // attention sublayer
      const attnIn = options.norm === 'pre' ? norm(x, block, 'attention') : x;
      let h = new MultiHeadAttention({ heads: options.heads, units: dim, seed: layers.seed(), name: layers.name(`block${block}_attention`) }).apply([attnIn, mask]) as tfl.SymbolicTensor;
      x = residual(x, layers.dropout(h, options.dropout), block, 'attention');
      if (options.norm === 'post') x = norm(x, block, 'attention');
      // feed-forward sublayer
      const ffnIn = options.norm === 'pre' ? norm(x, block, 'ffn') : x;
      h = tfl.layers.dense({ units: options.ffn, activation: options.ffnActivation, ...layers.init(dim), name: layers.name(`block${block}_ffn`) }).apply(ffnIn) as tfl.SymbolicTensor;
      h = tfl.layers.dense({ units: dim, ...layers.init(options.ffn), name: layers.name(`block${block}_ffn_out`) }).apply(h) as tfl.SymbolicTensor;
      x = residual(x, layers.dropout(h, options.dropout), block, 'ffn');
      if (options.norm === 'post') x = norm(x, block, 'ffn');
    }
    if (options.norm === 'pre') x = new LayerNorm({ epsilon: LN_EPSILON, name: layers.name('final_norm') }).apply(x) as tfl.SymbolicTensor;
    let pooled: tfl.SymbolicTensor;
    let tokens = x;
    if (options.pool === 'cls') {
      const first = new SliceSteps({ begin: 0, size: 1, name: layers.name('cls_step') }).apply(x) as tfl.SymbolicTensor;
      pooled = tfl.layers.flatten({ name: layers.name('cls_vector') }).apply(first) as tfl.SymbolicTensor;
      tokens = new SliceSteps({ begin: 1, size: -1, name: layers.name('token_steps') }).apply(x) as tfl.SymbolicTensor;
    } else {
      pooled = new MaskedPooling({ mode: 'mean', name: layers.name('mean_pool') }).apply([x, tokenMask]) as tfl.SymbolicTensor;
    }
    const sequence = new ApplyMask({ name: layers.name('mask_sequence') }).apply([tokens, tokenMask]) as tfl.SymbolicTensor;
    return { vector: denseLayers(layers, pooled, options), sequence, sequenceMask: tokenMask };
  },
};
