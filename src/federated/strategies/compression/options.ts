/**
 * Options of update compression in a composed strategy, validated by zod, with their defaults in
 * one place. Clients encode their update y − x with the codec (`compression/`, after any DP
 * clipping and noise) and the runtime decodes it before aggregation; reports count the bytes sent.
 */
import { z } from 'zod';

/** Error feedback (Karimireddy et al. 2019): what the codec dropped is added to the client's next update. */
const errorFeedback = (byDefault: boolean) => z.boolean().default(byDefault);

/** `float16`: IEEE half precision, 2 bytes a value; values beyond ±65504 are refused. */
export const Float16CompressionSchema = z.object({ name: z.literal('float16'), /** Default false. */ errorFeedback: errorFeedback(false) }).strict();

/** `q8`: 8-bit stochastic quantization per block of values (unbiased), about 1 byte a value. */
export const Q8CompressionSchema = z
  .object({
    name: z.literal('q8'),
    /** Values per block sharing a min and max (float32 each). Default 256. */
    blockSize: z.number().int().min(1).max(1 << 20).default(256),
    /** Default false. */
    errorFeedback: errorFeedback(false),
  })
  .strict();

/** `topk`: the largest-magnitude fraction of the update (indices and float32 values). */
export const TopKCompressionSchema = z
  .object({
    name: z.literal('topk'),
    /** The fraction of entries sent, in (0, 1]. Default 0.01. */
    fraction: z.number().gt(0).max(1).default(0.01),
    /** Default true: without it top-k loses what it drops for good. */
    errorFeedback: errorFeedback(true),
  })
  .strict();

const COMPRESSION_SCHEMAS = [Float16CompressionSchema, Q8CompressionSchema, TopKCompressionSchema] as const;

/** The names of the codecs, in registry order. */
export const COMPRESSION_NAMES = COMPRESSION_SCHEMAS.map((s) => s.shape.name.value);

/** `{ name, ...options }` of a codec. */
export const CompressionSpecSchema = z.discriminatedUnion('name', COMPRESSION_SCHEMAS, {
  error: (issue) => (issue.code === 'invalid_union' ? `unknown compression; use one of: ${COMPRESSION_NAMES.join(', ')}` : undefined),
});

/** A validated compression spec, defaults filled. */
export type CompressionSpec = z.infer<typeof CompressionSpecSchema>;
