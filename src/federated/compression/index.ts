/**
 * Federated update compression: pure codecs over Float32Arrays producing self-describing bytes
 * (8-byte header with magic, version, codec id and length; see `format.ts`), the decoder that
 * validates them, error feedback, size summaries, and the composition rules with secure
 * aggregation and DP. No tfjs, no transport. Browser-safe.
 */
export {
  CODEC_IDS,
  CODEC_NAMES,
  FORMAT_VERSION,
  HEADER_BYTES,
  MAX_LENGTH,
  readHeader,
  type CodecName,
  type EncodedUpdate,
  type UpdateCodec,
  type UpdateHeader,
} from './format.js';
export { FLOAT16_MAX, decodeFloat16, encodeFloat16, float16Codec, fromFloat16Bits, toFloat16Bits } from './float16.js';
export { Q8_DEFAULT_BLOCK, decodeQ8, encodeQ8, q8Bytes, q8Codec, type Q8Options } from './q8.js';
export { decodeTopK, encodeTopK, topKCodec, topKCount, topKIndices, type TopKOptions } from './topk.js';
export { uniformFiller, type UniformInput } from './uniforms.js';
export { createCodec, decodeUpdate, isCodecName, type CodecOptions } from './registry.js';
export { encodeWithErrorFeedback, type ErrorFeedbackResult } from './error-feedback.js';
export { bytesOf, compressionSummary, type CompressionSummary } from './summary.js';
export { compressionConflicts, type CompressionContext } from './composition.js';
