/**
 * What the fusions share: the options of the layers after the fusion (hidden dense layers, their
 * activation and dropout, then the dense output of `units` logits), the seeded LayerContext of a
 * fusion or of one of its per-modality parts, and small layer helpers. Layers are named
 * `<prefix>/<part>/<kind>_<index>` and seeded from the fusion's seed (the seeding rule of
 * build-model.ts): a part labelled `part` draws from `deriveSeed(ctx.seed, part)`.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ACTIVATIONS, buildBody, lastWidth, LayerContext } from '../../engine/model-spec.js';
import { deriveSeed } from '../../engine/random.js';
import type { FusionContext } from '../fusion.js';

export type Activation = (typeof ACTIVATIONS)[number];

/** Widths of dense layers, e.g. a head's hidden layers. */
export const widthsSchema = z.array(z.number().int().positive());

/** The post-fusion layers' options, spread into a fusion's schema (`hidden` may get another default). */
export const headOptionShape = {
  /** Hidden dense layers between the fused representation and the logits. Default none. */
  hidden: widthsSchema.default([]),
  /** Activation of those hidden layers. Default `relu`. */
  activation: z.enum(ACTIVATIONS).default('relu'),
  /** Dropout after each of those hidden layers, in [0, 0.95]. Default 0. */
  dropout: z.number().min(0).max(0.95).default(0),
};

export interface HeadOptions {
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly dropout: number;
}

/** The layers of the whole fusion (`part` undefined) or of one part of it, e.g. `head/<modality>`. */
export function fusionLayers(ctx: FusionContext, part?: string): LayerContext {
  if (part === undefined) return new LayerContext(ctx.seed, ctx.prefix, ctx.init);
  return new LayerContext(deriveSeed(ctx.seed, part), `${ctx.prefix}/${part}`, ctx.init);
}

/** A dense layer of `units` on `x` (seeded and named by `layers`), with an optional activation. */
export function dense(x: tfl.SymbolicTensor, units: number, layers: LayerContext, activation?: Activation, kind = 'dense'): tfl.SymbolicTensor {
  return tfl.layers
    .dense({ units, ...layers.init(lastWidth(x)), ...(activation === undefined ? {} : { activation }), name: layers.name(kind) })
    .apply(x) as tfl.SymbolicTensor;
}

/** Concatenates vectors along their last axis (one input is returned as it is). */
export function concatenate(xs: readonly tfl.SymbolicTensor[], layers: LayerContext): tfl.SymbolicTensor {
  if (xs.length === 1) return xs[0];
  return tfl.layers.concatenate({ axis: -1, name: layers.name('concat') }).apply([...xs]) as tfl.SymbolicTensor;
}

/** The hidden layers of `options` on `h`, then a dense output of `units` logits. */
export function classifierHead(h: tfl.SymbolicTensor, options: HeadOptions, layers: LayerContext, units: number): tfl.SymbolicTensor {
  let x = h;
  if (options.hidden.length > 0) {
    x = buildBody({ type: 'mlp', hidden: [...options.hidden], activation: options.activation, dropout: options.dropout, batchNorm: false, init: layers.initKind }, x, layers);
  }
  return dense(x, units, layers, undefined, 'logits');
}

/** Every modality's width (the last axis of its vector). */
export function vectorWidths(ctx: FusionContext): number[] {
  return ctx.modalities.map((m) => lastWidth(m.vector));
}

/** An activation layer on `x` (`linear` returns x itself). */
export function activate(x: tfl.SymbolicTensor, activation: Activation, layers: LayerContext): tfl.SymbolicTensor {
  if (activation === 'linear') return x;
  return tfl.layers.activation({ activation, name: layers.name('act') }).apply(x) as tfl.SymbolicTensor;
}
