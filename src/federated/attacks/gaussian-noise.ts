/** Gaussian noise: a malicious client sends g + N(0, σ²) per coordinate instead of its update. */
import type { Rng } from '../../engine/random.js';
import { fillNormal } from '../partition/normal.js';
import type { Attack, AttackSpecOf } from './attack.js';
import { checkSameLength } from './check-lengths.js';

/** Options of `gaussianNoiseUpdate`. */
export interface GaussianNoiseOptions {
  /** The round's global parameters g. */
  global: Float32Array;
  /** Standard deviation σ of the noise added to every coordinate. */
  sigma: number;
  /** Source of the noise (seeded; Box–Muller). */
  rng: Rng;
}

/** A new array g + N(0, sigma²) per coordinate; the client's trained parameters are ignored and `global` is not modified. */
export function gaussianNoiseUpdate(opts: GaussianNoiseOptions): Float32Array {
  const noise = fillNormal(new Float64Array(opts.global.length), opts.rng, { sigma: opts.sigma });
  const out = new Float32Array(opts.global.length);
  for (let i = 0; i < out.length; i++) out[i] = opts.global[i] + noise[i];
  return out;
}

/** The Gaussian-noise attack with its `sigma`. */
export function gaussianNoiseAttack(spec: AttackSpecOf<'gaussian-noise'>): Attack {
  return {
    name: 'gaussian-noise',
    spec,
    poisonUpdate: (global, params, rng) => {
      checkSameLength('gaussian-noise', global, params);
      return gaussianNoiseUpdate({ global, sigma: spec.sigma, rng });
    },
  };
}
