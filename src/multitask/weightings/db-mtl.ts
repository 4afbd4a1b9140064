/**
 * DB-MTL, dual-balancing multi-task learning (Lin et al., "Dual-Balancing for Multi-Task
 * Learning", 2023). Two balancings, as LibMTL's `LibMTL/weighting/DB_MTL.py` (by the paper's
 * authors):
 *
 * - loss scale: every task's loss is replaced by log(Lᵢ + ε) inside the tape (`transformLosses`,
 *   ε = 1e-8 as LibMTL), so the Jacobian rows are ∇ log Lᵢ = ∇Lᵢ / Lᵢ and the task-specific
 *   parameters see the logarithm too;
 * - gradient magnitude: each task keeps an exponential moving average of its (log-loss) gradient,
 *   ĝᵢ ← gᵢ + βₜ(ĝᵢ − gᵢ) with βₜ = β / tᵢ^σ (tᵢ the task's update count; buffers start at 0, as
 *   LibMTL), and the update is d = Σᵢ (maxⱼ‖ĝⱼ‖ / ‖ĝᵢ‖) ĝᵢ: every task's average gradient scaled
 *   to the largest norm.
 *
 * A task without labels in the step keeps its buffer and update count unchanged and is left out
 * of d (weight 0) and of the maximum; its transformed loss is a connected 0. With one labelled
 * task the direction is its gradient (its buffer is still updated).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { ShapeMismatchError } from '../../errors.js';
import { activeTasks, checkAggregateInput, checkGradientSetup, expandWeights } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting, WeightingSetup } from '../weighting.js';

/** Options of `db-mtl` (LibMTL's defaults). */
export const DbMtlOptionsSchema = z
  .object({
    /** β, the weight of the past in the gradients' moving average; default 0.9 (LibMTL `DB_beta`). */
    beta: z.number().min(0).max(1).default(0.9),
    /** σ, the decay of β with the step count, βₜ = β/t^σ; default 0, a constant β (LibMTL `DB_beta_sigma`). */
    betaSigma: z.number().min(0).default(0),
  })
  .strict();
export type DbMtlOptions = z.infer<typeof DbMtlOptionsSchema>;

/** The ε of log(L + ε), as LibMTL. */
const LOG_EPSILON = 1e-8;

/**
 * One moving-average update in place, ĝ ← g + βₜ(ĝ − g), summed in float64 per element; returns
 * ‖ĝ‖ after it. Pure over its arrays; exported for tests.
 */
export function updateAverage(buffer: Float32Array, gradient: Float32Array, betaT: number): number {
  let sq = 0;
  for (let k = 0; k < buffer.length; k++) {
    const v = gradient[k] + betaT * (buffer[k] - gradient[k]);
    buffer[k] = v;
    sq += v * v;
  }
  return Math.sqrt(sq);
}

/** `db-mtl`: log-loss balancing and max-norm balancing of moving-average gradients. */
export const dbMtl: RegisteredWeighting<DbMtlOptions> = {
  name: 'db-mtl',
  summary: 'dual balancing: logarithm of each loss, then every task gradient (moving average) scaled to the largest norm',
  reference: 'Lin et al., 2023 (arXiv:2308.12029)',
  kind: 'gradient',
  representation: true,
  options: DbMtlOptionsSchema,
  optionNames: ['beta', 'betaSigma'],
  create(options: DbMtlOptions, setup: WeightingSetup): GradientMethod {
    checkGradientSetup('db-mtl', setup);
    const m = setup.tasks.length;
    let buffers: Float32Array[] | undefined;
    const counts = new Array<number>(m).fill(0);
    const norms = new Array<number>(m).fill(0);
    let last: readonly number[] = new Array<number>(m).fill(1);
    return {
      kind: 'gradient',
      transformLosses(losses, labelled) {
        if (losses.length !== m || labelled.length !== m) {
          throw new ShapeMismatchError(
            `db-mtl got ${losses.length} losses and ${labelled.length} labelled flags for ${m} tasks (${setup.tasks.join(', ')})`,
            'pass one loss and one labelled flag per task, in task order',
          );
        }
        return tf.tidy(() => losses.map((loss, i) => (labelled[i] ? tf.log(tf.add(loss, LOG_EPSILON)) : tf.mul(loss, 0)) as tf.Scalar));
      },
      aggregate(jacobian, info): Aggregation {
        checkAggregateInput('db-mtl', setup.tasks, jacobian, info);
        if (buffers === undefined) buffers = jacobian.rows.map(() => new Float32Array(jacobian.n));
        if (buffers[0].length !== jacobian.n) {
          throw new ShapeMismatchError(
            `db-mtl: the Jacobian has ${jacobian.n} columns, its moving averages ${buffers[0].length}`,
            'create a new db-mtl method for a model with other shared parameters',
          );
        }
        const idx = activeTasks(info.labelled);
        for (const i of idx) {
          counts[i]++;
          norms[i] = updateAverage(buffers[i], jacobian.rows[i], options.beta / counts[i] ** options.betaSigma);
        }
        if (idx.length === 0) {
          last = new Array<number>(m).fill(0);
          return { direction: new Float32Array(jacobian.n), weights: last };
        }
        if (idx.length === 1) {
          last = expandWeights([1], idx, m);
          return { direction: Float32Array.from(jacobian.rows[idx[0]]), weights: last };
        }
        const largest = Math.max(...idx.map((i) => norms[i]));
        // LibMTL's max / (norm + 1e-8), relative to the largest norm; a zero average contributes nothing.
        const coefficients = idx.map((i) => (norms[i] > 0 ? largest / (norms[i] + 1e-8 * largest) : 0));
        const acc = new Float64Array(jacobian.n);
        idx.forEach((t, k) => {
          const c = coefficients[k];
          if (c === 0) return;
          const b = (buffers as Float32Array[])[t];
          for (let e = 0; e < acc.length; e++) acc[e] += c * b[e];
        });
        last = expandWeights(coefficients, idx, m);
        return { direction: Float32Array.from(acc), weights: last };
      },
      weights: () => last,
    };
  },
};
