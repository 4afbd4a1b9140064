/**
 * `attention`: attention over the modality embeddings. Each modality's vector is projected to a
 * common width, e_i = act(W_i x_i); a learned scorer per modality gives s_i = v_iᵀ e_i + c_i; the
 * weights a = softmax(s) are taken over the modalities the sample has (an absent modality gets
 * weight 0 and the others are renormalized), and h = Σ_i a_i e_i goes to the head. The modality
 * attention of Hori et al., "Attention-Based Multimodal Fusion for Video Description", ICCV 2017,
 * with one deviation: the scores are read from the embeddings themselves instead of from a
 * decoder state (a classifier has no decoder).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ACTIVATIONS } from '../../engine/model-spec.js';
import type { RegisteredFusion } from '../fusion.js';
import { classifierHead, concatenate, dense, fusionLayers, headOptionShape } from './common.js';
import { ModalityMix } from './layers/modality-mix.js';

export const AttentionFusionOptionsSchema = z
  .object({
    /** Common width the modalities are projected to. Default 128. */
    width: z.number().int().positive().default(128),
    /** Activation of the projections. Default `tanh`. */
    projection: z.enum(ACTIVATIONS).default('tanh'),
    ...headOptionShape,
  })
  .strict();
export type AttentionFusionOptions = z.infer<typeof AttentionFusionOptionsSchema>;

export const attentionFusion: RegisteredFusion<AttentionFusionOptions> = {
  name: 'attention',
  description: 'attention over modality embeddings (after Hori et al. 2017): projected embeddings weighted by a softmax over the modalities present',
  options: AttentionFusionOptionsSchema,
  optionNames: Object.keys(AttentionFusionOptionsSchema.shape),
  needsSequences: false,
  equalWidths: false,
  minModalities: 2,
  build(options, ctx) {
    const layers = fusionLayers(ctx);
    const embedded = ctx.modalities.map((m) => dense(m.vector, options.width, fusionLayers(ctx, `project/${m.name}`), options.projection));
    const scores = embedded.map((e, i) => dense(e, 1, fusionLayers(ctx, `score/${ctx.modalities[i].name}`), undefined, 'score'));
    const mix = new ModalityMix({ modalities: ctx.modalities.length, mode: 'scores', name: layers.name('attention') });
    const h = mix.apply([...ctx.modalities.map((m) => m.presence), ...embedded, concatenate(scores, layers)]) as tfl.SymbolicTensor;
    return classifierHead(h, options, layers, ctx.units);
  },
};
