/**
 * `signal-conv`: 1D convolutions over a raw signal [steps, channels] (the `signal`
 * preprocessor), a plain temporal CNN in the style of Wang et al. 2017's fully convolutional
 * time-series baseline (conv → BN → ReLU blocks, then global average pooling): blocks of conv1d
 * → activation → optional max or average pooling, then a global average (default) or max pool
 * over time → the vector, with optional dense layers after it. Unlike that baseline, batch
 * normalization is off unless `batchNorm`, blocks may pool, and the default is two small blocks
 * (16 and 32 filters, kernel 5, max-pool 2) sized for a CPU. `sequence` is the last
 * block's feature map [batch, steps', filters], for sequence fusions (no padding, so no mask).
 * Spectrograms from `log-mel` are images: encode them with `cnn`.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import { ACTIVATIONS, buildBody, LayerContext, lastWidth } from '../../engine/model-spec.js';
import type { EncodedModality, EncoderContext, RegisteredEncoder } from '../encoder.js';

export const Conv1dBlockSchema = z
  .object({
    /** Number of output channels. */
    filters: z.number().int().positive(),
    /** Kernel length in steps. Default 5. */
    kernelSize: z.number().int().positive().default(5),
    /** Stride of the convolution. Default 1. */
    stride: z.number().int().positive().default(1),
    /** Pooling after the block. Default `max`. */
    pool: z.enum(['max', 'avg', 'none']).default('max'),
    /** Pool size and stride. Default 2. */
    poolSize: z.number().int().positive().default(2),
  })
  .strict();

export const SignalConvEncoderOptionsSchema = z
  .object({
    /** Convolution blocks. Default conv16 (k5)-maxpool2, conv32 (k5)-maxpool2. */
    conv: z.array(Conv1dBlockSchema).min(1).default([
      { filters: 16, kernelSize: 5, stride: 1, pool: 'max', poolSize: 2 },
      { filters: 32, kernelSize: 5, stride: 1, pool: 'max', poolSize: 2 },
    ]),
    /** Convolution padding. Default `same`. */
    padding: z.enum(['same', 'valid']).default('same'),
    /** Activation after each convolution and dense layer. Default `relu`. */
    activation: z.enum(ACTIVATIONS).default('relu'),
    /** Batch normalization after each convolution and dense layer (before the activation). Default false. */
    batchNorm: z.boolean().default(false),
    /** Pooling over time after the blocks: `avg` or `max`. Default `avg`. */
    globalPool: z.enum(['avg', 'max']).default('avg'),
    /** Widths of dense layers after the global pool. Default none. */
    dense: z.array(z.number().int().positive()).default([]),
    /** Dropout after each dense layer, in [0, 0.95]. Default 0. */
    dropout: z.number().min(0).max(0.95).default(0),
  })
  .strict();
export type SignalConvEncoderOptions = z.infer<typeof SignalConvEncoderOptionsSchema>;

/** Steps left after each block for a signal of `steps`; a ConfigError names the block that shrinks it below one step. */
export function signalConvSteps(options: SignalConvEncoderOptions, steps: number): number[] {
  let t = steps;
  return options.conv.map((block, i) => {
    t = options.padding === 'same' ? Math.ceil(t / block.stride) : Math.floor((t - block.kernelSize) / block.stride) + 1;
    if (block.pool !== 'none') t = Math.floor(t / block.poolSize);
    if (t < 1) {
      throw new ConfigError(`conv[${i}]`, `after conv block ${i + 1} a signal of ${steps} steps has shrunk to ${Math.max(t, 0)} steps`, 'use fewer conv blocks, smaller kernels, strides or pools, or padding "same"');
    }
    return t;
  });
}

function buildSignalConv(options: SignalConvEncoderOptions, ctx: EncoderContext): EncodedModality {
  const field = ctx.info.fields[0];
  const shape = ctx.info.shapes[field];
  if (ctx.info.vocabSizes?.[field] !== undefined || shape === undefined || shape.length !== 2) {
    throw new ShapeMismatchError(
      `the signal-conv encoder of modality '${ctx.modality}' needs signals of shape [steps, channels], and its samples have shape [${(shape ?? []).join(', ')}]`,
      "preprocess the modality with 'signal'; for a 'log-mel' spectrogram use the cnn encoder",
    );
  }
  signalConvSteps(options, shape[0]);
  const layers = new LayerContext(ctx.seed, ctx.prefix, ctx.init);
  let h = ctx.inputs[field];
  for (const block of options.conv) {
    h = tfl.layers
      .conv1d({
        filters: block.filters,
        kernelSize: block.kernelSize,
        strides: block.stride,
        padding: options.padding,
        ...layers.init(block.kernelSize * lastWidth(h)),
        useBias: !options.batchNorm,
        name: layers.name('conv'),
      })
      .apply(h) as tfl.SymbolicTensor;
    if (options.batchNorm) h = tfl.layers.batchNormalization({ name: layers.name('bn') }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.activation({ activation: options.activation, name: layers.name('act') }).apply(h) as tfl.SymbolicTensor;
    if (block.pool !== 'none') {
      const args = { poolSize: block.poolSize, strides: block.poolSize, name: layers.name('pool') };
      h = (block.pool === 'max' ? tfl.layers.maxPooling1d(args) : tfl.layers.averagePooling1d(args)).apply(h) as tfl.SymbolicTensor;
    }
  }
  const sequence = h;
  const poolArgs = { name: layers.name('global_pool') };
  const pooled = (options.globalPool === 'avg' ? tfl.layers.globalAveragePooling1d(poolArgs) : tfl.layers.globalMaxPooling1d(poolArgs)).apply(sequence) as tfl.SymbolicTensor;
  const vector = buildBody({ type: 'mlp', hidden: options.dense, activation: options.activation, dropout: options.dropout, batchNorm: options.batchNorm, init: ctx.init }, pooled, layers);
  return { vector, sequence };
}

export const signalConvEncoder: RegisteredEncoder<SignalConvEncoderOptions> = {
  name: 'signal-conv',
  description: '1D convolution blocks over [steps, channels] signals, global average or max pooling over time (sequence: the last feature map)',
  kinds: ['signal'],
  options: SignalConvEncoderOptionsSchema,
  optionNames: Object.keys(SignalConvEncoderOptionsSchema.shape),
  build: (options, ctx) => buildSignalConv(SignalConvEncoderOptionsSchema.parse(options), ctx),
};
