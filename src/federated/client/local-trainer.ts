/**
 * A client's local training: start from the global parameters, train on the local data for
 * the round's epochs with a fresh optimizer, return the new parameters. The client algorithms the
 * round config switches on (`algorithms/`) add their loss terms (FedProx's proximal term), run
 * their hook after every step (SCAFFOLD's correction), may replace each step's gradient by a
 * combination of per-example gradients (DP-SGD's clipping and noise), and return their extras,
 * metrics and per-client state (SCAFFOLD's Δcᵢ and cᵢ); the trainer knows none of them by
 * name. Used by the networked client and by the simulation's workers alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { datasetSource, type Batch, type BatchSource } from '../../engine/batch.js';
import { evaluate, type Scores } from '../../engine/evaluate.js';
import { readParams, writeParams } from '../../engine/flat-params.js';
import { crossEntropy } from '../../engine/losses.js';
import { forward, nameModel, type Member, type NamedModel } from '../../engine/member.js';
import type { Objective, StepContext } from '../../engine/objective.js';
import { optimizerOf } from '../../engine/optimizer.js';
import { SlotOptimizer } from '../../engine/optimizers/slot-optimizer.js';
import { deriveSeed } from '../../engine/random.js';
import { train } from '../../engine/trainer.js';
import type { GradientCombiner } from '../../engine/train-step.js';
import { datasetLength, type Dataset } from '../../data/dataset.js';
import { ConfigError, DataMissingError, ShapeMismatchError } from '../../errors.js';
import type { ParsedClientTrainConfig } from '../client-config.js';
import type { Vectors } from '../strategy.js';
import { buildTaskModel, type FederatedTask } from '../task.js';
import { checkParamLength, type ClientRound, type PerExampleGradients, type TrainableSlice } from './algorithms/algorithm.js';
import { CLIENT_ALGORITHMS } from './algorithms/registry.js';
import { UPDATE_TRANSFORMS } from './transforms/registry.js';

/** What {@link LocalTrainer.fit} trains on and starts from in one round. */
export interface LocalFitInput {
  /** The client's training data. */
  data: Dataset;
  /**
   * The client's samples are these rows of `data`, read in place (default: all of `data`): the
   * simulation's workers pass the shared training set and a client's rows instead of a copy.
   */
  rows?: Int32Array;
  /** Identifies the client in seeds: two clients never share a shuffling order. */
  clientId: string;
  /** Global parameters to start from. */
  global: Float32Array;
  /** The round's validated training config (local epochs, batch size, seed, client algorithm switches). */
  config: ParsedClientTrainConfig;
  /** Vectors the server sent (SCAFFOLD: `serverControl`). */
  extras: Vectors;
  /**
   * The client's per-client state from its earlier rounds, as the last `LocalFitResult.clientState`
   * entries left it (SCAFFOLD: `control`, its cᵢ). Absent or empty when it first takes part.
   */
  clientState?: Vectors;
  /**
   * An array of the model's size to read the trained parameters into instead of a new one (the
   * simulation's workers pass the memory of an earlier reply, whose pages are already mapped).
   * `LocalFitResult.params` is then this array, unless an update transform replaced it.
   */
  paramsInto?: Float32Array;
}

/** What {@link LocalTrainer.fit} returns for one round. */
export interface LocalFitResult {
  /** The locally trained parameters, flat, in the model's weight order. */
  params: Float32Array;
  /** Number of local training examples (the weight of this reply in averaging). */
  numExamples: number;
  /** `loss`: mean cross-entropy of the last local epoch; `seconds`, `samplesPerSecond`; the client algorithms' metrics (DP-SGD's `dpSgdEpsilon`). */
  metrics: Record<string, number>;
  /** Extras of the round's client algorithms (SCAFFOLD: `controlDelta` = cᵢ⁺ − cᵢ). */
  extras: Vectors;
  /**
   * The entries of the client's state that this round changed (SCAFFOLD: `control`, cᵢ⁺): the
   * runtime replaces those entries and keeps the others, for the client's next round.
   */
  clientState: Vectors;
  /**
   * The compressed update the reply carries instead of the parameters (`strategy.compression`);
   * `params` then holds what the server decodes from it.
   */
  encoded?: Uint8Array;
  /** Where the round's time went on the client (see {@link LocalFitTiming}). */
  timing: LocalFitTiming;
}

