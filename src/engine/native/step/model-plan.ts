/**
 * A tfjs-layers model as a list of native operations, for the whole-model native training step:
 * chains of dense, 2-D convolution, max and average pooling, activation, flatten, seeded dropout
 * and batch normalization layers (what jointly's model specs build). Activations that follow a
 * dense or convolution layer are fused into it. Anything else (a layer type, a branch, a shared
 * layer, channels-first data) makes the model unsupported, with the reason; such models train on
 * the tfjs path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { convGeometry } from '../conv-geometry.js';
import type { ConvGeometry, PoolGeometry } from '../addon.js';
import { SeededDropout } from '../../layers/seeded-dropout.js';

/** Activation codes of native/common.h (plus 7: selu, applied by its own kernel). */
export const ACTIVATION_CODES: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, tanh: 6, selu: 7 };

/** Geometry of an operation for a batch of `n` samples. */
type PerBatch<T> = (n: number) => T;

/** One native operation on a [batch, ...] buffer; `act` is the fused activation's code. */
export type PlanOp =
  | { kind: 'dense'; layer: string; kernel: tf.Variable; bias: tf.Variable | null; inputs: number; units: number; act: number }
  | { kind: 'conv'; layer: string; kernel: tf.Variable; bias: tf.Variable | null; geometry: PerBatch<ConvGeometry>; act: number }
  | { kind: 'maxPool' | 'avgPool'; layer: string; geometry: PerBatch<PoolGeometry> }
  | { kind: 'activation'; layer: string; act: number }
  | { kind: 'dropout'; layer: string; dropout: SeededDropout }
  | {
      kind: 'batchNorm';
      layer: string;
      gamma: tf.Variable | null;
      beta: tf.Variable | null;
      movingMean: tf.Variable;
      movingVariance: tf.Variable;
      channels: number;
      epsilon: number;
      momentum: number;
    };

/** A model the native step can run: its operations, per-sample sizes and trainable variables. */
export interface ModelPlan {
  readonly ops: readonly PlanOp[];
  /** Values per sample entering each op (`sizes[i]`) and leaving the last (`sizes[ops.length]`). */
  readonly sizes: readonly number[];
  /** The model's input shape without the batch axis. */
  readonly inputShape: readonly number[];
  /** The model's trainable variables, in `model.trainableWeights` order. */
  readonly variables: readonly tf.Variable[];
}

/** Why a model cannot run on the native step. */
export interface Unsupported {
  readonly unsupported: string;
}

function product(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, d) => a * (d ?? 1), 1);
}

function pair(v: unknown): [number, number] {
  return Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)];
}

/** The tfjs variable behind a layer weight found by its name's last part (kernel, bias, gamma...). */
function weight(layer: tfl.layers.Layer, name: string): tf.Variable | null {
  const w = layer.weights.find((lw) => lw.originalName.split('/').pop() === name || lw.name.split('/').pop() === name);
  return w === undefined ? null : (w.read() as tf.Variable);
}

/** Output shape of a layer without the batch axis. */
function outShape(layer: tfl.layers.Layer): number[] {
  return (layer.outputShape as (number | null)[]).slice(1).map((d) => d ?? 0);
}

function activationCode(name: unknown, layer: string): number | Unsupported {
  const code = ACTIVATION_CODES[String(name ?? 'linear')];
  return code === undefined ? { unsupported: `layer ${layer} has activation '${String(name)}', which the native step does not implement` } : code;
}

