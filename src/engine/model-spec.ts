/**
 * Models from a small JSON spec. Every built model outputs logits (no softmax): jointly's
 * losses work on logits for numerical stability.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ConfigError, ShapeMismatchError } from '../errors.js';
import { deriveSeed } from './random.js';
import { SeededDropout } from './layers/seeded-dropout.js';

/** tfjs-layers exports its initializer factories but not their return type. */
type Initializer = ReturnType<typeof tfl.initializers.glorotUniform>;

/** Activation names a model spec's `activation` accepts (tfjs-layers activation identifiers). */
export const ACTIVATIONS = ['relu', 'elu', 'tanh', 'sigmoid', 'selu', 'linear'] as const;

const common = {
  /** Display name of the model; defaults to `<type>-<index>`. */
  name: z.string().min(1).optional(),
  /** Hidden-layer activation. Default `relu`. */
  activation: z.enum(ACTIVATIONS).default('relu'),
  /** Dropout rate after each hidden dense layer, in [0, 0.95]. Default 0. */
  dropout: z.number().min(0).max(0.95).default(0),
  /** Batch normalization after each hidden layer (before the activation). Default false. */
  batchNorm: z.boolean().default(false),
  /**
   * Initial weights: `glorot` (Glorot-uniform kernels, zero biases; the Keras default) or `torch`
   * (PyTorch's default for Linear and Conv2d: kernels and biases uniform in ±1/√fan_in). Default `glorot`.
   */
  init: z.enum(['glorot', 'torch']).default('glorot'),
};

/**
 * Validates an `mlp` model spec: a flatten, hidden dense layers and a logits layer. One member of
 * {@link ModelSpecSchema}; the parsed type is the `mlp` case of {@link ModelSpec}.
 */
export const MlpSpecSchema = z
  .object({
    type: z.literal('mlp'),
    /** Widths of the hidden dense layers. Default [256, 128]. */
    hidden: z.array(z.number().int().positive()).default([256, 128]),
    ...common,
  })
  .strict();

export const ConvBlockSchema = z
  .object({
    /** Number of output channels. */
    filters: z.number().int().positive(),
    /** Square kernel size. Default 3. */
    kernelSize: z.number().int().positive().default(3),
    /** Stride of the convolution. Default 1. */
    stride: z.number().int().positive().default(1),
    /** Pooling after the block. Default `max`. */
    pool: z.enum(['max', 'avg', 'none']).default('max'),
    /** Pool size and stride. Default 2. */
    poolSize: z.number().int().positive().default(2),
  })
  .strict();

/**
 * Validates a `cnn` model spec: convolution blocks (each with optional pooling), a flatten,
 * optional dense layers and a logits layer. One member of {@link ModelSpecSchema}; the parsed type
 * is the `cnn` case of {@link ModelSpec}.
 */
export const CnnSpecSchema = z
  .object({
    type: z.literal('cnn'),
    /** Convolution blocks. Default conv16-pool, conv32-pool. */
    conv: z.array(ConvBlockSchema).min(1).default([
      { filters: 16, kernelSize: 3, stride: 1, pool: 'max', poolSize: 2 },
      { filters: 32, kernelSize: 3, stride: 1, pool: 'max', poolSize: 2 },
    ]),
    /** Convolution padding. Default `same`. */
    padding: z.enum(['same', 'valid']).default('same'),
    /** Widths of hidden dense layers after the convolutions. Default none. */
    dense: z.array(z.number().int().positive()).default([]),
    ...common,
  })
  .strict();

/**
 * Validates a model spec for {@link buildModel}: an `mlp` ({@link MlpSpecSchema}) or a `cnn`
 * ({@link CnnSpecSchema}), told apart by `type`. Parsing fills in the defaults; the result is a
 * {@link ModelSpec}.
 */
export const ModelSpecSchema = z.discriminatedUnion('type', [MlpSpecSchema, CnnSpecSchema]);
/** A parsed model spec, with every default filled in (see {@link ModelSpecSchema}). */
export type ModelSpec = z.infer<typeof ModelSpecSchema>;
/**
 * The input shape of a model spec before defaults: only `type` is required (see {@link
 * ModelSpecSchema}).
 */
export type ModelSpecInput = z.input<typeof ModelSpecSchema>;

/**
 * Throws a ConfigError when the convolutions and pools of `spec` shrink an image of
 * `inputShape` ([height, width, channels]) below one pixel, naming the block.
 */
export function checkCnnFits(spec: Extract<ModelSpec, { type: 'cnn' }>, inputShape: readonly number[]): void {
  let [h, w] = inputShape;
  spec.conv.forEach((block, i) => {
    const conv = (n: number): number => (spec.padding === 'same' ? Math.ceil(n / block.stride) : Math.floor((n - block.kernelSize) / block.stride) + 1);
    [h, w] = [conv(h), conv(w)];
    if (block.pool !== 'none') [h, w] = [Math.floor(h / block.poolSize), Math.floor(w / block.poolSize)];
    if (h < 1 || w < 1) {
      throw new ConfigError(
        `conv[${i}]`,
        `after conv block ${i + 1} a ${inputShape[0]}x${inputShape[1]} image has shrunk to ${Math.max(h, 0)}x${Math.max(w, 0)} pixels`,
        'use fewer conv blocks, smaller kernels or pools, or padding "same"',
      );
    }
  });
}

/** Options of {@link buildModel}: the data's shapes, the seed and the model name. */
export interface BuildModelOptions {
  /** Shape of one input sample, e.g. [28, 28, 1]. */
  inputShape: readonly number[];
  /** Number of output logits. */
  numClasses: number;
  /** Seed of the initial weights and dropout masks. */
  seed: number;
  /** Model name (tfjs layer names are prefixed with it). */
  name?: string;
}

