/** Sizes of encoded updates, and their compression versus sending float32. Browser-safe, pure. */
import type { CodecName, EncodedUpdate } from './format.js';

/** Bytes an encoded update takes on the wire (header included). */
export function bytesOf(encoded: EncodedUpdate): number {
  return encoded.bytes.byteLength;
}

/** Size figures of one encoded update. */
export interface CompressionSummary {
  /** The codec. */
  codec: CodecName;
  /** Values in the vector. */
  length: number;
  /** Encoded bytes, header included. */
  bytes: number;
  /** Bytes of the same vector as raw float32: 4 · length. */
  float32Bytes: number;
  /** float32Bytes / bytes: how many times smaller (0 for an empty vector). */
  ratio: number;
  /** 8 · bytes / length: bits per value on the wire (0 for an empty vector). */
  bitsPerValue: number;
}

/** The size, ratio versus float32 and bits per value of an encoded update. */
export function compressionSummary(encoded: EncodedUpdate): CompressionSummary {
  const bytes = bytesOf(encoded);
  const float32Bytes = 4 * encoded.length;
  return {
    codec: encoded.codec,
    length: encoded.length,
    bytes,
    float32Bytes,
    ratio: float32Bytes / bytes,
    bitsPerValue: encoded.length === 0 ? 0 : (8 * bytes) / encoded.length,
  };
}
