/**
 * MGDA-UB (Sener & Koltun, "Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018):
 * the update is the min-norm point of the convex hull of the task gradients (Frank-Wolfe /
 * projected-gradient solver of jacobian/min-norm.ts), after the paper's gradient normalization.
 * "UB" is the upper-bound variant: run on the gradients of the shared representation (the
 * registry's `representation: true`), one backward pass through the trunk.
 *
 * As LibMTL (`LibMTL/weighting/MGDA.py`): each row is divided by its normalizer n_i
 * (`gradient_normalizers`: 'none' → 1, 'l2' → ‖g_i‖, 'loss' → L_i, 'loss+' → L_i‖g_i‖), the
 * min-norm weights w are found for the normalized rows, and the direction is Σ w_i g_i / n_i (the
 * normalized rows combined), so the reported weight of task i is w_i / n_i. Task-specific
 * parameters keep their own gradient unscaled, as in LibMTL (the authors' script instead scales
 * every loss by w_i). Default normalization 'none', LibMTL's `mgda_gn` default.
 */
import { z } from 'zod';
import { ObjectiveError } from '../../errors.js';
import type { Jacobian } from '../jacobian/jacobian.js';
import { norm } from '../jacobian/linalg.js';
import { minNormWeights } from '../jacobian/min-norm.js';
import { checkLabelledFlags, weighLabelledRows } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting } from '../weighting.js';

/** Options of MGDA-UB. */
export const MgdaOptionsSchema = z
  .object({
    /**
     * How each task's gradient is normalized before the min-norm solve (the paper's
     * `gradient_normalizers`): 'none' (default, LibMTL's `mgda_gn`), 'l2' (by its norm), 'loss'
     * (by the task's loss), 'loss+' (by loss × norm).
     */
    normalization: z.enum(['none', 'l2', 'loss', 'loss+']).default('none'),
  })
  .strict();

/** Options of MGDA-UB, parsed. */
export type MgdaOptions = z.infer<typeof MgdaOptionsSchema>;

/** The normalizer n_i of one labelled row; 0 means the row is dropped (a zero norm or a zero loss). */
function normalizer(kind: MgdaOptions['normalization'], row: Float32Array, loss: number, task: string): number {
  if (kind === 'none') return 1;
  if (kind === 'l2') return norm(row);
  if (!Number.isFinite(loss) || loss < 0) {
    throw new ObjectiveError(
      `MGDA normalization '${kind}' needs a finite non-negative loss, but task '${task}' has loss ${loss}`,
      "use normalization 'l2' or 'none' with this loss",
    );
  }
  return kind === 'loss' ? loss : loss * norm(row);
}

/** Creates the gradient method. */
function createMgda(options: MgdaOptions, tasks: readonly string[]): GradientMethod {
  const m = tasks.length;
  let last: readonly number[] = Array.from({ length: m }, () => 1 / m);
  return {
    kind: 'gradient',
    aggregate(jacobian: Jacobian, info): Aggregation {
      checkLabelledFlags('MGDA', jacobian, info.labelled);
      const out = weighLabelledRows(jacobian, info.labelled, (g, k, active) => {
        // 1/n_i per active row; a zero normalizer (zero row, or zero loss: that task is at its
        // optimum) drops the row to zero rather than dividing by zero.
        const scales = active.map((i) => {
          const n = normalizer(options.normalization, jacobian.rows[i], info.losses[i], tasks[i] ?? String(i));
          return n > 0 ? 1 / n : 0;
        });
        for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) g[a * k + b] *= scales[a] * scales[b];
        const { weights: w } = minNormWeights(g, k);
        return scales.map((s, a) => w[a] * s);
      });
      last = out.weights;
      return out;
    },
    weights: () => last,
  };
}

/** MGDA-UB, registered as `mgda`. */
export const mgda: RegisteredWeighting<MgdaOptions> = {
  name: 'mgda',
  summary: 'MGDA-UB: the min-norm point of the convex hull of the task gradients (the authors\' min-norm solver; Frank-Wolfe as an option), optionally normalized',
  reference: 'Sener & Koltun, NeurIPS 2018',
  kind: 'gradient',
  representation: true,
  options: MgdaOptionsSchema,
  optionNames: Object.keys(MgdaOptionsSchema.shape),
  create: (options, setup) => createMgda(options, setup.tasks),
};
