/**
 * A client's local training: start from the global parameters, train on the local data for
 * the round's epochs with a fresh optimizer, return the new parameters. FedProx adds its
 * proximal term to the loss; SCAFFOLD corrects every step with the control variates and
 * returns the change of the client's control variate. Used by the networked client and by the
 * simulation's workers alike.
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
import { EXTRA_CONTROL_DELTA, EXTRA_SERVER_CONTROL, type ParsedClientTrainConfig } from '../client-config.js';
import type { Vectors } from '../strategy.js';
import { buildTaskModel, type FederatedTask } from '../task.js';

export interface LocalFitInput {
  /** The client's training data. */
  data: Dataset;
  /** Identifies the client in seeds: two clients never share a shuffling order. */
  clientId: string;
  /** Global parameters to start from. */
  global: Float32Array;
  config: ParsedClientTrainConfig;
  /** Vectors the server sent (SCAFFOLD: `serverControl`). */
  extras: Vectors;
  /** SCAFFOLD: this client's control variate c_i (zeros when it first takes part). */
  clientControl?: Float32Array;
}

export interface LocalFitResult {
  params: Float32Array;
  numExamples: number;
  /** `loss`: mean cross-entropy of the last local epoch; `seconds`, `samplesPerSecond`. */
  metrics: Record<string, number>;
  /** SCAFFOLD: `controlDelta` = c_i⁺ − c_i. */
  extras: Vectors;
  /** SCAFFOLD: the client's new control variate c_i⁺, to keep for its next round. */
  clientControl?: Float32Array;
}

/** Offsets of the trainable weights within the flat parameter vector. */
interface TrainableSlice {
  variable: tf.Variable;
  offset: number;
  size: number;
  shape: number[];
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
    const owned: tf.Tensor[] = [];
    const slice = (values: Float32Array, s: TrainableSlice): tf.Tensor => {
      const t = tf.tensor(values.slice(s.offset, s.offset + s.size), s.shape, 'float32');
      owned.push(t);
      return t;
    };
    try {
      const globals = config.proximalMu > 0 ? this.slices.map((s) => slice(input.global, s)) : [];
      const objective = proximalObjective(config.proximalMu, this.slices, globals);
      const lr = this.task.optimizer.learningRate;
      let afterStep: (() => void) | undefined;
      let serverControl: Float32Array | undefined;
      let clientControl: Float32Array | undefined;
      if (config.scaffold) {
        serverControl = input.extras[EXTRA_SERVER_CONTROL];
        if (serverControl === undefined) {
          throw new ShapeMismatchError(`SCAFFOLD round without the '${EXTRA_SERVER_CONTROL}' vector`, 'the server must send its control variate');
        }
        this.checkLength(serverControl, EXTRA_SERVER_CONTROL);
        clientControl = input.clientControl ?? new Float32Array(this.paramCount);
        this.checkLength(clientControl, 'client control variate');
        // As in Karimireddy et al. (2020) and NIID-Bench: after every optimizer step,
        // w ← w − lr·(c − c_i), outside the optimizer's momentum.
        const correction = new Float32Array(this.paramCount);
        for (let i = 0; i < correction.length; i++) correction[i] = lr * (serverControl[i] - clientControl[i]);
        const corrections = this.slices.map((s) => slice(correction, s));
        afterStep = () => {
          tf.tidy(() => this.slices.forEach((s, k) => s.variable.assign(tf.sub(s.variable, corrections[k]))));
        };
      }
      const steps = config.localEpochs * Math.ceil(numExamples / config.batchSize);
      let done = 0;
      const records = await train({
        members: [member],
        objective,
        data: datasetSource(data),
        epochs: config.localEpochs,
        batchSize: config.batchSize,
        seed: deriveSeed(config.seed, `client/${clientId}`),
        afterStep,
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
      if (last.losses.proximal !== undefined) metrics.proximal = last.losses.proximal;
      const result: LocalFitResult = { params, numExamples, metrics, extras: {} };
      if (serverControl !== undefined && clientControl !== undefined) {
        // Option II of SCAFFOLD: c_i⁺ = c_i − c + (x − y_i)/(K·lr), on the trainable weights.
        const next = clientControl.slice();
        const delta = new Float32Array(this.paramCount);
        for (const s of this.slices) {
          for (let i = s.offset; i < s.offset + s.size; i++) {
            next[i] = clientControl[i] - serverControl[i] + (input.global[i] - params[i]) / (steps * lr);
            delta[i] = next[i] - clientControl[i];
          }
        }
        result.extras[EXTRA_CONTROL_DELTA] = delta;
        result.clientControl = next;
      }
      return result;
    } finally {
      optimizer.dispose();
      tf.dispose(owned);
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

  dispose(): void {
    this.model.dispose();
    this.noOptimizer.dispose();
  }

  private checkLength(values: Float32Array, what: string): void {
    if (values.length !== this.paramCount) {
      throw new ShapeMismatchError(`${what} have ${values.length} values but the task's model has ${this.paramCount}`, 'server and client must use the same task');
    }
  }
}

/** Cross-entropy, plus FedProx's (mu/2)·||w − w_global||² when mu > 0. */
function proximalObjective(mu: number, slices: readonly TrainableSlice[], globals: readonly tf.Tensor[]): Objective {
  return {
    name: mu > 0 ? 'fedprox' : 'local',
    losses(ctx: StepContext): Record<string, tf.Scalar> {
      const ce = crossEntropy(ctx.outputs[0].y, ctx.batch.targets.y);
      if (mu === 0) return { ce };
      const squares = slices.map((s, k) => tf.sum(tf.square(tf.sub(s.variable, globals[k]))));
      return { ce, proximal: tf.mul(mu / 2, tf.addN(squares)) as tf.Scalar };
    },
  };
}
