/**
 * Multi-head scaled dot-product attention with a key padding mask (Vaswani et al., "Attention Is
 * All You Need", NeurIPS 2017, section 3.2): inputs `[query [B, Tq, dq], keys [B, Tk, dk],
 * keyMask]`, with `keyMask` [B, Tk] (1 a real key, 0 padding) or [B, 1] (one flag per sample, for
 * every key); output [B, Tq, width]. Q, K, V are learned projections to `width` split into `heads`
 * heads, softmax(QKᵀ/√(width/heads)) over the unmasked keys, then an output projection. A query
 * whose sample has no unmasked key (an absent modality) gets zeros, not the output bias. Minimal
 * on purpose, for cross-attention fusion: no dropout, no causal mask; the text encoders' own
 * transformer layer is a separate implementation (a known duplication). Seeded; registered for
 * serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';
import { maskedSoftmax } from './masking.js';
import { initKind, seededInit, type InitKind } from './seeded-init.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export interface MultiHeadAttentionArgs {
  /** Number of heads; must divide `width`. */
  heads: number;
  /** Width of the projections and of the output. */
  width: number;
  /** Seed of the initial projections. */
  seed: number;
  init: InitKind;
  name?: string;
}

interface Projection {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable;
}

export class MultiHeadAttention extends tfl.layers.Layer {
  static readonly className = 'JointlyMultiHeadAttention';
  readonly heads: number;
  readonly width: number;
  readonly seed: number;
  readonly init: InitKind;
  private projections: Record<'query' | 'key' | 'value' | 'output', Projection> | undefined;

  constructor(args: MultiHeadAttentionArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(Number.isInteger(args.width) && args.width >= 1 && Number.isInteger(args.heads) && args.heads >= 1 && args.width % args.heads === 0)) {
      throw new Error(`MultiHeadAttention: heads (${args.heads}) must be a positive integer that divides width (${args.width})`);
    }
    this.heads = args.heads;
    this.width = args.width;
    this.seed = args.seed;
    this.init = initKind(args.init, 'MultiHeadAttention');
  }

  private static check(shapes: Shape[]): void {
    if (shapes.length !== 3) throw new ShapeMismatchError(`MultiHeadAttention takes [query, keys, keyMask], got ${shapes.length} inputs`);
    const [q, k, m] = shapes;
    if (q.length !== 3 || k.length !== 3) throw new ShapeMismatchError(`MultiHeadAttention takes sequences [batch, steps, width], got [${q.join(', ')}] and [${k.join(', ')}]`);
    if (m.length !== 2 || (m[1] !== 1 && m[1] !== k[1])) throw new ShapeMismatchError(`MultiHeadAttention: the key mask has shape [${m.join(', ')}], expected [batch, ${k[1]}] or [batch, 1]`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    MultiHeadAttention.check(shapes);
    const dq = shapes[0][2] as number;
    const dk = shapes[1][2] as number;
    const make = (label: 'query' | 'key' | 'value' | 'output', fanIn: number): Projection => {
      const init = seededInit(this.seed, label, this.init, fanIn);
      return {
        kernel: this.addWeight(`${label}_kernel`, [fanIn, this.width], 'float32', init.kernel),
        bias: this.addWeight(`${label}_bias`, [this.width], 'float32', init.bias),
      };
    };
    this.projections = { query: make('query', dq), key: make('key', dk), value: make('value', dk), output: make('output', this.width) };
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    MultiHeadAttention.check(shapes);
    return [shapes[0][0], shapes[0][1], this.width];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      MultiHeadAttention.check(list.map((t) => t.shape));
      if (this.projections === undefined) throw new Error('MultiHeadAttention: called before build');
      const p = this.projections;
      const [query, keys, keyMask] = list;
      const [batch, tq] = query.shape as number[];
      const tk = keys.shape[1] as number;
      const h = this.heads;
      const dh = this.width / h;
      /** [B, T, d] -> projection -> [B·H, T, dh] */
      const project = (x: tf.Tensor, w: Projection, steps: number): tf.Tensor3D => {
        const y = tf.add(tf.matMul(tf.reshape(x, [batch * steps, -1]), w.kernel.read()), w.bias.read());
        return tf.reshape(tf.transpose(tf.reshape(y, [batch, steps, h, dh]), [0, 2, 1, 3]), [batch * h, steps, dh]);
      };
      const q = project(query, p.query, tq);
      const k = project(keys, p.key, tk);
      const v = project(keys, p.value, tk);
      const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh)); // [B·H, Tq, Tk]
      const mask = tf.mul(tf.ones([batch, tk]), keyMask); // [B, Tk]
      const perHead = tf.reshape(tf.tile(tf.reshape(mask, [batch, 1, 1, tk]), [1, h, 1, 1]), [batch * h, 1, tk]);
      const attended = tf.matMul(maskedSoftmax(scores, perHead), v); // [B·H, Tq, dh]
      const merged = tf.reshape(tf.transpose(tf.reshape(attended, [batch, h, tq, dh]), [0, 2, 1, 3]), [batch * tq, this.width]);
      const out = tf.reshape(tf.add(tf.matMul(merged, p.output.kernel.read()), p.output.bias.read()), [batch, tq, this.width]);
      const anyKey = tf.reshape(tf.max(mask, 1), [batch, 1, 1]);
      return tf.mul(out, anyKey);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, width: this.width, seed: this.seed, init: this.init };
  }
}

tf.serialization.registerClass(MultiHeadAttention);
