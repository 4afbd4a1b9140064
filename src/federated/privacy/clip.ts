/**
 * L2 clipping of an update, the sensitivity bound of every DP aggregate: Δ ← Δ·min(1, C/‖Δ‖).
 * Pure, float64 accumulation.
 */

/** What clipping did: the norm before and the factor applied (1 when within the clip). */
export interface Clipped {
  norm: number;
  scale: number;
}

/** ‖values‖₂ accumulated in float64. */
export function l2Norm(values: Float64Array | Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return Math.sqrt(s);
}

/** Scales `values` in place so that its L2 norm is at most `clip` (> 0). */
export function clipToNorm(values: Float64Array | Float32Array, clip: number): Clipped {
  const norm = l2Norm(values);
  const scale = norm > clip ? clip / norm : 1;
  if (scale !== 1) for (let i = 0; i < values.length; i++) values[i] *= scale;
  return { norm, scale };
}
