/**
 * The layers of an `mlp`/`cnn` body one stage at a time, made in exactly the order, with the
 * names and seeds, of engine/model-spec.ts's `buildBody` (so a body built stage by stage with a
 * LayerContext has the weights `buildBody` gives with the same context; body-layers.test.ts
 * checks it). Cross-stitch mixes the columns after each stage; MTAN reads each conv block's
 * features before its pool. A stage is a conv block (conv, batch norm, activation, pool) or a
 * hidden dense layer (dense, batch norm, activation, dropout); a flatten sits between the last
 * conv block and the first dense layer.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../errors.js';
import { checkCnnFits, lastWidth, type LayerContext, type ModelSpec } from '../../engine/model-spec.js';
import { SeededDropout } from '../../engine/layers/seeded-dropout.js';

type CnnSpec = Extract<ModelSpec, { type: 'cnn' }>;
/** One convolution block of a cnn spec. */
export type ConvBlock = CnnSpec['conv'][number];

/** A conv block's output before and after its pool. */
export interface ConvBlockOutput {
  /** After the convolution, normalization and activation, before the pool. */
  readonly features: tfl.SymbolicTensor;
  /** After the pool (the next block's input); `features` when the block has no pool. */
  readonly out: tfl.SymbolicTensor;
}

/** Batch norm (when the spec asks) and the activation, as buildBody's `post`. */
export function postLayers(spec: ModelSpec, t: tfl.SymbolicTensor, ctx: LayerContext): tfl.SymbolicTensor {
  let out = t;
  if (spec.batchNorm) out = tfl.layers.batchNormalization({ name: ctx.name('bn') }).apply(out) as tfl.SymbolicTensor;
  return tfl.layers.activation({ activation: spec.activation, name: ctx.name('act') }).apply(out) as tfl.SymbolicTensor;
}

/** A pool layer of `block` (buildBody's), or undefined when the block has none. */
export function poolLayer(block: ConvBlock, ctx: LayerContext): tfl.layers.Layer | undefined {
  if (block.pool === 'none') return undefined;
  const poolArgs = { poolSize: block.poolSize, strides: block.poolSize, name: ctx.name('pool') };
  return block.pool === 'max' ? tfl.layers.maxPooling2d(poolArgs) : tfl.layers.averagePooling2d(poolArgs);
}

/** A convolution with `block`'s geometry and `filters` outputs on `h` (buildBody's conv layer). */
export function convLayer(spec: CnnSpec, block: ConvBlock, h: tfl.SymbolicTensor, ctx: LayerContext): tfl.SymbolicTensor {
  return tfl.layers
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
}

/** One conv block of a cnn body. */
export function convBlockStage(spec: CnnSpec, block: ConvBlock, h: tfl.SymbolicTensor, ctx: LayerContext): ConvBlockOutput {
  const features = postLayers(spec, convLayer(spec, block, h, ctx), ctx);
  const pool = poolLayer(block, ctx);
  return { features, out: pool === undefined ? features : (pool.apply(features) as tfl.SymbolicTensor) };
}

/** buildBody's flatten (when `h` is not flat). */
export function flattenStage(h: tfl.SymbolicTensor, ctx: LayerContext): tfl.SymbolicTensor {
  return h.shape.length > 2 ? (tfl.layers.flatten({ name: ctx.name('flatten') }).apply(h) as tfl.SymbolicTensor) : h;
}

/** One hidden dense layer of a body, with its normalization, activation and dropout. */
export function denseStage(spec: ModelSpec, units: number, h: tfl.SymbolicTensor, ctx: LayerContext): tfl.SymbolicTensor {
  let out = tfl.layers.dense({ units, ...ctx.init(lastWidth(h)), useBias: !spec.batchNorm, name: ctx.name('dense') }).apply(h) as tfl.SymbolicTensor;
  out = postLayers(spec, out, ctx);
  if (spec.dropout > 0) out = new SeededDropout({ rate: spec.dropout, seed: ctx.nextSeed(), name: ctx.name('dropout') }).apply(out) as tfl.SymbolicTensor;
  return out;
}

/** The hidden dense widths of a spec (`hidden` of an mlp, `dense` of a cnn). */
export function denseWidths(spec: ModelSpec): readonly number[] {
  return spec.type === 'mlp' ? spec.hidden : spec.dense;
}

/**
 * Throws what buildBody throws for a cnn on `sampleShape`: a ShapeMismatchError for non-image
 * samples, a ConfigError when the blocks shrink the image below one pixel (model-spec.ts's checkCnnFits).
 */
export function checkCnnInput(spec: CnnSpec, sampleShape: readonly number[]): void {
  if (sampleShape.length !== 3) {
    throw new ShapeMismatchError(
      `a cnn needs image inputs of shape [height, width, channels], but the data has samples of shape [${sampleShape.join(', ')}]`,
      'use an mlp for tabular or flat data',
    );
  }
  checkCnnFits(spec, sampleShape);
}
