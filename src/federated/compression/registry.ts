/**
 * The update codecs by name, and the decoder that dispatches on the codec id in the header. Adding
 * a codec: its name and id in `format.ts`, its file, one entry in each table here. Browser-safe, pure.
 */
import { ConfigError, ProtocolError, UnknownNameError } from '../../errors.js';
import { decodeFloat16, float16Codec } from './float16.js';
import { CODEC_NAMES, checkLength, readHeader, type CodecName, type UpdateCodec } from './format.js';
import { decodeQ8, q8Codec } from './q8.js';
import { decodeTopK, topKCodec } from './topk.js';
import type { UniformInput } from './uniforms.js';

/** The options of every codec, flat (as a round config would carry them); each codec reads its own. */
export interface CodecOptions {
  /** q8: the rounding randomness (required for q8). */
  random?: UniformInput;
  /** q8: values per block (default 256). */
  blockSize?: number;
  /** topk: fraction of entries kept, in (0, 1]; give this or `count`. */
  fraction?: number;
  /** topk: number of entries kept; give this or `fraction`. */
  count?: number;
}

/** Whether `name` is a known codec name. */
export function isCodecName(name: string): name is CodecName {
  return (CODEC_NAMES as readonly string[]).includes(name);
}

/** The codec `name` configured by `options`; UnknownNameError for an unknown name, ConfigError for missing or bad options. */
export function createCodec(name: string, options: CodecOptions = {}): UpdateCodec {
  if (!isCodecName(name)) throw new UnknownNameError('update codec', name, CODEC_NAMES);
  switch (name) {
    case 'float16':
      return float16Codec;
    case 'q8': {
      const { random, blockSize } = options;
      if (random === undefined) throw new ConfigError('random', 'q8 needs a uniform source for its stochastic rounding');
      return q8Codec(blockSize === undefined ? { random } : { random, blockSize });
    }
    case 'topk': {
      const { fraction, count } = options;
      if ((fraction === undefined) === (count === undefined)) throw new ConfigError('topk', 'give exactly one of fraction and count');
      return topKCodec(fraction !== undefined ? { fraction } : { count: count as number });
    }
  }
}

const DECODERS: Readonly<Record<CodecName, (bytes: Uint8Array, expectedLength: number) => Float32Array>> = {
  float16: decodeFloat16,
  q8: decodeQ8,
  topk: decodeTopK,
};

/**
 * Decodes any encoded update into `expectedLength` values, the codec read from the header. With
 * `expectedCodec`, refuses bytes of another codec (a receiver that configured one should pass it).
 * Throws ProtocolError for anything malformed.
 */
export function decodeUpdate(bytes: Uint8Array, expectedLength: number, expectedCodec?: CodecName): Float32Array {
  checkLength(expectedLength, 'expectedLength');
  const { codec } = readHeader(bytes);
  if (expectedCodec !== undefined && codec !== expectedCodec) {
    throw new ProtocolError(`compressed update: codec is '${codec}', expected '${expectedCodec}'`);
  }
  return DECODERS[codec](bytes, expectedLength);
}
