/**
 * GradNorm (Chen et al., "GradNorm: Gradient Normalization for Adaptive Loss Balancing in Deep
 * Multitask Networks", ICML 2018). Each task has a learned weight wᵢ (starting at 1); the update is
 * d = Σᵢ wᵢ gᵢ and the task-specific parameters see the loss wᵢ Lᵢ (`taskScales` = w). After each
 * step the weights take one gradient step on (paper eq. 2)
 *
 *   L_grad = Σᵢ | wᵢ‖gᵢ‖ − Ḡ · rᵢ^α |,   Ḡ = meanᵢ wᵢ‖gᵢ‖,  rᵢ = L̃ᵢ / meanⱼ L̃ⱼ,  L̃ᵢ = Lᵢ(t) / Lᵢ(0),
 *
 * with Ḡ·rᵢ^α held constant as in the paper, so ∂L_grad/∂wᵢ = sign(wᵢ‖gᵢ‖ − Ḡ rᵢ^α)·‖gᵢ‖ and no
 * autograd is needed; then the weights are renormalized to Σᵢ wᵢ = T, the number of tasks
 * (paper section 3.2). Differences from the paper, and why:
 *
 * - The paper takes gᵢ on the last shared layer's weights; here the rows are the gradients of all
 *   shared parameters (or of the shared representation, with `representation`).
 * - Lᵢ(0) is the task's loss at the first step where it had labels (the paper's "initial loss";
 *   LibMTL uses the mean loss of the first epoch and trains the weights only from epoch 1).
 * - The weights take plain gradient steps of `learningRate` (LibMTL trains softmax logits of
 *   them with the model's optimizer); they are kept above 1e-6, which the paper does not say but
 *   which keeps every task's weight positive as LibMTL's softmax does.
 * - A task without labels in the step is skipped: its weight neither enters the update nor
 *   changes, and the renormalization of the others keeps their sum (so Σw stays T).
 */
import { z } from 'zod';
import { combineRows, norm } from '../jacobian/linalg.js';
import { activeTasks, checkAggregateInput, checkGradientSetup, expandWeights, subJacobian } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting, WeightingSetup } from '../weighting.js';

/** Options of `gradnorm`. */
export const GradnormOptionsSchema = z
  .object({
    /** α, the strength of the pull towards a common training rate; default 1.5 (LibMTL's default). */
    alpha: z.number().min(0).default(1.5),
    /** Step size of the weights' gradient descent on L_grad; default 0.025 (chosen here: LibMTL uses the model's optimizer and learning rate). */
    learningRate: z.number().positive().default(0.025),
  })
  .strict();
export type GradnormOptions = z.infer<typeof GradnormOptionsSchema>;

/** The smallest weight a task can get. */
const MIN_WEIGHT = 1e-6;

/**
 * One GradNorm update of the weights of the tasks in `idx` (the others are unchanged), from the
 * tasks' gradient norms and loss ratios L̃ᵢ = Lᵢ(t)/Lᵢ(0). Pure: returns the new weights. Exported for tests.
 */
export function gradnormUpdate(
  weights: readonly number[],
  gradientNorms: readonly number[],
  lossRatios: readonly number[],
  idx: readonly number[],
  options: GradnormOptions,
): number[] {
  const out = [...weights];
  if (idx.length < 2) return out; // one task: its own target is itself, the gradient is 0
  const k = idx.length;
  const meanRatio = idx.reduce((s, i) => s + lossRatios[i], 0) / k;
  const meanNorm = idx.reduce((s, i) => s + weights[i] * gradientNorms[i], 0) / k;
  if (!(meanRatio > 0) || !Number.isFinite(meanRatio)) return out;
  const before = idx.reduce((s, i) => s + weights[i], 0);
  for (const i of idx) {
    const target = meanNorm * (lossRatios[i] / meanRatio) ** options.alpha;
    const gradient = Math.sign(weights[i] * gradientNorms[i] - target) * gradientNorms[i];
    out[i] = Math.max(weights[i] - options.learningRate * gradient, MIN_WEIGHT);
  }
  const after = idx.reduce((s, i) => s + out[i], 0);
  for (const i of idx) out[i] *= before / after;
  return out;
}

/** `gradnorm`: learned task weights that equalize the tasks' weighted gradient norms at their training rates. */
export const gradnorm: RegisteredWeighting<GradnormOptions> = {
  name: 'gradnorm',
  summary: 'learned task weights that balance the weighted gradient norms by relative training rate',
  reference: 'Chen et al., ICML 2018',
  kind: 'gradient',
  representation: true,
  options: GradnormOptionsSchema,
  optionNames: ['alpha', 'learningRate'],
  create(options: GradnormOptions, setup: WeightingSetup): GradientMethod {
    checkGradientSetup('gradnorm', setup);
    const m = setup.tasks.length;
    let weights: number[] = new Array<number>(m).fill(1);
    const initialLoss = new Array<number>(m).fill(Number.NaN);
    return {
      kind: 'gradient',
      aggregate(jacobian, info): Aggregation {
        checkAggregateInput('gradnorm', setup.tasks, jacobian, info);
        const idx = activeTasks(info.labelled);
        const used = expandWeights(
          idx.map((i) => weights[i]),
          idx,
          m,
        );
        const direction = idx.length === 0 ? new Float32Array(jacobian.n) : combineRows(subJacobian(jacobian, idx), idx.map((i) => weights[i]));
        // The update of the weights for the next step, over the labelled tasks with a usable L(0).
        for (const i of idx) {
          if (Number.isNaN(initialLoss[i]) && info.losses[i] > 0 && Number.isFinite(info.losses[i])) initialLoss[i] = info.losses[i];
        }
        const ready = idx.filter((i) => initialLoss[i] > 0 && info.losses[i] >= 0 && Number.isFinite(info.losses[i]));
        if (ready.length >= 2) {
          const norms = jacobian.rows.map((row, i) => (ready.includes(i) ? norm(row) : 0));
          const ratios = info.losses.map((l, i) => l / initialLoss[i]);
          weights = gradnormUpdate(weights, norms, ratios, ready, options);
        }
        return { direction, weights: used, taskScales: used };
      },
      weights: () => [...weights],
    };
  },
};