/**
 * Where the seconds of one {@link LocalTrainer.fit} went: the training steps themselves, and what
 * surrounds them. The four add up to the call's wall time.
 */
export interface LocalFitTiming {
  /** Checks, the global parameters loaded into the model, a fresh optimizer, the client algorithms started. */
  setupSeconds: number;
  /** The tensors of every step's batch built from the client's rows. */
  batchingSeconds: number;
  /** The training steps (forward, backward, optimizer update, the client algorithms' per-step hooks). */
  trainingSeconds: number;
  /** The trained parameters read out of the model, the client algorithms' finish, the update transforms and the clean-up. */
  readOutSeconds: number;
}

/** A batch source that adds the time spent building its batches to `spent.ms`. */
function timedSource(source: BatchSource, spent: { ms: number }): BatchSource {
  return {
    length: source.length,
    ...(source.fields === undefined ? {} : { fields: source.fields }),
    batch(indices: ArrayLike<number>): Batch {
      const started = performance.now();
      const batch = source.batch(indices);
      spent.ms += performance.now() - started;
      return batch;
    },
    dispose: () => source.dispose?.(),
  };
}

/** Local training and evaluation of the task's model; one instance serves any number of clients in turn. */
export class LocalTrainer {
  readonly model: tfl.LayersModel;
  private readonly task: FederatedTask;
  private readonly slices: TrainableSlice[];
  private readonly paramCount: number;
  /** Evaluation needs a member, and a member an optimizer; this one is never stepped. */
  private readonly noOptimizer = tf.train.sgd(0);
  /** The model with its input and head names, settled once (every round's member reads it by them). */
  private readonly named: NamedModel;
  /**
   * The optimizer every fit resets and reuses when the task's can be reset (Adam, momentum): a
   * fresh one's state without making and freeing its slots every round.
   */
  private kept: SlotOptimizer<Record<string, tf.Variable>> | undefined;

  constructor(task: FederatedTask) {
    this.task = task;
    this.model = buildTaskModel(task, 0);
    this.named = nameModel({ name: 'client', model: this.model });
    let offset = 0;
    this.slices = [];
    for (const w of this.model.weights) {
      const size = w.shape.reduce((a: number, b) => a * (b ?? 0), 1);
      if (w.trainable) this.slices.push({ variable: w.read() as tf.Variable, offset, size, shape: w.shape.map((d) => d ?? 0) });
      offset += size;
    }
    this.paramCount = offset;
  }

  /** Number of floats in the model's parameters. */
  get size(): number {
    return this.paramCount;
  }

