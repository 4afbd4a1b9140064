/**
 * `tensor`: the Tensor Fusion Network (Zadeh et al., "Tensor Fusion Network for Multimodal
 * Sentiment Analysis", EMNLP 2017). Each modality's vector is first projected to a small width k
 * (a dense layer, ReLU by default: TFN's modality embedding subnetworks end in ReLU layers), a 1
 * is appended to each, and the flattened outer product of the M vectors, Π (k + 1) values, goes
 * through dense layers (default one of 128, TFN's inference subnetwork has two of 128) to the
 * logits. Deviation: TFN fuses three modalities of its own subnetworks' widths (32 to 128); here
 * any M modalities are projected to one small `width` (default 32: 1,089 features for two, 35,937
 * for three) because the product grows as (k + 1)^M, and a configuration whose product would
 * exceed TENSOR_FUSION_MAX_FEATURES is refused with the fix (a smaller width, or `low-rank`, which
 * approximates the same fusion without forming the product).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ACTIVATIONS } from '../../engine/model-spec.js';
import { ConfigError } from '../../errors.js';
import type { RegisteredFusion } from '../fusion.js';
import { classifierHead, dense, fusionLayers, headOptionShape, widthsSchema } from './common.js';
import { OuterProduct, outerProductWidth } from './layers/outer-product.js';

/** Largest outer product `tensor` builds: 65,536 features (the first dense layer holds this many times its width weights). */
export const TENSOR_FUSION_MAX_FEATURES = 65_536;

export const TensorFusionOptionsSchema = z
  .object({
    /** Width k each modality is projected to before the outer product. Default 32. */
    width: z.number().int().positive().default(32),
    /** Activation of those projections. Default `relu`. */
    projection: z.enum(ACTIVATIONS).default('relu'),
    ...headOptionShape,
    /** Hidden dense layers on the flattened product. Default [128]. */
    hidden: widthsSchema.default([128]),
  })
  .strict();
export type TensorFusionOptions = z.infer<typeof TensorFusionOptionsSchema>;

/** The largest projection width whose product of M modalities fits the cap. */
function largestWidth(modalities: number): number {
  return Math.max(1, Math.floor(Math.pow(TENSOR_FUSION_MAX_FEATURES, 1 / modalities) + 1e-9) - 1);
}

export const tensorFusion: RegisteredFusion<TensorFusionOptions> = {
  name: 'tensor',
  description: 'tensor fusion network (Zadeh et al. 2017): outer product of the projected embeddings, each with a 1 appended, then dense layers',
  options: TensorFusionOptionsSchema,
  optionNames: Object.keys(TensorFusionOptionsSchema.shape),
  needsSequences: false,
  equalWidths: false,
  minModalities: 2,
  build(options, ctx) {
    const m = ctx.modalities.length;
    const features = outerProductWidth(ctx.modalities.map(() => options.width));
    if (features > TENSOR_FUSION_MAX_FEATURES) {
      throw new ConfigError(
        'fusion.width',
        `tensor fusion of ${m} modalities projected to width ${options.width} makes ${features.toLocaleString('en-US')} features, more than the ${TENSOR_FUSION_MAX_FEATURES.toLocaleString('en-US')} it allows`,
        `give a width of at most ${largestWidth(m)} for ${m} modalities, or use the low-rank fusion, which does not form the product`,
      );
    }
    const layers = fusionLayers(ctx);
    const projected = ctx.modalities.map((mod) => dense(mod.vector, options.width, fusionLayers(ctx, `project/${mod.name}`), options.projection));
    const product = new OuterProduct({ name: layers.name('outer') }).apply(projected) as tfl.SymbolicTensor;
    return classifierHead(product, options, layers, ctx.units);
  },
};
