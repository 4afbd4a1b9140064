/**
 * The adaptive server updates of Reddi et al. (ICLR 2021, "Adaptive Federated Optimization",
 * Algorithm 2): with the round's average a and the global x, Δ = a − x,
 *   m ← β₁·m + (1 − β₁)·Δ
 *   v ← β₂·v + (1 − β₂)·Δ²                  (FedAdam)
 *   v ← v − (1 − β₂)·Δ²·sign(v − Δ²)        (FedYogi)
 *   v ← v + Δ²                              (FedAdagrad)
 *   x ← x + η·m / (√v + τ)
 * all per coordinate. m and v start at zero, as in Flower (the paper allows v₀ ≥ τ²).
 * Optionally (FedAdam only, as Flower does) η is bias-corrected as in Kingma and Ba (2015):
 * η_t = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) at server step t.
 */
import { assertSameLength } from './vectors.js';

/** The second-moment rule: Adam, Yogi or Adagrad. */
export type AdaptiveRule = 'adam' | 'yogi' | 'adagrad';

/** Inputs of `adaptiveStep` (none is modified). */
export interface AdaptiveInput {
  rule: AdaptiveRule;
  /** x: the global parameters the round started from. */
  global: Float32Array;
  /** a: the round's weighted average of the client parameters. */
  average: Float32Array;
  /** m: first moment from the previous round (zeros before the first). */
  m: Float32Array;
  /** v: second moment from the previous round (zeros before the first). */
  v: Float32Array;
  /** η: server learning rate. */
  serverLearningRate: number;
  /** β₁: first-moment decay. */
  beta1: number;
  /** β₂: second-moment decay (unused by Adagrad). */
  beta2: number;
  /** τ: adaptivity, added to √v. */
  tau: number;
  /** When set, the 1-based server step t of the bias correction η_t = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ). */
  biasCorrectionStep?: number;
}

/** New global parameters and moments (new arrays). */
export interface AdaptiveOutput {
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** The effective server learning rate: η, or η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) with bias correction at step t. */
export function effectiveLearningRate(input: Pick<AdaptiveInput, 'serverLearningRate' | 'beta1' | 'beta2' | 'biasCorrectionStep'>): number {
  const t = input.biasCorrectionStep;
  if (t === undefined) return input.serverLearningRate;
  return (input.serverLearningRate * Math.sqrt(1 - input.beta2 ** t)) / (1 - input.beta1 ** t);
}

/** One adaptive server step (float64 arithmetic per element, float32 results). */
export function adaptiveStep(input: AdaptiveInput): AdaptiveOutput {
  const { rule, global, average, beta1, beta2, tau } = input;
  assertSameLength([global, average, input.m, input.v], { what: `Fed${rule} operand` });
  const eta = effectiveLearningRate(input);
  const d = global.length;
  const params = new Float32Array(d);
  const m = new Float32Array(d);
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    const delta = average[i] - global[i];
    const sq = delta * delta;
    const mi = beta1 * input.m[i] + (1 - beta1) * delta;
    const vPrev = input.v[i];
    let vi: number;
    if (rule === 'adam') vi = beta2 * vPrev + (1 - beta2) * sq;
    else if (rule === 'yogi') vi = vPrev - (1 - beta2) * sq * Math.sign(vPrev - sq);
    else vi = vPrev + sq;
    m[i] = mi;
    v[i] = vi;
    params[i] = global[i] + (eta * mi) / (Math.sqrt(vi) + tau);
  }
  return { params, m, v };
}
