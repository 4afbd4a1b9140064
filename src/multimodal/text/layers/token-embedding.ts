/**
 * Token embeddings: a [vocabSize, dim] table looked up by int ids, [batch, steps] → [batch,
 * steps, dim], like tfjs-layers' Embedding but trainable on every jointly backend: the gradient
 * of a lookup (tf.gather) is tfjs's UnsortedSegmentSum, which the wasm backend lacks, so here the
 * table's gradient is a scatter-add of the output gradients at their ids (tf.scatterND, which sums
 * the updates of repeated ids on every backend), the same values. One-hot × table (as the tabular
 * encoder's small categorical tables do) would cost batch·steps·vocabSize per step, too much for a
 * vocabulary of thousands. The table is created in `build`, seeded (embedding-init.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';
import { embeddingInitializer, type InitKind } from './embedding-init.js';

export interface TokenEmbeddingArgs {
  /** Number of ids (rows of the table); ids are in [0, vocabSize). */
  vocabSize: number;
  /** Width of each embedding. */
  dim: number;
  seed: number;
  /** How the table starts. Default `glorot` (uniform ±0.05). */
  init?: InitKind;
  name?: string;
}

/** Rows `ids` of `table` ([n] ids → [n, dim]), with the scatter-add gradient for the table. */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  // customGrad passes the inputs and then the save function in one rest list
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, i, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([i]);
    return {
      value: tf.gather(t, i),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedIds] = saved;
        return [tf.scatterND(tf.expandDims(savedIds, 1), dy, table.shape), tf.zeros(savedIds.shape)];
      },
    };
  });
  return lookup(table, ids) as tf.Tensor2D;
}

export class TokenEmbedding extends tfl.layers.Layer {
  static readonly className = 'JointlyTokenEmbedding';
  readonly vocabSize: number;
  readonly dim: number;
  readonly seed: number;
  readonly init: InitKind;
  private table: tfl.LayerVariable | undefined;

  constructor(args: TokenEmbeddingArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(Number.isInteger(args.vocabSize) && args.vocabSize >= 1 && Number.isInteger(args.dim) && args.dim >= 1)) {
      throw new Error(`TokenEmbedding: vocabSize and dim must be positive integers, got ${args.vocabSize} and ${args.dim}`);
    }
    this.vocabSize = args.vocabSize;
    this.dim = args.dim;
    this.seed = args.seed;
    this.init = args.init ?? 'glorot';
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    if (Array.isArray(shape[0]) || shape.length !== 2) throw new ShapeMismatchError(`TokenEmbedding takes [batch, steps] ids, got [${shape.join(', ')}]`);
    this.table = this.addWeight('embeddings', [this.vocabSize, this.dim], 'float32', embeddingInitializer(this.init, this.seed));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = inputShape as tfl.Shape;
    return [shape[0], shape[1], this.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const ids = Array.isArray(inputs) ? inputs[0] : inputs;
    if (this.table === undefined) throw new Error('TokenEmbedding: called before build');
    const table = this.table;
    return tf.tidy(() => {
      const flat = tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [-1]) as tf.Tensor1D;
      return tf.reshape(embeddingLookup(table.read() as tf.Tensor2D, flat), [...ids.shape, this.dim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), vocabSize: this.vocabSize, dim: this.dim, seed: this.seed, init: this.init };
  }
}

tf.serialization.registerClass(TokenEmbedding);
