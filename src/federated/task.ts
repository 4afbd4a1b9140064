/**
 * The federated task: what every party must agree on to train one model together (the model's
 * architecture, the local optimizer, and the data schema: input shape, feature names and class
 * names in a fixed order). The server sends it to each client in its `welcome` message; the
 * simulation gives it to each worker. The model is a built-in spec (`mlp`, `cnn`, or `multimodal`:
 * modalities cut from the flat sample, encoded and fused, see multimodal/federated/multimodal-model.ts)
 * or any tfjs layers model, carried as its layer configuration (`layers`).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { ConfigError, ShapeMismatchError } from '../errors.js';
import { buildModel, CnnSpecSchema, MlpSpecSchema } from '../engine/model-spec.js';
import type { DataSchema } from '../data/schema.js';
import { OptimizerSpecSchema } from '../engine/optimizer.js';
import { paramLayout } from '../engine/flat-params.js';
import { buildMultimodalTaskModel, MultimodalTaskModelSpecSchema } from '../multimodal/federated/multimodal-model.js';

/** Any tfjs layers model, as `{ className, config }` from `model.getClassName()` and `model.getConfig()` (see `layersTaskModel`). */
export const LayersModelSpecSchema = z
  .object({
    type: z.literal('layers'),
    /** `Sequential` or `Model` (a functional model). */
    className: z.enum(['Sequential', 'Model']),
    /** The model's layer configuration (`model.getConfig()`), JSON. */
    config: z.record(z.string(), z.unknown()),
  })
  .strict();

/** The global model of a federation: a built-in spec or a tfjs layers model's configuration. */
export const TaskModelSpecSchema = z.discriminatedUnion('type', [MlpSpecSchema, CnnSpecSchema, MultimodalTaskModelSpecSchema, LayersModelSpecSchema]);
/** The global model of a federation, as validated by {@link TaskModelSpecSchema}: an `mlp`, `cnn` or `multimodal` spec, or a `layers` model configuration. */
export type TaskModelSpec = z.infer<typeof TaskModelSpecSchema>;

/**
 * Validates a federated task: the global model, the clients' local optimizer and the data schema
 * (input shape, class count, optional class and feature names). The parsed type is {@link FederatedTask}.
 */
export const FederatedTaskSchema = z
  .object({
    /** Architecture of the global model: an `mlp`, `cnn` or `multimodal` spec, or a tfjs layers model (`layers`). */
    model: TaskModelSpecSchema,
    /** Local optimizer of every client; a fresh one is made every round (as in Li et al. 2021). Default SGD, lr 0.01, momentum 0.9. */
    optimizer: OptimizerSpecSchema.prefault({ name: 'sgd', learningRate: 0.01, momentum: 0.9 }),
    /** Shape of one input sample, e.g. [28, 28, 1]. */
    inputShape: z.array(z.number().int().positive()).min(1),
    /** Number of classes. */
    numClasses: z.number().int().min(2),
    /** Class names in class-index order: every party maps its text labels through this list. Absent when labels are integers. */
    classNames: z.array(z.string()).min(2).optional(),
    /** Feature (column) names in model order, when the data has a header: clients match their columns by name. */
    featureNames: z.array(z.string()).min(1).optional(),
  })
  .strict()
  .refine((t) => t.classNames === undefined || t.classNames.length === t.numClasses, { message: 'classNames must have numClasses names', path: ['classNames'] });

/** What every party of a federation agrees on (model, local optimizer, data schema), defaults filled; see {@link FederatedTaskSchema}. */
export type FederatedTask = z.infer<typeof FederatedTaskSchema>;
/** The input shape of {@link FederatedTask} before defaults (`optimizer` may be omitted). */
export type FederatedTaskInput = z.input<typeof FederatedTaskSchema>;

/** A named tensor of the global model: what travels on the wire and what replies are checked against. */
export interface TensorLayout {
  name: string;
  shape: number[];
}

/** The data schema of a task: what a party's data must fit. */
export function taskSchema(task: FederatedTask): DataSchema {
  return {
    inputShape: [...task.inputShape],
    numClasses: task.numClasses,
    ...(task.featureNames === undefined ? {} : { featureNames: [...task.featureNames] }),
    ...(task.classNames === undefined ? {} : { classNames: [...task.classNames] }),
  };
}

