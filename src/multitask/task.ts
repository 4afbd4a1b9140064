/**
 * Tasks of a multi-task model: each is a target field of the data with a head of the same name,
 * a loss and the metrics of its kind. Losses average over the samples that carry the task's
 * label (the batch's mask); a batch without any gives 0, never NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { describeFields, isTarget, labelledCount, targetWidth, type FieldDataset, type TargetField, type TargetKind } from '../data/fields.js';
import type { Batch } from '../engine/batch.js';
import { maskedMean, perSampleCrossEntropy } from '../engine/losses.js';
import { metricsFor } from '../engine/metrics/registry.js';
import { ConfigError, DataMissingError, ShapeMismatchError } from '../errors.js';

/** Loss functions a task may use: `crossEntropy` for classification kinds, `mse` or `l1` for regression. */
export const TASK_LOSSES = ['crossEntropy', 'mse', 'l1'] as const;
/** One of {@link TASK_LOSSES}: the loss a task trains with. */
export type TaskLoss = (typeof TASK_LOSSES)[number];

/** Validates one entry of a multi-task config's `tasks` list: the target field to learn and, optionally, its loss. */
export const TaskConfigSchema = z
  .object({
    /** The target field of the data this task learns; its head has the same name. */
    name: z.string().regex(/^[A-Za-z_][\w.-]*$/, 'use letters, digits, dot, dash and underscore, starting with a letter or underscore'),
    /**
     * `crossEntropy` (softmax for a classes target, sigmoid for binary and multi-label), or `mse` /
     * `l1` for a regression target. Default: `crossEntropy` for classification, `mse` for regression.
     */
    loss: z.enum(TASK_LOSSES).optional(),
  })
  .strict();
/** One parsed entry of a multi-task config's `tasks` list (see {@link TaskConfigSchema}); {@link resolveTasks} checks it against the data. */
export type TaskConfig = z.infer<typeof TaskConfigSchema>;

/** A task, resolved against the data. */
export interface Task {
  readonly name: string;
  readonly kind: TargetKind;
  /** Output units of its head: classes, labels or values. */
  readonly units: number;
  readonly loss: TaskLoss;
  /** The headline metric (first of its kind) and every metric, in order. */
  readonly metric: string;
  readonly metrics: readonly string[];
  readonly higherIsBetter: boolean;
}

/**
 * Resolves the configured tasks (default: every target field) against the training data:
 * each must be a target with at least one label, with a loss that suits its kind.
 */
export function resolveTasks(configs: readonly TaskConfig[] | undefined, train: FieldDataset): Task[] {
  const infos = describeFields(train);
  const targets = Object.keys(infos).filter((n) => isTarget(infos[n]));
  const chosen: readonly TaskConfig[] = configs ?? targets.map((name) => ({ name }));
  if (chosen.length === 0) throw new DataMissingError('the data has no target field, so there is no task to learn', 'give the data one label column per task');
  const seen = new Set<string>();
  return chosen.map((cfg, i) => {
    if (seen.has(cfg.name)) throw new ConfigError(`tasks[${i}].name`, `task '${cfg.name}' is listed twice`, 'list every task once');
    seen.add(cfg.name);
    const info = infos[cfg.name];
    if (info === undefined || !isTarget(info)) {
      const what = info === undefined ? 'the data has no such field' : `'${cfg.name}' is an input field`;
      throw new DataMissingError(`task '${cfg.name}': ${what} (targets: ${targets.join(', ') || 'none'})`, 'name each task after a label column (target field) of the data');
    }
    const kind = info.kind as TargetKind;
    const loss = cfg.loss ?? (kind === 'regression' ? 'mse' : 'crossEntropy');
    if ((kind === 'regression') !== (loss !== 'crossEntropy')) {
      throw new ConfigError(
        `tasks[${i}].loss`,
        `task '${cfg.name}' is a ${kind} target but its loss is '${loss}'`,
        kind === 'regression' ? 'use "mse" or "l1" for regression tasks' : 'use "crossEntropy" for classification tasks',
      );
    }
    const labelled = labelledCount(train.fields[cfg.name] as TargetField, train.length);
    if (labelled === 0) throw new DataMissingError(`task '${cfg.name}' has no labelled sample in the training set`, 'give it some labels, or leave the task out');
    const metrics = metricsFor(kind);
    return { name: cfg.name, kind, units: targetWidth(info) as number, loss, metric: metrics[0].name, metrics: metrics.map((m) => m.name), higherIsBetter: metrics[0].higherIsBetter };
  });
}

/** Sigmoid cross-entropy of each sample, averaged over its labels; logits and 0/1 targets of shape [batch, width]. */
function perSampleSigmoidCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor1D {
  // max(x, 0) − x·z + log(1 + exp(−|x|)): stable for any logit.
  const l = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  return tf.mean(tf.reshape(l, [l.shape[0] as number, -1]), -1) as tf.Tensor1D;
}

/** The task's loss on a batch: mean over the samples with its label; 0 when there are none. */
export function taskLoss(task: Task, output: tf.Tensor, batch: Batch): tf.Scalar {
  const target = batch.targets[task.name];
  if (target === undefined) throw new ShapeMismatchError(`the batch has no target '${task.name}'`, 'give the data one target field per task');
  const mask = batch.masks?.[task.name];
  let perSample: tf.Tensor1D;
  if (task.loss === 'crossEntropy') {
    perSample = task.kind === 'classes' ? perSampleCrossEntropy(output, target) : perSampleSigmoidCrossEntropy(output, target);
  } else {
    const d = tf.sub(output, target);
    const e = task.loss === 'mse' ? tf.square(d) : tf.abs(d);
    perSample = tf.mean(tf.reshape(e, [e.shape[0] as number, -1]), -1) as tf.Tensor1D;
  }
  return maskedMean(perSample, mask);
}

/** Whether the batch holds at least one label of the task (reads the mask back: call outside hot inner loops). */
export function batchHasLabels(task: Task, batch: Batch): boolean {
  const mask = batch.masks?.[task.name];
  if (mask === undefined) return batch.size > 0;
  return (mask.dataSync() as Float32Array).some((m) => m > 0);
}
