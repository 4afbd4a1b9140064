/**
 * Adaptive clipping (Andrew, Thakkar, McMahan & Ramaswamy, NeurIPS 2021, "Differentially Private
 * Learning with Adaptive Clipping"): the clip C follows a target quantile γ of the clients'
 * update norms by the geometric rule C ← C·exp(−η·(b̄ − γ)), where b̄ is the privately estimated
 * fraction of updates with ‖Δ‖ ≤ C. Each client contributes bᵢ − ½ ∈ {−½, ½} to a sum noised with
 * standard deviation σ_b, so that query has noise multiplier 2σ_b; the update sum's noise
 * multiplier z_Δ is lowered so that the two compose to the configured z exactly:
 * z^(−2) = z_Δ^(−2) + (2σ_b)^(−2) (the paper's Thm. 1; TensorFlow Federated's
 * `QuantileAdaptiveClipSumQuery` does the same). Pure.
 */
import { ConfigError } from '../../errors.js';

/** z_Δ for a total noise multiplier z and a count noise σ_b: (z^(−2) − (2σ_b)^(−2))^(−1/2). */
export function updateNoiseMultiplier(noiseMultiplier: number, countStd: number): number {
  const rest = noiseMultiplier ** -2 - (2 * countStd) ** -2;
  if (!(rest > 0)) {
    throw new ConfigError(
      'privacy.countNoiseFraction',
      `adaptive clipping with noise multiplier ${noiseMultiplier} needs a count noise above ${noiseMultiplier / 2} (σ_b > z/2), and the round's clients give σ_b = ${countStd}`,
      'raise privacy.countNoiseFraction (σ_b = countNoiseFraction × clients per round), sample more clients per round, or lower the noise multiplier',
    );
  }
  return rest ** -0.5;
}

/** b̄: the estimated fraction of updates within the clip from the noised sum of (bᵢ − ½) over n replies. */
export function belowClipFraction(noisedCenteredSum: number, replies: number): number {
  return noisedCenteredSum / replies + 0.5;
}

/** The next clip: C·exp(−η·(b̄ − γ)). */
export function nextClip(clip: number, belowFraction: number, targetQuantile: number, learningRate: number): number {
  return clip * Math.exp(-learningRate * (belowFraction - targetQuantile));
}
