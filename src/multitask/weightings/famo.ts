/**
 * FAMO (Liu, Liu, Jin, Stone and Liu, NeurIPS 2023, "FAMO: Fast Adaptive Multitask
 * Optimization"), following the official code (Cranial-XIX/FAMO, `famo.py`, class FAMO):
 *
 * - task logits ξ (init 0), weights z = softmax(ξ);
 * - `get_weighted_loss`: Dᵢ = Lᵢ − minᵢ + ε, c = Σᵢ zᵢ/Dᵢ (no gradient), loss Σᵢ zᵢ·log(Dᵢ)/c,
 *   so the gradient on the parameters is Σᵢ (zᵢ/(c·Dᵢ))·∇Lᵢ, effective weights summing to 1;
 * - `update(curr_loss)` after the optimizer step, with the losses on the same batch:
 *   δᵢ = log(Dᵢ before) − log(Dᵢ after), the gradient of ξ is (∂z/∂ξ)ᵀδ (done there with
 *   `torch.autograd.grad(softmax(w), w, grad_outputs=delta)`), written here in closed form as
 *   dⱼ = zⱼ(δⱼ − Σᵢ zᵢδᵢ), and ξ takes one `torch.optim.Adam` step with lr `w_lr` = 0.025 and
 *   (L2) `weight_decay` γ = 0.01 (the defaults of `famo.py` and of the experiments' parser;
 *   the paper's run scripts use γ = 0.001 on NYUv2 and CelebA).
 *
 * ξ is pure state (Float64Array), not a tf variable: the trainer's optimizer never sees it. The
 * minimum losses are 0, as in the official experiments (`set_min_losses` is never called there).
 *
 * Missing labels: only the tasks labelled in the batch (those with finite loss values before and
 * after the step) take part, with z the softmax over their logits; the others' logits and Adam
 * moments stay as they are, each coordinate keeping its own Adam step count. With every task
 * labelled this is the official update exactly. The gradient clipping of the official
 * `FAMO.backward` (`max_norm` = 1 on the shared parameters) belongs to the trainer and is not done here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { stopGradient } from '../../engine/losses.js';
import { ObjectiveError, ShapeMismatchError } from '../../errors.js';
import type { LossWeighting, RegisteredWeighting, WeightingSetup, WeightingStep } from '../weighting.js';
import { checkLosses, checkSetup, connectedZero } from './ew.js';
import { softmax } from './rlw.js';

export const FamoOptionsSchema = z
  .object({
    /** Learning rate of the task logits ξ (Adam). Default 0.025 (`w_lr` of the official code). */
    wLr: z.number().positive().finite().default(0.025),
    /** Weight decay γ of the logits, added to their gradient as Adam's L2 term. Default 0.01 (`gamma` of `famo.py`). */
    gamma: z.number().min(0).finite().default(0.01),
    /** ε added to every loss before its logarithm. Default 1e-8 (the official code's). */
    epsilon: z.number().positive().finite().default(1e-8),
  })
  .strict();
export type FamoOptions = z.infer<typeof FamoOptionsSchema>;

/** Adam's constants, PyTorch's defaults (the official code does not change them). */
export const FAMO_ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/**
 * The gradient of ξ ↦ Σᵢ δᵢ·softmax(ξ)ᵢ, i.e. (∂z/∂ξ)ᵀδ with z = softmax(ξ):
 * ∂zᵢ/∂ξⱼ = zᵢ(1[i=j] − zⱼ), so dⱼ = Σᵢ δᵢ zᵢ(1[i=j] − zⱼ) = zⱼ(δⱼ − Σᵢ zᵢδᵢ).
 */
export function softmaxVjp(z: ArrayLike<number>, delta: ArrayLike<number>): Float64Array {
  let mean = 0;
  for (let i = 0; i < z.length; i++) mean += z[i] * delta[i];
  const d = new Float64Array(z.length);
  for (let j = 0; j < z.length; j++) d[j] = z[j] * (delta[j] - mean);
  return d;
}

/** δᵢ = log(before − min + ε) − log(after − min + ε), the decrease of each log-loss over a step (the official `update`). */
export function famoDelta(before: ArrayLike<number>, after: ArrayLike<number>, epsilon: number, minLosses?: ArrayLike<number>): Float64Array {
  const delta = new Float64Array(before.length);
  for (let i = 0; i < before.length; i++) {
    const m = minLosses === undefined ? 0 : minLosses[i];
    delta[i] = Math.log(Math.max(before[i] - m, 0) + epsilon) - Math.log(Math.max(after[i] - m, 0) + epsilon);
  }
  return delta;
}

/** Adam's per-coordinate state. */
export interface AdamState {
  readonly m: Float64Array;
  readonly v: Float64Array;
  /** Steps taken by each coordinate (its bias correction). */
  readonly steps: Float64Array;
}

