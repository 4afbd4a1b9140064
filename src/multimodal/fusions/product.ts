/**
 * `product`: multiplicative fusion of embeddings of one width, then the head. With
 * `plusOne: false` it is h = x_1 ⊙ ... ⊙ x_M, the elementwise product with which e.g. Antol et al.,
 * "VQA: Visual Question Answering", ICCV 2015, fuse image and question embeddings (the diagonal
 * case of the multiplicative interactions of Jayakumar et al., ICLR 2020). By default
 * (`plusOne: true`, jointly's choice) h = Π_m (1 + x_m): the same product plus every lower-order
 * one down to the single embeddings, i.e. the terms of the tensor fusion's outer product of the
 * [x_m; 1] (Zadeh et al. 2017) that share one feature index. The plain product of two ReLU
 * embeddings learns slowly (one epoch of the two-view test barely leaves chance), and an absent
 * modality's zero vector zeroes it, where Π (1 + x_m) keeps the present modality's terms. It needs
 * every encoder to give the same width and does not project (build-model refuses unequal widths
 * with the fix).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { RegisteredFusion } from '../fusion.js';
import { classifierHead, fusionLayers, headOptionShape } from './common.js';
import { ElementwiseProduct } from './layers/elementwise-product.js';

export const ProductFusionOptionsSchema = z
  .object({
    /** Multiply the (1 + x_m), keeping the lower-order terms, instead of the plain x_m. Default true. */
    plusOne: z.boolean().default(true),
    ...headOptionShape,
  })
  .strict();
export type ProductFusionOptions = z.infer<typeof ProductFusionOptionsSchema>;

export const productFusion: RegisteredFusion<ProductFusionOptions> = {
  name: 'product',
  description: 'multiplicative fusion: the elementwise product of embeddings of one width (with 1 added to each, by default), then dense layers',
  options: ProductFusionOptionsSchema,
  optionNames: Object.keys(ProductFusionOptionsSchema.shape),
  needsSequences: false,
  equalWidths: true,
  minModalities: 2,
  build(options, ctx) {
    const layers = fusionLayers(ctx);
    const h = new ElementwiseProduct({ plusOne: options.plusOne, name: layers.name('product') }).apply(ctx.modalities.map((m) => m.vector)) as tfl.SymbolicTensor;
    return classifierHead(h, options, layers, ctx.units);
  },
};
