/**
 * A linear probe (the standard test of learned representations, as in CLIP's section 3.2):
 * multinomial logistic regression on frozen features, trained on the training split's labels
 * and scored on the test split. Features are standardized with the training split's mean and
 * standard deviation; the weights start at zero and are fitted by full-batch Adam on the mean
 * cross-entropy plus an L2 penalty on the weights (not the biases). Pure, no tfjs, deterministic.
 * (CLIP fits scikit-learn's L-BFGS logistic regression; full-batch Adam on the same convex
 * objective reaches the same kind of solution without a line search.)
 */
import { z } from 'zod';
import { ShapeMismatchError } from '../../errors.js';

export const LinearProbeOptionsSchema = z
  .object({
    /** Full-batch optimization steps. Default 300. */
    iterations: z.number().int().positive().default(300),
    /** Adam step size. Default 0.05. */
    learningRate: z.number().positive().default(0.05),
    /** L2 penalty λ·½‖W‖² on the weights. Default 1e-4. */
    l2: z.number().min(0).default(1e-4),
  })
  .strict();
export type LinearProbeOptions = z.infer<typeof LinearProbeOptionsSchema>;

/** A fitted probe: standardization and softmax-regression parameters. */
export interface LinearProbe {
  readonly dim: number;
  readonly numClasses: number;
  /** Per-feature training mean and standard deviation (1 where a feature is constant). */
  readonly mean: Float64Array;
  readonly std: Float64Array;
  /** [dim, numClasses] weights, row-major. */
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  /** Mean training cross-entropy (without the penalty) after the last step. */
  readonly trainLoss: number;
}

/** Labelled rows for training: features [N, dim] and a class per row (−1: unlabelled, left out). */
export interface ProbeData {
  readonly features: Float32Array | Float64Array;
  readonly dim: number;
  readonly labels: Int32Array;
  readonly numClasses: number;
}

/**
 * Mean cross-entropy of softmax(x·W + b) against the labels and its gradients (with the L2 term
 * λ·W in the weights' gradient), over the rows whose label is ≥ 0. `x` is [N, dim], already
 * standardized.
 */
export function softmaxRegressionGradient(x: Float64Array, dim: number, labels: Int32Array, numClasses: number, weights: Float64Array, bias: Float64Array, l2: number): { loss: number; gW: Float64Array; gb: Float64Array } {
  const c = numClasses;
  const gW = new Float64Array(dim * c);
  const gb = new Float64Array(c);
  const z = new Float64Array(c);
  let loss = 0;
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y < 0) continue;
    count++;
    const row = i * dim;
    for (let k = 0; k < c; k++) z[k] = bias[k];
    for (let f = 0; f < dim; f++) {
      const v = x[row + f];
      if (v === 0) continue;
      const w = f * c;
      for (let k = 0; k < c; k++) z[k] += v * weights[w + k];
    }
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, z[k]);
    let sum = 0;
    for (let k = 0; k < c; k++) {
      z[k] = Math.exp(z[k] - max);
      sum += z[k];
    }
    loss += Math.log(sum) - Math.log(z[y]);
    // z becomes p − onehot(y): the gradient of the row's cross-entropy with respect to its logits.
    for (let k = 0; k < c; k++) z[k] = z[k] / sum - (k === y ? 1 : 0);
    for (let k = 0; k < c; k++) gb[k] += z[k];
    for (let f = 0; f < dim; f++) {
      const v = x[row + f];
      if (v === 0) continue;
      const w = f * c;
      for (let k = 0; k < c; k++) gW[w + k] += v * z[k];
    }
  }
  if (count === 0) throw new ShapeMismatchError('the linear probe has no labelled training sample', 'give the training split labels');
  for (let k = 0; k < gW.length; k++) gW[k] = gW[k] / count + l2 * weights[k];
  for (let k = 0; k < c; k++) gb[k] /= count;
  return { loss: loss / count, gW, gb };
}

