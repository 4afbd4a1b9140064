/**
 * Options of secure aggregation in a composed strategy, validated by zod, with their defaults in
 * one place (the SecAgg+ protocol's own defaults are in `secagg/setup.ts` and `secagg/ring.ts`).
 * With `secureAggregation`, the server learns only the sum of the sampled clients' updates
 * (Bell et al., CCS 2020, SecAgg+; on Bonawitz et al., CCS 2017), never one update.
 */
import { z } from 'zod';

/** `secagg+`: SecAgg+ over each client's k-neighbour graph, with fixed-point quantization into Z_{2^32}. */
export const SecAggPlusSchema = z
  .object({
    name: z.literal('secagg+'),
    /**
     * The fraction of a round's clients that may vanish after sharing their secrets without the
     * round failing, in [0, 0.5). Sizes the default `neighbours` (failure probability ≤ 1e-6). Default 0.3.
     */
    maxDropout: z.number().min(0).lt(0.5).default(0.3),
    /** k, neighbours per client (even unless n − 1, at most 254). Default: the smallest that survives `maxDropout` (8 at 10 clients, 60 at 100, 174 at 1,000 for 0.3). */
    neighbours: z.number().int().min(2).max(254).optional(),
    /** t, the shares needed to reconstruct a client's secrets, in [2, k]. Default ⌊k/2⌋ + 1: each client survives k − t dropped neighbours. */
    threshold: z.number().int().min(2).max(255).optional(),
    /** Every coordinate of w·(y − x) is clipped to [−clipRange, clipRange] before quantization. Default 8 (Flower's). */
    clipRange: z.number().positive().default(8),
    /** Fraction bits of the fixed-point encoding, in [1, 24]: the sum's error is at most n/2^bits per coordinate. Default 16. */
    fractionBits: z.number().int().min(1).max(24).default(16),
  })
  .strict();

/** `{ name, ...options }` of a secure aggregation protocol (only `secagg+` for now). */
export const SecureAggregationSpecSchema = z.discriminatedUnion('name', [SecAggPlusSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown secure aggregation; use: secagg+' : undefined),
});

/** A validated secure aggregation spec, defaults filled. */
export type SecureAggregationSpec = z.infer<typeof SecureAggregationSpecSchema>;
/** A secure aggregation spec as a user writes it. */
export type SecureAggregationSpecInput = z.input<typeof SecureAggregationSpecSchema>;
