/**
 * `adaptive-clip`: DP-FedAvg whose clip follows a target quantile γ of the update norms (Andrew
 * et al., NeurIPS 2021): C ← C·exp(−η(b̄ − γ)), with b̄ the fraction of updates within the clip,
 * estimated from a sum noised with σ_b = countNoiseFraction × m. The update noise is lowered to
 * z_Δ = (z^(−2) − (2σ_b)^(−2))^(−1/2) so that the two queries together cost exactly z.
 */
import { nextClip } from '../../privacy/adaptive-clip.js';
import type { PrivacySpecOf } from './options.js';
import { DpFedAvg, type ClipRule } from './dp-fedavg.js';

const CLIP = 'privacy.clip';

/** A clip that follows the quantile. */
function quantileRule(spec: PrivacySpecOf<'adaptive-clip'>): ClipRule {
  let clip = spec.initialClip;
  return {
    current: () => clip,
    countStd: (sampled) => spec.countNoiseFraction * sampled,
    next: (below) => nextClip(clip, below, spec.targetQuantile, spec.clipLearningRate),
    stateNames: [CLIP],
    getState: () => ({ [CLIP]: clip }),
    setState: (scalars) => {
      clip = scalars[CLIP] ?? spec.initialClip;
    },
    set: (value) => {
      clip = value;
    },
  };
}

/** DP-FedAvg with adaptive clipping. */
export class AdaptiveClipPrivacy extends DpFedAvg {
  constructor(spec: PrivacySpecOf<'adaptive-clip'>) {
    super(spec, quantileRule(spec), true);
  }
}
