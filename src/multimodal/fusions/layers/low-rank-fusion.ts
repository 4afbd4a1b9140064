/**
 * Low-rank Multimodal Fusion (Liu et al., "Efficient Low-rank Multimodal Fusion with
 * Modality-Specific Factors", ACL 2018, eq. 6-7): the tensor fusion's weight decomposed into rank-r
 * modality-specific factors, so that with z_m = [x_m; 1]
 *
 *     h = Σ_{i=1..r} λ_i · Π_m (W_m^(i) z_m) + b,
 *
 * the products elementwise over the output units, without ever forming the outer product. As in
 * the authors' code (Justin1904/Low-rank-Multimodal-Fusion), each factor W_m is one weight of
 * shape [r, d_m + 1, units] and λ ([r], the code's `fusion_weights`) and b ([units]) are learned.
 * Deviation: the factors start uniform (glorot: ±√(6/(d_m + 1 + units)) per rank slice; torch:
 * ±1/√(d_m + 1)) where the code uses Xavier-normal over the whole 3-d tensor, and λ uniform in
 * ±√(6/(1 + r)); b starts at 0 as there. Seeded; registered for serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '../../../engine/random.js';
import { ShapeMismatchError } from '../../../errors.js';
import { initKind, type InitKind } from './seeded-init.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export interface LowRankFusionArgs {
  /** Rank r of the decomposition. */
  rank: number;
  /** Width of the fused output. */
  units: number;
  /** Seed of the initial factors and λ. */
  seed: number;
  init: InitKind;
  name?: string;
}

export class LowRankFusion extends tfl.layers.Layer {
  static readonly className = 'JointlyLowRankFusion';
  readonly rank: number;
  readonly units: number;
  readonly seed: number;
  readonly init: InitKind;
  private factors: tfl.LayerVariable[] = [];
  private lambda: tfl.LayerVariable | undefined;
  private bias: tfl.LayerVariable | undefined;

  constructor(args: LowRankFusionArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    for (const key of ['rank', 'units'] as const) {
      if (!(Number.isInteger(args[key]) && args[key] >= 1)) throw new Error(`LowRankFusion: ${key} must be a positive integer, got ${args[key]}`);
    }
    this.rank = args.rank;
    this.units = args.units;
    this.seed = args.seed;
    this.init = initKind(args.init, 'LowRankFusion');
  }

  private static shapes(inputShape: Shape | Shape[]): Shape[] {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Shape[];
    for (const s of shapes) {
      if (s.length !== 2 || s[1] === null) throw new ShapeMismatchError(`LowRankFusion takes vectors [batch, width], got [${s.join(', ')}]`);
    }
    return shapes;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = LowRankFusion.shapes(inputShape);
    this.factors = shapes.map((s, m) => {
      const fanIn = (s[1] as number) + 1;
      const bound = this.init === 'glorot' ? Math.sqrt(6 / (fanIn + this.units)) : 1 / Math.sqrt(fanIn);
      const initializer = tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: deriveSeed(this.seed, `factor-${m}`) });
      return this.addWeight(`factor_${m}`, [this.rank, fanIn, this.units], 'float32', initializer);
    });
    const lambdaBound = Math.sqrt(6 / (1 + this.rank));
    this.lambda = this.addWeight('lambda', [this.rank], 'float32', tfl.initializers.randomUniform({ minval: -lambdaBound, maxval: lambdaBound, seed: deriveSeed(this.seed, 'lambda') }));
    this.bias = this.addWeight('bias', [this.units], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = LowRankFusion.shapes(inputShape);
    return [shapes[0][0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      if (this.lambda === undefined || this.bias === undefined || this.factors.length !== list.length) {
        throw new ShapeMismatchError(`LowRankFusion was built for ${this.factors.length} modalities and called with ${list.length}`);
      }
      const batch = list[0].shape[0];
      let product: tf.Tensor | undefined;
      list.forEach((x, m) => {
        const z = tf.concat([x, tf.ones([batch, 1])], 1); // [B, d+1]
        const w = (this.factors[m].read() as tf.Tensor3D);
        const [r, d1, units] = w.shape;
        const flat = tf.reshape(tf.transpose(w, [1, 0, 2]), [d1, r * units]);
        const f = tf.reshape(tf.matMul(z, flat), [batch, r, units]); // W_m^(i) z_m for every rank i
        product = product === undefined ? f : tf.mul(product, f);
      });
      const lambda = tf.reshape(this.lambda.read(), [1, this.rank, 1]);
      return tf.add(tf.sum(tf.mul(product as tf.Tensor, lambda), 1), this.bias.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rank: this.rank, units: this.units, seed: this.seed, init: this.init };
  }
}

tf.serialization.registerClass(LowRankFusion);