/** Compiles `model` into a plan, or says why it cannot run natively. */
export function compileModelPlan(model: tfl.LayersModel): ModelPlan | Unsupported {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return { unsupported: `model ${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs (the native step runs one input, one output)` };
  if (model.inputs[0].dtype !== 'float32') return { unsupported: `model ${model.name} takes ${model.inputs[0].dtype} input` };
  const layers = model.layers;
  const ops: PlanOp[] = [];
  const sizes: number[] = [];
  const inputShape = (model.inputs[0].shape as (number | null)[]).slice(1);
  if (inputShape.some((d) => d === null)) return { unsupported: `model ${model.name} has an input of unknown size` };
  let shape = inputShape as number[];
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    const cls = layer.getClassName();
    if (i === 0) {
      if (cls !== 'InputLayer') return { unsupported: `model ${model.name} does not start with an input layer` };
      continue;
    }
    if (layer.inboundNodes.length !== 1) return { unsupported: `layer ${layer.name} is used ${layer.inboundNodes.length} times (shared layers run on the tfjs path)` };
    const inbound = layer.inboundNodes[0].inboundLayers;
    if (inbound.length !== 1 || inbound[0] !== layers[i - 1]) return { unsupported: `layer ${layer.name} does not read the layer before it (branching models run on the tfjs path)` };
    const config = layer.getConfig();
    const prev = ops[ops.length - 1];
    const fusable = prev !== undefined && (prev.kind === 'dense' || prev.kind === 'conv') && prev.act === 0;
    const inSize = product(shape);
    const push = (op: PlanOp): void => {
      ops.push(op);
      sizes.push(inSize);
    };
    if (cls === 'Dense') {
      if (shape.length !== 1) return { unsupported: `dense layer ${layer.name} reads a ${shape.length}-D input per sample` };
      const act = activationCode(config.activation, layer.name);
      if (typeof act !== 'number') return act;
      const kernel = weight(layer, 'kernel');
      if (kernel === null) return { unsupported: `dense layer ${layer.name} has no kernel` };
      const units = Number(config.units);
      push({ kind: 'dense', layer: layer.name, kernel, bias: config.useBias === false ? null : weight(layer, 'bias'), inputs: shape[0], units, act });
    } else if (cls === 'Conv2D') {
      if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') return { unsupported: `convolution ${layer.name} is channels-first` };
      if (shape.length !== 3) return { unsupported: `convolution ${layer.name} reads a ${shape.length}-D input per sample` };
      const act = activationCode(config.activation, layer.name);
      if (typeof act !== 'number') return act;
      const kernel = weight(layer, 'kernel');
      if (kernel === null) return { unsupported: `convolution ${layer.name} has no kernel` };
      const strides = pair(config.strides);
      const dilations = pair(config.dilationRate ?? 1);
      const pad = String(config.padding) as 'same' | 'valid';
      const filterShape = kernel.shape as [number, number, number, number];
      const [h, w, c] = shape;
      const info0 = backend_util.computeConv2DInfo([1, h, w, c], filterShape, strides, dilations, pad, undefined, false, 'channelsLast');
      if (convGeometry(info0) === null) return { unsupported: `convolution ${layer.name} has padding oneDNN cannot express` };
      const geometry = (n: number): ConvGeometry => convGeometry(backend_util.computeConv2DInfo([n, h, w, c], filterShape, strides, dilations, pad, undefined, false, 'channelsLast')) as ConvGeometry;
      push({ kind: 'conv', layer: layer.name, kernel, bias: config.useBias === false ? null : weight(layer, 'bias'), geometry, act });
    } else if (cls === 'MaxPooling2D' || cls === 'AveragePooling2D') {
      if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') return { unsupported: `pooling ${layer.name} is channels-first` };
      if (shape.length !== 3) return { unsupported: `pooling ${layer.name} reads a ${shape.length}-D input per sample` };
      const [h, w, c] = shape;
      const poolSize = pair(config.poolSize);
      const strides = pair(config.strides ?? config.poolSize);
      const pad = String(config.padding) as 'same' | 'valid';
      const geometry = (n: number): PoolGeometry => {
        const info = backend_util.computePool2DInfo([n, h, w, c], poolSize, strides, 1, pad);
        return [n, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
      };
      push({ kind: cls === 'MaxPooling2D' ? 'maxPool' : 'avgPool', layer: layer.name, geometry });
    } else if (cls === 'Activation') {
      const act = activationCode(config.activation, layer.name);
      if (typeof act !== 'number') return act;
      if (fusable && act !== ACTIVATION_CODES.selu) {
        prev.act = act;
      } else if (act !== 0) {
        push({ kind: 'activation', layer: layer.name, act });
      }
    } else if (cls === 'Flatten') {
      // The same buffer, read as [batch, size].
    } else if (cls === SeededDropout.className) {
      const dropout = layer as SeededDropout;
      if (dropout.rate > 0) push({ kind: 'dropout', layer: layer.name, dropout });
    } else if (cls === 'BatchNormalization') {
      const axis = Number(config.axis ?? -1);
      if (axis !== -1 && axis !== shape.length) return { unsupported: `batch normalization ${layer.name} normalizes axis ${axis}, not the last` };
      const movingMean = weight(layer, 'moving_mean');
      const movingVariance = weight(layer, 'moving_variance');
      if (movingMean === null || movingVariance === null) return { unsupported: `batch normalization ${layer.name} has no moving statistics` };
      push({
        kind: 'batchNorm',
        layer: layer.name,
        gamma: config.scale === false ? null : weight(layer, 'gamma'),
        beta: config.center === false ? null : weight(layer, 'beta'),
        movingMean,
        movingVariance,
        channels: shape[shape.length - 1],
        epsilon: Number(config.epsilon ?? 1e-3),
        momentum: Number(config.momentum ?? 0.99),
      });
    } else {
      return { unsupported: `layer ${layer.name} is a ${cls}, which the native step does not implement` };
    }
    shape = outShape(layer);
  }
  if (layers[layers.length - 1].output !== model.outputs[0]) return { unsupported: `model ${model.name}'s output is not its last layer's` };
  sizes.push(product(shape));
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const planned = new Set<tf.Variable>();
  for (const op of ops) {
    if (op.kind === 'dense' || op.kind === 'conv') [op.kernel, op.bias].forEach((v) => v !== null && planned.add(v));
    if (op.kind === 'batchNorm') [op.gamma, op.beta].forEach((v) => v !== null && planned.add(v));
  }
  const stray = variables.find((v) => !planned.has(v));
  if (stray !== undefined) return { unsupported: `variable ${stray.name} of model ${model.name} is not in a layer the native step runs` };
  for (const v of planned) if (!v.trainable) return { unsupported: `variable ${v.name} of model ${model.name} is frozen (frozen layers run on the tfjs path)` };
  return { ops, sizes, inputShape: inputShape as number[], variables };
}
