/**
 * `low-rank`: Low-rank Multimodal Fusion (Liu et al., "Efficient Low-rank Multimodal Fusion with
 * Modality-Specific Factors", ACL 2018): the tensor fusion's weight as a sum of `rank` products
 * of modality-specific factors, h = Σ_i λ_i Π_m (W_m^(i) [x_m; 1]) + b, computed without forming
 * the outer product (layers/low-rank-fusion.ts), on the encoders' vectors, then the head (by
 * default a dense layer from the `width` fused units to the logits). Deviation: the paper's
 * fusion outputs the prediction directly; here it outputs `width` units that the same head as the
 * other fusions reads, so `width` is the fused representation's size. An absent modality enters
 * as its vector (zeros through the encoder, or its missing embedding): the appended 1 keeps the
 * other modalities' terms alive even where that vector is all zeros.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { RegisteredFusion } from '../fusion.js';
import { classifierHead, fusionLayers, headOptionShape } from './common.js';
import { LowRankFusion } from './layers/low-rank-fusion.js';

export const LowRankFusionOptionsSchema = z
  .object({
    /** Rank r of the decomposition. Default 4 (the paper finds small ranks enough). */
    rank: z.number().int().positive().default(4),
    /** Width of the fused representation. Default 64. */
    width: z.number().int().positive().default(64),
    ...headOptionShape,
  })
  .strict();
export type LowRankFusionOptions = z.infer<typeof LowRankFusionOptionsSchema>;

export const lowRankFusion: RegisteredFusion<LowRankFusionOptions> = {
  name: 'low-rank',
  description: 'low-rank multimodal fusion (Liu et al. 2018): rank-r modality-specific factors of the tensor fusion, no outer product formed',
  options: LowRankFusionOptionsSchema,
  optionNames: Object.keys(LowRankFusionOptionsSchema.shape),
  needsSequences: false,
  equalWidths: false,
  minModalities: 2,
  build(options, ctx) {
    const layers = fusionLayers(ctx);
    const fused = new LowRankFusion({ name: layers.name('lmf'), rank: options.rank, units: options.width, seed: layers.nextSeed(), init: ctx.init }).apply(ctx.modalities.map((m) => m.vector)) as tfl.SymbolicTensor;
    return classifierHead(fused, options, layers, ctx.units);
  },
};
