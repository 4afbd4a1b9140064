/**
 * The training loop: epochs of seeded shuffled batches, one joint step per batch, progress
 * events, and a per-epoch record. Joint and alone runs use the same loop with different objectives.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource } from './batch.js';
import type { Member } from './member.js';
import type { Objective } from './objective.js';
import { createRng, permutation } from './random.js';
import { trainStep, type GradientCombiner, type RepresentationOptions, type StepLosses } from './train-step.js';

/**
 * Progress of {@link train}, passed to `onProgress` after every step. `epoch` and `step` are
 * 1-based (`step` counts within the epoch), out of `epochs` and `stepsPerEpoch`.
 */
export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Samples processed in this epoch so far. */
  samples: number;
  /** Mean over the epoch's samples so far of the summed losses. */
  loss: number;
}

/**
 * What {@link train} records for one epoch: mean losses, wall time and throughput. One per epoch is
 * returned and passed to `onEpochEnd`.
 */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean of each named loss over the epoch's samples. */
  losses: StepLosses;
  /** Wall time of the epoch's training steps, in seconds. */
  seconds: number;
  /** Training samples per second. */
  samplesPerSecond: number;
}

/**
 * Options of {@link train}: the members, the objective they minimize, the data, the length of the
 * run and the batch size, the shuffling seed, and optional gradient handling and callbacks.
 */
export interface TrainOptions {
  members: readonly Member[];
  objective: Objective;
  data: BatchSource;
  /** Number of passes over the data. */
  epochs: number;
  /** Samples per step. The last smaller batch of an epoch is kept. */
  batchSize: number;
  /** Seed of the shuffling order. */
  seed: number;
  combineGradients?: GradientCombiner;
  /** See `StepOptions.ownScales`. */
  ownScales?: () => Readonly<Record<string, number>> | undefined;
  /** See `StepOptions.representation`. */
  representation?: RepresentationOptions;
  /** Called after every optimizer step, outside the step's tidy, with the step's batch indices and loss values (before `afterStep`). */
  onStep?: (indices: Int32Array, losses: StepLosses) => void;
  /** Called every step (cheap: keep it so). */
  onProgress?: (p: TrainProgress) => void;
  /** Called after every optimizer step, outside the step's tidy (e.g. SCAFFOLD's control-variate correction). */
  afterStep?: () => void;
  /** Called after every epoch; may evaluate the members. */
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
}

/** Trains the members jointly under the objective; returns one record per epoch. */
export async function train(opts: TrainOptions): Promise<EpochRecord[]> {
  const rng = createRng(opts.seed);
  const stepsPerEpoch = Math.ceil(opts.data.length / opts.batchSize);
  const records: EpochRecord[] = [];
  let step = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    opts.objective.onEpochStart?.(epoch);
    const order = permutation(opts.data.length, rng);
    const sums: StepLosses = {};
    let total = 0;
    let samples = 0;
    const started = performance.now();
    for (let b = 0; b < stepsPerEpoch; b++) {
      const indices = order.subarray(b * opts.batchSize, Math.min((b + 1) * opts.batchSize, order.length));
      const losses = tf.tidy(() => {
        const batch = opts.data.batch(indices);
        return trainStep({
          members: opts.members,
          objective: opts.objective,
          batch,
          epoch,
          step,
          stepsPerEpoch,
          combineGradients: opts.combineGradients,
          ownScales: opts.ownScales,
          representation: opts.representation,
        });
      });
      opts.onStep?.(indices, losses);
      opts.afterStep?.();
      step++;
      samples += indices.length;
      for (const [name, v] of Object.entries(losses)) {
        // Weighted by batch size, so a smaller last batch counts for what it holds.
        sums[name] = (sums[name] ?? 0) + v * indices.length;
        total += v * indices.length;
      }
      opts.onProgress?.({ epoch: epoch + 1, epochs: opts.epochs, step: b + 1, stepsPerEpoch, samples, loss: total / samples });
    }
    const seconds = (performance.now() - started) / 1000;
    const means: StepLosses = {};
    for (const [name, v] of Object.entries(sums)) means[name] = v / samples;
    const record: EpochRecord = { epoch: epoch + 1, losses: means, seconds, samplesPerSecond: opts.data.length / seconds };
    records.push(record);
    await opts.onEpochEnd?.(record);
  }
  return records;
}
