/**
 * `sum`: additive fusion of embeddings of one width: h = Σ_i x_i, then the head. The additive
 * counterpart of `product` in the study of multiplicative interactions (Jayakumar et al.,
 * "Multiplicative Interactions and Where to Find Them", ICLR 2020, which MultiBench's fusions
 * include), and the cheapest fusion there is. It needs every encoder to give the same width and
 * does not project (build-model refuses unequal widths with the fix). Absent modalities enter as
 * their vectors (zeros through the encoder, or the missing embedding).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { RegisteredFusion } from '../fusion.js';
import { classifierHead, fusionLayers, headOptionShape } from './common.js';

export const SumFusionOptionsSchema = z.object({ ...headOptionShape }).strict();
export type SumFusionOptions = z.infer<typeof SumFusionOptionsSchema>;

export const sumFusion: RegisteredFusion<SumFusionOptions> = {
  name: 'sum',
  description: 'additive fusion: the elementwise sum of embeddings of one width, then dense layers',
  options: SumFusionOptionsSchema,
  optionNames: Object.keys(SumFusionOptionsSchema.shape),
  needsSequences: false,
  equalWidths: true,
  minModalities: 2,
  build(options, ctx) {
    const layers = fusionLayers(ctx);
    const h = tfl.layers.add({ name: layers.name('sum') }).apply(ctx.modalities.map((m) => m.vector)) as tfl.SymbolicTensor;
    return classifierHead(h, options, layers, ctx.units);
  },
};
