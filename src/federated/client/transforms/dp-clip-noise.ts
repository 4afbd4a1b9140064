/**
 * DP-FedAvg on the client (`privacy.noise: 'clients'`): clip the update Δ = y − x to the round's
 * L2 norm C, add the client's share of the Gaussian noise, and, for adaptive clipping, return the
 * noised indicator bᵢ − ½ of ‖Δ‖ ≤ C (Andrew et al. 2021). The noise comes from the cryptographic
 * generator unless the round config gives a seed (simulations). Browser-safe.
 */
import { deriveSeed } from '../../../engine/random.js';
import { addGaussianNoise, secureUniforms, seededUniforms, type UniformSource } from '../../privacy/gaussian-noise.js';
import { clipToNorm } from '../../privacy/clip.js';
import { DP_BELOW_CLIP } from './options.js';
import type { TransformInput, TransformOutput, UpdateTransform } from './transform.js';

/** The noise source of a client's round. */
function noiseSource(input: TransformInput): UniformSource {
  const { dpNoiseSeed, seed } = input.config;
  return dpNoiseSeed < 0 ? secureUniforms() : seededUniforms(deriveSeed(dpNoiseSeed, `round-seed-${seed}`), `dp/${input.clientId}`);
}

/** Clipping and noise of DP-FedAvg's distributed mode. */
export const dpClipNoiseTransform: UpdateTransform = {
  name: 'dp',
  stateNames: [],
  active: (config) => config.dpClip > 0,
  apply(input: TransformInput): TransformOutput {
    const { global, params, config } = input;
    const delta = new Float64Array(params.length);
    for (let i = 0; i < delta.length; i++) delta[i] = params[i] - global[i];
    const { norm } = clipToNorm(delta, config.dpClip);
    const source = noiseSource(input);
    const extras: Record<string, Float32Array> = {};
    if (config.dpAdaptive) {
      const below = new Float64Array([norm <= config.dpClip ? 0.5 : -0.5]);
      addGaussianNoise(below, config.dpCountNoiseStd, source);
      extras[DP_BELOW_CLIP] = Float32Array.from(below);
    }
    addGaussianNoise(delta, config.dpNoiseStd, source);
    const out = new Float32Array(params.length);
    for (let i = 0; i < out.length; i++) out[i] = global[i] + delta[i];
    return { params: out, extras };
  },
};