/**
 * Seeds and names the layers of one part of a model, in the order they are made: every layer
 * with weights (or dropout) draws the next seed; names are `<prefix>/<kind>_<index>`.
 */
export class LayerContext {
  private index = 0;

  constructor(
    private readonly seed: number,
    /** Prefix of the layer names. */
    readonly prefix: string,
    /** How the layers' weights start (see `init` in the specs). */
    readonly initKind: 'glorot' | 'torch',
  ) {}

  /** The seed of the next layer. */
  nextSeed(): number {
    return deriveSeed(this.seed, `layer-${this.index++}`);
  }

  /** The name of a layer of `kind` made now. */
  name(kind: string): string {
    return `${this.prefix}/${kind}_${this.index}`;
  }

  /** Kernel and bias initializers of a layer whose inputs have `fanIn` values per output. */
  init(fanIn: number): { kernelInitializer: Initializer; biasInitializer?: Initializer } {
    const seed = this.nextSeed();
    if (this.initKind === 'glorot') return { kernelInitializer: tfl.initializers.glorotUniform({ seed }) };
    const bound = 1 / Math.sqrt(fanIn);
    return {
      kernelInitializer: tfl.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed }),
      biasInitializer: tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: deriveSeed(seed, 'bias') }),
    };
  }
}

/** The width of the last axis of a symbolic tensor. */
export function lastWidth(t: tfl.SymbolicTensor): number {
  return t.shape[t.shape.length - 1] as number;
}

/**
 * The hidden layers of an `mlp` or `cnn` spec applied to `input`: convolution blocks (cnn), a
 * flatten, then the hidden dense layers, each with its normalization, activation and dropout;
 * no output layer. Returns the last hidden representation.
 */
export function buildBody(spec: ModelSpec, input: tfl.SymbolicTensor, ctx: LayerContext): tfl.SymbolicTensor {
  let h = input;
  const post = (t: tfl.SymbolicTensor): tfl.SymbolicTensor => {
    let out = t;
    if (spec.batchNorm) out = tfl.layers.batchNormalization({ name: ctx.name('bn') }).apply(out) as tfl.SymbolicTensor;
    out = tfl.layers.activation({ activation: spec.activation, name: ctx.name('act') }).apply(out) as tfl.SymbolicTensor;
    return out;
  };
  const sampleShape = input.shape.slice(1) as number[];
  if (spec.type === 'cnn') {
    if (sampleShape.length !== 3) {
      throw new ShapeMismatchError(
        `a cnn needs image inputs of shape [height, width, channels], but the data has samples of shape [${sampleShape.join(', ')}]`,
        'use an mlp for tabular or flat data',
      );
    }
    checkCnnFits(spec, sampleShape);
    for (const block of spec.conv) {
      h = tfl.layers
        .conv2d({
          filters: block.filters,
          kernelSize: block.kernelSize,
          strides: block.stride,
          padding: spec.padding,
          ...ctx.init(block.kernelSize * block.kernelSize * lastWidth(h)),
          useBias: !spec.batchNorm,
          name: ctx.name('conv'),
        })
        .apply(h) as tfl.SymbolicTensor;
      h = post(h);
      if (block.pool !== 'none') {
        const poolArgs = { poolSize: block.poolSize, strides: block.poolSize, name: ctx.name('pool') };
        h = (block.pool === 'max' ? tfl.layers.maxPooling2d(poolArgs) : tfl.layers.averagePooling2d(poolArgs)).apply(h) as tfl.SymbolicTensor;
      }
    }
  }
  if (h.shape.length > 2) h = tfl.layers.flatten({ name: ctx.name('flatten') }).apply(h) as tfl.SymbolicTensor;
  const hidden = spec.type === 'mlp' ? spec.hidden : spec.dense;
  for (const units of hidden) {
    h = tfl.layers.dense({ units, ...ctx.init(lastWidth(h)), useBias: !spec.batchNorm, name: ctx.name('dense') }).apply(h) as tfl.SymbolicTensor;
    h = post(h);
    if (spec.dropout > 0) h = new SeededDropout({ rate: spec.dropout, seed: ctx.nextSeed(), name: ctx.name('dropout') }).apply(h) as tfl.SymbolicTensor;
  }
  return h;
}

/** Builds a tfjs LayersModel that maps a sample to `numClasses` logits. */
export function buildModel(specInput: ModelSpecInput, opts: BuildModelOptions): tfl.LayersModel {
  const spec = ModelSpecSchema.parse(specInput);
  const prefix = opts.name ?? spec.name ?? spec.type;
  const ctx = new LayerContext(opts.seed, prefix, spec.init);
  const input = tfl.input({ shape: [...opts.inputShape], name: `${prefix}/input` });
  const h = buildBody(spec, input, ctx);
  const logits = tfl.layers.dense({ units: opts.numClasses, ...ctx.init(lastWidth(h)), name: ctx.name('logits') }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: prefix });
}

/** Multiply-accumulate count of one forward pass for one sample (dense and conv layers). */
export function forwardMacs(model: tfl.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'Dense') {
      const kernel = layer.getWeights()[0].shape as number[];
      macs += kernel[0] * kernel[1];
    } else if (cls === 'Conv2D') {
      const kernel = layer.getWeights()[0].shape as number[];
      const out = layer.outputShape as number[];
      macs += out[1] * out[2] * kernel[0] * kernel[1] * kernel[2] * kernel[3];
    }
  }
  return macs;
}
