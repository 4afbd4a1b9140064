/**
 * The checks every metric runs on its input before computing, and the small readers they share.
 * A shape that does not add up is a ShapeMismatchError; a value that cannot be a target (a class
 * index outside [0, width), a label other than 0/1, a non-finite regression target, a mask value
 * other than 0/1) is a DataMalformedError. Both name the metric. Samples whose mask is 0 are
 * never read, so a missing label may hold anything (-1, NaN).
 */
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';
import type { MetricInput } from './metric.js';

/**
 * How a metric reads the targets: `classes`, one class index per sample (Int32Array); `labels`,
 * 0/1 per sample and label (Float32Array; binary is labels of width 1); `values`, real values per
 * sample and output (Float32Array).
 */
export type TargetLayout = 'classes' | 'labels' | 'values';

/** The layout of a classification input as its targets' array type says: Int32Array → classes, else labels. */
export function classificationLayout(input: MetricInput): 'classes' | 'labels' {
  return input.targets instanceof Int32Array ? 'classes' : 'labels';
}

const EXPECTED_TARGETS: Readonly<Record<TargetLayout, string>> = {
  classes: 'class indices as an Int32Array',
  labels: '0/1 labels as a Float32Array',
  values: 'regression values as a Float32Array',
};

/**
 * Validates `input` for metric `metric` reading targets as `layout`, and returns n, the number
 * of samples (labelled or not).
 */
export function checkInput(metric: string, input: MetricInput, layout: TargetLayout): number {
  const { predictions, targets, width, mask } = input;
  if (!Number.isInteger(width) || width < 1) {
    throw new ShapeMismatchError(`${metric}: width must be a positive integer, got ${width}`);
  }
  const wantInt = layout === 'classes';
  if (wantInt ? !(targets instanceof Int32Array) : !(targets instanceof Float32Array)) {
    const got = targets instanceof Int32Array ? 'an Int32Array (class indices)' : targets instanceof Float32Array ? 'a Float32Array' : 'another kind of array';
    throw new DataMalformedError(`${metric}: expected targets as ${EXPECTED_TARGETS[layout]}, got ${got}`, 'check that the metric fits the head: see metricsFor(kind)');
  }
  let n: number;
  if (layout === 'classes') {
    n = targets.length;
    if (predictions.length !== n * width) {
      throw new ShapeMismatchError(`${metric}: ${predictions.length} predictions for ${n} class targets of width ${width}; expected ${n * width} (n·width)`);
    }
  } else {
    if (targets.length % width !== 0) {
      throw new ShapeMismatchError(`${metric}: ${targets.length} targets is not a multiple of width ${width}`);
    }
    n = targets.length / width;
    if (predictions.length !== targets.length) {
      throw new ShapeMismatchError(`${metric}: ${predictions.length} predictions for ${targets.length} targets (${n} samples of width ${width}); they must be equal`);
    }
  }
  if (mask !== undefined) {
    if (mask.length !== n) {
      throw new ShapeMismatchError(`${metric}: mask has ${mask.length} entries for ${n} samples; expected one per sample`);
    }
    for (let i = 0; i < n; i++) {
      if (mask[i] > 1) throw new DataMalformedError(`${metric}: mask value ${mask[i]} of sample ${i} is neither 0 (missing) nor 1 (labelled)`);
    }
  }
  for (let i = 0; i < n; i++) {
    if (!isLabelled(mask, i)) continue;
    if (layout === 'classes') {
      const t = targets[i];
      if (!(t >= 0 && t < width)) {
        throw new DataMalformedError(`${metric}: class target ${t} of sample ${i} is outside [0, ${width})`, 'mark missing labels with the mask instead of an out-of-range index');
      }
      continue;
    }
    for (let j = i * width; j < (i + 1) * width; j++) {
      const t = targets[j];
      if (layout === 'labels' ? t !== 0 && t !== 1 : !Number.isFinite(t)) {
        const want = layout === 'labels' ? 'must be 0 or 1' : 'must be finite';
        throw new DataMalformedError(`${metric}: target ${t} of sample ${i}, column ${j - i * width} ${want}`, 'mark missing labels with the mask');
      }
    }
  }
  return n;
}

/** Whether sample `i` is labelled: no mask, or a mask value of 1. */
export function isLabelled(mask: Uint8Array | undefined, i: number): boolean {
  return mask === undefined || mask[i] === 1;
}

/** Index of the largest of `width` values from `offset`; ties go to the lowest index, as tf.argMax does. */
export function argmaxRow(values: Float32Array, offset: number, width: number): number {
  let best = 0;
  let bestValue = values[offset];
  for (let c = 1; c < width; c++) {
    const v = values[offset + c];
    if (v > bestValue) {
      best = c;
      bestValue = v;
    }
  }
  return best;
}
