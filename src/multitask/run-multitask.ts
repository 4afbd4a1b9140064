/**
 * Runs a multi-task experiment: for every seed, trains the multi-task model under the weighting,
 * and, for every task, the single-task model (the same architecture with only that task's head:
 * the same initial weights of every part they share, data order, optimizer and epochs), and
 * scores all of them on the test set per task. That pairing is what the report compares.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { fieldSource, type BatchSource } from '../engine/batch.js';
import { evaluateHeads, type MetricValues } from '../engine/evaluate.js';
import { checkMemberFields, createMember, disposeMembers, forward, type Member } from '../engine/member.js';
import { createOptimizer } from '../engine/optimizer.js';
import { deriveSeed } from '../engine/random.js';
import { train, type EpochRecord, type TrainProgress } from '../engine/trainer.js';
import { describeFields, fieldSampleShape, isTarget, labelledCount, type FieldDataset, type TargetField } from '../data/fields.js';
import { ConfigError, ObjectiveError, ShapeMismatchError } from '../errors.js';
import type { HeadOutput } from '../engine/head-output.js';
import { getArchitecture, listArchitectures } from './architectures/registry.js';
import { cloneLayersModel } from './clone-model.js';
import type { HeadPlan } from './architecture.js';
import { MultitaskConfigSchema, type MultitaskConfig, type MultitaskConfigInput } from './config.js';
import { multitaskObjective, REPRESENTATION_HEAD, type MultitaskObjective } from './objective.js';
import type { MultitaskResult, MultitaskSeedResult, TaskSummary } from './result.js';
import { batchHasLabels, resolveTasks, taskLoss, type Task } from './task.js';
import { getWeighting } from './weightings/registry.js';
import { ew } from './weightings/ew.js';
import type { RegisteredWeighting } from './weighting.js';

/** The data of one seed: training, optional validation and test sets, each with one float input `x` and one target per task. */
export interface MultitaskData {
  readonly train: FieldDataset;
  readonly validation?: FieldDataset;
  readonly test: FieldDataset;
  /** One line for logs and reports. */
  readonly description: string;
}

/** Which model a phase trains: the multi-task model, or one task's single-task model. */
export type MultitaskPhase = { readonly kind: 'multi' } | { readonly kind: 'single'; readonly task: string };

/**
 * What {@link runMultitask} reports through `onEvent`, by `type`: a seed starts, a phase (the
 * multi-task model or one single-task baseline) starts, a training step, an epoch ends (task
 * losses, validation metrics, weights), and a phase ends with its test metrics. The `member` of
 * `phase-end` is disposed once the handler returns.
 */
export type MultitaskEvent =
  | { type: 'seed-start'; seed: number; index: number; total: number; data: string }
  | { type: 'phase-start'; seed: number; phase: MultitaskPhase; epochs: number; stepsPerEpoch: number; tasks: string[] }
  | { type: 'step'; seed: number; phase: MultitaskPhase; progress: TrainProgress }
  | {
      type: 'epoch';
      seed: number;
      phase: MultitaskPhase;
      record: EpochRecord;
      remainingEpochs: number;
      stepsPerEpoch: number;
      /** Mean training loss of each task over the epoch. */
      taskLosses: Record<string, number>;
      /** Validation metrics by task, when there is a validation split. */
      validation: Record<string, MetricValues> | undefined;
      /** The weighting's task weights at the end of the epoch. */
      weights: readonly number[];
    }
  | { type: 'phase-end'; seed: number; phase: MultitaskPhase; test: Record<string, MetricValues>; member: Member; seconds: number };

