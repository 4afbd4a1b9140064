/**
 * `text-conv`: a convolutional sentence encoder after Kim ("Convolutional Neural Networks for
 * Sentence Classification", EMNLP 2014): token embeddings, one 1D convolution per kernel size
 * (each `filters` wide, relu), masked max-over-time pooling of each, concatenated, then optional
 * dense layers. Deviations: convolutions use `same` padding over embeddings zeroed at padding
 * steps (Kim uses `valid` ones on unpadded sentences), so that each output step is a token's and
 * the sequence keeps the mask; padding steps never win the max. Returns the vector, and the
 * convolutions' outputs concatenated per step ([batch, steps, filters × kernel sizes], zero at
 * padding) as the sequence, with the padding mask. An empty or missing text pools to zeros.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { RegisteredEncoder } from '../encoder.js';
import { denseLayers, embedTokens, textEncoderCommon, TextLayers, tokenInput } from '../text/encoder-parts.js';
import { ApplyMask } from '../text/layers/apply-mask.js';
import { MaskedPooling } from '../text/layers/masked-pooling.js';

export const TextConvOptionsSchema = z
  .object({
    ...textEncoderCommon,
    /** Output channels of each convolution. Default 64. */
    filters: z.number().int().positive().default(64),
    /** One convolution per kernel size (in tokens), side by side. Default [3, 4, 5] (Kim 2014). */
    kernelSizes: z.array(z.number().int().positive()).min(1).default([3, 4, 5]),
  })
  .strict();
export type TextConvOptions = z.infer<typeof TextConvOptionsSchema>;

export const textConvEncoder: RegisteredEncoder<TextConvOptions> = {
  name: 'text-conv',
  description: 'token embeddings, 1D convolutions of several widths with relu and masked max-over-time pooling (Kim 2014)',
  kinds: ['text'],
  options: TextConvOptionsSchema,
  optionNames: Object.keys(TextConvOptionsSchema.shape),
  build(options, ctx) {
    const { ids, vocabSize } = tokenInput(ctx, 'text-conv');
    const layers = new TextLayers(ctx);
    const { embedded, mask } = embedTokens(layers, ids, vocabSize, options.dim);
    const branches = options.kernelSizes.map(
      (kernelSize) =>
        tfl.layers
          .conv1d({ filters: options.filters, kernelSize, padding: 'same', activation: 'relu', ...layers.init(kernelSize * options.dim), name: layers.name(`conv${kernelSize}`) })
          .apply(embedded) as tfl.SymbolicTensor,
    );
    const conv = branches.length === 1 ? branches[0] : (tfl.layers.concatenate({ axis: -1, name: layers.name('concat') }).apply(branches) as tfl.SymbolicTensor);
    const pooled = new MaskedPooling({ mode: 'max', name: layers.name('max_pool') }).apply([conv, mask]) as tfl.SymbolicTensor;
    const sequence = new ApplyMask({ name: layers.name('mask_sequence') }).apply([conv, mask]) as tfl.SymbolicTensor;
    return { vector: denseLayers(layers, pooled, options), sequence, sequenceMask: mask };
  },
};
