/**
 * Learned absolute position embeddings (as BERT's; Vaswani et al. 2017 use fixed sinusoids and
 * report learned ones as equivalent): a [maxLength, width] table whose row t is added to step t of
 * a [batch, steps ≤ maxLength, width] sequence. The table is created in `build`, seeded.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';
import { embeddingInitializer, type InitKind } from './embedding-init.js';

export interface PositionEmbeddingArgs {
  /** Most steps a sequence may have. */
  maxLength: number;
  /** Seed of the table. */
  seed: number;
  /** How the table starts (embedding-init.ts). Default `glorot`. */
  init?: InitKind;
  name?: string;
}

export class PositionEmbedding extends tfl.layers.Layer {
  static readonly className = 'JointlyPositionEmbedding';
  readonly maxLength: number;
  readonly seed: number;
  readonly init: InitKind;
  private table: tfl.LayerVariable | undefined;

  constructor(args: PositionEmbeddingArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(Number.isInteger(args.maxLength) && args.maxLength > 0)) throw new Error(`PositionEmbedding: maxLength must be a positive integer, got ${args.maxLength}`);
    this.maxLength = args.maxLength;
    this.seed = args.seed;
    this.init = args.init ?? 'glorot';
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const width = shape[shape.length - 1];
    if (shape.length !== 3 || width === null) throw new ShapeMismatchError(`PositionEmbedding takes [batch, steps, width] sequences, got [${shape.join(', ')}]`);
    if (shape[1] !== null && shape[1] > this.maxLength) throw new ShapeMismatchError(`PositionEmbedding: sequences of ${shape[1]} steps are longer than its ${this.maxLength} positions`);
    this.table = this.addWeight('positions', [this.maxLength, width], 'float32', embeddingInitializer(this.init, this.seed));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (this.table === undefined) throw new Error('PositionEmbedding: called before build');
    const table = this.table;
    return tf.tidy(() => tf.add(x, tf.slice(table.read(), [0, 0], [x.shape[1] as number, -1])));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), maxLength: this.maxLength, seed: this.seed, init: this.init };
  }
}

tf.serialization.registerClass(PositionEmbedding);