/** Per-feature mean and standard deviation of the labelled rows (std 1 for a constant feature). */
function moments(data: ProbeData): { mean: Float64Array; std: Float64Array } {
  const { features, dim, labels } = data;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) continue;
    n++;
    for (let f = 0; f < dim; f++) mean[f] += features[i * dim + f];
  }
  for (let f = 0; f < dim; f++) mean[f] /= Math.max(n, 1);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) continue;
    for (let f = 0; f < dim; f++) sq[f] += (features[i * dim + f] - mean[f]) ** 2;
  }
  const std = new Float64Array(dim);
  for (let f = 0; f < dim; f++) {
    const s = Math.sqrt(sq[f] / Math.max(n, 1));
    std[f] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

function standardize(features: Float32Array | Float64Array, dim: number, mean: Float64Array, std: Float64Array): Float64Array {
  const out = new Float64Array(features.length);
  for (let i = 0; i < features.length; i++) {
    const f = i % dim;
    out[i] = (features[i] - mean[f]) / std[f];
  }
  return out;
}

function checkData(data: ProbeData, what: string): void {
  if (!Number.isInteger(data.dim) || data.dim <= 0 || data.features.length !== data.labels.length * data.dim) {
    throw new ShapeMismatchError(`${what}: ${data.features.length} feature values do not make ${data.labels.length} rows of width ${data.dim}`);
  }
  if (!Number.isInteger(data.numClasses) || data.numClasses < 2) throw new ShapeMismatchError(`${what}: a probe needs at least 2 classes, got ${data.numClasses}`);
  const bad = data.features.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ShapeMismatchError(`${what}: feature ${bad % data.dim} of row ${Math.floor(bad / data.dim)} is ${data.features[bad]}`, 'check the encoder (a non-finite feature would make the probe meaningless)');
  const outside = data.labels.findIndex((y) => y >= data.numClasses);
  if (outside >= 0) throw new ShapeMismatchError(`${what}: label ${data.labels[outside]} of row ${outside} is outside [0, ${data.numClasses})`);
}

/** Fits the probe on the training rows. */
export function fitLinearProbe(data: ProbeData, options: LinearProbeOptions = LinearProbeOptionsSchema.parse({})): LinearProbe {
  checkData(data, 'linear probe (training)');
  const { dim, numClasses } = data;
  const { mean, std } = moments(data);
  const x = standardize(data.features, dim, mean, std);
  const weights = new Float64Array(dim * numClasses);
  const bias = new Float64Array(numClasses);
  const params = [weights, bias];
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  let loss = NaN;
  for (let t = 1; t <= options.iterations; t++) {
    const g = softmaxRegressionGradient(x, dim, data.labels, numClasses, weights, bias, options.l2);
    loss = g.loss;
    const grads = [g.gW, g.gb];
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    params.forEach((p, j) => {
      for (let k = 0; k < p.length; k++) {
        m[j][k] = beta1 * m[j][k] + (1 - beta1) * grads[j][k];
        v[j][k] = beta2 * v[j][k] + (1 - beta2) * grads[j][k] ** 2;
        p[k] -= (options.learningRate * (m[j][k] / c1)) / (Math.sqrt(v[j][k] / c2) + eps);
      }
    });
  }
  // The loss at the final parameters.
  loss = softmaxRegressionGradient(x, dim, data.labels, numClasses, weights, bias, 0).loss;
  return { dim, numClasses, mean, std, weights, bias, trainLoss: loss };
}

/** The probe's class of each row of `features` ([N, dim]). */
export function predictLinearProbe(probe: LinearProbe, features: Float32Array | Float64Array): Int32Array {
  const { dim, numClasses: c } = probe;
  if (features.length % dim !== 0) throw new ShapeMismatchError(`linear probe: ${features.length} feature values are not rows of width ${dim}`);
  const n = features.length / dim;
  const out = new Int32Array(n);
  const z = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) z[k] = probe.bias[k];
    for (let f = 0; f < dim; f++) {
      const v = (features[i * dim + f] - probe.mean[f]) / probe.std[f];
      for (let k = 0; k < c; k++) z[k] += v * probe.weights[f * c + k];
    }
    let best = 0;
    for (let k = 1; k < c; k++) if (z[k] > z[best]) best = k;
    out[i] = best;
  }
  return out;
}

/** Test accuracy of a probe fitted on `train` (its labelled rows), over the labelled rows of `test`. */
export function linearProbeAccuracy(train: ProbeData, test: ProbeData, options?: LinearProbeOptions): { accuracy: number; trainAccuracy: number; trainLoss: number } {
  checkData(test, 'linear probe (test)');
  if (test.dim !== train.dim) throw new ShapeMismatchError(`linear probe: training features have width ${train.dim}, test features ${test.dim}`);
  const probe = fitLinearProbe(train, options);
  const score = (d: ProbeData): number => {
    const pred = predictLinearProbe(probe, d.features);
    let hits = 0;
    let n = 0;
    for (let i = 0; i < d.labels.length; i++) {
      if (d.labels[i] < 0) continue;
      n++;
      if (pred[i] === d.labels[i]) hits++;
    }
    if (n === 0) throw new ShapeMismatchError('linear probe: no labelled sample to score', 'give the split labels');
    return hits / n;
  };
  return { accuracy: score(test), trainAccuracy: score(train), trainLoss: probe.trainLoss };
}
