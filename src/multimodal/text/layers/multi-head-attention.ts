/**
 * Multi-head scaled dot-product attention (Vaswani et al., "Attention Is All You Need", NeurIPS
 * 2017, section 3.2) with a key padding mask, as a tfjs layer (tfjs-layers has none). Inputs
 * [query [batch, Tq, dq], context [batch, Tk, dk], contextMask [batch, Tk]] (1 real, 0 padding),
 * or [sequence, mask] for self-attention (the sequence is query and context: passing one symbolic
 * tensor twice to a layer makes tfjs-layers' executor free it too early). With h heads of width
 * u/h (u = `units`):
 *   Q = query·Wq + bq, K = context·Wk + bk, V = context·Wv + bv, split into h heads;
 *   A = softmax(Q Kᵀ / √(u/h) + (1 − mask)·(−1e9)) per head, over the keys;
 *   output = concat_heads(A V)·Wo + bo, of width `outputUnits` (default dq, for residuals).
 * Padded keys get −1e9 added to their scores, so their attention weight is exp(−1e9) = 0; a query
 * whose keys are all padding gets uniform weights over them (finite, never NaN: the scores are
 * equal), and the encoders mask such outputs afterwards. No attention dropout (Vaswani et al.
 * drop the sublayer output, which the encoder does). Weights, created in `build`: Glorot-uniform
 * kernels and zero biases (PyTorch's nn.MultiheadAttention and Keras' MultiHeadAttention both
 * start so), each kernel seeded from `seed` with deriveSeed, so one seed gives one set of weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';
import { deriveSeed } from '../../../engine/random.js';
import { MASKED_VALUE } from './masked-pooling.js';

export interface MultiHeadAttentionArgs {
  /** Number of heads h. */
  heads: number;
  /** Width of the queries, keys and values, all heads together (a multiple of `heads`). */
  units: number;
  /** Width of the output. Default: the query's width. */
  outputUnits?: number;
  /** Seed of the kernels. */
  seed: number;
  name?: string;
}

/**
 * Attention of split heads: q [B·h, Tq, dh], k and v [B·h, Tk, dh], keyMask [B·h, Tk]; returns the
 * attended values [B·h, Tq, dh] and the weights [B·h, Tq, Tk].
 */
export function scaledDotProductAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, keyMask: tf.Tensor2D): { values: tf.Tensor3D; weights: tf.Tensor3D } {
  return tf.tidy(() => {
    const dh = q.shape[2];
    const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh));
    const bias = tf.expandDims(tf.mul(tf.sub(1, keyMask), MASKED_VALUE), 1); // [B·h, 1, Tk]
    const weights = tf.softmax(tf.add(scores, bias)) as tf.Tensor3D;
    return { values: tf.matMul(weights, v), weights };
  });
}

export class MultiHeadAttention extends tfl.layers.Layer {
  static readonly className = 'JointlyMultiHeadAttention';
  readonly heads: number;
  readonly units: number;
  readonly outputUnits: number | undefined;
  readonly seed: number;
  private weightsByName: Record<string, tfl.LayerVariable> = {};

