/**
 * A learned classification token (BERT's [CLS]) put before a sequence: inputs [sequence [batch,
 * steps, width], mask [batch, steps]], outputs [[batch, steps + 1, width], [batch, steps + 1]]
 * with the token at step 0 and a 1 at the mask's step 0 (the token is always real, so a sample
 * with no token still has something to attend to). The token's vector is created in `build`,
 * seeded. `SliceSteps` takes it back out after the encoder layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { embeddingInitializer, type InitKind } from './embedding-init.js';
import { checkSequenceAndMask } from './masked-pooling.js';

export class ClsToken extends tfl.layers.Layer {
  static readonly className = 'JointlyClsToken';
  readonly seed: number;
  readonly init: InitKind;
  private token: tfl.LayerVariable | undefined;

  constructor(args: { seed: number; init?: InitKind; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    this.seed = args.seed;
    this.init = args.init ?? 'glorot';
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const [seq] = checkSequenceAndMask(inputShape, 'ClsToken');
    this.token = this.addWeight('token', [1, 1, seq[2] as number], 'float32', embeddingInitializer(this.init, this.seed));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    const [seq, mask] = checkSequenceAndMask(inputShape, 'ClsToken');
    const steps = seq[1] === null ? null : seq[1] + 1;
    return [
      [seq[0], steps, seq[2]],
      [mask[0], steps],
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    const [x, mask] = inputs as tf.Tensor[];
    if (this.token === undefined) throw new Error('ClsToken: called before build');
    const token = this.token;
    return tf.tidy(() => {
      const batch = x.shape[0];
      const cls = tf.tile(token.read(), [batch, 1, 1]);
      return [tf.concat([cls, x], 1), tf.concat([tf.ones([batch, 1]), mask], 1)];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed, init: this.init };
  }
}

tf.serialization.registerClass(ClsToken);
