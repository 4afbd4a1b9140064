/**
 * Error feedback (Stich et al. 2018, "Sparsified SGD with memory"; Karimireddy et al. 2019,
 * "Error feedback fixes SignSGD"): the client keeps what compression dropped and adds it to the
 * next round's update, so nothing is lost over rounds. With eₜ the residual and Δₜ the update,
 * the client sends C(Δₜ + eₜ₋₁) and keeps eₜ = Δₜ + eₜ₋₁ − D(C(Δₜ + eₜ₋₁)); hence
 * Σₜ D(C(·)) = Σₜ Δₜ − e_T exactly (in float64), and for a contracting codec (top-k) eₜ stays
 * bounded. Works with any codec. Browser-safe, pure.
 */
import { ShapeMismatchError } from '../../errors.js';
import type { EncodedUpdate, UpdateCodec } from './format.js';

/** What one round of error feedback returns. */
export interface ErrorFeedbackResult {
  /** What to send: the encoding of update + old residual. */
  encoded: EncodedUpdate;
  /** What the server will decode from `encoded` (the client's view of it). */
  decoded: Float32Array;
  /** The new residual, update + old residual − decoded, in float64; keep it for the next round. */
  residual: Float64Array;
}

/**
 * Encodes `update + residual` with `codec` and returns the new residual. `residual` is the one of
 * the previous round (undefined or empty in the first); neither input is modified. Throws
 * ShapeMismatchError when the lengths differ (e.g. the model changed: start from no residual).
 */
export function encodeWithErrorFeedback(
  update: Float32Array,
  residual: Float32Array | Float64Array | undefined,
  codec: UpdateCodec,
): ErrorFeedbackResult {
  const n = update.length;
  const old = residual !== undefined && residual.length > 0 ? residual : undefined;
  if (old !== undefined && old.length !== n) {
    throw new ShapeMismatchError(`error feedback: residual has ${old.length} values, the update ${n}`, 'drop the residual when the model changes');
  }
  const corrected = new Float64Array(n);
  for (let i = 0; i < n; i++) corrected[i] = old === undefined ? update[i] : update[i] + old[i];
  const encoded = codec.encode(Float32Array.from(corrected));
  const decoded = codec.decode(encoded.bytes, n);
  const next = corrected; // reuse: residual = corrected − decoded
  for (let i = 0; i < n; i++) next[i] -= decoded[i];
  return { encoded, decoded, residual: next };
}
