/**
 * `concat`: early fusion (Snoek et al., "Early versus Late Fusion in Semantic Video Analysis",
 * ACM Multimedia 2005), on learned embeddings rather than raw features: the modalities' vectors
 * are concatenated, then optional hidden dense layers, then a dense layer to the logits. With no
 * hidden layers (the default) this is the reference protocol's "early fusion = dense 256→10 on
 * the concatenation" of two 128-wide MLP encoders. An absent modality contributes what the model
 * gives it: zeros from the zero-filled data through its encoder, or its learned missing embedding.
 */
import { z } from 'zod';
import type { RegisteredFusion } from '../fusion.js';
import { classifierHead, concatenate, fusionLayers, headOptionShape } from './common.js';

export const ConcatFusionOptionsSchema = z.object({ ...headOptionShape }).strict();
export type ConcatFusionOptions = z.infer<typeof ConcatFusionOptionsSchema>;

export const concatFusion: RegisteredFusion<ConcatFusionOptions> = {
  name: 'concat',
  description: 'early fusion: concatenate the modality embeddings, then dense layers to the logits',
  options: ConcatFusionOptionsSchema,
  optionNames: Object.keys(ConcatFusionOptionsSchema.shape),
  needsSequences: false,
  equalWidths: false,
  minModalities: 2,
  build(options, ctx) {
    const layers = fusionLayers(ctx);
    return classifierHead(concatenate(ctx.modalities.map((m) => m.vector), layers), options, layers, ctx.units);
  },
};