/** The `layers` task model of a tfjs layers model (its architecture; its weights are the caller's initial parameters). */
export function layersTaskModel(model: tfl.LayersModel): TaskModelSpec {
  const className = model.getClassName();
  if (className !== 'Sequential' && className !== 'Model') {
    throw new ConfigError('model', `a ${className} cannot be federated`, 'pass a tfjs layers model made by tf.sequential or tf.model');
  }
  // getConfig() is plain JSON (the layers' settings), the form fromConfig reads back.
  return { type: 'layers', className, config: JSON.parse(JSON.stringify(model.getConfig())) as Record<string, unknown> };
}

/**
 * Builds the task's model. The seed only sets the initial weights of a built-in spec, which the
 * global parameters overwrite; a `layers` model is rebuilt from its configuration and checked
 * against the task's input shape and class count.
 */
export function buildTaskModel(task: FederatedTask, seed: number): tfl.LayersModel {
  if (task.model.type === 'multimodal') {
    const built = buildMultimodalTaskModel(task.model, { inputShape: task.inputShape, numClasses: task.numClasses, seed, name: 'global' });
    checkModelFits(built, task);
    return built;
  }
  if (task.model.type !== 'layers') return buildModel(task.model, { inputShape: task.inputShape, numClasses: task.numClasses, seed, name: 'global' });
  const cls = task.model.className === 'Sequential' ? tfl.Sequential : tfl.LayersModel;
  let model: tfl.LayersModel;
  try {
    // The config is the model's own getConfig() output (plain JSON), which fromConfig reads back.
    // fromConfig takes the layers out of the object it is given: hand it a copy.
    const config = structuredClone(task.model.config) as Parameters<typeof cls.fromConfig>[1];
    model = cls.fromConfig(cls, config) as tfl.LayersModel;
  } catch (err) {
    throw new ConfigError('model', `the layers model cannot be rebuilt from its configuration: ${(err as Error).message}`, 'pass a model whose layers are all built into tfjs-layers (custom layers must be registered on every party)');
  }
  checkModelFits(model, task);
  return model;
}

/** Throws ShapeMismatchError when a model does not read the task's samples or write its classes. */
export function checkModelFits(model: tfl.LayersModel, task: Pick<FederatedTask, 'inputShape' | 'numClasses'>): void {
  const fail = (what: string): never => {
    model.dispose();
    throw new ShapeMismatchError(`the federated model ${what}`, 'give the model one input of the data\'s sample shape and one output with a unit per class');
  };
  if (model.inputs.length !== 1 || model.outputs.length !== 1) fail(`has ${model.inputs.length} inputs and ${model.outputs.length} outputs; a federated classifier has one of each`);
  const inShape = model.inputs[0].shape.slice(1);
  if (inShape.join(',') !== task.inputShape.join(',')) fail(`reads samples of shape [${inShape.join(', ')}], the data's are [${task.inputShape.join(', ')}]`);
  const units = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (units !== task.numClasses || model.outputs[0].shape.length !== 2) fail(`outputs shape [${model.outputs[0].shape.slice(1).join(', ')}], the data has ${task.numClasses} classes`);
}

/**
 * The layout of the federated parameters: every weight of the model (batch-norm moving
 * statistics included, as federated averaging of a PyTorch state dict does), in model order.
 */
export function taskLayout(model: tfl.LayersModel): TensorLayout[] {
  // originalName, not name: tfjs makes variable names unique per process by appending `_1`,
  // `_2`, ..., so the same model built twice (or in another process) would disagree on `name`.
  return paramLayout(model).map((e, i) => ({ name: model.weights[i].originalName, shape: e.shape }));
}

/** Throws ShapeMismatchError when initial parameters given by the caller do not have the model's length. */
export function checkInitialParams(params: Float32Array, layout: readonly TensorLayout[]): void {
  const size = layoutSize(layout);
  if (params.length !== size) {
    throw new ShapeMismatchError(`the initial parameters have ${params.length} values but the model has ${size}`, 'pass the weights of the same model (readParams(model))');
  }
}

/** Number of floats in a layout. */
export function layoutSize(layout: readonly TensorLayout[]): number {
  return layout.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
}
