/**
 * Seeded initializers for the fusion layers that hold their own weights (low-rank factors,
 * attention projections): the same kernel and bias initializers a dense layer of LayerContext
 * gets (engine/model-spec.ts), drawn from a seed and a label so each weight of a layer has its own
 * stream and a rebuilt layer (from its config) starts with the same values.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { LayerContext } from '../../../engine/model-spec.js';
import { deriveSeed } from '../../../engine/random.js';

/** tfjs-layers exports its initializer factories but not their return type. */
export type Initializer = ReturnType<typeof tfl.initializers.glorotUniform>;

export type InitKind = 'glorot' | 'torch';

/** Kernel and bias initializers of the weight `label` of a layer seeded `seed`, whose outputs each read `fanIn` values. Biases start at zero under glorot, uniform in ±1/√fan_in under torch. */
export function seededInit(seed: number, label: string, kind: InitKind, fanIn: number): { kernel: Initializer; bias: Initializer } {
  const init = new LayerContext(deriveSeed(seed, label), label, kind).init(fanIn);
  return { kernel: init.kernelInitializer, bias: init.biasInitializer ?? tfl.initializers.zeros() };
}

/** Checks a layer's init kind read back from a config. */
export function initKind(value: unknown, layer: string): InitKind {
  if (value === 'glorot' || value === 'torch') return value;
  throw new Error(`${layer}: init must be 'glorot' or 'torch', got ${String(value)}`);
}
