/** The update codecs a strategy can name, with one-line summaries (the codecs live in `compression/`). */
import { NamedRegistry } from '../named-registry.js';
import { COMPRESSION_NAMES, type CompressionSpec } from './options.js';

/** A registered codec. */
export interface RegisteredCompression {
  readonly name: CompressionSpec['name'];
  readonly summary: string;
}

const SUMMARIES: Record<CompressionSpec['name'], string> = {
  float16: 'IEEE half precision: 2 bytes a value',
  q8: '8-bit stochastic quantization per block, unbiased: about 1 byte a value',
  topk: 'the largest-magnitude fraction of the update, with error feedback',
};

/** The codecs, in registry order. */
export const COMPRESSIONS = new NamedRegistry<RegisteredCompression>('compression', COMPRESSION_NAMES.map((name) => ({ name, summary: SUMMARIES[name] })));

/** The round-config entries that switch a spec's compression on at the clients (`client/transforms/options.ts`). */
export function compressionRoundConfig(spec: CompressionSpec): Record<string, number | string | boolean> {
  return {
    compression: spec.name,
    compressionErrorFeedback: spec.errorFeedback,
    ...(spec.name === 'q8' ? { compressionBlock: spec.blockSize } : {}),
    ...(spec.name === 'topk' ? { compressionFraction: spec.fraction } : {}),
  };
}
