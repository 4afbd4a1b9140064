/**
 * Weighted sum of M modality tensors of one shape [B, d] with weights that leave absent
 * modalities out: `a_i = p_i / Σ_j p_j` (mode `mean`: late fusion's average over the present
 * modalities), a softmax of learned per-modality scores over the present modalities (mode
 * `learned`, the scores a trainable [M] vector starting at 0, i.e. at the mean), or a softmax of
 * per-sample scores given as an input [B, M] over the present ones (mode `scores`: attention).
 * Inputs `[p_1..p_M, v_1..v_M]` (presences [B, 1]), plus the scores last in mode `scores`.
 * A sample with no modality present gets zeros (never a division by zero). Registered for
 * serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';
import { maskedSoftmax, MASK_EPSILON } from './masking.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export const MIX_MODES = ['mean', 'learned', 'scores'] as const;
export type MixMode = (typeof MIX_MODES)[number];

export interface ModalityMixArgs {
  /** Number of modalities M (at least 1). */
  modalities: number;
  mode: MixMode;
  name?: string;
}

export class ModalityMix extends tfl.layers.Layer {
  static readonly className = 'JointlyModalityMix';
  readonly modalities: number;
  readonly mode: MixMode;
  private scores: tfl.LayerVariable | undefined;

  constructor(args: ModalityMixArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(Number.isInteger(args.modalities) && args.modalities >= 1)) throw new Error(`ModalityMix: modalities must be a positive integer, got ${args.modalities}`);
    if (!(MIX_MODES as readonly string[]).includes(args.mode)) throw new Error(`ModalityMix: mode must be one of ${MIX_MODES.join(', ')}, got ${String(args.mode)}`);
    this.modalities = args.modalities;
    this.mode = args.mode;
  }

  private check(shapes: Shape[]): Shape {
    const m = this.modalities;
    const expected = 2 * m + (this.mode === 'scores' ? 1 : 0);
    if (shapes.length !== expected) throw new ShapeMismatchError(`ModalityMix (${this.mode}) of ${m} modalities takes ${expected} inputs, got ${shapes.length}`, 'pass [presence_1..presence_M, value_1..value_M] (and the scores last in mode "scores")');
    for (const p of shapes.slice(0, m)) {
      if (p.length !== 2 || p[1] !== 1) throw new ShapeMismatchError(`ModalityMix: a presence has shape [${p.join(', ')}], expected [batch, 1]`);
    }
    const values = shapes.slice(m, 2 * m);
    const first = values[0];
    for (const v of values) {
      if (v.length !== 2 || v[1] !== first[1]) throw new ShapeMismatchError(`ModalityMix: the modalities' values differ in shape: [${first.join(', ')}] and [${v.join(', ')}]`, 'give every modality the same width (project them first)');
    }
    if (this.mode === 'scores') {
      const s = shapes[2 * m];
      if (s.length !== 2 || s[1] !== m) throw new ShapeMismatchError(`ModalityMix: the scores have shape [${s.join(', ')}], expected [batch, ${m}]`);
    }
    return first.slice();
  }

  override build(inputShape: Shape | Shape[]): void {
    this.check(inputShape as Shape[]);
    if (this.mode === 'learned') this.scores = this.addWeight('scores', [this.modalities], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.check(inputShape as Shape[]);
  }

  /** The weight of each modality for each sample, [B, M] (rows sum to 1 over the present modalities, or are all 0). */
  mixWeights(inputs: tf.Tensor[]): tf.Tensor2D {
    return tf.tidy(() => {
      const m = this.modalities;
      const presence = tf.concat(inputs.slice(0, m), -1); // [B, M]
      if (this.mode === 'mean') return tf.div(presence, tf.maximum(tf.sum(presence, -1, true), MASK_EPSILON)) as tf.Tensor2D;
      let scores: tf.Tensor;
      if (this.mode === 'learned') {
        if (this.scores === undefined) throw new Error('ModalityMix: called before build');
        scores = tf.mul(tf.onesLike(presence), tf.reshape(this.scores.read(), [1, m]));
      } else {
        scores = inputs[2 * m];
      }
      return maskedSoftmax(scores, presence) as tf.Tensor2D;
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      this.check(list.map((t) => t.shape));
      const weights = this.mixWeights(list); // [B, M]
      const values = tf.stack(list.slice(this.modalities, 2 * this.modalities), 1); // [B, M, d]
      return tf.sum(tf.mul(values, tf.expandDims(weights, -1)), 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), modalities: this.modalities, mode: this.mode };
  }
}

tf.serialization.registerClass(ModalityMix);