/** A zero Adam state for n coordinates. */
export function adamState(n: number): AdamState {
  return { m: new Float64Array(n), v: new Float64Array(n), steps: new Float64Array(n) };
}

/**
 * One `torch.optim.Adam` step (L2 weight decay, no AMSGrad) on the coordinates `index` of `param`,
 * in place, with gradient `grad[k]` for coordinate `index[k]`:
 * g ← g + wd·θ; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * θ ← θ − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + eps).
 */
export function adamStep(param: Float64Array, grad: ArrayLike<number>, index: readonly number[], state: AdamState, lr: number, weightDecay: number): void {
  const { beta1, beta2, eps } = FAMO_ADAM;
  for (let k = 0; k < index.length; k++) {
    const i = index[k];
    const g = grad[k] + weightDecay * param[i];
    state.steps[i] += 1;
    const t = state.steps[i];
    state.m[i] = beta1 * state.m[i] + (1 - beta1) * g;
    state.v[i] = beta2 * state.v[i] + (1 - beta2) * g * g;
    const stepSize = lr / (1 - beta1 ** t);
    const denom = Math.sqrt(state.v[i]) / Math.sqrt(1 - beta2 ** t) + eps;
    param[i] -= (stepSize * state.m[i]) / denom;
  }
}

/** FAMO's loss weighting, with its logits readable (for tests and logs). */
export interface FamoWeighting extends LossWeighting {
  /** A copy of the task logits ξ. */
  logits(): Float64Array;
}

/** Creates FAMO's weighting (what `famo.create` returns). */
export function createFamo(options: FamoOptions, setup: WeightingSetup): FamoWeighting {
  checkSetup('famo', setup);
  const k = setup.tasks.length;
  const xi = new Float64Array(k);
  const adam = adamState(k);
  let weights: number[] = new Array<number>(k).fill(1 / k);
  const subsetSoftmax = (index: readonly number[]): Float64Array => softmax(index.map((i) => xi[i]));
  return {
    kind: 'loss',
    needsLossesAfterStep: true,
    combine(losses, labelled) {
      checkLosses('famo', setup, losses, labelled);
      const index = labelled.flatMap((l, i) => (l ? [i] : []));
      if (index.length === 0) return connectedZero(losses);
      const zs = subsetSoftmax(index);
      // Dᵢ = max(Lᵢ − 0, 0) + ε: the official Lᵢ − minᵢ + ε, kept positive for the logarithm.
      const d = index.map((i) => tf.add(tf.relu(losses[i]), options.epsilon) as tf.Scalar);
      const c = stopGradient(tf.addN(d.map((di, n) => tf.div(zs[n], di))) as tf.Scalar);
      const weighted = tf.addN(d.map((di, n) => tf.mul(tf.log(di), zs[n])));
      return tf.div(weighted, c) as tf.Scalar;
    },
    afterStep(losses: readonly number[], at: WeightingStep, lossesAfter?: readonly number[]) {
      if (lossesAfter === undefined) {
        throw new ObjectiveError(`famo needs the task losses after the step (step ${at.step + 1}) and got none`, 'run famo with a trainer that honours needsLossesAfterStep');
      }
      if (losses.length !== k || lossesAfter.length !== k) {
        throw new ShapeMismatchError(`famo got ${losses.length} losses and ${lossesAfter.length} losses after the step for ${k} tasks`, 'pass one value per task, in task order');
      }
      const index: number[] = [];
      for (let i = 0; i < k; i++) if (Number.isFinite(losses[i]) && Number.isFinite(lossesAfter[i])) index.push(i);
      const next = new Array<number>(k).fill(0);
      if (index.length === 0) {
        weights = next;
        return;
      }
      const zs = subsetSoftmax(index);
      // Effective weights of this step (before ξ moves): zᵢ/(c·Dᵢ), c = Σ zⱼ/Dⱼ.
      const dBefore = index.map((i) => Math.max(losses[i], 0) + options.epsilon);
      const c = dBefore.reduce((s, di, n) => s + zs[n] / di, 0);
      index.forEach((i, n) => (next[i] = zs[n] / (c * dBefore[n])));
      weights = next;
      const delta = famoDelta(
        index.map((i) => losses[i]),
        index.map((i) => lossesAfter[i]),
        options.epsilon,
      );
      adamStep(xi, softmaxVjp(zs, delta), index, adam, options.wLr, options.gamma);
    },
    weights: () => weights,
    logits: () => Float64Array.from(xi),
  };
}

/** `famo`: adaptive task logits balancing the rates at which the log-losses fall. */
export const famo: RegisteredWeighting<FamoOptions> = {
  name: 'famo',
  summary: 'fast adaptive multitask optimization: logit weights updated from each task\'s log-loss decrease',
  reference: 'Liu, Liu, Jin, Stone and Liu, NeurIPS 2023',
  kind: 'loss',
  representation: false,
  options: FamoOptionsSchema,
  optionNames: ['wLr', 'gamma', 'epsilon'],
  create: createFamo,
};
