/**
 * A tfjs-layers model as a graph of native operations, for the whole-model native training step:
 * dense, 2-D convolution, max and average pooling, activation, flatten, seeded dropout, batch
 * normalization and concatenation layers (what jointly's model and graph specs build), on one or
 * several inputs and with one or several outputs (a shared trunk with a head per task, an encoder
 * per modality joined before the heads). Activations that follow a dense or convolution layer are
 * fused into it when nothing else reads the layer's output. Anything else (a layer type, a shared
 * layer, channels-first data, a nested model) makes the model unsupported, with the reason; such
 * models train on the tfjs path.
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

/** One native operation; `act` is the fused activation's code. */
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
    }
  /** Concatenation along the last axis: `widths[k]` values of input k per row, `rows` rows per sample. */
  | { kind: 'concat'; layer: string; widths: readonly number[]; rows: number };

/**
 * One operation of the graph: it reads the values `inputs` (ids into {@link ModelPlan.sizes};
 * one, except for a concatenation) and writes the value `output`.
 */
export interface PlanNode {
  readonly op: PlanOp;
  readonly inputs: readonly number[];
  output: number;
}

/** A model the native step can run: its operations in order, the values between them, its trainable variables. */
export interface ModelPlan {
  /** The operations, each after every operation whose output it reads. */
  readonly nodes: readonly PlanNode[];
  /** Values per sample of each value id: the model's inputs first, then the operations' outputs. */
  readonly sizes: readonly number[];
  /** Value ids of the model's inputs, in `model.inputs` order (0, 1, ...). */
  readonly inputs: readonly number[];
  /** Value ids of the model's outputs, in `model.outputs` order. */
  readonly outputs: readonly number[];
  /** The model's input shapes without the batch axis, in `model.inputs` order. */
  readonly inputShapes: readonly (readonly number[])[];
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

function activationCode(name: unknown, layer: string): number | Unsupported {
  const code = ACTIVATION_CODES[String(name ?? 'linear')];
  return code === undefined ? { unsupported: `layer ${layer} has activation '${String(name)}', which the native step does not implement` } : code;
}

/** The trainable variables an operation reads: a dense or convolution layer's kernel and bias, batch normalization's scale and offset. */
export function opVariables(op: PlanOp): tf.Variable[] {
  const vars = op.kind === 'dense' || op.kind === 'conv' ? [op.kernel, op.bias] : op.kind === 'batchNorm' ? [op.gamma, op.beta] : [];
  return vars.filter((v): v is tf.Variable => v !== null);
}

/** The selu code: applied by its own kernel, never fused. */
const SELU = ACTIVATION_CODES.selu;

/** Per-sample shape of a symbolic tensor (null dimensions as 0, refused by the caller). */
function sampleShape(t: tfl.SymbolicTensor): number[] {
  return t.shape.slice(1).map((d) => d ?? 0);
}

/**
 * The operation a layer runs on inputs of per-sample `shapes`, `alias` for a layer that passes its
 * input on unchanged (flatten, a linear activation, dropout at rate 0), or why it cannot run.
 */
function layerOp(layer: tfl.layers.Layer, shapes: readonly number[][]): PlanOp | 'alias' | Unsupported {
  const cls = layer.getClassName();
  const config = layer.getConfig();
  if (cls === 'Concatenate') {
    const rank = shapes[0].length;
    const axis = Number(config.axis ?? -1);
    if (axis !== -1 && axis !== rank) return { unsupported: `concatenation ${layer.name} joins axis ${axis}, not the last` };
    const lead = shapes[0].slice(0, -1).join(',');
    if (shapes.some((s) => s.length !== rank || s.slice(0, -1).join(',') !== lead)) return { unsupported: `concatenation ${layer.name} joins inputs of shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(', ')}` };
    return { kind: 'concat', layer: layer.name, widths: shapes.map((s) => s[rank - 1]), rows: product(shapes[0].slice(0, -1)) };
  }
  if (shapes.length !== 1) return { unsupported: `layer ${layer.name} (${cls}) reads ${shapes.length} inputs` };
  const shape = shapes[0];
  if (cls === 'Dense') {
    if (shape.length !== 1) return { unsupported: `dense layer ${layer.name} reads a ${shape.length}-D input per sample` };
    const act = activationCode(config.activation, layer.name);
    if (typeof act !== 'number') return act;
    if (act === SELU) return { unsupported: `dense layer ${layer.name} has the selu activation inside (use an Activation layer)` };
    const kernel = weight(layer, 'kernel');
    if (kernel === null) return { unsupported: `dense layer ${layer.name} has no kernel` };
    return { kind: 'dense', layer: layer.name, kernel, bias: config.useBias === false ? null : weight(layer, 'bias'), inputs: shape[0], units: Number(config.units), act };
  }
  if (cls === 'Conv2D') {
    if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') return { unsupported: `convolution ${layer.name} is channels-first` };
    if (shape.length !== 3) return { unsupported: `convolution ${layer.name} reads a ${shape.length}-D input per sample` };
    const act = activationCode(config.activation, layer.name);
    if (typeof act !== 'number') return act;
    if (act === SELU) return { unsupported: `convolution ${layer.name} has the selu activation inside (use an Activation layer)` };
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
    return { kind: 'conv', layer: layer.name, kernel, bias: config.useBias === false ? null : weight(layer, 'bias'), geometry, act };
  }
  if (cls === 'MaxPooling2D' || cls === 'AveragePooling2D') {
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
    return { kind: cls === 'MaxPooling2D' ? 'maxPool' : 'avgPool', layer: layer.name, geometry };
  }
  if (cls === 'Activation') {
    const act = activationCode(config.activation, layer.name);
    if (typeof act !== 'number') return act;
    return act === 0 ? 'alias' : { kind: 'activation', layer: layer.name, act };
  }
  // The same buffer, read as [batch, size].
  if (cls === 'Flatten') return 'alias';
  if (cls === SeededDropout.className) {
    const dropout = layer as SeededDropout;
    return dropout.rate > 0 ? { kind: 'dropout', layer: layer.name, dropout } : 'alias';
  }
  if (cls === 'BatchNormalization') {
    const axis = Number(config.axis ?? -1);
    if (axis !== -1 && axis !== shape.length) return { unsupported: `batch normalization ${layer.name} normalizes axis ${axis}, not the last` };
    const movingMean = weight(layer, 'moving_mean');
    const movingVariance = weight(layer, 'moving_variance');
    if (movingMean === null || movingVariance === null) return { unsupported: `batch normalization ${layer.name} has no moving statistics` };
    return {
      kind: 'batchNorm',
      layer: layer.name,
      gamma: config.scale === false ? null : weight(layer, 'gamma'),
      beta: config.center === false ? null : weight(layer, 'beta'),
      movingMean,
      movingVariance,
      channels: shape[shape.length - 1],
      epsilon: Number(config.epsilon ?? 1e-3),
      momentum: Number(config.momentum ?? 0.99),
    };
  }
  return { unsupported: `layer ${layer.name} is a ${cls}, which the native step does not implement` };
}

/**
 * Fuses each activation into the dense or convolution operation before it when nothing else reads
 * that operation's output (another layer or a model output would need the value before the
 * activation). Returns the nodes that remain.
 */
function fuseActivations(nodes: readonly PlanNode[], sizes: number, outputs: readonly number[]): PlanNode[] {
  const readers = new Int32Array(sizes);
  for (const node of nodes) for (const v of node.inputs) readers[v]++;
  for (const v of outputs) readers[v]++;
  const producer = new Map<number, PlanNode>();
  const kept: PlanNode[] = [];
  for (const node of nodes) {
    const { op } = node;
    if (op.kind === 'activation' && op.act !== SELU) {
      const p = producer.get(node.inputs[0]);
      if (p !== undefined && (p.op.kind === 'dense' || p.op.kind === 'conv') && p.op.act === 0 && readers[node.inputs[0]] === 1) {
        p.op.act = op.act;
        p.output = node.output;
        producer.set(node.output, p);
        continue;
      }
    }
    producer.set(node.output, node);
    kept.push(node);
  }
  return kept;
}

/** Compiles `model` into a plan, or says why it cannot run natively. */
export function compileModelPlan(model: tfl.LayersModel): ModelPlan | Unsupported {
  const valueOf = new Map<number, number>();
  const sizes: number[] = [];
  const inputShapes: number[][] = [];
  for (const input of model.inputs) {
    if (input.dtype !== 'float32') return { unsupported: `model ${model.name} takes ${input.dtype} input '${input.name}'` };
    if (input.shape.slice(1).some((d) => d === null)) return { unsupported: `model ${model.name} has an input of unknown size` };
    valueOf.set(input.id, sizes.length);
    inputShapes.push(sampleShape(input));
    sizes.push(product(sampleShape(input)));
  }
  const inputs = inputShapes.map((_, k) => k);
  let nodes: PlanNode[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1) return { unsupported: `layer ${layer.name} is used ${layer.inboundNodes.length} times (shared layers run on the tfjs path)` };
    const inbound = layer.inboundNodes[0];
    if (inbound.outputTensors.length !== 1) return { unsupported: `layer ${layer.name} has ${inbound.outputTensors.length} outputs` };
    const reads = inbound.inputTensors.map((t) => valueOf.get(t.id));
    if (reads.some((v) => v === undefined)) return { unsupported: `layer ${layer.name} reads a tensor that is not computed from the model's inputs` };
    const op = layerOp(layer, inbound.inputTensors.map(sampleShape));
    if (op !== 'alias' && 'unsupported' in op) return op;
    const out = inbound.outputTensors[0];
    if (op === 'alias') {
      valueOf.set(out.id, reads[0] as number);
      continue;
    }
    valueOf.set(out.id, sizes.length);
    nodes.push({ op, inputs: reads as number[], output: sizes.length });
    sizes.push(product(sampleShape(out)));
  }
  const outputs: number[] = [];
  for (const out of model.outputs) {
    const v = valueOf.get(out.id);
    if (v === undefined) return { unsupported: `model ${model.name}'s output '${out.name}' is not computed by its layers` };
    if (v < inputs.length) return { unsupported: `model ${model.name}'s output '${out.name}' is one of its inputs` };
    outputs.push(v);
  }
  nodes = fuseActivations(nodes, sizes.length, outputs);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const planned = new Set(nodes.flatMap(({ op }) => opVariables(op)));
  const stray = variables.find((v) => !planned.has(v));
  if (stray !== undefined) return { unsupported: `variable ${stray.name} of model ${model.name} is not in a layer the native step runs` };
  for (const v of planned) if (!v.trainable) return { unsupported: `variable ${v.name} of model ${model.name} is frozen (frozen layers run on the tfjs path)` };
  return { nodes, sizes, inputs, outputs, inputShapes, variables };
}
