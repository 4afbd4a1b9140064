/**
 * Zero-shot classification with aligned towers (CLIP, Radford et al. 2021, section 3.1.2): the
 * second modality's embedding of one prompt per class (e.g. "a photo of a {class}") is that
 * class's classifier weight, and a sample is put in the class whose prompt embedding is the most
 * cosine-similar to its own. Several prompts per class are averaged, after normalization, into
 * one class embedding (CLIP's prompt ensembling). Ties go to the lowest class index. Pure, no tfjs.
 */
import { ShapeMismatchError } from '../../errors.js';
import { normalizeRows, rowDot } from './retrieval.js';

export interface ZeroShotInput {
  /** [N, dim] embeddings of the samples to classify. */
  readonly samples: Float32Array | Float64Array;
  /** [P, dim] embeddings of the prompts. */
  readonly prompts: Float32Array | Float64Array;
  readonly dim: number;
  readonly numClasses: number;
  /** Class of each prompt; default: prompt c is class c (then P must equal numClasses). */
  readonly promptClasses?: Int32Array | readonly number[];
}

/** The [numClasses, dim] class embeddings: the mean of each class's normalized prompt embeddings, normalized again. */
export function classEmbeddings(input: Omit<ZeroShotInput, 'samples'>): Float64Array {
  const { dim, numClasses } = input;
  const p = input.prompts.length / dim;
  if (!Number.isInteger(p) || p === 0) throw new ShapeMismatchError(`zero-shot: ${input.prompts.length} prompt values are not whole rows of width ${dim}`, 'give at least one prompt per class');
  const classes = input.promptClasses ?? Array.from({ length: p }, (_, i) => i);
  if (classes.length !== p) throw new ShapeMismatchError(`zero-shot: ${p} prompts but ${classes.length} prompt classes`, 'give one class per prompt');
  if (input.promptClasses === undefined && p !== numClasses) {
    throw new ShapeMismatchError(`zero-shot: ${p} prompts for ${numClasses} classes`, 'give one prompt per class, in class order, or the class of each prompt');
  }
  const normalized = normalizeRows(input.prompts, dim);
  const sums = new Float64Array(numClasses * dim);
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < p; i++) {
    const c = classes[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new ShapeMismatchError(`zero-shot: prompt ${i} is of class ${c}, outside [0, ${numClasses})`);
    counts[c]++;
    for (let k = 0; k < dim; k++) sums[c * dim + k] += normalized[i * dim + k];
  }
  const missing = counts.findIndex((n) => n === 0);
  if (missing >= 0) throw new ShapeMismatchError(`zero-shot: class ${missing} has no prompt`, 'give at least one prompt per class');
  return normalizeRows(sums, dim);
}

/** The predicted class of each sample: the class embedding of highest cosine similarity. */
export function zeroShotPredict(input: ZeroShotInput): Int32Array {
  const { dim } = input;
  if (input.samples.length % dim !== 0) throw new ShapeMismatchError(`zero-shot: ${input.samples.length} sample values are not whole rows of width ${dim}`);
  const classes = classEmbeddings(input);
  const samples = normalizeRows(input.samples, dim);
  const n = samples.length / dim;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestSim = -Infinity;
    for (let c = 0; c < input.numClasses; c++) {
      const s = rowDot(samples, i, classes, c, dim);
      if (s > bestSim) {
        bestSim = s;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Fraction of predictions equal to the labels. */
export function accuracyOf(predictions: Int32Array, labels: Int32Array): number {
  if (predictions.length !== labels.length) throw new ShapeMismatchError(`${predictions.length} predictions for ${labels.length} labels`);
  if (labels.length === 0) throw new ShapeMismatchError('accuracy of no samples', 'evaluate on a non-empty split');
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) hits++;
  return hits / labels.length;
}

/** Zero-shot accuracy of the samples against their labels. */
export function zeroShotAccuracy(input: ZeroShotInput, labels: Int32Array): number {
  return accuracyOf(zeroShotPredict(input), labels);
}
