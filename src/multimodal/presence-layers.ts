/**
 * The learned "missing" embedding of a modality: inputs `[vector [B, d], presence [B, 1]]`,
 * output the vector where presence is 1 and e where it is 0, with e a trainable [d] vector (for
 * 0/1 presences, `presence · vector + (1 − presence) · e`, computed as a select). Where a sample
 * has the modality the encoder's vector passes unchanged; where it lacks it, the fusion sees e
 * instead of whatever the encoder makes of the zeros the data holds there, so that a model
 * trained with missing modalities (or modality dropout) learns what "absent" should mean to the
 * fusion, as a learned [MASK]-like token does for a missing token. One vector per modality, of
 * the encoder's width. Gradients reach e from the absent samples only. e starts at zero (`init: 'zeros'`) or at small seeded normal values
 * (`init: 'normal'`, standard deviation `scale`). Registered for serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../errors.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export const MISSING_INITS = ['zeros', 'normal'] as const;
export type MissingInit = (typeof MISSING_INITS)[number];

/** Standard deviation of a `normal` missing embedding's initial values. */
export const MISSING_EMBEDDING_SCALE = 0.02;

export interface MissingEmbeddingArgs {
  /** How e starts. Default `normal`. */
  init?: MissingInit;
  /** Seed of e's initial values (`normal`). */
  seed: number;
  /** Standard deviation of the initial values (`normal`). Default 0.02. */
  scale?: number;
  name?: string;
}

export class MissingEmbedding extends tfl.layers.Layer {
  static readonly className = 'JointlyMissingEmbedding';
  readonly init: MissingInit;
  readonly seed: number;
  readonly scale: number;
  private embedding: tfl.LayerVariable | undefined;

  constructor(args: MissingEmbeddingArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    const init = args.init ?? 'normal';
    if (!(MISSING_INITS as readonly string[]).includes(init)) throw new Error(`MissingEmbedding: init must be one of ${MISSING_INITS.join(', ')}, got ${String(init)}`);
    const scale = args.scale ?? MISSING_EMBEDDING_SCALE;
    if (!(scale >= 0 && Number.isFinite(scale))) throw new Error(`MissingEmbedding: scale must be a finite number >= 0, got ${scale}`);
    this.init = init;
    this.seed = args.seed;
    this.scale = scale;
  }

  private static check(shapes: Shape[]): Shape {
    if (shapes.length !== 2) throw new ShapeMismatchError(`MissingEmbedding takes [vector, presence], got ${shapes.length} input(s)`);
    const [v, p] = shapes;
    if (v.length !== 2 || v[1] === null) throw new ShapeMismatchError(`MissingEmbedding takes a vector [batch, width], got [${v.join(', ')}]`, 'apply it to an encoder\'s vector');
    if (p.length !== 2 || p[1] !== 1) throw new ShapeMismatchError(`MissingEmbedding: the presence has shape [${p.join(', ')}], expected [batch, 1]`);
    return v.slice();
  }

  override build(inputShape: Shape | Shape[]): void {
    const [v] = inputShape as Shape[];
    MissingEmbedding.check(inputShape as Shape[]);
    const initializer = this.init === 'zeros' ? tfl.initializers.zeros() : tfl.initializers.randomNormal({ mean: 0, stddev: this.scale, seed: this.seed });
    this.embedding = this.addWeight('embedding', [v[1] as number], 'float32', initializer);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return MissingEmbedding.check(inputShape as Shape[]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      MissingEmbedding.check(list.map((t) => t.shape));
      if (this.embedding === undefined) throw new Error('MissingEmbedding: called before build');
      const [vector, presence] = list;
      // A select, not only a product: where the modality is present, e gets no gradient and
      // the vector passes exactly; where it is absent, nothing of the vector leaks in.
      const present = tf.greater(tf.mul(tf.ones(vector.shape), presence), 0);
      const missing = tf.mul(tf.onesLike(vector), tf.reshape(this.embedding.read(), [1, -1]));
      return tf.where(present, vector, missing);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), init: this.init, seed: this.seed, scale: this.scale };
  }
}

tf.serialization.registerClass(MissingEmbedding);

/**
 * The identity on its first input that also takes the model's other inputs, so that they stay
 * connected to the output. A fused model whose fusion never reads the presences (early fusion
 * with zero-filled missing modalities) would otherwise hold presence inputs that feed nothing,
 * and tfjs-layers drops such inputs when it loads the saved topology, so the saved model would
 * no longer take the inputs it was trained with. Inputs `[x, ...others]`, output x. No weights.
 * Registered for serialization.
 */
export class KeepInputs extends tfl.layers.Layer {
  static readonly className = 'JointlyKeepInputs';

  constructor(args: { name?: string } = {}) {
    super(args.name === undefined ? {} : { name: args.name });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const first = Array.isArray(inputShape[0]) ? (inputShape[0] as Shape) : (inputShape as Shape);
    return first.slice();
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return x.clone();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig() };
  }
}

tf.serialization.registerClass(KeepInputs);
