/**
 * The gate of the Gated Multimodal Unit (Arevalo et al., "Gated Multimodal Units for Information
 * Fusion", ICLR workshop 2017, eq. 1-5): inputs `[gate, h_1, ..., h_M]` with h_i [B, d] the
 * modalities' tanh features and `gate` the gate's pre-activations. For two modalities, as in the
 * paper, `gate` is [B, d], z = σ(gate) and h = z ⊙ h_1 + (1 − z) ⊙ h_2. For M > 2 (the paper's
 * section 3 says the unit extends to more modalities without fixing how), `gate` is [B, M·d], read
 * as [B, M, d], and z = softmax over the modalities for each unit: h = Σ_i z_i ⊙ h_i. No weights
 * of its own. Registered for serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export interface GatedModalitySumArgs {
  /** Number of modalities M (at least 2). */
  modalities: number;
  name?: string;
}

/** The gate's width for M modalities of width d: d for two (a sigmoid), M·d beyond (a softmax per unit). */
export function gmuGateWidth(modalities: number, width: number): number {
  return modalities === 2 ? width : modalities * width;
}

export class GatedModalitySum extends tfl.layers.Layer {
  static readonly className = 'JointlyGatedModalitySum';
  readonly modalities: number;

  constructor(args: GatedModalitySumArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(Number.isInteger(args.modalities) && args.modalities >= 2)) throw new Error(`GatedModalitySum: modalities must be an integer >= 2, got ${args.modalities}`);
    this.modalities = args.modalities;
  }

  private check(shapes: Shape[]): Shape {
    if (shapes.length !== this.modalities + 1) throw new ShapeMismatchError(`GatedModalitySum of ${this.modalities} modalities takes ${this.modalities + 1} inputs, got ${shapes.length}`, 'pass [gate, h_1..h_M]');
    const [gate, ...hs] = shapes;
    const first = hs[0];
    for (const h of hs) {
      if (h.length !== 2 || h[1] !== first[1]) throw new ShapeMismatchError(`GatedModalitySum: the modalities' features differ in shape: [${first.join(', ')}] and [${h.join(', ')}]`, 'give every modality the same hidden size');
    }
    const width = gmuGateWidth(this.modalities, first[1] as number);
    if (gate.length !== 2 || gate[1] !== width) throw new ShapeMismatchError(`GatedModalitySum: the gate has shape [${gate.join(', ')}], expected [batch, ${width}]`);
    return first.slice();
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.check(inputShape as Shape[]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      this.check(list.map((t) => t.shape));
      const [gate, ...hs] = list;
      if (this.modalities === 2) {
        const z = tf.sigmoid(gate);
        return tf.add(tf.mul(z, hs[0]), tf.mul(tf.sub(1, z), hs[1]));
      }
      const [batch, width] = hs[0].shape as number[];
      const z = tf.softmax(tf.transpose(tf.reshape(gate, [batch, this.modalities, width]), [0, 2, 1])); // [B, d, M], softmax over M
      return tf.sum(tf.mul(tf.stack(hs, 2), z), 2);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), modalities: this.modalities };
  }
}

tf.serialization.registerClass(GatedModalitySum);
