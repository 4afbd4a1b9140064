/**
 * The multi-task objective: each task's loss on its head, turned into one update by the run's
 * weighting. A loss weighting gives one scalar; a gradient method gets the Jacobian of the shared
 * parameters (or of the shared representation) from the engine's per-loss gradients and returns
 * the direction of the shared part, while each task's head gets its own task's gradient.
 * Everything the engine needs is in `trainOptions`; the training loop is the engine's own.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Gradients, RepresentationOptions, StepLosses } from '../engine/train-step.js';
import type { Objective, StepContext } from '../engine/objective.js';
import { ObjectiveError } from '../errors.js';
import { jacobianOf, type Jacobian } from './jacobian/jacobian.js';
import { batchHasLabels, taskLoss, type Task } from './task.js';
import type { Aggregation, GradientMethod, Weighting, WeightingStep } from './weighting.js';

/** The name of the extra output that carries the shared representation. */
export const REPRESENTATION_HEAD = '__representation';

/** Loss name of a loss weighting's combined scalar. */
const COMBINED = 'weighted';

/** Options of {@link multitaskObjective}: the tasks, the weighting that combines them, and the run's epochs. */
export interface MultitaskObjectiveOptions {
  /** The resolved tasks, in head and weighting order. */
  tasks: readonly Task[];
  /** The weighting or gradient method that turns the task losses into one update. */
  weighting: Weighting;
  /** Display name of the weighting, for messages. */
  weightingName: string;
  /** Epochs of the run (for schedules). */
  epochs: number;
  /** Gradient methods: use the shared representation's gradients (the model outputs it as `REPRESENTATION_HEAD`). */
  representation: boolean;
}

/** What the trainer needs, on top of the objective itself. */
export interface MultitaskTrainHooks {
  combineGradients?: (perLoss: Record<string, Gradients>) => Gradients;
  representation?: RepresentationOptions;
  ownScales: () => Readonly<Record<string, number>> | undefined;
}

/**
 * The objective {@link multitaskObjective} returns: an engine objective plus the trainer hooks a
 * gradient method needs and read-outs of the last step's task losses and the current weights.
 */
export interface MultitaskObjective extends Objective {
  /** What the trainer needs on top of the objective: the gradient combiner, the representation option and the task-parameter scales (see `MultitaskTrainHooks`). */
  readonly hooks: MultitaskTrainHooks;
  /** Raw per-task loss values of the last step (NaN where the task had no labels in the batch). */
  lastTaskLosses(): readonly number[];
  /** Which tasks had labels in the last step's batch. */
  lastLabelled(): readonly boolean[];
  /** Ends an epoch: mean training loss per task over the epoch's labelled batches, handed to the weighting. */
  endEpoch(epoch: number): readonly number[];
  /** The weighting's current task weights. */
  weights(): readonly number[];
  /** Whether a gradient method's combiner ran at least once (false after a step means nothing was shared). */
  readonly combinedOnce: boolean;
}

/** The rows of the Jacobian: each task's gradients of the shared variables, flattened in one fixed variable order. */
function flatten(tasks: readonly Task[], perLoss: Record<string, Gradients>): { jacobian: Jacobian; names: string[]; shapes: number[][] } {
  const names: string[] = [];
  const shapes: number[][] = [];
  for (const task of tasks) {
    for (const [name, g] of Object.entries(perLoss[task.name] ?? {})) {
      if (names.includes(name)) continue;
      names.push(name);
      shapes.push(g.shape);
    }
  }
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const n = sizes.reduce((a, b) => a + b, 0);
  const rows = tasks.map((task) => {
    const row = new Float32Array(n);
    let offset = 0;
    names.forEach((name, k) => {
      const g = perLoss[task.name]?.[name];
      if (g !== undefined) row.set(g.dataSync() as Float32Array, offset);
      offset += sizes[k];
    });
    return row;
  });
  return { jacobian: jacobianOf(rows), names, shapes };
}

function checkDirection(a: Aggregation, n: number, method: string): void {
  if (!(a.direction instanceof Float32Array) || a.direction.length !== n) {
    throw new ObjectiveError(`${method} returned a direction of ${a.direction?.length ?? 'no'} values for ${n} shared values`, 'report this: a gradient method must return one value per shared value');
  }
  const bad = a.direction.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ObjectiveError(`${method} returned a non-finite direction (value ${bad} is ${a.direction[bad]})`, 'lower the learning rate or check the data; report it if the losses were finite');
}