/** Options of {@link runMultitask}: where each seed's data comes from, plus optional progress events, a baseline cache and a tfjs trunk. */
export interface RunMultitaskOptions {
  /** Progress, per-epoch metrics and finished phases. */
  onEvent?: (event: MultitaskEvent) => void | Promise<void>;
  /** The data of a seed: in Node, `loadMultitaskData` from jointly-ml/node reads the config's files; in memory, return your own datasets. */
  loadData: (config: MultitaskConfig, seed: number) => MultitaskData;
  /** Name of the active backend, for the result. Default `tf.getBackend()`. */
  backend?: string;
  /**
   * Reuses single-task baselines across runs that would train them identically (same seed,
   * data, architecture, trunk, head, training and backend): a benchmark of several weightings
   * trains each task's single-task model once per seed. Hold one cache across the runs.
   */
  singleTaskCache?: SingleTaskCache;
  /**
   * A user's tfjs model as the shared trunk (hard-sharing only), mapping the input to features,
   * instead of the config's `trunk` spec. The multi-task model and every single-task baseline get
   * their own copy, each starting from this model's weights; the model itself is not trained.
   */
  trunkModel?: tfl.LayersModel;
}

/** Finished single-task phases by the fingerprint of everything that determines them (see `RunMultitaskOptions.singleTaskCache`). */
export type SingleTaskCache = Map<string, SingleTaskResult>;

/** What a single-task baseline contributes to a result. */
export interface SingleTaskResult {
  readonly test: Record<string, MetricValues>;
  readonly curves: Record<string, number[]>;
  readonly seconds: number;
  readonly params: number;
}

