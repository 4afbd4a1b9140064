/**
 * The federated task: what every party must agree on to train one model together (the model's
 * architecture, the local optimizer, the input shape and classes). The server sends it to each
 * client in its `welcome` message; the simulation gives it to each worker.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { buildModel, ModelSpecSchema } from '../engine/model-spec.js';
import { OptimizerSpecSchema } from '../engine/optimizer.js';
import { paramLayout } from '../engine/flat-params.js';

export const FederatedTaskSchema = z
  .object({
    /** Architecture of the global model (an `mlp` or `cnn` spec). */
    model: ModelSpecSchema,
    /** Local optimizer of every client; a fresh one is made every round (as in Li et al. 2021). Default SGD, lr 0.01, momentum 0.9. */
    optimizer: OptimizerSpecSchema.prefault({ name: 'sgd', learningRate: 0.01, momentum: 0.9 }),
    /** Shape of one input sample, e.g. [28, 28, 1]. */
    inputShape: z.array(z.number().int().positive()).min(1),
    /** Number of classes. */
    numClasses: z.number().int().min(2),
  })
  .strict();

export type FederatedTask = z.infer<typeof FederatedTaskSchema>;
export type FederatedTaskInput = z.input<typeof FederatedTaskSchema>;

/** A named tensor of the global model: what travels on the wire and what replies are checked against. */
export interface TensorLayout {
  name: string;
  shape: number[];
}

/** Builds the task's model. The seed only sets the initial weights, which the global parameters overwrite. */
export function buildTaskModel(task: FederatedTask, seed: number): tfl.LayersModel {
  return buildModel(task.model, { inputShape: task.inputShape, numClasses: task.numClasses, seed, name: 'global' });
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

/** Number of floats in a layout. */
export function layoutSize(layout: readonly TensorLayout[]): number {
  return layout.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
}