/** The objective of a multi-task model under a weighting. */
export function multitaskObjective(opts: MultitaskObjectiveOptions): MultitaskObjective {
  const { tasks, weighting } = opts;
  let losses: number[] = tasks.map(() => Number.NaN);
  let labelled: boolean[] = tasks.map(() => true);
  let at: WeightingStep = { epoch: 0, step: 0, stepsPerEpoch: 1, epochs: opts.epochs };
  let scales: number[] | undefined;
  let combinedOnce = false;
  const sums = tasks.map(() => 0);
  const counts = tasks.map(() => 0);

  const taskLosses = (ctx: StepContext): tf.Scalar[] => {
    const out = ctx.outputs[0];
    at = { epoch: ctx.epoch, step: ctx.step, stepsPerEpoch: ctx.stepsPerEpoch, epochs: opts.epochs };
    labelled = tasks.map((t) => batchHasLabels(t, ctx.batch));
    const scalars = tasks.map((t) => {
      const o = out[t.name];
      if (o === undefined) throw new ObjectiveError(`the model has no head '${t.name}'`, 'build the model with one head per task');
      return taskLoss(t, o, ctx.batch);
    });
    losses = scalars.map((s, i) => (labelled[i] ? s.dataSync()[0] : Number.NaN));
    losses.forEach((v, i) => {
      if (!labelled[i]) return;
      sums[i] += v;
      counts[i]++;
    });
    return scalars;
  };

  const aggregate = (method: GradientMethod, jacobian: Jacobian): Float32Array => {
    const a = method.aggregate(jacobian, { losses, labelled, at });
    checkDirection(a, jacobian.n, opts.weightingName);
    scales = a.taskScales === undefined ? undefined : [...a.taskScales];
    combinedOnce = true;
    return a.direction;
  };

  const hooks: MultitaskTrainHooks = {
    ownScales: () => (scales === undefined ? undefined : Object.fromEntries(tasks.map((t, i) => [t.name, scales?.[i] ?? 1]))),
  };
  if (weighting.kind === 'gradient') {
    if (opts.representation) {
      hooks.representation = {
        head: REPRESENTATION_HEAD,
        combine: (perLoss) => {
          const shape = Object.values(perLoss)[0].shape;
          const rows = tasks.map((t) => {
            const g = perLoss[t.name];
            return g === undefined ? new Float32Array(shape.reduce((a, b) => a * b, 1)) : Float32Array.from(g.dataSync() as Float32Array);
          });
          return tf.tensor(aggregate(weighting, jacobianOf(rows)), shape);
        },
      };
    } else {
      hooks.combineGradients = (perLoss) => {
        const { jacobian, names, shapes } = flatten(tasks, perLoss);
        const direction = aggregate(weighting, jacobian);
        const out: Gradients = {};
        let offset = 0;
        names.forEach((name, k) => {
          const size = shapes[k].reduce((a, b) => a * b, 1);
          out[name] = tf.tensor(direction.subarray(offset, offset + size), shapes[k]);
          offset += size;
        });
        return out;
      };
    }
  }

  return {
    name: `multitask/${opts.weightingName}`,
    hooks,
    ...(weighting.kind === 'loss' && weighting.variables !== undefined ? { variables: weighting.variables } : {}),
    losses(ctx: StepContext): Record<string, tf.Scalar> {
      const scalars = taskLosses(ctx);
      if (weighting.kind === 'loss') return { [COMBINED]: weighting.combine(scalars, labelled, at) };
      const transformed = weighting.transformLosses?.(scalars, labelled) ?? scalars;
      return Object.fromEntries(tasks.map((t, i) => [t.name, transformed[i]]));
    },
    lastTaskLosses: () => losses,
    lastLabelled: () => labelled,
    endEpoch(epoch: number): readonly number[] {
      const means = sums.map((s, i) => (counts[i] > 0 ? s / counts[i] : Number.NaN));
      sums.fill(0);
      counts.fill(0);
      weighting.onEpochEnd?.(means, epoch);
      return means;
    },
    weights: () => weighting.weights(),
    get combinedOnce() {
      return combinedOnce;
    },
    dispose: () => {
      if (weighting.kind === 'loss') weighting.dispose?.();
    },
  };
}

/** The loss values a step reports for a multi-task objective (the combined scalar or the per-task losses). */
export type MultitaskStepLosses = StepLosses;
