/**
 * Update compression on the client (`strategy.compression`): the update Δ = y − x (after any
 * DP-FedAvg clipping and noise, so the guarantee holds: compression is post-processing) is encoded
 * by a codec of `compression/`, optionally with error feedback (what the codec dropped is kept in
 * the client's state and added to the next round's update). The reply then carries the bytes; the
 * parameters returned are what the server will decode, x + decode(bytes). q8's stochastic rounding
 * is seeded by the round and the client (it protects nothing, so it may be reproducible).
 * Browser-safe.
 */
import { createRng, deriveSeed } from '../../../engine/random.js';
import { createCodec, decodeUpdate, encodeWithErrorFeedback, type UpdateCodec } from '../../compression/index.js';
import type { ParsedClientTrainConfig } from '../../client-config.js';
import { COMPRESSION_RESIDUAL } from './options.js';
import type { TransformInput, TransformOutput, UpdateTransform } from './transform.js';

/** The round's codec for one client. */
function codecOf(config: ParsedClientTrainConfig, clientId: string): UpdateCodec {
  const rng = createRng(deriveSeed(config.seed, `compression/${clientId}`));
  return createCodec(config.compression, { random: rng, blockSize: config.compressionBlock, fraction: config.compressionFraction });
}

/** Compression of the reply's update. */
export const compressTransform: UpdateTransform = {
  name: 'compress',
  stateNames: [COMPRESSION_RESIDUAL],
  active: (config) => config.compression !== 'none',
  apply(input: TransformInput): TransformOutput {
    const { global, params, config, clientId } = input;
    const delta = new Float32Array(params.length);
    for (let i = 0; i < delta.length; i++) delta[i] = params[i] - global[i];
    const codec = codecOf(config, clientId);
    let bytes: Uint8Array;
    let decoded: Float32Array;
    const state: Record<string, Float32Array> = {};
    if (config.compressionErrorFeedback) {
      const old = input.state[COMPRESSION_RESIDUAL];
      // A residual of another length belongs to another model: start again without it.
      const r = encodeWithErrorFeedback(delta, old !== undefined && old.length === delta.length ? old : undefined, codec);
      bytes = r.encoded.bytes;
      decoded = r.decoded;
      state[COMPRESSION_RESIDUAL] = Float32Array.from(r.residual);
    } else {
      bytes = codec.encode(delta).bytes;
      decoded = decodeUpdate(bytes, delta.length);
    }
    const out = new Float32Array(params.length);
    for (let i = 0; i < out.length; i++) out[i] = global[i] + decoded[i];
    return { params: out, extras: {}, state, encoded: bytes };
  },
};