/** Parameters a model trains. */
function trainableCount(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** The heads of the tasks. */
function headPlans(tasks: readonly Task[]): HeadPlan[] {
  return tasks.map((t) => ({ task: t.name, units: t.units, output: t.kind === 'regression' ? 'value' : 'logits' }));
}

/** Builds the model of `tasks` (all of them, or one for a single-task baseline) as a member. */
function buildMember(config: MultitaskConfig, tasks: readonly Task[], data: FieldDataset, seed: number, name: string, withRepresentation: boolean, trunkModel: tfl.LayersModel | undefined): Member {
  const architecture = getArchitecture(config.architecture.name);
  const fields = describeFields(data);
  const input = Object.keys(fields).find((n) => !isTarget(fields[n]));
  if (input === undefined) throw new ShapeMismatchError('the data has no input field', 'give the data a float input field `x`');
  const inputShape = fieldSampleShape(fields[input]) as readonly number[];
  if (trunkModel !== undefined && !architecture.trunks.includes('model')) {
    const takes = listArchitectures().filter((a) => a.trunks.includes('model')).map((a) => a.name);
    throw new ConfigError('architecture', `architecture '${architecture.name}' cannot use a tfjs model as its trunk (it builds its experts or columns from a trunk spec)`, `use ${takes.join(' or ')} with a tfjs trunk, or give a trunk spec`);
  }
  const built = architecture.build(config.architecture.options, {
    input,
    inputShape,
    heads: headPlans(tasks),
    trunk: trunkModel === undefined ? config.trunk : cloneLayersModel(trunkModel, `${name}/trunk`),
    head: { hidden: config.head.hidden, activation: config.head.activation, dropout: config.head.dropout, init: config.head.init ?? config.trunk.init },
    seed: deriveSeed(seed, 'model'),
    name,
    withRepresentation,
  });
  const heads = [...tasks.map((t) => t.name), ...(withRepresentation ? [REPRESENTATION_HEAD] : [])];
  const outputs: Record<string, HeadOutput> = {};
  for (const t of tasks) outputs[t.name] = t.kind === 'regression' ? 'value' : 'logits';
  if (withRepresentation) outputs[REPRESENTATION_HEAD] = 'value';
  const member = createMember({ name, model: built.model, optimizer: createOptimizer(config.training.optimizer), inputs: [input], heads, outputs });
  try {
    checkMemberFields(member, fields);
  } catch (err) {
    disposeMembers([member]);
    throw err;
  }
  return member;
}

/** Task losses of a batch in inference mode (FAMO's losses after its step). */
function lossesOn(member: Member, tasks: readonly Task[], source: BatchSource, indices: Int32Array): number[] {
  return tf.tidy(() => {
    const batch = source.batch(indices);
    const out = forward(member, batch, false);
    // NaN for a task without labels in the batch, as the weighting contract says.
    return tasks.map((t) => (batchHasLabels(t, batch) ? taskLoss(t, out[t.name], batch).dataSync()[0] : Number.NaN));
  });
}

interface PhaseResult {
  test: Record<string, MetricValues>;
  curves: Record<string, number[]>;
  weights: number[][];
  seconds: number;
  params: number;
}

/** Runs every seed of a multi-task experiment; the config is validated first. */
export async function runMultitask(input: MultitaskConfigInput | MultitaskConfig, opts: RunMultitaskOptions): Promise<MultitaskResult> {
  const config = MultitaskConfigSchema.parse(input);
  const weightingEntry = getWeighting(config.weighting.name);
  getArchitecture(config.architecture.name);
  const representation = config.weighting.representation;
  const emit = async (e: MultitaskEvent): Promise<void> => {
    await opts.onEvent?.(e);
  };
  const seeds: MultitaskSeedResult[] = [];
  let tasks: Task[] = [];
  let summaries: TaskSummary[] = [];
  let description = '';
  for (const [index, seed] of config.seeds.entries()) {
    const data = opts.loadData(config, seed);
    description = data.description;
    tasks = resolveTasks(config.tasks, data.train);
    if (weightingEntry.kind === 'gradient' && tasks.length < 2) {
      throw new ConfigError('weighting', `gradient method '${weightingEntry.name}' needs two or more tasks sharing parameters, and the data has one (${tasks[0].name})`, 'use the ew weighting, or add tasks');
    }
    summaries = tasks.map((t) => ({
      name: t.name,
      kind: t.kind,
      metric: t.metric,
      higherIsBetter: t.higherIsBetter,
      metrics: t.metrics,
      labelledTest: labelledCount(data.test.fields[t.name] as TargetField, data.test.length),
      labelledTrain: labelledCount(data.train.fields[t.name] as TargetField, data.train.length),
    }));
    await emit({ type: 'seed-start', seed, index, total: config.seeds.length, data: data.description });
    const trainSource = fieldSource(data.train);
    const testSource = fieldSource(data.test);
    const valSource = data.validation === undefined ? undefined : fieldSource(data.validation);
    const stepsPerEpoch = Math.ceil(trainSource.length / config.training.batchSize);

    const runPhase = async (phase: MultitaskPhase, phaseTasks: readonly Task[], entry: RegisteredWeighting, options: unknown, withRep: boolean): Promise<PhaseResult> => {
      const name = phase.kind === 'multi' ? `multitask` : `single-${phase.task}`;
      const member = buildMember(config, phaseTasks, data.train, seed, name, withRep, opts.trunkModel);
      const weighting = entry.create(options, { tasks: phaseTasks.map((t) => t.name), seed: deriveSeed(seed, 'weighting') });
      const objective: MultitaskObjective = multitaskObjective({ tasks: phaseTasks, weighting, weightingName: entry.name, epochs: config.training.epochs, representation: withRep });
      const curves: Record<string, number[]> = Object.fromEntries(phaseTasks.map((t) => [t.name, []]));
      const weights: number[][] = [];
      try {
        await emit({ type: 'phase-start', seed, phase, epochs: config.training.epochs, stepsPerEpoch, tasks: phaseTasks.map((t) => t.name) });
        let stepFailure: { error: unknown } | undefined;
        let step = 0;
        const records = await train({
          members: [member],
          objective,
          data: trainSource,
          epochs: config.training.epochs,
          batchSize: config.training.batchSize,
          seed: deriveSeed(seed, 'shuffle'),
          ...(objective.hooks.combineGradients === undefined ? {} : { combineGradients: objective.hooks.combineGradients }),
          ...(objective.hooks.representation === undefined ? {} : { representation: objective.hooks.representation }),
          ownScales: objective.hooks.ownScales,
          onStep: (indices) => {
            if (weighting.kind === 'gradient' && !objective.combinedOnce) {
              throw new ObjectiveError(
                `gradient method '${entry.name}' got no shared parameters: no parameter of architecture '${config.architecture.name}' is reached by two or more tasks`,
                'use a loss weighting (e.g. ew), or an architecture whose tasks share parameters',
              );
            }
            if (weighting.kind === 'loss' && weighting.afterStep !== undefined) {
              const at = { epoch: Math.floor(step / stepsPerEpoch), step, stepsPerEpoch, epochs: config.training.epochs };
              const after = weighting.needsLossesAfterStep === true ? lossesOn(member, phaseTasks, trainSource, indices) : undefined;
              weighting.afterStep(objective.lastTaskLosses(), at, after);
            }
            step++;
          },
          onProgress: (progress) => {
            Promise.resolve(opts.onEvent?.({ type: 'step', seed, phase, progress })).catch((error: unknown) => {
              stepFailure ??= { error };
            });
          },
          onEpochEnd: async (record) => {
            if (stepFailure !== undefined) throw stepFailure.error;
            const means = objective.endEpoch(record.epoch - 1);
            const validation = valSource === undefined ? undefined : evaluateHeads({ members: [member], data: valSource, heads: phaseTasks.map((t) => t.name) }).members[0];
            for (const t of phaseTasks) curves[t.name].push(validation?.[t.name]?.[t.metric] ?? Number.NaN);
            const w = [...objective.weights()];
            weights.push(w);
            await emit({
              type: 'epoch',
              seed,
              phase,
              record,
              remainingEpochs: config.training.epochs - record.epoch,
              stepsPerEpoch,
              taskLosses: Object.fromEntries(phaseTasks.map((t, i) => [t.name, means[i]])),
              validation,
              weights: w,
            });
          },
        });
        const seconds = records.reduce((s, r) => s + r.seconds, 0);
        const test = evaluateHeads({ members: [member], data: testSource, heads: phaseTasks.map((t) => t.name) }).members[0];
        await emit({ type: 'phase-end', seed, phase, test, member, seconds });
        return { test, curves: valSource === undefined ? {} : curves, weights, seconds, params: trainableCount(member.model) };
      } finally {
        objective.dispose?.();
        disposeMembers([member]);
      }
    };

    const multi = await runPhase({ kind: 'multi' }, tasks, weightingEntry, config.weighting.options, representation);
    const single: Record<string, PhaseResult> = {};
    for (const task of tasks) {
      const key = JSON.stringify({ seed, task, data: config.data, architecture: config.architecture, trunk: opts.trunkModel === undefined ? config.trunk : opts.trunkModel.getConfig(), head: config.head, training: config.training, backend: opts.backend ?? tf.getBackend() });
      const cached = opts.singleTaskCache?.get(key);
      if (cached !== undefined) {
        single[task.name] = { ...cached, weights: [] };
        continue;
      }
      single[task.name] = await runPhase({ kind: 'single', task: task.name }, [task], ew, {}, false);
      opts.singleTaskCache?.set(key, single[task.name]);
    }
    seeds.push({
      seed,
      multi: multi.test,
      single: Object.fromEntries(tasks.map((t) => [t.name, single[t.name].test[t.name]])),
      curves: { multi: multi.curves, single: Object.fromEntries(tasks.map((t) => [t.name, single[t.name].curves[t.name] ?? []])) },
      seconds: { multi: multi.seconds, single: Object.fromEntries(tasks.map((t) => [t.name, single[t.name].seconds])) },
      params: { multi: multi.params, single: Object.fromEntries(tasks.map((t) => [t.name, single[t.name].params])) },
      weights: multi.weights,
    });
  }
  return {
    name: config.name,
    architecture: config.architecture.name,
    weighting: `${config.weighting.name}${representation ? ' (representation)' : ''}`,
    data: description,
    tasks: summaries,
    seeds,
    epochs: config.training.epochs,
    backend: opts.backend ?? tf.getBackend(),
  };
}