  constructor(args: MultiHeadAttentionArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(Number.isInteger(args.heads) && args.heads > 0 && Number.isInteger(args.units) && args.units > 0 && args.units % args.heads === 0)) {
      throw new Error(`MultiHeadAttention: units (${args.units}) must be a positive multiple of heads (${args.heads})`);
    }
    this.heads = args.heads;
    this.units = args.units;
    this.outputUnits = args.outputUnits;
    this.seed = args.seed;
  }

  private shapes(inputShape: tfl.Shape | tfl.Shape[]): [tfl.Shape, tfl.Shape, tfl.Shape] {
    const shapes = inputShape as tfl.Shape[];
    if (!Array.isArray(shapes[0]) || (shapes.length !== 3 && shapes.length !== 2)) throw new ShapeMismatchError('MultiHeadAttention takes [query, context, contextMask], or [sequence, mask] for self-attention', 'pass the sequences and the mask as a list');
    const [q, c, m] = shapes.length === 2 ? [shapes[0], shapes[0], shapes[1]] : shapes;
    if (q.length !== 3 || c.length !== 3 || m.length !== 2 || (c[1] !== null && m[1] !== null && c[1] !== m[1])) {
      throw new ShapeMismatchError(`MultiHeadAttention: query [${q.join(', ')}], context [${c.join(', ')}] and mask [${m.join(', ')}] do not go together`, 'give [batch, steps, width] query and context and a [batch, context steps] mask');
    }
    return [q, c, m];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const [q, c] = this.shapes(inputShape);
    const dq = q[2] as number;
    const dk = c[2] as number;
    const out = this.outputUnits ?? dq;
    const kernel = (name: string, rows: number, cols: number): void => {
      this.weightsByName[`${name}/kernel`] = this.addWeight(`${name}/kernel`, [rows, cols], 'float32', tfl.initializers.glorotUniform({ seed: deriveSeed(this.seed, name) }));
      this.weightsByName[`${name}/bias`] = this.addWeight(`${name}/bias`, [cols], 'float32', tfl.initializers.zeros());
    };
    kernel('query', dq, this.units);
    kernel('key', dk, this.units);
    kernel('value', dk, this.units);
    kernel('output', this.units, out);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [q] = this.shapes(inputShape);
    return [q[0], q[1], this.outputUnits ?? q[2]];
  }

  private read(name: string): tf.Tensor {
    const w = this.weightsByName[name];
    if (w === undefined) throw new Error('MultiHeadAttention: called before build');
    return w.read();
  }

  /** x [B, T, d] · W [d, u] + b, on the last axis. */
  private project(x: tf.Tensor, name: string): tf.Tensor3D {
    const [b, t, d] = x.shape;
    const w = this.read(`${name}/kernel`);
    return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [b * t, d]), w), this.read(`${name}/bias`)), [b, t, w.shape[1] as number]);
  }

  /** [B, T, u] → [B·h, T, u/h]. */
  private split(x: tf.Tensor3D): tf.Tensor3D {
    const [b, t] = x.shape;
    const dh = this.units / this.heads;
    return tf.reshape(tf.transpose(tf.reshape(x, [b, t, this.heads, dh]), [0, 2, 1, 3]), [b * this.heads, t, dh]);
  }

  /** The attention weights [batch, heads, Tq, Tk] of some inputs (for inspection and tests). */
  attentionWeights(inputs: tf.Tensor[]): tf.Tensor4D {
    return tf.tidy(() => {
      const { weights } = this.attend(inputs);
      const [b, tq] = inputs[0].shape;
      return tf.reshape(weights, [b, this.heads, tq, inputs[inputs.length - 1].shape[1] as number]);
    });
  }

  private attend(inputs: tf.Tensor[]): { values: tf.Tensor3D; weights: tf.Tensor3D } {
    const [query, context, mask] = inputs.length === 2 ? [inputs[0], inputs[0], inputs[1]] : inputs;
    const b = query.shape[0];
    const q = this.split(this.project(query, 'query'));
    const k = this.split(this.project(context, 'key'));
    const v = this.split(this.project(context, 'value'));
    // one mask row per sample and head, in the order split() stacks them (sample-major)
    const keyMask = tf.reshape(tf.tile(tf.expandDims(mask, 1), [1, this.heads, 1]), [b * this.heads, mask.shape[1] as number]) as tf.Tensor2D;
    return scaledDotProductAttention(q, k, v, keyMask);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = inputs as tf.Tensor[];
      if (!Array.isArray(list) || (list.length !== 3 && list.length !== 2)) throw new ShapeMismatchError('MultiHeadAttention takes [query, context, contextMask], or [sequence, mask] for self-attention', 'pass the sequences and the mask as a list');
      const [b, tq] = list[0].shape;
      const { values } = this.attend(list);
      const dh = this.units / this.heads;
      const merged = tf.reshape(tf.transpose(tf.reshape(values, [b, this.heads, tq, dh]), [0, 2, 1, 3]), [b, tq, this.units]);
      return this.project(merged, 'output');
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, units: this.units, ...(this.outputUnits === undefined ? {} : { outputUnits: this.outputUnits }), seed: this.seed };
  }
}

tf.serialization.registerClass(MultiHeadAttention);
