/**
 * `late-weighted`: late fusion with learned modality weights. Each modality has its own head, as
 * in `late-mean`, and the fused logits are Σ_i a_i · logits_i with a = softmax of one learned
 * score per modality, taken over the modalities the sample has (so the weights of the present
 * ones are renormalized to sum to 1). The scores start at 0: the model starts as `late-mean`.
 * Linear weighted late fusion (as surveyed by Atrey et al., "Multimodal fusion for multimedia
 * analysis: a survey", Multimedia Systems 2010, section 3.1.1), with one weight per modality
 * learned jointly with the heads by gradient descent, softmax-normalized.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { RegisteredFusion } from '../fusion.js';
import { classifierHead, fusionLayers, headOptionShape } from './common.js';
import { ModalityMix } from './layers/modality-mix.js';

export const LateWeightedFusionOptionsSchema = z.object({ ...headOptionShape }).strict();
export type LateWeightedFusionOptions = z.infer<typeof LateWeightedFusionOptionsSchema>;

export const lateWeightedFusion: RegisteredFusion<LateWeightedFusionOptions> = {
  name: 'late-weighted',
  description: 'late fusion: one head per modality, logits combined by learned softmax weights renormalized over the modalities present',
  options: LateWeightedFusionOptionsSchema,
  optionNames: Object.keys(LateWeightedFusionOptionsSchema.shape),
  needsSequences: false,
  equalWidths: false,
  minModalities: 2,
  build(options, ctx) {
    const logits = ctx.modalities.map((m) => classifierHead(m.vector, options, fusionLayers(ctx, `head/${m.name}`), ctx.units));
    const mix = new ModalityMix({ modalities: ctx.modalities.length, mode: 'learned', name: fusionLayers(ctx).name('weights') });
    return mix.apply([...ctx.modalities.map((m) => m.presence), ...logits]) as tfl.SymbolicTensor;
  },
};
