/** The `seeds` field of experiment configs (mutual, multi-task), validated by zod. */
import { z } from 'zod';
import { MAX_SEED } from './random.js';

/**
 * A run's seeds: at least one, each an integer in [0, MAX_SEED], no seed listed twice (each seed
 * is one replicate). Default [0].
 */
export const SeedsSchema = z
  .array(z.number().int().min(0).max(MAX_SEED))
  .min(1)
  .superRefine((seeds, ctx) => {
    const repeated = seeds.find((s, i) => seeds.indexOf(s) !== i);
    if (repeated !== undefined) ctx.addIssue({ code: 'custom', message: `seed ${repeated} is listed more than once; each seed is one replicate` });
  })
  .default([0]);
