/**
 * A client's local training: start from the global parameters, train on the local data for
 * the round's epochs with a fresh optimizer, return the new parameters. The client algorithms the
 * round config switches on (`algorithms/`) add their loss terms (FedProx's proximal term), run
 * their hook after every step (SCAFFOLD's correction), and return their extras and per-client
 * state (SCAFFOLD's Δcᵢ and cᵢ); the trainer knows none of them by name. Used by the networked
 * client and by the simulation's workers alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { datasetSource } from '../../engine/batch.js';
import { evaluate, type Scores } from '../../engine/evaluate.js';
import { readParams, writeParams } from '../../engine/flat-params.js';
import { crossEntropy } from '../../engine/losses.js';
import { createMember, type Member } from '../../engine/member.js';
import type { Objective, StepContext } from '../../engine/objective.js';
import { createOptimizer } from '../../engine/optimizer.js';
import { deriveSeed } from '../../engine/random.js';
import { train } from '../../engine/trainer.js';
import { datasetLength, type Dataset } from '../../data/dataset.js';
import { DataMissingError, ShapeMismatchError } from '../../errors.js';
import type { ParsedClientTrainConfig } from '../client-config.js';
import type { Vectors } from '../strategy.js';
import { buildTaskModel, type FederatedTask } from '../task.js';
import { checkParamLength, type ClientRound, type TrainableSlice } from './algorithms/algorithm.js';
import { CLIENT_ALGORITHMS } from './algorithms/registry.js';
import { UPDATE_TRANSFORMS } from './transforms/registry.js';

/** What {@link LocalTrainer.fit} trains on and starts from in one round. */
export interface LocalFitInput {
  /** The client's training data. */
  data: Dataset;
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
}

/** What {@link LocalTrainer.fit} returns for one round. */
export interface LocalFitResult {
  /** The locally trained parameters, flat, in the model's weight order. */
  params: Float32Array;
  /** Number of local training examples (the weight of this reply in averaging). */
  numExamples: number;
  /** `loss`: mean cross-entropy of the last local epoch; `seconds`, `samplesPerSecond`. */
  metrics: Record<string, number>;
  /** Extras of the round's client algorithms (SCAFFOLD: `controlDelta` = cᵢ⁺ − cᵢ). */
  extras: Vectors;
  /**
   * The entries of the client's state that this round changed (SCAFFOLD: `control`, cᵢ⁺): the
   * runtime replaces those entries and keeps the others, for the client's next round.
   */
  clientState: Vectors;
}

/** Local training and evaluation of the task's model; one instance serves any number of clients in turn. */
export class LocalTrainer {
  readonly model: tfl.LayersModel;
  private readonly task: FederatedTask;
  private readonly slices: TrainableSlice[];
  private readonly paramCount: number;
  /** Evaluation needs a member, and a member an optimizer; this one is never stepped. */
  private readonly noOptimizer = tf.train.sgd(0);

  constructor(task: FederatedTask) {
    this.task = task;
    this.model = buildTaskModel(task, 0);
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
    this.checkLength(input.global, 'global parameters');
    const { config, clientId } = input;
    const data = this.checkData(input.data, clientId);
    const numExamples = datasetLength(data);
    if (numExamples === 0) {
      throw new DataMissingError(`client '${clientId}' has no training examples`, 'give every client some data (with a Dirichlet or quantity partition, raise minSize)');
    }
    writeParams(this.model, input.global);
    const optimizer = createOptimizer(this.task.optimizer);
    const member = createMember({ name: clientId, model: this.model, optimizer });
    const steps = config.localEpochs * Math.ceil(numExamples / config.batchSize);
    const rounds: { name: string; round: ClientRound }[] = [];
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
        });
        rounds.push({ name: algorithm.name, round });
      }
      const hooks = rounds.flatMap((r) => (r.round.afterStep === undefined ? [] : [r.round.afterStep.bind(r.round)]));
      let done = 0;
      const records = await train({
        members: [member],
        objective: localObjective(rounds),
        data: datasetSource(data),
        epochs: config.localEpochs,
        batchSize: config.batchSize,
        seed: deriveSeed(config.seed, `client/${clientId}`),
        afterStep: hooks.length === 0 ? undefined : () => hooks.forEach((h) => h()),
        onProgress: onProgress === undefined ? undefined : () => onProgress(++done / steps),
      });
      const params = readParams(this.model);
      const last = records[records.length - 1];
      const seconds = records.reduce((s, r) => s + r.seconds, 0);
      const metrics: Record<string, number> = {
        loss: last.losses.ce ?? Number.NaN,
        seconds,
        samplesPerSecond: (numExamples * config.localEpochs) / seconds,
      };
      // The client algorithms' loss terms (FedProx's `proximal`) are reported as client metrics.
      for (const [name, value] of Object.entries(last.losses)) if (name !== 'ce') metrics[name] = value;
      const result: LocalFitResult = { params, numExamples, metrics, extras: {}, clientState: {} };
      for (const { round } of rounds) {
        const end = round.finish(params);
        Object.assign(result.extras, end.extras);
        Object.assign(result.clientState, end.state);
      }
      // The update transforms (DP-FedAvg's clipping and noise) act on what the reply carries, after
      // the client algorithms have read the trained parameters.
      for (const transform of UPDATE_TRANSFORMS) {
        if (!transform.active(config)) continue;
        const out = transform.apply({ clientId, config, global: input.global, params: result.params });
        result.params = out.params;
        Object.assign(result.extras, out.extras);
      }
      return result;
    } finally {
      optimizer.dispose();
      for (const { round } of rounds) round.dispose();
    }
  }

  /** Scores parameters on a dataset (the client's own test split, or the server's held-out set). */
  evaluate(params: Float32Array, data: Dataset): Scores & { numExamples: number } {
    this.checkLength(params, 'parameters');
    const checked = this.checkData(data, 'evaluation');
    writeParams(this.model, params);
    const member: Member = createMember({ name: 'evaluation', model: this.model, optimizer: this.noOptimizer });
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

  /** Frees the model's tensors; the trainer cannot be used afterwards. */
  dispose(): void {
    this.model.dispose();
    this.noOptimizer.dispose();
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
