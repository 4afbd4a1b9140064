/**
 * `gmu`: the Gated Multimodal Unit (Arevalo et al., "Gated Multimodal Units for Information
 * Fusion", ICLR 2017 workshop, eq. 1-5): h_i = tanh(W_i x_i) per modality, a gate
 * z = σ(W_z [x_1; ...; x_M]) read from all the modalities, h = z ⊙ h_1 + (1 − z) ⊙ h_2, then the
 * head on h (optional hidden layers, dense to the logits). The reference protocol's "GMU on
 * encoder features". Deviations: the dense layers have biases (the paper's equations omit them);
 * for M > 2 modalities the gate is M·hidden wide and z a softmax over the modalities per unit,
 * h = Σ_i z_i ⊙ h_i (the paper only says the unit extends to more modalities). The GMU reads the
 * vectors as they are (an absent modality's zeros-through-the-encoder or missing embedding): its
 * gate can learn to turn away from them.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { RegisteredFusion } from '../fusion.js';
import { classifierHead, concatenate, dense, fusionLayers, headOptionShape } from './common.js';
import { GatedModalitySum, gmuGateWidth } from './layers/gated-modality-sum.js';

export const GmuFusionOptionsSchema = z
  .object({
    /** Width of each modality's tanh features h_i and of the fused h. Default 128. */
    size: z.number().int().positive().default(128),
    ...headOptionShape,
  })
  .strict();
export type GmuFusionOptions = z.infer<typeof GmuFusionOptionsSchema>;

export const gmuFusion: RegisteredFusion<GmuFusionOptions> = {
  name: 'gmu',
  description: 'gated multimodal unit (Arevalo et al. 2017): tanh features per modality mixed by a sigmoid gate read from all of them',
  options: GmuFusionOptionsSchema,
  optionNames: Object.keys(GmuFusionOptionsSchema.shape),
  needsSequences: false,
  equalWidths: false,
  minModalities: 2,
  build(options, ctx) {
    const layers = fusionLayers(ctx);
    const hs = ctx.modalities.map((m) => dense(m.vector, options.size, fusionLayers(ctx, `features/${m.name}`), 'tanh'));
    const gate = dense(concatenate(ctx.modalities.map((m) => m.vector), layers), gmuGateWidth(ctx.modalities.length, options.size), layers, undefined, 'gate');
    const h = new GatedModalitySum({ modalities: ctx.modalities.length, name: layers.name('gmu') }).apply([gate, ...hs]) as tfl.SymbolicTensor;
    return classifierHead(h, options, layers, ctx.units);
  },
};
