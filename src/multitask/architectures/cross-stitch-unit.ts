/**
 * A cross-stitch unit (Misra et al., CVPR 2016, eq. 1): K columns' activations of one shape in,
 * K out, output i = Σ_j α_ij · input j, with α a learned K×K matrix. Initialised as the paper's
 * section 5.2 does for two tasks, (α_same, α_other) = (0.9, 0.1), generalised to K columns as
 * α_other = (1 − α_same)/(K − 1) so each row is a convex combination; for K = 1 it is [1] (the
 * identity). LibMTL's Cross_stitch.py starts every α at 1 instead; we follow the paper. One α per
 * pair of columns and layer (the paper's per-layer variant; it also tries one per channel).
 * Registered for serialization (the config rebuilds the initial α).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../errors.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export interface CrossStitchUnitArgs {
  /** Number of columns K (tasks). */
  columns: number;
  /** Initial weight of a column on itself, in [0, 1]; the others share 1 − `same`. Default 0.9 (the paper's). */
  same?: number;
  name?: string;
  trainable?: boolean;
}

/** The initial K×K matrix, row-major: `same` on the diagonal, (1 − same)/(K − 1) elsewhere; [1] for K = 1. */
export function crossStitchInit(columns: number, same: number): Float32Array {
  const out = new Float32Array(columns * columns);
  if (columns === 1) {
    out[0] = 1;
    return out;
  }
  const other = (1 - same) / (columns - 1);
  for (let i = 0; i < columns; i++) for (let j = 0; j < columns; j++) out[i * columns + j] = i === j ? same : other;
  return out;
}

/** Learned linear mixing of K columns' activations. */
export class CrossStitchUnit extends tfl.layers.Layer {
  static readonly className = 'JointlyCrossStitchUnit';
  readonly columns: number;
  readonly same: number;
  private alpha: tfl.LayerVariable | undefined;

  constructor(args: CrossStitchUnitArgs) {
    super({ ...(args.name === undefined ? {} : { name: args.name }), ...(args.trainable === undefined ? {} : { trainable: args.trainable }) });
    if (!(Number.isInteger(args.columns) && args.columns >= 1)) throw new Error(`CrossStitchUnit: columns must be a positive integer, got ${args.columns}`);
    const same = args.same ?? 0.9;
    if (!(same >= 0 && same <= 1)) throw new Error(`CrossStitchUnit: same must be in [0, 1], got ${same}`);
    this.columns = args.columns;
    this.same = same;
  }

  private check(shapes: Shape[]): void {
    if (shapes.length !== this.columns) throw new ShapeMismatchError(`a cross-stitch unit of ${this.columns} columns got ${shapes.length} inputs`, 'pass one activation per column');
    const first = shapes[0];
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => i > 0 && d !== first[i])) {
        throw new ShapeMismatchError(`cross-stitch columns differ in shape: [${first.join(', ')}] and [${s.join(', ')}]`, 'give every column the same layers');
      }
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = (this.columns === 1 && !Array.isArray(inputShape[0]) ? [inputShape] : inputShape) as Shape[];
    this.check(shapes);
    const init = crossStitchInit(this.columns, this.same);
    this.alpha = this.addWeight('alpha', [this.columns, this.columns], 'float32', tfl.initializers.zeros());
    const alpha = this.alpha;
    tf.tidy(() => {
      alpha.write(tf.tensor2d(init, [this.columns, this.columns]));
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      this.check(list.map((t) => t.shape));
      if (this.alpha === undefined) throw new Error('CrossStitchUnit: called before build');
      const shape = list[0].shape;
      const flat = tf.stack(list.map((t) => tf.reshape(t, [-1]))); // [K, batch·features]
      const mixed = tf.matMul(this.alpha.read(), flat); // row i: Σ_j α_ij x_j
      return tf.unstack(mixed).map((row) => tf.reshape(row, shape));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), columns: this.columns, same: this.same };
  }
}

tf.serialization.registerClass(CrossStitchUnit);
