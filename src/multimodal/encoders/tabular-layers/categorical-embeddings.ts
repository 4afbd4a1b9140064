/**
 * Learned embeddings of a table's categorical columns (the entity embeddings of Guo & Berkhahn
 * 2016, as fastai's TabularModel uses them): one table per column, of `sizes[c]` rows and
 * `dims[c]` columns, applied to the column's ids and concatenated, [batch, columns] int ids →
 * [batch, Σ dims]. The ids share one space as the tabular preprocessor makes them: column c
 * holds ids [offset_c, offset_c + sizes[c]) with offset_0 = 1 and offset_{c+1} = offset_c +
 * sizes[c] (0 is padding); an id outside its column's range is clamped into it (never produced
 * by the preprocessor). Looked up as one-hot × table, a matrix product, because the gather
 * gradient (UnsortedSegmentSum) is missing from tfjs's wasm backend; the sizes are small (the
 * preprocessor caps vocabularies). Initial tables: `uniform` ±0.05 (Keras's Embedding default)
 * or `normal` N(0, 1) (PyTorch's nn.Embedding default). Registered for serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';
import { deriveSeed } from '../../../engine/random.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export interface CategoricalEmbeddingsArgs {
  /** Ids per column (its unknown and missing ids included). */
  sizes: number[];
  /** Embedding width per column. */
  dims: number[];
  /** Initial tables: `uniform` ±0.05 or `normal` N(0, 1). Default `uniform`. */
  init?: 'uniform' | 'normal';
  /** Seed of the initial tables. Default 0. */
  seed?: number;
  name?: string;
  trainable?: boolean;
}

/** The first id of each column in the shared id space. */
export function columnOffsets(sizes: readonly number[]): number[] {
  const out: number[] = [];
  let next = 1;
  for (const s of sizes) {
    out.push(next);
    next += s;
  }
  return out;
}

export class CategoricalEmbeddings extends tfl.layers.Layer {
  static readonly className = 'JointlyCategoricalEmbeddings';
  readonly sizes: number[];
  readonly dims: number[];
  readonly init: 'uniform' | 'normal';
  readonly seed: number;
  private readonly offsets: number[];
  private tables: tfl.LayerVariable[] = [];

  constructor(args: CategoricalEmbeddingsArgs) {
    super({ ...(args.name === undefined ? {} : { name: args.name }), ...(args.trainable === undefined ? {} : { trainable: args.trainable }) });
    const ok = (v: number): boolean => Number.isInteger(v) && v >= 1;
    if (args.sizes.length === 0 || args.sizes.length !== args.dims.length || !args.sizes.every(ok) || !args.dims.every(ok)) {
      throw new Error(`CategoricalEmbeddings: need one positive integer size and dim per column, got sizes [${args.sizes.join(', ')}] and dims [${args.dims.join(', ')}]`);
    }
    this.sizes = [...args.sizes];
    this.dims = [...args.dims];
    this.init = args.init ?? 'uniform';
    this.seed = args.seed ?? 0;
    this.offsets = columnOffsets(this.sizes);
  }

  private checkShape(inputShape: Shape): void {
    if (inputShape.length !== 2 || inputShape[1] !== this.sizes.length) {
      throw new ShapeMismatchError(`categorical embeddings of ${this.sizes.length} columns got ids of shape [${inputShape.join(', ')}]`, `give [batch, ${this.sizes.length}] ids, one per categorical column`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    this.checkShape((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape);
    this.tables = this.sizes.map((size, c) => {
      const seed = deriveSeed(this.seed, `column-${c}`);
      const initializer = this.init === 'normal' ? tfl.initializers.randomNormal({ mean: 0, stddev: 1, seed }) : tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed });
      return this.addWeight(`embeddings_${c}`, [size, this.dims[c]], 'float32', initializer);
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.checkShape(shape);
    return [shape[0], this.dims.reduce((a, b) => a + b, 0)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      this.checkShape(x.shape);
      if (this.tables.length !== this.sizes.length) throw new Error('CategoricalEmbeddings: called before build');
      const ids = tf.cast(x, 'float32');
      const parts = this.sizes.map((size, c) => {
        const column = tf.reshape(tf.slice(ids, [0, c], [-1, 1]), [-1]);
        const local = tf.cast(tf.clipByValue(tf.sub(column, this.offsets[c]), 0, size - 1), 'int32');
        return tf.matMul(tf.cast(tf.oneHot(local, size), 'float32'), this.tables[c].read());
      });
      return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), sizes: [...this.sizes], dims: [...this.dims], init: this.init, seed: this.seed };
  }
}

tf.serialization.registerClass(CategoricalEmbeddings);
