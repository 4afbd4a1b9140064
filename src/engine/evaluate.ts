/**
 * Evaluation of members and of their ensemble, per head, in inference mode. Predictions are read
 * back per head (class probabilities, label probabilities or values) and scored by the metrics
 * of the head's target kind (metrics/registry.ts), over the labelled samples only. The ensemble
 * averages the members' predictions (probabilities, or values for regression).
 */
import * as tf from '@tensorflow/tfjs-core';
import { targetWidth, type FieldInfo, type TargetKind } from '../data/fields.js';
import { ShapeMismatchError } from '../errors.js';
import type { Batch, BatchSource } from './batch.js';
import { forward, type Member } from './member.js';
import { getMetric, metricsFor } from './metrics/registry.js';

/**
 * Accuracy and cross-entropy of a model or of the ensemble on one classification head. Both are NaN
 * when the model has no such head (or, for the ensemble, when some member lacks it).
 */
export interface Scores {
  /** Fraction of samples whose arg-max prediction is the label. */
  accuracy: number;
  /** Mean cross-entropy of the (mean) predicted probabilities. */
  loss: number;
}

/** What {@link evaluate} returns: the {@link Scores} of every member and of their ensemble. */
export interface Evaluation {
  /** Scores of each member, in order. */
  members: Scores[];
  /** Scores of the ensemble of all members (mean probabilities). */
  ensemble: Scores;
}

/**
 * Options of {@link evaluate}: the members, the data, the classification head to score and the
 * batch size.
 */
export interface EvaluateOptions {
  members: readonly Member[];
  data: BatchSource;
  /** Head to score. Default 'y'. */
  head?: string;
  /** Samples per forward pass. Default 512. */
  batchSize?: number;
}

/** Metric values by metric name (e.g. `{ accuracy: 0.91, macroF1: 0.9, crossEntropy: 0.3 }`). */
export type MetricValues = Record<string, number>;

/**
 * What {@link evaluateHeads} returns: metric values of every member and of the ensemble on each
 * scored head, with each head's labelled-sample count and target kind.
 */
export interface HeadEvaluation {
  /** `members[i][head]`: metric values of member i on each head it has. */
  members: Record<string, MetricValues>[];
  /** The ensemble's metric values on each head that every member has. */
  ensemble: Record<string, MetricValues>;
  /** Labelled samples of each head's target (metrics count only these). */
  labelled: Record<string, number>;
  /** Target kind of each scored head. */
  kinds: Record<string, TargetKind>;
}

/**
 * Options of {@link evaluateHeads}: the members, the data, and optionally the heads, the metrics
 * per head and the batch size.
 */
export interface EvaluateHeadsOptions {
  members: readonly Member[];
  data: BatchSource;
  /** Heads to score. Default: every target of the data that some member has a head for. */
  heads?: readonly string[];
  /** Metric names per head. Default: every metric of the head's target kind (see `metricsFor`). */
  metrics?: Readonly<Record<string, readonly string[]>>;
  /** Samples per forward pass. Default 512. */
  batchSize?: number;
}

/** What a head's target is, from the source's fields; hand-written sources without fields are classes. */
function targetInfo(data: BatchSource, head: string, batch: Batch): FieldInfo {
  const field = data.fields?.[head];
  if (field !== undefined) return field;
  const target = batch.targets[head];
  if (target === undefined) throw new ShapeMismatchError(`the data has no target '${head}' (targets: ${Object.keys(batch.targets).join(', ') || 'none'})`, 'score heads that have a target field');
  return { kind: 'classes', numClasses: target.shape[target.shape.length - 1] as number, masked: false };
}

/** A head's predictions in the form metrics take: softmax for classes, sigmoid for binary and multi-label, values for regression. */
function predictions(logits: tf.Tensor, kind: TargetKind): tf.Tensor {
  if (kind === 'classes') return tf.softmax(logits);
  if (kind === 'regression') return logits;
  return tf.sigmoid(logits);
}

/** Growable float32 storage of per-sample rows. */
class Rows {
  private data: Float32Array;
  private used = 0;
  constructor(capacity: number) {
    this.data = new Float32Array(capacity);
  }
  push(values: Float32Array | Int32Array | Uint8Array): void {
    this.data.set(values, this.used);
    this.used += values.length;
  }
  get values(): Float32Array {
    return this.data.subarray(0, this.used);
  }
}

