/**
 * A member of a joint run: one model with its own optimizer, reading named inputs from a batch
 * and writing named heads. Mutual learning has several members with one input and one head;
 * multi-task members have several heads, multimodal ones several inputs. Members may share
 * layers (a trunk): each shared variable is still updated once per step (see train-step.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, ShapeMismatchError } from '../errors.js';
import type { FieldInfo } from '../data/fields.js';
import { fieldSampleShape, targetWidth } from '../data/fields.js';
import type { Batch } from './batch.js';
import { detectHeadOutput, headLogits, HEAD_OUTPUTS, type HeadOutput } from './head-output.js';

/** A model with the names a member reads it by: what model builders and loaders return. */
export interface NamedModel {
  readonly model: tfl.LayersModel;
  /** Batch input names fed to the model's inputs, in order. */
  readonly inputs: readonly string[];
  /** Names of the model's outputs (heads), in order. */
  readonly heads: readonly string[];
  /** How each head's output is read, by head name (see HeadOutput). */
  readonly outputs: Readonly<Record<string, HeadOutput>>;
}

/** A named model with its own optimizer, trained in a joint run. */
export interface Member extends NamedModel {
  /** Unique display name. */
  readonly name: string;
  readonly optimizer: tf.Optimizer;
}

/**
 * Options of {@link createMember}: the member's display name, model and optimizer, the batch inputs
 * and heads the model's inputs and outputs are named by, and optionally each head's output kind.
 */
export interface MemberOptions {
  name: string;
  model: tfl.LayersModel;
  optimizer: tf.Optimizer;
  /** Batch input names fed to the model's inputs, in order. Default ['x']. */
  inputs?: readonly string[];
  /** Names of the model's outputs, in order. Default ['y']. */
  heads?: readonly string[];
  /**
   * Output kind of some or all heads, by head name. Default: read off the head's last layer
   * (`softmax`, `sigmoid`, else `logits`); a regression head must be named `value`.
   */
  outputs?: Readonly<Record<string, HeadOutput>>;
}

/**
 * Names a model's inputs and heads and settles each head's output kind, checking the names
 * against the model; `name` is the model's display name in messages.
 */
export function nameModel(opts: Omit<MemberOptions, 'optimizer'>): NamedModel {
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
  for (const [kind, names] of [['input', inputs], ['head', heads]] as const) {
    const repeated = names.find((n, i) => names.indexOf(n) !== i);
    if (repeated !== undefined) throw new ConfigError(`${kind}s`, `model '${opts.name}' names two ${kind}s '${repeated}'`, `give every ${kind} its own name`);
  }
  const given = opts.outputs ?? {};
  for (const [head, kind] of Object.entries(given)) {
    if (!heads.includes(head)) throw new ConfigError('outputs', `model '${opts.name}' has no head '${head}' (heads: ${heads.join(', ')})`);
    if (!(HEAD_OUTPUTS as readonly string[]).includes(kind)) throw new ConfigError(`outputs.${head}`, `unknown output kind '${String(kind)}'`, `use one of: ${HEAD_OUTPUTS.join(', ')}`);
  }
  const outputs: Record<string, HeadOutput> = {};
  heads.forEach((head, i) => {
    outputs[head] = given[head] ?? detectHeadOutput(opts.model, i);
  });
  return { model: opts.model, inputs: [...inputs], heads: [...heads], outputs };
}

/** Wraps a model (built by jointly or supplied by the user) as a member. */
export function createMember(opts: MemberOptions): Member {
  return { name: opts.name, optimizer: opts.optimizer, ...nameModel(opts) };
}

/** Whether a model dimension (null: any) accepts `actual`. */
function dimsMatch(expected: readonly (number | null)[], actual: readonly number[]): boolean {
  return expected.length === actual.length && expected.every((d, i) => d === null || d === actual[i]);
}

/** Checks that a member's model accepts samples of `sampleShape` on `input` and has `numClasses` outputs on `head`. */
export function checkMemberShapes(member: Member, io: { input: string; sampleShape: readonly number[]; head: string; numClasses: number }): void {
  checkMemberFields(member, { [io.input]: { kind: 'float', shape: io.sampleShape, masked: false }, [io.head]: { kind: 'classes', numClasses: io.numClasses, masked: false } });
}

