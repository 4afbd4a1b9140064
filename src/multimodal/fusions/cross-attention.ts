/**
 * `cross-attention`: cross-modal attention between the token (or position) sequences of exactly
 * two modalities, in the manner of the crossmodal transformer of Tsai et al., "Multimodal
 * Transformer for Unaligned Multimodal Language Sequences", ACL 2019, and ViLBERT's
 * co-attention (Lu et al., NeurIPS 2019): each modality's sequence is projected to a common
 * width, each attends to the other with multi-head attention (layers/multi-head-attention.ts)
 * whose keys are masked by the other's padding mask, with a residual connection
 * (a' = a + MHA(a → b)); each result is mean-pooled over its own real steps, the two pooled
 * vectors are concatenated, and the head gives the logits. One block, no layer norm or
 * feed-forward sublayer (a deliberate simplification of those papers' stacked blocks).
 * A modality whose encoder gives no sequence (e.g. an MLP over an image) takes part as a length-1
 * sequence of its vector, so two MLP image views still work. Absent modalities are left out: a
 * modality's keys are masked where the sample lacks it (so the other side gets no attention
 * output and keeps its own sequence through the residual) and its own pooled vector is zero.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { lastWidth } from '../../engine/model-spec.js';
import { ConfigError } from '../../errors.js';
import type { FusionInput, RegisteredFusion } from '../fusion.js';
import { classifierHead, concatenate, dense, fusionLayers, headOptionShape } from './common.js';
import { MultiHeadAttention } from './layers/multi-head-attention.js';
import { SequenceMean } from './layers/sequence-mean.js';

export const CrossAttentionFusionOptionsSchema = z
  .object({
    /** Common width of the projected sequences and of the attention. Default 64. */
    width: z.number().int().positive().default(64),
    /** Attention heads; must divide `width`. Default 4. */
    heads: z.number().int().positive().default(4),
    ...headOptionShape,
  })
  .strict();
export type CrossAttentionFusionOptions = z.infer<typeof CrossAttentionFusionOptionsSchema>;

export const crossAttentionFusion: RegisteredFusion<CrossAttentionFusionOptions> = {
  name: 'cross-attention',
  description: 'cross-attention between the token sequences of two modalities (after Tsai et al. 2019): each attends to the other, masked mean pooling, concatenation',
  options: CrossAttentionFusionOptionsSchema,
  optionNames: Object.keys(CrossAttentionFusionOptionsSchema.shape),
  needsSequences: true,
  equalWidths: false,
  minModalities: 2,
  maxModalities: 2,
  build(options, ctx) {
    if (options.width % options.heads !== 0) {
      throw new ConfigError('fusion.heads', `cross-attention's ${options.heads} heads do not divide its width ${options.width}`, 'give a number of heads that divides the width (e.g. width 64 with 1, 2, 4 or 8 heads)');
    }
    const layers = fusionLayers(ctx);
    const sequence = (m: FusionInput): tfl.SymbolicTensor =>
      m.sequence ?? (tfl.layers.reshape({ targetShape: [1, lastWidth(m.vector)], name: layers.name(`as-sequence-${m.name}`) }).apply(m.vector) as tfl.SymbolicTensor);
    const keyMask = (m: FusionInput): tfl.SymbolicTensor =>
      m.sequenceMask === undefined ? m.presence : (tfl.layers.multiply({ name: layers.name(`mask-${m.name}`) }).apply([m.sequenceMask, m.presence]) as tfl.SymbolicTensor);
    const [a, b] = ctx.modalities;
    const projected = [a, b].map((m) => dense(sequence(m), options.width, fusionLayers(ctx, `project/${m.name}`)));
    const masks = [keyMask(a), keyMask(b)];
    const pooled = [0, 1].map((i) => {
      const other = 1 - i;
      const from = ctx.modalities[i].name;
      const to = ctx.modalities[other].name;
      const attention = fusionLayers(ctx, `attend/${from}-to-${to}`);
      const attended = new MultiHeadAttention({ heads: options.heads, width: options.width, seed: attention.nextSeed(), init: ctx.init, name: attention.name('mha') }).apply([projected[i], projected[other], masks[other]]) as tfl.SymbolicTensor;
      const residual = tfl.layers.add({ name: attention.name('residual') }).apply([projected[i], attended]) as tfl.SymbolicTensor;
      return new SequenceMean({ name: attention.name('pool') }).apply([residual, masks[i]]) as tfl.SymbolicTensor;
    });
    return classifierHead(concatenate(pooled, layers), options, layers, ctx.units);
  },
};
