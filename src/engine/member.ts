/**
 * A member of a joint run: one model with its own optimizer, reading named inputs from a batch
 * and writing named heads. Mutual learning has several members with one input and one head;
 * multi-task members have several heads, multimodal ones several inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../errors.js';
import type { Batch } from './batch.js';

export interface Member {
  /** Unique display name. */
  readonly name: string;
  readonly model: tfl.LayersModel;
  readonly optimizer: tf.Optimizer;
  /** Batch input names fed to the model's inputs, in order. Default ['x']. */
  readonly inputs: readonly string[];
  /** Names given to the model's outputs, in order. Default ['y']. */
  readonly heads: readonly string[];
  /** Whether the model outputs probabilities (softmax) rather than logits; they are turned into log-probabilities. */
  readonly outputsProbabilities: boolean;
}

export interface MemberOptions {
  name: string;
  model: tfl.LayersModel;
  optimizer: tf.Optimizer;
  inputs?: readonly string[];
  heads?: readonly string[];
}

function endsInSoftmax(model: tfl.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  // A Dense/Activation layer with a softmax activation, or a Softmax layer (tfl.layers.softmax()).
  if (last.getClassName() === 'Softmax') return true;
  const config = last.getConfig();
  return config.activation === 'softmax';
}

/** Wraps a model (built by jointly or supplied by the user) as a member. */
export function createMember(opts: MemberOptions): Member {
  const inputs = opts.inputs ?? ['x'];
  const heads = opts.heads ?? ['y'];
  if (inputs.length !== opts.model.inputs.length) {
    throw new ShapeMismatchError(
      `model '${opts.name}' has ${opts.model.inputs.length} input(s) but ${inputs.length} input name(s) were given (${inputs.join(', ')})`,
      'give one input name per model input',
    );
  }
  if (heads.length !== opts.model.outputs.length) {
    throw new ShapeMismatchError(
      `model '${opts.name}' has ${opts.model.outputs.length} output(s) but ${heads.length} head name(s) were given (${heads.join(', ')})`,
      'give one head name per model output',
    );
  }
  return { ...opts, inputs, heads, outputsProbabilities: endsInSoftmax(opts.model) };
}

/** Checks that a member's model accepts samples of `sampleShape` on `input` and has `numClasses` outputs on `head`. */
export function checkMemberShapes(member: Member, io: { input: string; sampleShape: readonly number[]; head: string; numClasses: number }): void {
  const inIndex = member.inputs.indexOf(io.input);
  const outIndex = member.heads.indexOf(io.head);
  if (inIndex >= 0) {
    const expected = member.model.inputs[inIndex].shape.slice(1);
    const ok = expected.length === io.sampleShape.length && expected.every((d, i) => d === null || d === io.sampleShape[i]);
    if (!ok) {
      throw new ShapeMismatchError(
        `model '${member.name}' expects input '${io.input}' of shape [${expected.join(', ')}] but the data has samples of shape [${io.sampleShape.join(', ')}]`,
        'build the model for this data (jointly builds spec models with the data\'s shape), or reshape the data',
      );
    }
  }
  if (outIndex >= 0) {
    const out = member.model.outputs[outIndex].shape;
    if (out[out.length - 1] !== io.numClasses) {
      throw new ShapeMismatchError(
        `model '${member.name}' outputs ${out[out.length - 1]} values on head '${io.head}' but the data has ${io.numClasses} classes`,
        `give the model's last layer ${io.numClasses} units`,
      );
    }
  }
}

/** Runs a member on a batch; returns logits (or log-probabilities) per head. */
export function forward(member: Member, batch: Batch, training: boolean): Record<string, tf.Tensor> {
  const xs = member.inputs.map((name) => {
    const t = batch.inputs[name];
    if (t === undefined) {
      throw new ShapeMismatchError(`model '${member.name}' reads input '${name}' but the batch has only ${Object.keys(batch.inputs).join(', ')}`);
    }
    return t;
  });
  const raw = member.model.apply(xs.length === 1 ? xs[0] : xs, { training });
  const outs = Array.isArray(raw) ? raw : [raw];
  const result: Record<string, tf.Tensor> = {};
  member.heads.forEach((head, i) => {
    const out = outs[i] as tf.Tensor;
    result[head] = member.outputsProbabilities ? tf.log(tf.clipByValue(out, 1e-7, 1)) : out;
  });
  return result;
}

/** All trainable variables of a member, by their unique tfjs names. */
export function trainableVariables(member: Member): tf.Variable[] {
  return member.model.trainableWeights.map((w) => w.read() as tf.Variable);
}