/**
 * Checks a member against the fields of its data: every input of the model is a field of the
 * right shape, and every head that has a target field has that target's width. Heads without a
 * target in the data are allowed (an objective may use them without labels).
 */
export function checkMemberFields(member: Member, fields: Readonly<Record<string, FieldInfo>>): void {
  member.inputs.forEach((name, i) => {
    const field = fields[name];
    if (field === undefined) {
      const inputs = Object.entries(fields).filter(([, f]) => f.kind === 'float' || f.kind === 'tokens').map(([n]) => n);
      throw new ShapeMismatchError(`model '${member.name}' reads input '${name}' but the data has no such field (inputs: ${inputs.join(', ') || 'none'})`, 'name the model\'s inputs after the data\'s fields');
    }
    const sampleShape = fieldSampleShape(field);
    if (sampleShape === undefined) {
      throw new ShapeMismatchError(`model '${member.name}' reads '${name}' as an input, but it is a ${field.kind} target`, 'feed the model input fields (float features or tokens)');
    }
    const expected = member.model.inputs[i].shape.slice(1);
    if (!dimsMatch(expected, sampleShape)) {
      throw new ShapeMismatchError(
        `model '${member.name}' expects input '${name}' of shape [${expected.join(', ')}] but the data has samples of shape [${sampleShape.join(', ')}]`,
        'build the model for this data (jointly builds spec models with the data\'s shape), or reshape the data',
      );
    }
    const wantsInts = member.model.inputs[i].dtype === 'int32';
    if (wantsInts !== (field.kind === 'tokens')) {
      throw new ShapeMismatchError(
        `model '${member.name}' takes input '${name}' as ${member.model.inputs[i].dtype} but the field holds ${field.kind === 'tokens' ? 'int32 token ids' : 'float32 features'}`,
        'give token fields to int32 inputs (e.g. an embedding) and float fields to float32 inputs',
      );
    }
  });
  member.heads.forEach((head, i) => {
    const field = fields[head];
    if (field === undefined) return;
    const width = targetWidth(field);
    if (width === undefined) {
      throw new ShapeMismatchError(`model '${member.name}' has a head '${head}' but '${head}' is an input field of the data`, 'name heads after target fields');
    }
    const out = member.model.outputs[i].shape;
    const units = out[out.length - 1];
    if (units !== width) {
      const what = field.kind === 'classes' ? `${width} classes` : `${width} value(s) per sample`;
      throw new ShapeMismatchError(`model '${member.name}' outputs ${units} values on head '${head}' but the data has ${what}`, `give the model's last layer on '${head}' ${width} units`);
    }
    const kind = member.outputs[head];
    const regression = field.kind === 'regression';
    if (regression !== (kind === 'value')) {
      throw new ShapeMismatchError(
        `head '${head}' of model '${member.name}' outputs ${kind} but its target is ${field.kind}`,
        regression ? 'give regression heads the output kind "value"' : 'give classification heads logits (or a softmax/sigmoid output), not "value"',
      );
    }
  });
}

/** Runs a member on a batch; returns logits (or log-probabilities, log-odds, values) per head. */
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
    result[head] = headLogits(outs[i] as tf.Tensor, member.outputs[head]);
  });
  return result;
}

/** All trainable variables of a member, by their unique tfjs names. */
export function trainableVariables(member: Member): tf.Variable[] {
  return member.model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * Frees the members' models and optimizers. Members may share layers (a trunk, a frozen teacher
 * inside a student): every variable and optimizer is freed once. tfjs-layers' own
 * `model.dispose()` throws when two models share a nested model, so the variables are freed directly.
 */
export function disposeMembers(members: readonly Member[]): void {
  const variables = new Set<tf.Variable>();
  const optimizers = new Set<tf.Optimizer>();
  for (const m of members) {
    optimizers.add(m.optimizer);
    for (const w of m.model.weights) {
      const v = w.read() as tf.Variable;
      if (!v.isDisposed) variables.add(v);
    }
  }
  for (const v of variables) v.dispose();
  for (const o of optimizers) o.dispose();
}
