/**
 * The FiLM layer (Perez et al., "FiLM: Visual Reasoning with a General Conditioning Layer", AAAI
 * 2018, eq. 1-2): inputs `[x, γ, β]`, all [B, d], output γ ⊙ x + β, a feature-wise affine map of
 * x whose coefficients another network computed from the conditioning input. With
 * `residualGamma` (the default of the `film` fusion) the γ input is read as Δγ and the scale is
 * 1 + Δγ, so that a generator whose outputs start near 0 starts near the identity (jointly's
 * choice, a deviation from the paper's plain γ; `residualGamma: false` gives the paper's form).
 * No weights. Registered for serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export interface FeatureModulationArgs {
  /** Read γ as Δγ and scale by 1 + Δγ. Default true. */
  residualGamma?: boolean;
  name?: string;
}

export class FeatureModulation extends tfl.layers.Layer {
  static readonly className = 'JointlyFeatureModulation';
  readonly residualGamma: boolean;

  constructor(args: FeatureModulationArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.residualGamma = args.residualGamma ?? true;
  }

  private static check(shapes: Shape[]): Shape {
    if (shapes.length !== 3) throw new ShapeMismatchError(`FeatureModulation takes [x, gamma, beta], got ${shapes.length} inputs`);
    const [x, g, b] = shapes;
    for (const s of [g, b]) {
      if (s.length !== x.length || s[1] !== x[1]) throw new ShapeMismatchError(`FeatureModulation: gamma and beta must have x's shape [${x.join(', ')}], got [${s.join(', ')}]`, 'give the generator one output per feature of the modulated modality');
    }
    return x.slice();
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return FeatureModulation.check(inputShape as Shape[]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      FeatureModulation.check(list.map((t) => t.shape));
      const [x, gamma, beta] = list;
      const scale = this.residualGamma ? tf.add(gamma, 1) : gamma;
      return tf.add(tf.mul(scale, x), beta);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), residualGamma: this.residualGamma };
  }
}

tf.serialization.registerClass(FeatureModulation);