  /** Trains locally from `input.global` and returns the new parameters. */
  async fit(input: LocalFitInput, onProgress?: (fraction: number) => void): Promise<LocalFitResult> {
    const started = performance.now();
    this.checkLength(input.global, 'global parameters');
    const { config, clientId } = input;
    const data = this.checkData(input.data, clientId);
    const numExamples = input.rows?.length ?? datasetLength(data);
    if (numExamples === 0) {
      throw new DataMissingError(`client '${clientId}' has no training examples`, 'give every client some data (with a Dirichlet or quantity partition, raise minSize)');
    }
    writeParams(this.model, input.global);
    const optimizer = this.freshOptimizer();
    const member: Member = { ...this.named, name: clientId, optimizer };
    const steps = config.localEpochs * Math.ceil(numExamples / config.batchSize);
    const rounds: { name: string; round: ClientRound }[] = [];
    let source: BatchSource | undefined;
    let readOut: { timing: LocalFitTiming; trainEnded: number } | undefined;
    try {
      const state = input.clientState ?? {};
      for (const algorithm of CLIENT_ALGORITHMS.list()) {
        if (!algorithm.client.active(config)) continue;
        const own = Object.fromEntries(Object.entries(state).filter(([k]) => algorithm.client.stateNames.includes(k)));
        const round = algorithm.client.begin({
          clientId,
          config,
          global: input.global,
          extras: input.extras,
          state: own,
          trainable: this.slices,
          paramCount: this.paramCount,
          learningRate: this.task.optimizer.learningRate,
          steps,
          numExamples,
        });
        rounds.push({ name: algorithm.name, round });
      }
      const hooks = rounds.flatMap((r) => (r.round.afterStep === undefined ? [] : [r.round.afterStep.bind(r.round)]));
      const perExample = this.perExampleOf(rounds);
      const step: { objective: Objective; combineGradients?: GradientCombiner } =
        perExample === undefined ? { objective: localObjective(rounds) } : perExampleStep(this.slices.map((s) => s.variable), perExample);
      // Per-example losses are named ex0 … ex{B−1}: the epoch's mean cross-entropy is summed here.
      let epochLoss = { sum: 0, count: 0 };
      let lastEpochLoss = Number.NaN;
      let done = 0;
      const batching = { ms: 0 };
      // The trainer is done with each batch before it asks for the next: its arrays and tensors are reused.
      source = timedSource(datasetSource(data, {}, { reuseTensors: true, ...(input.rows === undefined ? {} : { rows: input.rows }) }), batching);
      const trainStarted = performance.now();
      const records = await train({
        members: [member],
        objective: step.objective,
        combineGradients: step.combineGradients,
        data: source,
        epochs: config.localEpochs,
        batchSize: config.batchSize,
        seed: deriveSeed(config.seed, `client/${clientId}`),
        onStep:
          perExample === undefined
            ? undefined
            : (indices, losses) => {
                for (let i = 0; i < indices.length; i++) epochLoss.sum += losses[`ex${i}`] ?? Number.NaN;
                epochLoss.count += indices.length;
              },
        onEpochEnd:
          perExample === undefined
            ? undefined
            : () => {
                lastEpochLoss = epochLoss.sum / epochLoss.count;
                epochLoss = { sum: 0, count: 0 };
              },
        afterStep: hooks.length === 0 ? undefined : () => hooks.forEach((h) => h()),
        onProgress: onProgress === undefined ? undefined : () => onProgress(++done / steps),
      });
      const trainEnded = performance.now();
      const params = readParams(this.model, {}, input.paramsInto);
      const last = records[records.length - 1];
      const seconds = records.reduce((s, r) => s + r.seconds, 0);
      const metrics: Record<string, number> = {
        loss: perExample === undefined ? (last.losses.ce ?? Number.NaN) : lastEpochLoss,
        seconds,
        samplesPerSecond: (numExamples * config.localEpochs) / seconds,
      };
      // The client algorithms' loss terms (FedProx's `proximal`) are reported as client metrics.
      if (perExample === undefined) for (const [name, value] of Object.entries(last.losses)) if (name !== 'ce') metrics[name] = value;
      const timing: LocalFitTiming = {
        setupSeconds: (trainStarted - started) / 1000,
        batchingSeconds: batching.ms / 1000,
        trainingSeconds: (trainEnded - trainStarted - batching.ms) / 1000,
        readOutSeconds: 0,
      };
      const result: LocalFitResult = { params, numExamples, metrics, extras: {}, clientState: {}, timing };
      for (const { round } of rounds) {
        const end = round.finish(params);
        Object.assign(result.extras, end.extras);
        Object.assign(result.clientState, end.state);
        Object.assign(result.metrics, end.metrics);
      }
      // The update transforms (DP-FedAvg's clipping and noise) act on what the reply carries, after
      // the client algorithms have read the trained parameters.
      for (const transform of UPDATE_TRANSFORMS) {
        if (!transform.active(config)) continue;
        const own = Object.fromEntries(Object.entries(input.clientState ?? {}).filter(([k]) => transform.stateNames.includes(k)));
        const out = transform.apply({ clientId, config, global: input.global, params: result.params, state: own });
        result.params = out.params;
        Object.assign(result.extras, out.extras);
        Object.assign(result.clientState, out.state ?? {});
        if (out.encoded !== undefined) result.encoded = out.encoded;
      }
      readOut = { timing, trainEnded };
      return result;
    } finally {
      source?.dispose?.();
      if (optimizer !== this.kept) optimizer.dispose();
      for (const { round } of rounds) round.dispose();
      // The clean-up counts as read-out: the timing covers the whole call after the training steps.
      if (readOut !== undefined) readOut.timing.readOutSeconds = (performance.now() - readOut.trainEnded) / 1000;
    }
  }

