/**
 * One optimization step over all members of a joint run. Everything runs inside tf.tidy: no
 * tensor survives the step except the models' and optimizers' own variables.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle registers all of them.
import '@tensorflow/tfjs-layers';
import { messageOf, NonFiniteLossError, ObjectiveError } from '../errors.js';
import type { Batch } from './batch.js';
import { SeededDropout } from './layers/seeded-dropout.js';
import { forward, trainableVariables, type Member } from './member.js';
import type { Objective, StepContext } from './objective.js';

/** Gradients of the trainable variables, by variable name. */
export type Gradients = Record<string, tf.Tensor>;

/**
 * Combines the gradients of each named loss into one update (gradient surgery, e.g. PCGrad).
 * Receives `perLoss[lossName][variableName]`; returns a gradient for every variable it wants updated.
 */
export type GradientCombiner = (perLoss: Record<string, Gradients>) => Gradients;

export interface StepOptions {
  members: readonly Member[];
  objective: Objective;
  batch: Batch;
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  /** When set, each loss gets its own backward pass and this combines them; else the sum is differentiated once. */
  combineGradients?: GradientCombiner;
}

/** Loss values after a step, by name. */
export type StepLosses = Record<string, number>;

function checkFinite(losses: StepLosses, opts: StepOptions): void {
  for (const [name, value] of Object.entries(losses)) {
    if (!Number.isFinite(value)) {
      throw new NonFiniteLossError(
        `loss '${name}' became ${value} at epoch ${opts.epoch + 1}, step ${opts.step + 1} (${opts.objective.name})`,
        'lower the learning rate, check that input features are scaled (e.g. to [0, 1]) and contain no NaN, or use a smaller temperature',
      );
    }
  }
}

function applyToMembers(members: readonly Member[], grads: Gradients): void {
  for (const member of members) {
    const mine: tf.NamedTensorMap = {};
    for (const v of trainableVariables(member)) {
      const g = grads[v.name];
      if (g !== undefined) mine[v.name] = g;
    }
    if (Object.keys(mine).length > 0) member.optimizer.applyGradients(mine);
  }
}

/** Runs one step: forward every member, compute the objective, backpropagate, update. */
export function trainStep(opts: StepOptions): StepLosses {
  return tf.tidy(() => {
    const vars = opts.members.flatMap(trainableVariables);
    const context = (): StepContext => ({
      members: opts.members,
      outputs: opts.members.map((m) => forward(m, opts.batch, true)),
      batch: opts.batch,
      epoch: opts.epoch,
      step: opts.step,
      stepsPerEpoch: opts.stepsPerEpoch,
    });
    const values: StepLosses = {};
    if (opts.combineGradients === undefined) {
      const { grads } = tf.variableGrads(() => {
        const losses = opts.objective.losses(context());
        for (const [name, t] of Object.entries(losses)) values[name] = t.dataSync()[0];
        return tf.addN(Object.values(losses)) as tf.Scalar;
      }, vars);
      checkFinite(values, opts);
      applyToMembers(opts.members, grads);
      return values;
    }
    // One backward pass per loss, each from its own forward pass (tfjs tapes do not retain graphs).
    // Every pass replays the same dropout masks, so that all losses see the same network. Batch-norm
    // moving statistics are updated once per pass (so K times a step for K losses); top-level
    // SeededDropout layers only (not those inside nested models).
    const dropouts = opts.members.flatMap((m) => m.model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout));
    const masks = dropouts.map((l) => l.saveMasks());
    const perLoss: Record<string, Gradients> = {};
    let names: string[] | undefined;
    for (let i = 0; names === undefined || i < names.length; i++) {
      dropouts.forEach((l, k) => l.restoreMasks(masks[k]));
      let current = '';
      let grads: Gradients;
      try {
        ({ grads } = tf.variableGrads(() => {
          const losses = opts.objective.losses(context());
          names ??= Object.keys(losses);
          current = names[i];
          values[current] = losses[current].dataSync()[0];
          return losses[current];
        }, vars));
      } catch (err) {
        // A loss that does not depend on any variable (e.g. a constant NaN) has no gradients;
        // tfjs says so with this message. Any other error is not about the objective: rethrow it.
        checkFinite(values, opts);
        if (!messageOf(err).includes('Cannot find a connection between any variable')) throw err;
        throw new ObjectiveError(
          `loss '${current}' of ${opts.objective.name} has no gradient with respect to any model variable (${messageOf(err)})`,
          'return only losses computed from the members\' outputs, or leave combineGradients unset',
        );
      }
      perLoss[current] = grads;
    }
    checkFinite(values, opts);
    applyToMembers(opts.members, opts.combineGradients(perLoss));
    return values;
  });
}
