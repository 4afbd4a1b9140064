/**
 * Runs a {@link ModelPlan} forward and backward in native code: every activation, saved index and
 * gradient buffer is allocated once per batch size and reused every step, and each layer is one
 * or two addon calls. The model's variables stay tfjs variables; their buffers are read (and the
 * moving statistics of batch normalization written) in place.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { UNARY, type NativeAddon } from '../addon.js';
import { ACTIVATION_CODES, type ModelPlan, type PlanOp } from './model-plan.js';
import { ownedValues } from './variable-values.js';

/** Unary kernel of each activation code applied outside a dense or convolution layer. */
const UNARY_OF: Readonly<Record<number, number>> = {
  [ACTIVATION_CODES.relu]: UNARY.relu,
  [ACTIVATION_CODES.relu6]: UNARY.relu6,
  [ACTIVATION_CODES.elu]: UNARY.elu,
  [ACTIVATION_CODES.sigmoid]: UNARY.sigmoid,
  [ACTIVATION_CODES.tanh]: UNARY.tanh,
};

/** Buffers an op keeps between its forward and backward pass. */
interface Saved {
  argmax?: Int32Array;
  mask?: Float32Array;
  xhat?: Float32Array;
  mean?: Float32Array;
  variance?: Float32Array;
  invStd?: Float32Array;
}

/** Everything one batch size needs. */
interface Buffers {
  /** `acts[i]`: the input of op i (`acts[0]` is set to the batch each step); `acts[ops.length]`: the output. */
  acts: Float32Array[];
  /** `grads[i]`: the gradient with respect to `acts[i]` (`grads[0]`: scratch, only batch norm writes it). */
  grads: Float32Array[];
  saved: Saved[];
  /** The geometry of each convolution and pooling op at this batch size (computed once). */
  geometry: (readonly number[] | undefined)[];
}

/** Most batch sizes whose buffers are kept (a run has its batch size and one last, smaller batch). */
const MAX_BATCH_SIZES = 3;

/** One model's native forward and backward pass. */
export class ModelRunner {
  private readonly buffers = new Map<number, Buffers>();
  /** Gradient of every trainable variable, filled by `backward`. */
  readonly gradients: ReadonlyMap<tf.Variable, Float32Array>;

  constructor(
    readonly plan: ModelPlan,
    private readonly addon: NativeAddon,
  ) {
    const grads = new Map<tf.Variable, Float32Array>();
    for (const v of plan.variables) grads.set(v, new Float32Array(v.size));
    this.gradients = grads;
  }

  /** Values per sample of the model's output. */
  get outputSize(): number {
    return this.plan.sizes[this.plan.sizes.length - 1];
  }

  private buffersFor(n: number): Buffers {
    let b = this.buffers.get(n);
    if (b !== undefined) return b;
    if (this.buffers.size >= MAX_BATCH_SIZES) this.buffers.delete(this.buffers.keys().next().value as number);
    const { ops, sizes } = this.plan;
    const acts = sizes.map((s, i) => (i === 0 ? new Float32Array(0) : new Float32Array(n * s)));
    const grads = sizes.map((s) => new Float32Array(n * s));
    const saved = ops.map((op, i): Saved => {
      if (op.kind === 'maxPool') return { argmax: new Int32Array(n * sizes[i + 1]) };
      if (op.kind === 'dropout') return { mask: new Float32Array(n * sizes[i]) };
      if (op.kind === 'batchNorm') {
        const c = op.channels;
        return { xhat: new Float32Array(n * sizes[i]), mean: new Float32Array(c), variance: new Float32Array(c), invStd: new Float32Array(c) };
      }
      return {};
    });
    const geometry = ops.map((op) => (op.kind === 'conv' || op.kind === 'maxPool' || op.kind === 'avgPool' ? op.geometry(n) : undefined));
    b = { acts, grads, saved, geometry };
    this.buffers.set(n, b);
    return b;
  }

  /**
   * The training-mode forward pass of `n` samples `x` ([n, ...inputShape] flat); returns the
   * output buffer ([n, outputSize], reused by the next call). Batch normalization updates its
   * moving statistics, as tfjs-layers does in training.
   */
  forward(x: Float32Array, n: number): Float32Array {
    if (x.length !== n * this.plan.sizes[0]) throw new RangeError(`the native step got ${x.length} input values for ${n} samples of ${this.plan.sizes[0]}`);
    const b = this.buffersFor(n);
    b.acts[0] = x;
    this.plan.ops.forEach((op, i) => this.forwardOp(op, b.acts[i], b.acts[i + 1], b.saved[i], b.geometry[i] as readonly number[], n, this.plan.sizes[i]));
    return b.acts[b.acts.length - 1];
  }

