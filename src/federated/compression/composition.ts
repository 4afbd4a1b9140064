/**
 * Which federated settings an update codec composes with. Pure: the lead's config validation
 * calls it and turns a reason into a ConfigError.
 *
 * - Secure aggregation: every codec is refused. The masks are dense and uniform over SecAgg's
 *   ring, so a masked update cannot be sparsified or quantized, and compressing before masking
 *   gains nothing: SecAgg quantizes into its own fixed-point ring anyway. Its fraction bits are
 *   the knob for the size of a masked update instead.
 * - Differential privacy: every codec composes. With `clients` noise the client compresses after
 *   clipping and noising, and post-processing keeps the (ε, δ) guarantee (the q8 rounding
 *   randomness is independent of the data, top-k and error feedback only see the privatized update).
 *   With `server` noise the server clips the decoded update before adding noise, which it does
 *   to whatever it receives, so the guarantee is that of the server's mechanism.
 */
import { UnknownNameError } from '../../errors.js';
import { CODEC_NAMES } from './format.js';
import { isCodecName } from './registry.js';

/** The federated settings a codec must compose with. */
export interface CompressionContext {
  /** Whether replies are masked for secure aggregation. */
  secureAggregation: boolean;
  /** Where the DP noise is added, or none. */
  privacy: 'none' | 'server' | 'clients';
}

/**
 * Undefined when `codec` composes with `context`, else the reason it does not. Throws
 * UnknownNameError for an unknown codec name.
 */
export function compressionConflicts(codec: string, context: CompressionContext): string | undefined {
  if (!isCodecName(codec)) throw new UnknownNameError('update codec', codec, CODEC_NAMES);
  if (context.secureAggregation) {
    return (
      `compression '${codec}' cannot be combined with secure aggregation: masks are dense and uniform ` +
      `over SecAgg's ring, so masked updates do not compress, and SecAgg quantizes into its own ring; ` +
      `lower SecAgg's fraction bits to shrink masked updates instead`
    );
  }
  return undefined; // every codec composes with DP (post-processing) and with no privacy
}
