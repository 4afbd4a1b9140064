/**
 * `late-mean`: late fusion by averaging (the late fusion of Snoek et al., "Early versus Late
 * Fusion in Semantic Video Analysis", ACM Multimedia 2005, with the per-modality classifiers
 * trained jointly through the average instead of separately). Each modality has its own head
 * (optional hidden layers, then dense to the logits) and the fused logits are the mean of the
 * heads' logits over the modalities the sample has (renormalized: with one of two absent, the
 * other's logits alone). The reference protocol's "late fusion = mean of per-view logits,
 * trained jointly". A sample with no modality would get zero logits (runs refuse such
 * samples before they reach a model).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { RegisteredFusion } from '../fusion.js';
import { classifierHead, fusionLayers, headOptionShape } from './common.js';
import { ModalityMix } from './layers/modality-mix.js';

export const LateMeanFusionOptionsSchema = z.object({ ...headOptionShape }).strict();
export type LateMeanFusionOptions = z.infer<typeof LateMeanFusionOptionsSchema>;

export const lateMeanFusion: RegisteredFusion<LateMeanFusionOptions> = {
  name: 'late-mean',
  description: 'late fusion: one head per modality, logits averaged over the modalities present',
  options: LateMeanFusionOptionsSchema,
  optionNames: Object.keys(LateMeanFusionOptionsSchema.shape),
  needsSequences: false,
  equalWidths: false,
  minModalities: 2,
  build(options, ctx) {
    const logits = ctx.modalities.map((m) => classifierHead(m.vector, options, fusionLayers(ctx, `head/${m.name}`), ctx.units));
    const mix = new ModalityMix({ modalities: ctx.modalities.length, mode: 'mean', name: fusionLayers(ctx).name('mean') });
    return mix.apply([...ctx.modalities.map((m) => m.presence), ...logits]) as tfl.SymbolicTensor;
  },
};