  private forwardOp(op: PlanOp, x: Float32Array, y: Float32Array, saved: Saved, geometry: readonly number[], n: number, inSize: number): void {
    const a = this.addon;
    switch (op.kind) {
      case 'dense':
        a.matMul(x, ownedValues(op.kernel), y, 1, n, op.units, op.inputs, false, false, 0, 0, op.bias === null ? null : ownedValues(op.bias), op.act, 0);
        return;
      case 'conv':
        a.conv2d(x, ownedValues(op.kernel), op.bias === null ? null : ownedValues(op.bias), y, geometry, op.act, 0);
        return;
      case 'maxPool':
        a.maxPoolArgmax(x, y, saved.argmax as Int32Array, geometry);
        return;
      case 'avgPool':
        a.avgPool(x, y, geometry);
        return;
      case 'activation':
        if (op.act === ACTIVATION_CODES.selu) a.selu(x, y);
        else a.unary(UNARY_OF[op.act], x, y, 0);
        return;
      case 'dropout':
        a.multiply(x, op.dropout.fillMask(saved.mask as Float32Array), y);
        return;
      case 'batchNorm': {
        const { mean, variance } = saved as Required<Saved>;
        const rows = (n * inSize) / op.channels;
        a.batchNormTrain(
          x, op.gamma === null ? null : ownedValues(op.gamma), op.beta === null ? null : ownedValues(op.beta), y,
          saved.xhat as Float32Array, mean, variance, saved.invStd as Float32Array, rows, op.channels, op.epsilon,
        );
        // tfjs-layers' moving average: m - (m - batch) * (1 - momentum), in float32.
        const decay = Math.fround(1 - op.momentum);
        const mm = ownedValues(op.movingMean);
        const mv = ownedValues(op.movingVariance);
        for (let j = 0; j < op.channels; j++) {
          mm[j] = Math.fround(mm[j] - Math.fround(Math.fround(mm[j] - mean[j]) * decay));
          mv[j] = Math.fround(mv[j] - Math.fround(Math.fround(mv[j] - variance[j]) * decay));
        }
        return;
      }
    }
  }

  /**
   * Backpropagates `dOut` (the gradient of the loss with respect to the last `forward`'s output,
   * [n, outputSize]) to every trainable variable, overwriting {@link gradients}.
   */
  backward(dOut: Float32Array, n: number): void {
    const b = this.buffersFor(n);
    const { ops } = this.plan;
    b.grads[ops.length].set(dOut);
    for (let i = ops.length - 1; i >= 0; i--) this.backwardOp(ops[i], i, b, n);
  }

  private grad(v: tf.Variable | null): Float32Array | null {
    return v === null ? null : (this.gradients.get(v) as Float32Array);
  }

  private backwardOp(op: PlanOp, i: number, b: Buffers, n: number): void {
    const a = this.addon;
    const x = b.acts[i];
    const y = b.acts[i + 1];
    const dy = b.grads[i + 1];
    const dx = b.grads[i];
    const saved = b.saved[i];
    const first = i === 0;
    switch (op.kind) {
      case 'dense': {
        if (op.act !== 0) a.activationGrad(op.act, dy, y, dy, 0);
        a.matMul(x, dy, this.grad(op.kernel) as Float32Array, 1, op.inputs, op.units, n, true, false, 0, 0, null, 0, 0);
        const gb = this.grad(op.bias);
        if (gb !== null) a.columnSums(dy, gb, n, op.units);
        if (!first) a.matMul(dy, ownedValues(op.kernel), dx, 1, n, op.inputs, op.units, false, true, 0, 0, null, 0, 0);
        return;
      }
      case 'conv': {
        if (op.act !== 0) a.activationGrad(op.act, dy, y, dy, 0);
        const g = b.geometry[i] as readonly number[];
        a.conv2dBackpropFilter(x, dy, this.grad(op.kernel) as Float32Array, g);
        const gb = this.grad(op.bias);
        if (gb !== null) a.columnSums(dy, gb, n * g[7] * g[8], g[4]);
        if (!first) a.conv2dBackpropInput(dy, ownedValues(op.kernel), dx, g);
        return;
      }
      case 'maxPool':
        if (!first) a.maxPoolArgmaxGrad(dy, saved.argmax as Int32Array, dx);
        return;
      case 'avgPool':
        if (!first) {
          dx.fill(0);
          a.avgPoolGrad(dy, dx, b.geometry[i] as readonly number[]);
        }
        return;
      case 'activation':
        if (!first) a.activationGrad(op.act, dy, y, dx, 0);
        return;
      case 'dropout':
        if (!first) a.multiply(dy, saved.mask as Float32Array, dx);
        return;
      case 'batchNorm':
        a.batchNormGrad(
          dy, saved.xhat as Float32Array, op.gamma === null ? null : ownedValues(op.gamma), saved.invStd as Float32Array, dx,
          this.grad(op.gamma), this.grad(op.beta), (n * this.plan.sizes[i]) / op.channels, op.channels,
        );
        return;
    }
  }
}