  /** Scores parameters on a dataset (the client's own test split, or the server's held-out set). */
  evaluate(params: Float32Array, data: Dataset): Scores & { numExamples: number } {
    this.checkLength(params, 'parameters');
    const checked = this.checkData(data, 'evaluation');
    writeParams(this.model, params);
    const member: Member = { ...this.named, name: 'evaluation', optimizer: this.noOptimizer };
    const scores = evaluate({ members: [member], data: datasetSource(checked) }).members[0];
    return { ...scores, numExamples: datasetLength(data) };
  }

  /** Checks that a dataset fits the task and gives it the task's class count (one-hot width). */
  private checkData(data: Dataset, who: string): Dataset {
    if (data.sampleShape.join(',') !== this.task.inputShape.join(',')) {
      throw new ShapeMismatchError(
        `${who}: samples of shape [${data.sampleShape.join(', ')}] but the task's model expects [${this.task.inputShape.join(', ')}]`,
        'give the client data of the task\'s input shape',
      );
    }
    if (data.numClasses > this.task.numClasses) {
      throw new ShapeMismatchError(`${who}: ${data.numClasses} classes but the task has ${this.task.numClasses}`, 'label the data with the task\'s classes');
    }
    return data.numClasses === this.task.numClasses ? data : { ...data, numClasses: this.task.numClasses };
  }

  /**
   * The per-example gradients one of the rounds asks for (DP-SGD), if any. ConfigError when two
   * ask, when another adds loss terms (they would bypass the per-example combination), or when
   * the model has batch normalization (it mixes a batch's examples: no gradient is one example's).
   */
  private perExampleOf(rounds: readonly { name: string; round: ClientRound }[]): PerExampleGradients | undefined {
    const asking = rounds.filter((r) => r.round.perExample !== undefined);
    if (asking.length === 0) return undefined;
    const names = asking.map((r) => r.name).join(', ');
    if (asking.length > 1) throw new ConfigError('', `client algorithms ${names} both replace the step's gradient by per-example gradients`, 'switch on one of them');
    const withLosses = rounds.filter((r) => r.round.losses !== undefined).map((r) => r.name);
    if (withLosses.length > 0) throw new ConfigError('', `${names} computes per-example gradients, which ${withLosses.join(', ')}'s loss terms would bypass`, 'do not combine them');
    if (this.model.layers.some((l) => l.getClassName() === 'BatchNormalization')) {
      throw new ConfigError('model.batchNorm', `${names} needs per-example gradients, and batch normalization mixes the examples of a batch`, 'use a model without batch normalization (batchNorm: false)');
    }
    return asking[0].round.perExample as PerExampleGradients;
  }

  /** Frees the model's tensors; the trainer cannot be used afterwards. */
  dispose(): void {
    this.model.dispose();
    this.noOptimizer.dispose();
    this.kept?.dispose();
    this.kept = undefined;
  }

