/**
 * The gated mixture of experts of MMoE, CGC and PLE as one layer: inputs `[gate, expert_1, ...,
 * expert_E]`, the gate of shape [batch, E] (softmax weights), every expert of one shape
 * [batch, ...]; output Σ_e gate[:, e] · expert_e, of the experts' shape (Ma et al., KDD 2018,
 * eq. 5: f^k(x) = Σ_i g^k(x)_i f_i(x); LibMTL's MMoE.py computes it as
 * `einsum('ij..., ji -> j...', experts, gate)`). No weights of its own; gradients flow into the
 * gate and every expert through tfjs's ops. Registered for serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../errors.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export interface GatedSumArgs {
  name?: string;
}

/** Σ_e gate[:, e] · expert_e over inputs `[gate, ...experts]`. */
export class GatedSum extends tfl.layers.Layer {
  static readonly className = 'JointlyGatedSum';

  constructor(args: GatedSumArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name });
  }

  /** Checks the shapes: a [batch, E] gate and E experts of one shape. */
  private static check(shapes: Shape[]): Shape {
    if (shapes.length < 2) throw new ShapeMismatchError(`GatedSum needs a gate and at least one expert, got ${shapes.length} input(s)`, 'pass [gate, ...experts]');
    const [gate, ...experts] = shapes;
    if (gate.length !== 2 || gate[1] !== experts.length) {
      throw new ShapeMismatchError(`GatedSum's gate has shape [${gate.join(', ')}] but there are ${experts.length} experts`, 'give the gate one unit per expert');
    }
    const first = experts[0];
    for (const e of experts) {
      if (e.length !== first.length || e.some((d, i) => i > 0 && d !== first[i])) {
        throw new ShapeMismatchError(`GatedSum's experts differ in shape: [${first.join(', ')}] and [${e.join(', ')}]`, 'give every expert the same output shape');
      }
    }
    return first.slice();
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return GatedSum.check(inputShape as Shape[]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      GatedSum.check(list.map((t) => t.shape));
      const [gate, ...experts] = list;
      const stacked = tf.stack(experts, 1); // [batch, E, ...]
      const weights = tf.reshape(gate, [...gate.shape, ...experts[0].shape.slice(1).map(() => 1)]);
      return tf.sum(tf.mul(stacked, weights), 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig() };
  }
}

tf.serialization.registerClass(GatedSum);
