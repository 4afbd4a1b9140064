/**
 * `film`: FiLM conditioning (Perez et al., "FiLM: Visual Reasoning with a General Conditioning
 * Layer", AAAI 2018). One modality, the `target` (default the first), is modulated feature-wise
 * by the others: a FiLM generator (one dense layer each for γ and β, as the paper's question
 * network ends in a linear map to the FiLM parameters) reads the conditioning modalities and
 * y = γ ⊙ x_target + β, then the activation (ReLU by default, as the paper's FiLM is followed by a
 * ReLU in its residual blocks) and the head. Deviations: the paper modulates the feature maps of
 * every residual block of a CNN; here the FiLM layer acts once, on the target's embedding. With
 * more than two modalities the conditioning input is the concatenation of all the non-target
 * vectors. By default γ = 1 + Δγ (`residualGamma`), so the layer starts near the identity. Absent
 * modalities enter as their vectors (zeros through the encoder, or the missing embedding).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ACTIVATIONS, lastWidth } from '../../engine/model-spec.js';
import { ConfigError } from '../../errors.js';
import type { RegisteredFusion } from '../fusion.js';
import { activate, classifierHead, concatenate, dense, fusionLayers, headOptionShape } from './common.js';
import { FeatureModulation } from './layers/feature-modulation.js';

export const FilmFusionOptionsSchema = z
  .object({
    /** The modality that is modulated; the others condition it. Default the first modality. */
    target: z.string().min(1).optional(),
    /** Read the generator's γ output as Δγ and scale by 1 + Δγ. Default true. */
    residualGamma: z.boolean().default(true),
    /** Activation after the modulation. Default `relu`. */
    modulated: z.enum(ACTIVATIONS).default('relu'),
    ...headOptionShape,
  })
  .strict();
export type FilmFusionOptions = z.infer<typeof FilmFusionOptionsSchema>;

export const filmFusion: RegisteredFusion<FilmFusionOptions> = {
  name: 'film',
  description: 'FiLM conditioning (Perez et al. 2018): the target modality scaled and shifted feature-wise by parameters computed from the others',
  options: FilmFusionOptionsSchema,
  optionNames: Object.keys(FilmFusionOptionsSchema.shape),
  needsSequences: false,
  equalWidths: false,
  minModalities: 2,
  build(options, ctx) {
    const names = ctx.modalities.map((m) => m.name);
    const targetName = options.target ?? names[0];
    const target = ctx.modalities.find((m) => m.name === targetName);
    if (target === undefined) throw new ConfigError('fusion.target', `FiLM's target '${targetName}' is not one of the modalities (${names.join(', ')})`, `name one of: ${names.join(', ')}`);
    const layers = fusionLayers(ctx);
    const conditioning = concatenate(ctx.modalities.filter((m) => m !== target).map((m) => m.vector), layers);
    const width = lastWidth(target.vector);
    const gamma = dense(conditioning, width, fusionLayers(ctx, 'gamma'), undefined, 'gamma');
    const beta = dense(conditioning, width, fusionLayers(ctx, 'beta'), undefined, 'beta');
    const modulated = new FeatureModulation({ residualGamma: options.residualGamma, name: layers.name('film') }).apply([target.vector, gamma, beta]) as tfl.SymbolicTensor;
    return classifierHead(activate(modulated, options.modulated, layers), options, layers, ctx.units);
  },
};