  /** An optimizer in a new one's state for one fit: the kept one reset, or a new one (kept when it can be reset). */
  private freshOptimizer(): tf.Optimizer {
    if (this.kept !== undefined) {
      this.kept.reset();
      return this.kept;
    }
    const made = optimizerOf(this.task.optimizer);
    // Not instanceof: tfjs's Optimizer answers it by duck typing, true for every optimizer.
    if (Object.prototype.isPrototypeOf.call(SlotOptimizer.prototype, made)) this.kept = made as SlotOptimizer<Record<string, tf.Variable>>;
    return made;
  }

  private checkLength(values: Float32Array, what: string): void {
    checkParamLength(values, this.paramCount, what);
  }
}

/** Cross-entropy, plus the loss terms of the round's client algorithms (named `local` when there are none). */
function localObjective(rounds: readonly { name: string; round: ClientRound }[]): Objective {
  const terms = rounds.filter((r) => r.round.losses !== undefined);
  return {
    name: terms.length === 0 ? 'local' : terms.map((r) => r.name).join('+'),
    losses(ctx: StepContext): Record<string, tf.Scalar> {
      const out: Record<string, tf.Scalar> = { ce: crossEntropy(ctx.outputs[0].y, ctx.batch.targets.y) };
      for (const { round } of terms) Object.assign(out, round.losses?.());
      return out;
    },
  };
}

/** The zero loss of {@link perExampleStep} that reaches every trainable variable. */
export const PER_EXAMPLE_ANCHOR = 'anchor';

/** Example `i` of a batch, as a batch of one. */
function exampleOf(batch: Batch, i: number): Batch {
  const slice = (t: tf.Tensor): tf.Tensor => tf.slice(t, i, 1);
  const map = <T>(r: Record<string, T>, f: (v: T) => T): Record<string, T> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(v)]));
  return {
    inputs: map(batch.inputs, slice),
    targets: map(batch.targets, slice),
    labels: map(batch.labels, (l) => l.subarray(i, i + 1)),
    ...(batch.masks === undefined ? {} : { masks: map(batch.masks, (m) => tf.slice(m, i, 1)) }),
    ...(batch.lengths === undefined ? {} : { lengths: map(batch.lengths, (l) => l.subarray(i, i + 1)) }),
    size: 1,
  };
}

/**
 * The objective and gradient combiner of per-example gradients: one loss per example of the
 * batch, `ex0 … ex{B−1}` (its cross-entropy, from a forward pass of that example alone), whose
 * gradients the engine computes (`combineGradients`: one backward pass per loss over the step's
 * tape) and passes to `perExample.combine` in batch order. The engine updates a variable
 * that one loss alone reaches with that loss's gradient, around the combiner (a batch of one would
 * then be applied unclipped): a zero loss `anchor` over every trainable variable makes each
 * reached by two losses at least, so that every update goes through the combiner.
 */
export function perExampleStep(variables: readonly tf.Variable[], perExample: PerExampleGradients): { objective: Objective; combineGradients: GradientCombiner } {
  let batchSize = 0;
  return {
    objective: {
      name: 'per-example',
      losses(ctx: StepContext): Record<string, tf.Scalar> {
        batchSize = ctx.batch.size;
        const member = ctx.members[0];
        const out: Record<string, tf.Scalar> = {};
        // Each example through the model on its own: a backward pass from its loss then visits
        // one-example tensors only, so a step costs B small backward passes, not B of the batch's.
        for (let i = 0; i < batchSize; i++) {
          const one = exampleOf(ctx.batch, i);
          out[`ex${i}`] = crossEntropy(forward(member, one, true).y, one.targets.y);
        }
        out[PER_EXAMPLE_ANCHOR] = tf.mul(0, tf.addN(variables.map((v) => tf.sum(v)))) as tf.Scalar;
        return out;
      },
    },
    combineGradients: (perLoss) => perExample.combine(Array.from({ length: batchSize }, (_, i) => perLoss[`ex${i}`] ?? {})),
  };
}