/** Scores every member and the ensemble on every head, in inference mode. */
export function evaluateHeads(opts: EvaluateHeadsOptions): HeadEvaluation {
  const batchSize = opts.batchSize ?? 512;
  const n = opts.data.length;
  const k = opts.members.length;
  const targetNames = opts.data.fields === undefined ? undefined : Object.entries(opts.data.fields).filter(([, f]) => targetWidth(f) !== undefined).map(([name]) => name);
  const heads = opts.heads ?? (targetNames ?? ['y']).filter((h) => opts.members.some((m) => m.heads.includes(h)));
  const hasHead = heads.map((h) => opts.members.map((m) => m.heads.includes(h)));
  const infos: Record<string, FieldInfo> = {};
  // Per head: predictions of each member and the ensemble, targets, mask.
  const preds: Record<string, Rows[]> = {};
  const targets: Record<string, Rows | Int32Array> = {};
  const masks: Record<string, Rows | undefined> = {};
  const classTargets: Record<string, Int32Array> = {};
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const indices = Int32Array.from({ length: end - start }, (_, i) => start + i);
    const read = tf.tidy(() => {
      const batch = opts.data.batch(indices);
      const outs = opts.members.map((m) => forward(m, batch, false));
      return heads.map((head, h) => {
        const info = (infos[head] ??= targetInfo(opts.data, head, batch));
        const kind = info.kind as TargetKind;
        const perMember = opts.members.map((m, i) => (hasHead[h][i] ? predictions(outs[i][head], kind) : undefined));
        const present = perMember.filter((p): p is tf.Tensor => p !== undefined);
        const ensemble = present.length === k ? tf.div(tf.addN(present), k) : undefined;
        return {
          members: perMember.map((p) => (p === undefined ? undefined : (p.dataSync() as Float32Array))),
          ensemble: ensemble === undefined ? undefined : (ensemble.dataSync() as Float32Array),
          // a hand-written source may give one-hot targets without class ids
          labels: kind === 'classes' ? (batch.labels[head] ?? (tf.argMax(batch.targets[head], -1).dataSync() as Int32Array)) : undefined,
          values: kind === 'classes' ? undefined : (batch.targets[head].dataSync() as Float32Array),
          mask: batch.masks?.[head]?.dataSync() as Float32Array | undefined,
        };
      });
    });
    heads.forEach((head, h) => {
      const r = read[h];
      const width = targetWidth(infos[head]) as number;
      preds[head] ??= Array.from({ length: k + 1 }, () => new Rows(n * width));
      r.members.forEach((p, i) => p !== undefined && preds[head][i].push(p));
      if (r.ensemble !== undefined) preds[head][k].push(r.ensemble);
      if (infos[head].kind === 'classes') {
        const labels = (classTargets[head] ??= new Int32Array(n));
        labels.set(r.labels as Int32Array, start);
      } else {
        ((targets[head] ??= new Rows(n * width)) as Rows).push(r.values as Float32Array);
      }
      if (r.mask !== undefined) (masks[head] ??= new Rows(n)).push(r.mask);
    });
  }
  const result: HeadEvaluation = { members: opts.members.map(() => ({})), ensemble: {}, labelled: {}, kinds: {} };
  heads.forEach((head, h) => {
    const info = infos[head];
    if (info === undefined) return; // no samples
    const kind = info.kind as TargetKind;
    const width = targetWidth(info) as number;
    const names = opts.metrics?.[head] ?? metricsFor(kind).map((m) => m.name);
    const metrics = names.map((name) => getMetric(name));
    const target = kind === 'classes' ? classTargets[head] : (targets[head] as Rows).values;
    const maskRows = masks[head];
    const mask = maskRows === undefined ? undefined : Uint8Array.from(maskRows.values);
    const score = (p: Float32Array): MetricValues => {
      const out: MetricValues = {};
      for (const metric of metrics) out[metric.name] = metric.compute({ predictions: p, targets: target, width, ...(mask === undefined ? {} : { mask }) });
      return out;
    };
    opts.members.forEach((_, i) => {
      if (hasHead[h][i]) result.members[i][head] = score(preds[head][i].values);
    });
    if (hasHead[h].every(Boolean)) result.ensemble[head] = score(preds[head][k].values);
    result.labelled[head] = mask === undefined ? n : mask.reduce((s, v) => s + v, 0);
    result.kinds[head] = kind;
  });
  return result;
}

/** Scores every member and the ensemble on one classification head: accuracy and cross-entropy. */
export function evaluate(opts: EvaluateOptions): Evaluation {
  const head = opts.head ?? 'y';
  const result = evaluateHeads({
    members: opts.members,
    data: opts.data,
    heads: [head],
    metrics: { [head]: ['accuracy', 'crossEntropy'] },
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
  });
  const scores = (m: Record<string, MetricValues>): Scores => ({ accuracy: m[head]?.accuracy ?? Number.NaN, loss: m[head]?.crossEntropy ?? Number.NaN });
  return { members: result.members.map(scores), ensemble: scores(result.ensemble) };
}
